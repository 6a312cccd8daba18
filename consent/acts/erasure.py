"""Erasure (GDPR Art. 17, P7, R16): the person's identity removed from everywhere, in one
transaction, except what a law requires to be kept.

Driven by the personal-data inventory: each table's rows about the person are deleted or
kept with their identifying fields blanked or detached. Beyond the inventory, personal
data hides in Django's admin log (`object_repr`), sessions and the outbox; those are
cleaned here too. A keyed hash of the email and phone goes to the suppression list so
that an objection outlives the erasure.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.acts.access import rows_about
from consent.acts.requests import RightsError, complete, require_open
from consent.mail.outbox import queue_email
from consent.mail.suppression import suppress
from consent.models import OutboxEmail, RightsRequest, Suppression
from consent.records import audit
from customers.inventory import Erasure, ModelRule, Retention, concrete_field, personal_rules
from customers.models import Customer, Purchase

Type = RightsRequest.Type

SESSION_KEY = "rights_customer"
BOOKKEEPING_YEARS = 6


@dataclass(frozen=True)
class PreviewLine:
    title: str
    count: int
    action: str  # "delete" or "keep"
    kept_until: date | None
    why: str


def bookkeeping_until(customer: Customer) -> date | None:
    """The last day the newest purchase must be kept (end of year + 6 years)."""
    newest = customer.purchases.order_by("-purchased_on").first()
    if newest is None:
        return None
    return date(newest.purchased_on.year + BOOKKEEPING_YEARS, 12, 31)


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


def _blank(field: models.Field) -> Any:
    return None if field.null else ""


def _erase_rows(customer: Customer, rule: ModelRule) -> int:
    rows = rows_about(customer, rule)
    if rule.rows == Erasure.DELETE:
        return rows.delete()[1].get(rule.model._meta.label, 0)
    updates = {}
    for name, field_rule in rule.fields.items():
        field = concrete_field(rule.model, name)
        if field_rule.erasure in (Erasure.BLANK, Erasure.DETACH, Erasure.DELETE):
            updates[field.attname if field.is_relation else name] = _blank(field)
    return rows.update(**updates)


def _admin_log_objects(customer: Customer) -> list[tuple[ContentType, list[str]]]:
    """The admin log's entries name the objects they are about; collect them first."""
    found = []
    for rule in personal_rules():
        pks = [str(pk) for pk in rows_about(customer, rule).values_list("pk", flat=True)]
        if pks:
            found.append((ContentType.objects.get_for_model(rule.model), pks))
    return found


def _forget_sessions(customer_pk: int) -> int:
    deleted = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY, {}).get("customer") == customer_pk:
            session.delete()
            deleted += 1
    return deleted


def erase_customer(customer: Customer, *, actor: Any = None) -> dict[str, int]:
    """Erase `customer` everywhere, in one transaction; returns counts per table.

    Purchases stay for bookkeeping (Accounting Act 1336/1997), detached from the person.
    """
    counts: dict[str, int] = {}
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        email, phone, pk = customer.email, customer.phone, customer.pk
        log_objects = _admin_log_objects(customer)
        # Deleted rows first and the customer last: the other tables find their rows
        # through the links that the kept rows are about to lose.
        rules = sorted(
            personal_rules(), key=lambda r: (r.model is Customer, r.rows != Erasure.DELETE)
        )
        for rule in rules:
            counts[str(rule.model._meta.verbose_name_plural)] = _erase_rows(customer, rule)
        for content_type, pks in log_objects:
            if content_type.model_class() is Purchase:
                continue  # a purchase's name is its product and date, not the person
            LogEntry.objects.filter(content_type=content_type, object_id__in=pks).update(
                object_repr=_("[erased]"), change_message=""
            )
        if email:
            OutboxEmail.objects.filter(to__iexact=email).delete()
        counts[_("sessions")] = _forget_sessions(pk)
        suppress(email=email, phone=phone, reason=Suppression.Reason.ERASURE)
        summary = ", ".join(f"{name}: {count}" for name, count in counts.items() if count)
        # After the erasure, so that the entry is linked to no one.
        audit.record(audit.Action.ERASE, user=actor, detail=summary)
    return counts


def carry_out_erasure(*, request: RightsRequest, actor: Any) -> dict[str, int]:
    """Erase the requester, record what was done, and tell them (P7, R16)."""
    require_open(request)
    if request.request_type != Type.ERASURE:
        raise RightsError(_("This is not an erasure request."))
    if request.customer is None:
        raise RightsError(_("The request is not linked to a customer."))
    with transaction.atomic():
        address = request.email or request.customer.email
        language = request.language
        counts = erase_customer(request.customer, actor=actor)
        request.refresh_from_db()
        summary = ", ".join(f"{name}: {count}" for name, count in counts.items() if count)
        complete(request, outcome=_("Erased. %(summary)s") % {"summary": summary}, notify=False)
        if address:
            # The person is gone from the register: this last message is deleted once sent.
            queue_email(
                to=address,
                template="rights_completed",
                context={"request": request},
                language=language,
                request=request,
                delete_after_sending=True,
            )
    return counts
