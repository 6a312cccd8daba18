"""Marketing permissions from the consent ledger (R5, R7): objections for now; the consent
issue adds giving and withdrawing per channel."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from consent.models import ConsentEvent, Suppression
from consent.notice import current_notice
from consent.suppression import suppress
from customers.models import Customer

OBJECTION_WORDING = _(
    "I forbid the use of my data for direct advertising, distance selling, other direct "
    "marketing and market and opinion research."
)


def record_objection(*, customer: Customer, source: ConsentEvent.Source, actor: Any = None) -> None:
    """An objection stops every purpose on every channel at once (Art. 21(2)-(3), P13)."""
    with transaction.atomic():
        version = current_notice().number
        for purpose in ConsentEvent.Purpose:
            for channel in ConsentEvent.Channel:
                ConsentEvent.objects.create(
                    customer=customer,
                    purpose=purpose,
                    channel=channel,
                    action=ConsentEvent.Action.OBJECTED,
                    source=source,
                    wording=str(OBJECTION_WORDING),
                    notice_version=version,
                    recorded_by=actor if getattr(actor, "pk", None) else None,
                )
        suppress(email=customer.email, phone=customer.phone, reason=Suppression.Reason.OBJECTION)


def has_objected(customer: Customer) -> bool:
    return customer.consent_events.filter(action=ConsentEvent.Action.OBJECTED).exists()
