"""The audit trail (R23): one call per act; the entry names objects, never copies data.

An entry's detail is a message key of MESSAGES with its parameters (codes, counts, field
names), so that each reader sees it in their own language (`detail_text`); the English
rendering goes into `detail` as well, for exports and whoever reads the database.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast
from weakref import WeakKeyDictionary

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from consent.models import AuditEntry, ConsentEvent, RightsRequest
from customers.inventory import Retention
from customers.models import Customer

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

Action = AuditEntry.Action

# A detail's parameter: JSON holding codes, counts and lists of them, never words.
Param = str | int | Sequence[str] | Sequence[Sequence[str | int]]
# How a parameter is shown: from its stored value and the entry's object type
# ("app.Model"), what the placeholder gets; a count stays an int for the plural.
Format = Callable[[Any, str], str | int]


# Formatters: codes into labels of the active language, without a query -----------------


def _count(value: Any, object_type: str) -> int:
    return int(value)


def _as_stored(value: Any, object_type: str) -> str:
    """Data, not words (a backup's file name): shown as it is."""
    return str(value)


def _choice(choices: type[models.Choices]) -> Format:
    """A code of `choices` as its label; a code that is no longer a choice as it is."""

    def label(value: Any, object_type: str) -> str:
        try:
            return str(choices(value).label)
        except ValueError:
            return str(value)

    return label


def _one_of(labels: Mapping[str, "_StrPromise"]) -> Format:
    def label(value: Any, object_type: str) -> str:
        return str(labels.get(str(value), value))

    return label


def _counted(message: "_StrPromise") -> Format:
    """A count with its noun, e.g. "3 objections": `message` is an ngettext_lazy on "count"."""

    def counted(value: Any, object_type: str) -> str:
        return message % {"count": int(value)}

    return counted


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def field_label(model: type[models.Model] | None, name: str) -> str:
    """A field's verbose name in the active language, or its name if the field is gone."""
    if model is not None:
        try:
            verbose = getattr(model._meta.get_field(name), "verbose_name", None)
        except FieldDoesNotExist:
            verbose = None
        if verbose:
            return str(verbose)
    return name


def _fields(value: Any, object_type: str) -> str:
    """Field names of the entry's object, and "app.Model.field" for an inline row's field."""
    model = _model(object_type) if object_type else None
    labels = []
    for name in value:
        inline, _dot, attr = str(name).rpartition(".")
        if inline:
            row_model = _model(inline)
            row = str(row_model._meta.verbose_name) if row_model is not None else inline
            labels.append(f"{field_label(row_model, attr)} ({row})")
        else:
            labels.append(field_label(model, attr))
    return ", ".join(labels)


# What an erasure counts by a word of its own: the emails to the person's addresses (of
# the outbox) and the person's signed-in sessions.
EXTRA_TABLES = {"emails": _("emails"), "sessions": _("sessions")}


def table_label(code: str) -> str:
    """A table by model label ("customers.Purchase") as its plural verbose name."""
    if code in EXTRA_TABLES:
        return str(EXTRA_TABLES[code])
    model = _model(code)
    return str(model._meta.verbose_name_plural) if model is not None else code


def _tables(value: Any, object_type: str) -> str:
    return "; ".join(f"{table_label(str(code))}: {count}" for code, count in value)


def _retention(value: Any, object_type: str) -> str:
    label = _choice(Retention)
    return "; ".join(f"{label(code, object_type)}: {count}" for code, count in value)


# How the access report was used (consent.acts.access.Use).
ACCESS_USES = {
    "view": _("viewed on a page"),
    "json": _("downloaded as JSON"),
    "csv": _("downloaded as CSV"),
    "command": _("taken with a command"),
}
# Where a booking calendar import was made.
IMPORT_WAYS = {"admin": _("in the admin"), "command": _("with a command")}


# The registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """A detail's words: a gettext_lazy (or an ngettext_lazy on "count") with named
    placeholders, and for each placeholder how its parameter is shown."""

    text: "_StrPromise"
    params: Mapping[str, Format]


DetailKey = Literal[
    "fields",
    "request",
    "request_channel",
    "consent",
    "objection",
    "access_report",
    "access_report_own_page",
    "newsletter_queued",
    "marketing_audience",
    "erased",
    "retention",
    "restore",
    "bookings_imported",
    "participant_list_csv",
    "attendance_saved",
    "attendance_viewed",
    "calendar_feed_replaced",
    "sessions_generated",
]

_request_type = _choice(RightsRequest.Type)
_purpose, _channel = _choice(ConsentEvent.Purpose), _choice(ConsentEvent.Channel)
_source = _choice(ConsentEvent.Source)

MESSAGES: dict[DetailKey, Message] = {
    # A change in the admin, a correction: which fields, never their values.
    "fields": Message(_("Fields: %(fields)s"), {"fields": _fields}),
    "request": Message(_("Request type: %(type)s"), {"type": _request_type}),
    "request_channel": Message(
        _("Request type: %(type)s; channel: %(channel)s"),
        {"type": _request_type, "channel": _choice(RightsRequest.Channel)},
    ),
    "consent": Message(
        _("%(purpose)s, %(channel)s: %(action)s (%(source)s)"),
        {
            "purpose": _purpose,
            "channel": _channel,
            "action": _choice(ConsentEvent.Action),
            "source": _source,
        },
    ),
    "objection": Message(_("Source: %(source)s"), {"source": _source}),
    "access_report": Message(_("Access report, %(use)s"), {"use": _one_of(ACCESS_USES)}),
    "access_report_own_page": Message(
        _("Access report, %(use)s, by the customer on their own page"),
        {"use": _one_of(ACCESS_USES)},
    ),
    "newsletter_queued": Message(
        ngettext_lazy(
            "Newsletter queued to %(count)s person",
            "Newsletter queued to %(count)s people",
            "count",
        ),
        {"count": _count},
    ),
    "marketing_audience": Message(
        ngettext_lazy(
            "Marketing audience (%(purpose)s, %(channel)s): %(count)s person",
            "Marketing audience (%(purpose)s, %(channel)s): %(count)s people",
            "count",
        ),
        {"purpose": _purpose, "channel": _channel, "count": _count},
    ),
    "erased": Message(_("Erased or detached from the person: %(tables)s"), {"tables": _tables}),
    "retention": Message(
        _("Removed past their retention period: %(kinds)s"), {"kinds": _retention}
    ),
    # The same words as the restore command's summary.
    "restore": Message(
        _(
            "Restored from %(backup)s; applied again: %(erased)s, %(suppressions)s, "
            "%(objections)s, %(consents)s, %(restrictions)s"
        ),
        {
            "backup": _as_stored,
            "erased": _counted(
                ngettext_lazy("%(count)s customer erased", "%(count)s customers erased", "count")
            ),
            "suppressions": _counted(
                ngettext_lazy(
                    "%(count)s suppression-list entry",
                    "%(count)s suppression-list entries",
                    "count",
                )
            ),
            "objections": _counted(
                ngettext_lazy("%(count)s objection", "%(count)s objections", "count")
            ),
            "consents": _counted(
                ngettext_lazy("%(count)s consent event", "%(count)s consent events", "count")
            ),
            "restrictions": _counted(
                ngettext_lazy("%(count)s restriction", "%(count)s restrictions", "count")
            ),
        },
    ),
    "bookings_imported": Message(
        _(
            "Booking calendar import %(way)s: rows new %(new)s, existing %(updated)s, "
            "duplicate %(duplicate)s, invalid %(invalid)s; customers created "
            "%(customers_created)s, updated %(customers_updated)s; courses created "
            "%(courses_created)s; enrolments created %(enrollments_created)s; on the "
            "suppression list (bookings only) %(suppressed)s"
        ),
        {
            "way": _one_of(IMPORT_WAYS),
            **dict.fromkeys(
                (
                    "new",
                    "updated",
                    "duplicate",
                    "invalid",
                    "customers_created",
                    "customers_updated",
                    "courses_created",
                    "enrollments_created",
                    "suppressed",
                ),
                _count,
            ),
        },
    ),
    "participant_list_csv": Message(_("Participant list as CSV"), {}),
    # The same words as the message the staff member sees on saving.
    "attendance_saved": Message(
        _("Attendance saved: %(present)d present, %(absent)d absent."),
        {"present": _count, "absent": _count},
    ),
    "attendance_viewed": Message(_("The customer's attendance"), {}),
    "calendar_feed_replaced": Message(
        _("The calendar feed got a new address; the old one no longer works"), {}
    ),
    "sessions_generated": Message(
        ngettext_lazy(
            "%(count)d session was created.", "%(count)d sessions were created.", "count"
        ),
        {"count": _count},
    ),
}


def _json(value: Any) -> Any:
    """Codes as plain strings (a TextChoices member is a str subclass)."""
    if isinstance(value, bool):
        raise TypeError("An audit detail takes codes and counts, not booleans.")
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    raise TypeError(f"An audit detail cannot hold {type(value).__name__}.")


@dataclass(frozen=True, init=False)
class Detail:
    """An entry's detail as a key of MESSAGES and its parameters, e.g.
    `Detail("newsletter_queued", count=12)`; shown in the reader's language."""

    key: DetailKey
    params: dict[str, Any]

    def __init__(self, key: DetailKey, /, **params: Param) -> None:
        expected = MESSAGES[key].params.keys()
        if params.keys() != expected:
            raise TypeError(
                f"The audit detail {key!r} takes {sorted(expected)}, not {sorted(params)}."
            )
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "params", {k: _json(v) for k, v in params.items()})

    def text(self, *, object_type: str = "") -> str:
        """In the active language."""
        return render(self.key, self.params, object_type=object_type) or ""


def render(key: str, params: Any, *, object_type: str = "") -> str | None:
    """The detail `key` with `params` in the active language; None for a key no longer in
    MESSAGES or parameters it cannot show."""
    message = cast(Mapping[str, Message], MESSAGES).get(key)
    if message is None or not isinstance(params, Mapping):
        return None
    try:
        values = {name: show(params[name], object_type) for name, show in message.params.items()}
        return message.text % values if values else str(message.text)
    except (KeyError, TypeError, ValueError):
        return None


def detail_text(entry: AuditEntry) -> str:
    """An entry's detail in the active language: its message when its key is known, else
    the text stored (entries from before details had keys, and data such as an error)."""
    if entry.detail_key:
        text = render(entry.detail_key, entry.detail_params, object_type=entry.object_type)
        if text is not None:
            return text
    return entry.detail


# Writing --------------------------------------------------------------------------------


def customer_of(obj: Any) -> Customer | None:
    """The customer an object is about, if any (a customer, or a row linked to one)."""
    if isinstance(obj, Customer):
        return obj
    customer = getattr(obj, "customer", None)
    return customer if isinstance(customer, Customer) else None


def record(
    action: str,
    *,
    user: Any = None,
    obj: models.Model | None = None,
    customer: Customer | None = None,
    detail: Detail | str = "",
    username: str = "",
) -> AuditEntry:
    """One entry. `detail` is a Detail, or a plain string for text that is data, not words."""
    if customer is None and obj is not None:
        customer = customer_of(obj)
    real_user = user if getattr(user, "pk", None) else None
    object_type = obj._meta.label if obj is not None else ""
    key: str = ""
    params: dict[str, Any] = {}
    text = detail if isinstance(detail, str) else ""
    if isinstance(detail, Detail):
        key, params = detail.key, detail.params
        with translation.override("en"):
            text = detail.text(object_type=object_type)
    return AuditEntry.objects.create(
        action=action,
        user=real_user,
        username=(username or getattr(real_user, "get_username", lambda: "")())[:150],
        customer=customer if customer is not None and customer.pk else None,
        object_type=object_type,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        detail=text[:300],
        detail_key=key,
        detail_params=params,
    )


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(Action.LOGIN, user=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(Action.LOGOUT, user=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    record(Action.LOGIN_FAILED, username=str(credentials.get("username", ""))[:150])


def _is_field(model: type[models.Model] | None, name: str) -> bool:
    if model is None:
        return False
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def changed_field_names(form: Any, formsets: Any) -> list[str]:
    """The fields a change form changed: the object's by name, an inline row's as
    "app.Model.field". Form-only fields (a confirmation box) hold no data: left out."""
    model = getattr(getattr(form, "_meta", None), "model", None)
    names = [n for n in form.changed_data if _is_field(model, n)]
    for formset in formsets or ():
        for row, fields in getattr(formset, "changed_objects", ()):
            names += [f"{row._meta.label}.{n}" for n in fields if _is_field(type(row), n)]
    return list(dict.fromkeys(names))


# From construct_change_message to log_change: Django hands log_change only the fields'
# labels, fixed in English, and the entry needs their names to show them in any language.
_changed_fields: WeakKeyDictionary[Any, list[str]] = WeakKeyDictionary()


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin mixin: every add, change and delete in the admin, and every view of a
    customer's page, goes into the audit trail."""

    def construct_change_message(
        self, request: Any, form: Any, formsets: Any, add: bool = False
    ) -> Any:
        if not add:
            _changed_fields[request] = changed_field_names(form, formsets)
        return super().construct_change_message(request, form, formsets, add)

    def log_addition(self, request: Any, obj: Any, message: Any) -> Any:
        record(Action.ADD, user=request.user, obj=obj)
        return super().log_addition(request, obj, message)

    def log_change(self, request: Any, obj: Any, message: Any) -> Any:
        names = _changed_fields.pop(request, None)
        detail: Detail | str
        if names is not None:
            detail = Detail("fields", fields=names) if names else ""
        else:
            # A change logged by hand, with labels only: kept as given.
            labels = {
                f
                for m in message or []
                if isinstance(m, dict)
                for f in m.get("changed", {}).get("fields", [])
            }
            detail = ", ".join(sorted(labels))
        record(Action.CHANGE, user=request.user, obj=obj, detail=detail)
        return super().log_change(request, obj, message)

    def log_deletions(self, request: Any, queryset: Any) -> Any:
        for obj in queryset:
            record(Action.DELETE, user=request.user, obj=obj)
        return super().log_deletions(request, queryset)

    def change_view(self, request: Any, object_id: str, *args: Any, **kwargs: Any) -> Any:
        response = super().change_view(request, object_id, *args, **kwargs)
        if request.method == "GET" and getattr(response, "status_code", 0) == 200:
            obj = (
                response.context_data.get("original") if hasattr(response, "context_data") else None
            )
            if obj is not None and customer_of(obj) is not None:
                record(Action.VIEW, user=request.user, obj=obj)
        return response
