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

from consent.acts.access import entries_text
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
        # (As strftime("%d.%m.%Y %H:%M") shows them, at half its cost.)
        try:
            if len(value) == 25:
                at = datetime.fromisoformat(value).astimezone(zone)
                return f"{at.day:02}.{at.month:02}.{at.year} {at.hour:02}:{at.minute:02}"
            day = date.fromisoformat(value)
        except ValueError:
            return value
        return f"{day.day:02}.{day.month:02}.{day.year}"
    return str(value)


def _cells(column: list[Any], zone: tzinfo) -> Any:
    """A column of report values as escaped table cells, each distinct value shown once
    (most are repeated course names, states and dates), keyed with its type too: True and
    1 are equal keys, but "yes" and "1" to read."""
    keys = list(zip(map(type, column), column, strict=True))
    try:
        distinct = set(keys)
    except TypeError:  # a list or a mapping among the values: each shown as it comes
        return [html.escape(_shown(value, zone)) for value in column]
    texts = {key: html.escape(_shown(key[1], zone)) for key in distinct}
    return map(texts.__getitem__, keys)


@register.simple_tag
def report_table_rows(section: dict[str, Any]) -> SafeString:
    """A report section's rows as table rows, each value as report_value shows it and
    escaped: made here a column at a time, not by a template loop over every value (issue
    12: a customer with 1,000 rows has some 6,000 values)."""
    names = [field["name"] for field in section["fields"]]
    rows = section["rows"]
    if not rows:
        return format_html(
            '<tr><td colspan="{}">{}</td></tr>', max(len(names), 1), _("Nothing held.")
        )
    if not names:
        # A table none of whose fields the person reads (the audit trail): its rows counted.
        return format_html("<tr><td>{}</td></tr>", entries_text(len(rows)))
    zone = timezone.get_current_timezone()
    columns = [_cells([row.get(name) for row in rows], zone) for name in names]
    row_html = "<tr>" + "<td>%s</td>" * len(names) + "</tr>"
    return mark_safe(  # noqa: S308 - every value is escaped by _cells()
        "\n".join(map(row_html.__mod__, zip(*columns, strict=True)))
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
