"""The access report (GDPR Art. 15, R13) and the portable copy (Art. 20, R14).

Built from the personal-data inventory: every row of every table linked to the person,
every classified field, so that a new table cannot be forgotten.
"""

import json
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consent.mail.links import TokenError, TokenProblem, use_token
from consent.models import LinkToken, StudioSettings
from consent.records import audit, processing
from consent.records.bookkeeping import kept_until
from consent.records.processing import retention_text
from customers.inventory import (
    Category,
    ModelRule,
    Retention,
    concrete_field,
    personal_rules,
)
from customers.models import Customer
from rekisteri import spreadsheets

# Fields left out of the person's copy: technical identifiers and links mean nothing to them,
# and who among the staff recorded a row is the staff member's data, not the customer's.
_LEFT_OUT = {Category.STAFF, Category.TECHNICAL}


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?)?$")


def rows_about(customer: Customer, rule: ModelRule) -> models.QuerySet:
    """Every row of `rule.model` that is about `customer`."""
    manager = rule.model._default_manager
    if rule.person == "":
        return manager.filter(pk=customer.pk)
    return manager.filter(**{str(rule.person): customer})


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    return value


def _labels(field: models.Field) -> dict[Any, str]:
    """A field's choices as their labels in the reader's language: made once per report,
    where get_FOO_display() rebuilds the choices for every row (half the report's time for
    a customer with 1,000 rows)."""
    return {value: str(label) for value, label in field.flatchoices}


# Fields whose values the report shows as the database gives them.
_AS_READ = (models.CharField, models.TextField, models.IntegerField, models.BooleanField)


def _as_read(value: Any) -> Any:
    return value


def _converter(field: models.Field) -> Callable[[Any], Any]:
    """How the report shows a value of `field`, decided once per table, not per value
    (issue 12): a choice as its label, a date or time in ISO 8601 in the studio's time,
    a linked row by its name, anything else as _plain makes it."""
    if field.choices:
        labels = _labels(field)
        return lambda value: labels.get(value, value)
    if isinstance(field, _AS_READ):
        # Text, numbers and truth values are shown as they are read.
        return _as_read
    if isinstance(field, models.DateTimeField):
        zone = timezone.get_current_timezone()
        return lambda value: (
            None if value is None else value.astimezone(zone).isoformat("T", "seconds")
        )
    return _plain


def _model(related: Any) -> type[models.Model]:
    assert isinstance(related, type) and issubclass(related, models.Model)  # noqa: S101
    return related


def _shown_column(field: models.Field, show: Callable[[Any], Any], column: tuple) -> Any:
    """A column of `field`'s values as the report shows them: with no call per value in
    Python where the values are shown as read or by a choice's label."""
    if show is _as_read:
        return column
    if field.choices:
        labels = _labels(field)
        return map(labels.get, column, column)
    return map(show, column)


def _named_column(name_from: Callable[..., str], links: tuple, *naming: tuple) -> Any:
    """The names of a column of linked rows, from their ids and the columns of values
    they are named by: each linked row named once (a course many enrolments name)."""
    names: dict[Any, str | None] = {None: None}
    for link, *values in zip(links, *naming, strict=True):
        if link not in names:
            names[link] = name_from(*values)
    return map(names.__getitem__, links)


def _rows(customer: Customer, rule: ModelRule, fields: list[models.Field]) -> list[dict]:
    """The rows of `rule.model` about `customer`, each as {field name: value shown}: one
    query, whatever the number of rows."""
    names = [f.name for f in fields]
    shown = [_converter(f) for f in fields]
    links = [f for f in fields if f.many_to_one or f.one_to_one]
    found = rows_about(customer, rule).order_by("pk")
    linked = [_model(f.related_model) for f in links]
    if all(hasattr(model, "NAME_FIELDS") for model in linked):
        # Plain values, no model objects to build (half the report's time): a linked row
        # (a course, a session) is named from the values its model names it by
        # (NAME_FIELDS, read in the same query, given to its name_from). The values are
        # shown a column at a time (issue 12: 6,000 values for a customer with 1,000
        # rows), then put back together as rows.
        columns: list[str] = []
        for field in fields:
            columns.append(field.attname)
            if field.many_to_one or field.one_to_one:
                model: Any = field.related_model  # a model with NAME_FIELDS and name_from
                columns += [f"{field.name}__{n}" for n in model.NAME_FIELDS]
        values = list(found.values_list(*columns))
        if not values:
            return []
        read = iter(zip(*values, strict=True))
        zone = timezone.get_current_timezone()
        shown_columns = []
        for field, show in zip(fields, shown, strict=True):
            if field.many_to_one or field.one_to_one:
                model = field.related_model
                ids = next(read)
                naming = [next(read) for _name in model.NAME_FIELDS]
                name_from = partial(model.name_from, zone=zone)
                shown_columns.append(_named_column(name_from, ids, *naming))
            else:
                shown_columns.append(_shown_column(field, show, next(read)))
        return [dict(zip(names, row, strict=True)) for row in zip(*shown_columns, strict=True)]
    # Otherwise a linked row is shown by its name as its model makes it: read with the row,
    # and with the rows that name is made of (the links every such row has).
    through = [
        f"{f.name}__{link.name}"
        for f in links
        for link in _model(f.related_model)._meta.concrete_fields
        if link.many_to_one and not link.null
    ]
    found = found.select_related(*[f.name for f in links], *through)
    reads = [
        (name, f.name if f.is_relation else f.attname)
        for name, f in zip(names, fields, strict=True)
    ]
    return [
        {
            name: show(getattr(obj, attribute))
            for (name, attribute), show in zip(reads, shown, strict=True)
        }
        for obj in found
    ]


def _report_fields(rule: ModelRule) -> list[models.Field]:
    person_link = rule.person.split("__")[0] if rule.person else None
    return [
        concrete_field(rule.model, name)
        for name, field_rule in rule.fields.items()
        if field_rule.category not in _LEFT_OUT and name != person_link
    ]


def information(*, studio: StudioSettings) -> dict[str, Any]:
    """What Art. 15(1)(a)-(h) asks to be told besides the data itself: purposes, categories,
    recipients and transfers with their safeguards (Art. 15(2)), retention, the rights
    (withdrawal of consent and the objection of Art. 21(1) included), the right to
    complain, the source and automated decisions. The same words as the privacy notice:
    both come from consent.records.processing."""
    return processing.describe(processing.facts(studio))


def _section_retention(rule: ModelRule, *, studio: StudioSettings, rows: list[dict]) -> str:
    """A table's retention period; for the purchases the person has, also the day until
    which the newest is kept for bookkeeping (Accounting Act 1336/1997, 2:10 §), from the
    rows already read."""
    text = retention_text(rule.retention, studio=studio)
    if rule.retention == Retention.BOOKKEEPING and rows:
        # The purchases are the bookkeeping table (customers/personal_data.py); the report
        # holds their days in ISO 8601.
        newest = max(date.fromisoformat(row["purchased_on"]) for row in rows)
        until = kept_until(newest, studio=studio)
        text += "; " + _("your newest purchase is kept until %(date)s") % {
            "date": formats.date_format(until, "SHORT_DATE_FORMAT")
        }
    return text


def build_access_report(*, customer: Customer) -> dict[str, Any]:
    """Everything the register holds about `customer`, with the Art. 15 information.

    A read with no record of its own: the act of giving access is `access_report`."""
    studio = StudioSettings.load()
    sections = []
    for rule in personal_rules():
        fields = _report_fields(rule)
        if fields:
            rows = _rows(customer, rule, fields)
        else:
            # A table none of whose fields is the person's to read (the audit trail): how
            # many rows there are is all the report shows, so only they are counted.
            rows = [{} for _row in range(rows_about(customer, rule).count())]
        sections.append(
            {
                "table": rule.model._meta.label_lower,
                "title": str(rule.model._meta.verbose_name_plural).capitalize(),
                "fields": [
                    {"name": f.name, "label": str(f.verbose_name).capitalize()} for f in fields
                ],
                "rows": rows,
                "retention": _section_retention(rule, studio=studio, rows=rows),
            }
        )
    return {
        "generated_at": _plain(timezone.now()),
        "person": {"name": customer.full_name, "email": customer.email},
        "source": str(customer.get_origin_display()),
        "sections": sections,
        "information": information(studio=studio),
    }


def open_released_report(*, raw_token: str) -> Customer:
    """Spend the link of a released report (single use); the customer whose report it is.

    The link works only while the customer's address is the one it was sent to, so that
    the report never reaches an address the customer has left.
    """
    with transaction.atomic():
        token = use_token(raw_token, purpose=LinkToken.Purpose.OPEN_REPORT)
        customer = token.request.customer if token.request is not None else None
        if customer is None or (token.new_email and token.new_email != customer.email):
            raise TokenError(TokenProblem.INVALID)
    return customer


class Use:
    """How a report is used, for its audit entry: viewed on a page, or taken as a file."""

    VIEW = "view"
    JSON = "json"
    CSV = "csv"
    COMMAND = "command"


def access_report(
    *, customer: Customer, actor: User | None, use: str, own_page: bool = False
) -> dict[str, Any]:
    """The act of access (Art. 15, R13) and of the portable copy (Art. 20, R14): the
    report, and an audit entry for every look at it or copy of it, whoever takes it (the
    owner in the admin, the customer on their own page, a command)."""
    report = build_access_report(customer=customer)
    audit.record(
        audit.Action.VIEW if use == Use.VIEW else audit.Action.EXPORT,
        user=actor,
        customer=customer,
        detail=audit.Detail("access_report_own_page" if own_page else "access_report", use=use),
    )
    return report


def _readable(value: Any) -> Any:
    """Dates and times as people read them (the report itself keeps ISO 8601)."""
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        if len(value) == 10:
            return formats.date_format(parsed.date(), "SHORT_DATE_FORMAT")
        return formats.date_format(timezone.localtime(parsed), "SHORT_DATETIME_FORMAT")
    return value


def entries_text(count: int) -> str:
    """How many rows a table none of whose fields the person reads holds about them."""
    return ngettext("%(count)d entry", "%(count)d entries", count) % {"count": count}


def readable_sections(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's non-empty sections with each row as (label, value) pairs, for a page;
    a table none of whose fields the person reads (the audit trail) as its count."""
    return [
        {
            "title": section["title"],
            "retention": section["retention"],
            "rows": [
                [(f["label"], _readable(row[f["name"]])) for f in section["fields"]]
                for row in section["rows"]
            ]
            if section["fields"]
            else [],
            "entries": "" if section["fields"] else entries_text(len(section["rows"])),
        }
        for section in report["sections"]
        if section["rows"]
    ]


def report_rows(report: dict[str, Any]) -> list[list[object]]:
    """The report as one table: a row per field of every row (table, row, field, value)."""
    rows: list[list[object]] = [[_("table"), _("row"), _("field"), _("value")]]
    for section in report["sections"]:
        labels = {f["name"]: f["label"] for f in section["fields"]}
        for number, row in enumerate(section["rows"], start=1):
            for name, value in row.items():
                rows.append([section["title"], number, labels[name], value])
    return rows


def report_as_json(report: dict[str, Any]) -> str:
    """The report as the portable copy's JSON (Art. 20), on one line: the json module's C
    encoder writes it; indenting would take its pure-Python one, a fifth of the report's
    time for a customer with 1,000 rows (issue 12)."""
    return json.dumps(report, cls=DjangoJSONEncoder, ensure_ascii=False)


def report_as_csv(report: dict[str, Any]) -> str:
    """The report in the app's one CSV dialect (rekisteri.spreadsheets)."""
    return spreadsheets.csv_text(report_rows(report))
