"""Template helpers for the owner's side of data-subject rights in the admin."""

import html
from datetime import date, datetime, tzinfo
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consent.models import RightsRequest

register = template.Library()


def deadline_html(request: RightsRequest, today: date | None = None) -> SafeString | str:
    """How much time an open request has left: overdue ones in red, soon-due ones in bold."""
    if not request.is_open:
        return "—"
    days = request.days_left(today)
    if days < 0:
        text = ngettext("overdue by %(days)d day", "overdue by %(days)d days", -days) % {
            "days": -days
        }
        return format_html('<strong class="overdue open-complaint">{}</strong>', text)
    if days == 0:
        return format_html('<strong class="due-today open-complaint">{}</strong>', _("due today"))
    text = ngettext("due in %(days)d day", "due in %(days)d days", days) % {"days": days}
    if days <= 7:
        return format_html('<strong class="due-soon">{}</strong>', text)
    return text


@register.filter
def deadline(request: RightsRequest) -> SafeString | str:
    return deadline_html(request)


@register.filter
def report_value(value: Any) -> str:
    """A value of the access report as a person reads it."""
    return _shown(value, timezone.get_current_timezone())


def _shown(value: Any, zone: tzinfo) -> str:
    """report_value, with the reader's time zone looked up once by the caller."""
    if value is None or value == "":
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, str) and len(value) in (10, 25) and value[4:5] == "-":
        # The report's dates and times are ISO 8601; show them the Finnish way.
        try:
            if len(value) == 25:
                return datetime.fromisoformat(value).astimezone(zone).strftime("%d.%m.%Y %H:%M")
            return date.fromisoformat(value).strftime("%d.%m.%Y")
        except ValueError:
            return value
    return str(value)


@register.simple_tag
def report_table_rows(section: dict[str, Any]) -> SafeString:
    """A report section's rows as table rows, each value as report_value shows it and
    escaped: made here in one go, not by a template loop over every value, and each
    distinct value shown once (issue 12: a customer with 1,000 rows has some 6,000 values,
    most of them repeated course names and dates)."""
    names = [field["name"] for field in section["fields"]]
    if not section["rows"]:
        return format_html('<tr><td colspan="{}">{}</td></tr>', len(names), _("Nothing held."))
    shown: dict[Any, str] = {}
    zone = timezone.get_current_timezone()

    def cell(value: Any) -> str:
        # Keyed with the type too: True and 1 are equal keys, but "yes" and "1" to read.
        key = (value.__class__, value)
        try:
            return shown[key]
        except KeyError:
            text = shown[key] = html.escape(_shown(value, zone))
            return text
        except TypeError:  # a list or a mapping: not a key, shown as it comes
            return html.escape(_shown(value, zone))

    return mark_safe(  # noqa: S308 - every value is escaped by cell()
        "\n".join(
            "<tr>" + "".join(f"<td>{cell(row.get(n))}</td>" for n in names) + "</tr>"
            for row in section["rows"]
        )
    )


@register.inclusion_tag("admin/consent/due_panel.html", takes_context=True)
def rights_due_panel(context: template.Context) -> dict[str, Any]:
    """The open requests that are overdue or due within a week, for the admin index."""
    from consent.records.deadlines import due_soon

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("consent.view_rightsrequest"):
        return {"show": False}
    today = timezone.localdate()
    due = list(due_soon())
    return {
        "show": True,
        "requests": due,
        "overdue": sum(1 for r in due if r.days_left(today) < 0),
        "today": today,
    }
