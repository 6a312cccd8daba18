"""Erasure (GDPR Art. 17, P7, R16): the person's identity removed from everywhere, in one
transaction, except what a law requires to be kept.

`erase_customer` is the one function that erases a person; the request queue, the admin
action, the `erase_customer` command, retention and a restore all call it. It owns the
whole effect:

- every table the personal-data inventory names: rows deleted, or kept (bookkeeping, the
  record that a request was answered) with the fields about the person blanked, replaced
  or detached;
- beyond the inventory: Django's admin log (`object_repr`), the person's sessions, emails
  in the outbox to any address they have used and links waiting to be followed there;
- the person's open requests are closed, and the person is told at their address (a last
  email, deleted once sent) when they were waiting for an answer;
- a keyed hash of the email and phone goes to the suppression list, stamped with the time
  of the erasure, so that no import, sign-up link or restore brings the person back;
- on SQLite the write-ahead log is checkpointed, so that the deleted bytes (overwritten by
  `secure_delete`) leave the `-wal` file too.
"""

import logging
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consent.acts.access import rows_about
from consent.acts.requests import RightsError, complete, require_open
from consent.mail.outbox import queue_email
from consent.mail.suppression import suppress
from consent.models import LinkToken, OutboxEmail, RightsRequest, Suppression
from consent.records import audit
from consent.records.bookkeeping import bookkeeping_until
from customers.inventory import (
    ERASED_PLACEHOLDER,
    Erasure,
    ModelRule,
    Retention,
    concrete_field,
    personal_rules,
)
from customers.models import Course, Customer, Enrollment, Purchase
from rekisteri.sqlite import checkpoint_sqlite

Type, Status = RightsRequest.Type, RightsRequest.Status
logger = logging.getLogger(__name__)

SESSION_KEY = "rights_customer"


@dataclass(frozen=True)
class PreviewLine:
    title: str
    count: int
    action: str  # "delete" or "keep"
    kept_until: date | None
    why: str


@dataclass(frozen=True)
class ErasureResult:
    """What an erasure did: rows per table, requests closed, whom it told.

    `tables` counts rows by model label ("customers.Purchase"), and the emails and
    sessions by those words (audit.EXTRA_TABLES)."""

    tables: dict[str, int]
    requests_closed: int = 0
    told: str = ""
    cancelled_courses: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Rows per table by the table's name in the active language."""
        counts: dict[str, int] = {}
        for code, count in self.tables.items():
            name = audit.table_label(code)
            counts[name] = counts.get(name, 0) + count
        return counts

    @property
    def summary(self) -> str:
        return ", ".join(f"{name}: {count}" for name, count in self.counts.items() if count)

    @property
    def audit_detail(self) -> audit.Detail:
        return audit.Detail(
            "erased", tables=[[code, count] for code, count in self.tables.items() if count]
        )


def upcoming_courses(customer: Customer) -> list[Course]:
    """Courses not yet over in which the person holds a place: erasure cancels it."""
    return list(
        Course.objects.filter(
            enrollments__customer=customer,
            ends_at__gt=timezone.now(),
        )
        .exclude(enrollments__status=Enrollment.Status.CANCELLED, enrollments__customer=customer)
        .order_by("starts_at")
        .distinct()
    )


def _kept_until(rule: ModelRule, customer: Customer) -> date | None:
    if rule.retention == Retention.BOOKKEEPING:
        return bookkeeping_until(customer)
    return None


def erasure_preview(customer: Customer) -> list[PreviewLine]:
    """What erasing `customer` would delete and what it would keep, table by table."""
    lines = []
    for rule in personal_rules():
        count = rows_about(customer, rule).count()
        if not count:
            continue
        lines.append(
            PreviewLine(
                title=str(rule.model._meta.verbose_name_plural).capitalize(),
                count=count,
                action="delete" if rule.rows == Erasure.DELETE else "keep",
                kept_until=_kept_until(rule, customer),
                why=str(rule.kept_because),
            )
        )
    return lines


def _blank(field: models.Field) -> object:
    if isinstance(field, models.JSONField) and not field.null:
        return field.get_default()
    return None if field.null else ""


def _erase_rows(customer: Customer, rule: ModelRule) -> int:
    rows = rows_about(customer, rule)
    if rule.rows == Erasure.DELETE:
        return rows.delete()[1].get(rule.model._meta.label, 0)
    updates: dict[str, object] = {}
    for name, field_rule in rule.fields.items():
        model_field = concrete_field(rule.model, name)
        if field_rule.erasure in (Erasure.BLANK, Erasure.DETACH, Erasure.DELETE):
            updates[model_field.attname if model_field.is_relation else name] = _blank(model_field)
        elif field_rule.erasure == Erasure.REPLACE:
            # Only where there was something: an empty reason stays empty.
            updates[name] = models.Case(
                models.When(**{name: ""}, then=models.Value("")),
                default=models.Value(ERASED_PLACEHOLDER),
            )
    return rows.update(**updates)


def _admin_log_objects(customer: Customer) -> list[tuple[ContentType, list[str]]]:
    """The admin log's entries name the objects they are about; collect them first."""
    found = []
    for rule in personal_rules():
        pks = [str(pk) for pk in rows_about(customer, rule).values_list("pk", flat=True)]
        if pks:
            found.append((ContentType.objects.get_for_model(rule.model), pks))
    return found


def _addresses(customer: Customer) -> set[str]:
    """Every email address the person has used with the studio: the current one, those of
    their requests and those of links sent to them (a new address being confirmed)."""
    found = {customer.email} if customer.email else set()
    found |= set(customer.rights_requests.exclude(email="").values_list("email", flat=True))
    found |= set(
        LinkToken.objects.filter(request__customer=customer)
        .exclude(new_email="")
        .values_list("new_email", flat=True)
    )
    return {address.lower() for address in found}


def _forget_sessions(customer_pk: int) -> int:
    """The person's own short sessions (their data page). Only sessions that can still be
    used are read; the customer's sessions live minutes, not days."""
    deleted = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.get_decoded().get(SESSION_KEY)
        if isinstance(data, dict) and data.get("customer") == customer_pk:
            session.delete()
            deleted += 1
    return deleted


def erase_customer(
    *, customer: Customer, actor: User | None, request: RightsRequest | None = None
) -> ErasureResult:
    """Erase `customer` everywhere, in one transaction (see the module's docstring).

    `request` is the erasure request being carried out, if any; every open request of the
    person is closed either way. Purchases stay for bookkeeping (Accounting Act
    1336/1997), detached from the person.
    """
    tables: dict[str, int] = {}
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        email, phone, pk, language = customer.email, customer.phone, customer.pk, customer.language
        addresses = _addresses(customer)
        courses = [str(course) for course in upcoming_courses(customer)]
        open_requests = list(
            customer.rights_requests.filter(status__in=RightsRequest.OPEN_STATUSES).order_by(
                "received_at", "pk"
            )
        )
        request_pks = list(customer.rights_requests.values_list("pk", flat=True))
        log_objects = _admin_log_objects(customer)
        # Deleted rows first and the customer last: the other tables find their rows
        # through the links that the kept rows are about to lose.
        rules = sorted(
            personal_rules(), key=lambda r: (r.model is Customer, r.rows != Erasure.DELETE)
        )
        for rule in rules:
            tables[rule.model._meta.label] = _erase_rows(customer, rule)
        for content_type, pks in log_objects:
            if content_type.model_class() is Purchase:
                continue  # a purchase's name is its product and date, not the person
            LogEntry.objects.filter(content_type=content_type, object_id__in=pks).update(
                object_repr=_("[erased]"), change_message=""
            )
        tables["emails"] = OutboxEmail.objects.filter(
            Q(to__in=addresses) | Q(request__in=request_pks)
        ).delete()[0]
        # Links waiting at any of the person's addresses (a newsletter sign-up).
        LinkToken.objects.filter(new_email__in=addresses).delete()
        tables["sessions"] = _forget_sessions(pk)
        suppress(email=email, phone=phone, reason=Suppression.Reason.ERASURE)

        summary = ErasureResult(tables=tables).summary
        # The person's address in the register; a request recorded from a letter may
        # carry the only address there is (read before the requests are closed).
        address = email or next((r.email for r in open_requests if r.email), "")
        closed, told = _close_requests(open_requests, request=request, actor=actor, summary=summary)
        if told is not None and address:
            _tell_erased(told, address=address, language=language)
        result = ErasureResult(
            tables=tables,
            requests_closed=closed,
            told=address if told is not None else "",
            cancelled_courses=courses,
        )
        # After the erasure, so that the entry is linked to no one.
        audit.record(audit.Action.ERASE, user=actor, detail=result.audit_detail)
        transaction.on_commit(checkpoint_sqlite)
    return result


def _close_requests(
    open_requests: list[RightsRequest],
    *,
    request: RightsRequest | None,
    actor: User | None,
    summary: str,
) -> tuple[int, RightsRequest | None]:
    """Close the person's open requests (already detached from them); return how many,
    and the request to answer the person on: the erasure request when there is one."""
    erasure_request = request
    for open_request in open_requests:
        open_request.refresh_from_db()
        if open_request.request_type == Type.ERASURE and erasure_request is None:
            erasure_request = open_request
    for open_request in open_requests:
        is_the_erasure = erasure_request is not None and open_request.pk == erasure_request.pk
        complete(
            open_request,
            outcome=_("Erased. %(summary)s") % {"summary": summary}
            if is_the_erasure
            else _("Closed: the customer's data was erased."),
            actor=actor,
            notify=False,
        )
    told = erasure_request or (open_requests[0] if open_requests else None)
    if told is not None:
        told.refresh_from_db()
    return len(open_requests), told


def _tell_erased(request: RightsRequest, *, address: str, language: str) -> None:
    # The person is gone from the register: this last message is deleted once sent.
    with translation.override(language or settings.LANGUAGE_CODE):
        queue_email(
            to=address,
            template="rights_completed",
            context={"request": request, "erased": True},
            language=language or settings.LANGUAGE_CODE,
            request=request,
            delete_after_sending=True,
        )


def carry_out_erasure(*, request: RightsRequest, actor: User | None) -> ErasureResult:
    """Carry out an erasure request: erase the requester, close the request, tell them."""
    with transaction.atomic():
        request = (
            RightsRequest.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(pk=request.pk)
        )
        require_open(request)
        if request.request_type != Type.ERASURE:
            raise RightsError(_("This is not an erasure request."))
        if request.customer is None:
            raise RightsError(_("The request is not linked to a customer."))
        return erase_customer(customer=request.customer, actor=actor, request=request)
