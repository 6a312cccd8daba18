"""The act of objecting to direct marketing (GDPR Art. 21(2)-(3), P13, R7).

An objection is absolute and immediate: one objection stops every purpose on every channel,
and the person's email and phone go on the suppression list so that the objection outlives
an erasure or a re-import.
"""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from consent.mail.suppression import suppress
from consent.models import ConsentEvent, Suppression
from consent.records import audit
from consent.records.notice import current_notice_number
from customers.models import Customer

Purpose, Channel, Action = ConsentEvent.Purpose, ConsentEvent.Channel, ConsentEvent.Action


OBJECTION_WORDING = _(
    "I forbid the use of my data for direct advertising, distance selling, other direct "
    "marketing and market and opinion research."
)


def record_objection(*, customer: Customer, source: str, actor: User | None) -> None:
    """An objection stops every purpose on every channel at once (Art. 21(2)-(3), P13)."""
    with transaction.atomic():
        audit.record(
            audit.Action.OBJECT,
            user=actor,
            obj=customer,
            detail=audit.Detail("objection", source=source),
        )
        version = current_notice_number()
        ConsentEvent.objects.bulk_create(
            ConsentEvent(
                customer=customer,
                purpose=purpose,
                channel=channel,
                action=Action.OBJECTED,
                source=source,
                wording=str(OBJECTION_WORDING),
                notice_version=version,
                recorded_by=actor if actor is not None and actor.pk else None,
            )
            for purpose in Purpose
            for channel in Channel
        )
        suppress(email=customer.email, phone=customer.phone, reason=Suppression.Reason.OBJECTION)


def has_objected(customer: Customer) -> bool:
    """Whether the person's latest word on marketing is an objection."""
    latest = customer.consent_events.order_by("-at", "-pk").first()
    return latest is not None and latest.action == Action.OBJECTED
