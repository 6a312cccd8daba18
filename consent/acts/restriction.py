"""The act of restricting processing (GDPR Art. 18, R17): the data is kept but used for
nothing else; the person is told before a restriction is lifted."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from consent.mail.outbox import queue_email
from customers.models import Customer


def restrict(*, customer: Customer, actor: Any = None) -> None:
    """Keep the data but stop everything except storage (Art. 18, R17)."""
    Customer.objects.filter(pk=customer.pk, restricted_at__isnull=True).update(
        restricted_at=timezone.now()
    )


def lift_restriction(*, customer: Customer, actor: Any) -> None:
    """Lift a restriction, telling the customer first (Art. 18(3))."""
    with transaction.atomic():
        if customer.email:
            queue_email(
                to=customer.email,
                template="restriction_lifted",
                context={"customer": customer},
                language=settings.LANGUAGE_CODE,
                customer=customer,
            )
        Customer.objects.filter(pk=customer.pk).update(restricted_at=None)
