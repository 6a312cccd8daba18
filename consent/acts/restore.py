"""What must outlive a restore (R25): erasures, objections, consents and restrictions made
after the backup are applied again, through the acts that made them.

`snapshot()` reads, from the database about to be replaced, what the register's person
has said since; `reapply()` applies it to the restored database, in one transaction:

- Every suppression-list entry of the replaced database that the backup lacks comes back
  (same hash, reason and time): a superset of "entries created after the backup" that
  needs neither the clocks nor the backup's time to be right.
- A customer of the backup who no longer exists in the replaced database (same id and
  creation time) and whose email or phone is on its suppression list is erased again
  through `erase_customer`. Customers leave the register only through erasure, and
  erasure puts both hashes on the list. A customer who still exists is never erased, so
  a relative who shares a phone number stays.
- For customers who still exist: consent events (the ledger) that the backup lacks are
  added with their original times, objections with their suppression entries; a
  restriction of processing (Art. 18) made since comes back.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, models, transaction
from django.utils.translation import gettext as _

from consent.acts.erasure import erase_customer
from consent.mail.suppression import contact_hashes
from consent.mail.suppression import suppress as suppress_contact
from consent.models import ConsentEvent, Suppression
from consent.records import audit
from customers.models import Customer

if TYPE_CHECKING:
    from rekisteri.backup import RestoreReport


@dataclass
class Snapshot:
    """What the database being replaced says about erasures, suppressions and consents."""

    readable: bool
    suppressions: list[tuple[str, str, datetime, datetime | None]] = field(default_factory=list)
    customers: dict[int, tuple[datetime, datetime | None]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    warning: str = ""


def _event_fields() -> list[str]:
    return [f.attname for f in ConsentEvent._meta.concrete_fields if not f.primary_key]


def snapshot() -> Snapshot:
    try:
        with transaction.atomic():
            return Snapshot(
                readable=True,
                suppressions=list(
                    Suppression.objects.values_list(
                        "value_hash", "reason", "created_at", "erased_at"
                    )
                ),
                customers={
                    pk: (created, restricted)
                    for pk, created, restricted in Customer.objects.values_list(
                        "pk", "created_at", "restricted_at"
                    )
                },
                events=list(ConsentEvent.objects.values(*_event_fields())),
            )
    except DatabaseError as e:
        return Snapshot(
            readable=False,
            warning=_(
                "The database being replaced could not be read (%(error)s), so nothing "
                "recorded after the backup could be applied again: check the erasures, "
                "objections and the suppression list made since the backup by hand."
            )
            % {"error": e},
        )


def _contact_hashes(customer: Customer) -> set[str]:
    return set(contact_hashes(email=customer.email, phone=customer.phone).values())


def reapply(before: Snapshot, report: "RestoreReport") -> None:
    if not before.readable:
        return
    with transaction.atomic():
        present = set(Suppression.objects.values_list("value_hash", flat=True))
        missing = [
            Suppression(
                value_hash=value_hash, reason=reason, created_at=created_at, erased_at=erased_at
            )
            for value_hash, reason, created_at, erased_at in before.suppressions
            if value_hash not in present
        ]
        Suppression.objects.bulk_create(missing)
        report.suppressions_added = len(missing)
        # An entry the backup has from an objection, whose person was erased since.
        for value_hash, _reason, _at, erased_at in before.suppressions:
            if value_hash in present and erased_at is not None:
                Suppression.objects.filter(value_hash=value_hash, erased_at__isnull=True).update(
                    erased_at=erased_at
                )

        suppressed = {value_hash for value_hash, _reason, _at, _erased in before.suppressions}
        still_here: set[int] = set()
        to_erase: list[Customer] = []
        for customer in Customer.objects.only(
            "pk", "created_at", "restricted_at", "email", "phone"
        ).iterator():
            known = before.customers.get(customer.pk)
            if known is not None and known[0] == customer.created_at:
                still_here.add(customer.pk)
                if known[1] is not None and customer.restricted_at is None:
                    Customer.objects.filter(pk=customer.pk).update(restricted_at=known[1])
                    report.restrictions_restored += 1
            elif suppressed & _contact_hashes(customer):
                to_erase.append(customer)

        objected = _replay_consent_events(before, still_here, report)
        for customer in Customer.objects.filter(pk__in=objected):
            suppress_contact(
                email=customer.email, phone=customer.phone, reason=Suppression.Reason.OBJECTION
            )
        report.objections_restored = len(objected)

        for customer in to_erase:
            erase_customer(customer=customer, actor=None)
        report.customers_erased = len(to_erase)
        audit.record(
            audit.Action.RESTORE,
            detail=audit.Detail(
                "restore",
                backup=report.backup.path.name,
                erased=report.customers_erased,
                suppressions=report.suppressions_added,
                objections=report.objections_restored,
                consents=report.consent_events_added,
                restrictions=report.restrictions_restored,
            ),
        )


def _model(field: Any) -> type[models.Model]:
    """The model a foreign key points to."""
    return field.related_model


def _replay_consent_events(
    before: Snapshot, still_here: set[int], report: "RestoreReport"
) -> set[int]:
    """Adds the ledger's events the backup lacks for customers still here; returns the
    customers whose objection came back."""
    key_fields = ("customer_id", "purpose", "channel", "action", "at")
    present = set(ConsentEvent.objects.values_list(*key_fields))
    links = [
        f
        for f in ConsentEvent._meta.concrete_fields
        if f.is_relation and f.attname != "customer_id"
    ]
    existing = {f.attname: set(_model(f)._base_manager.values_list("pk", flat=True)) for f in links}
    new: list[ConsentEvent] = []
    for event in before.events:
        if event["customer_id"] not in still_here:
            continue
        if tuple(event[k] for k in key_fields) in present:
            continue
        values = dict(event)
        for f in links:
            if values[f.attname] is not None and values[f.attname] not in existing[f.attname]:
                values[f.attname] = None  # e.g. a user added after the backup
        if any(values[f.attname] is None and not f.null for f in links):
            continue
        new.append(ConsentEvent(**values))
    ConsentEvent.objects.bulk_create(new)
    report.consent_events_added = len(new)
    return {e.customer_id for e in new if e.action == ConsentEvent.Action.OBJECTED}
