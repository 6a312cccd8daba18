"""The act of restricting processing (GDPR Art. 18, R17): the data is kept but used for
nothing else (no marketing, no new enrolments, no disclosures); the person is told before
a restriction is lifted (Art. 18(3))."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from consent.mail.outbox import queue_email
from consent.records import audit
from customers.models import Customer


def restrict(*, customer: Customer, actor: User | None) -> bool:
    """Keep the data but stop everything except storage; False when it already was."""
    with transaction.atomic():
        changed = Customer.objects.filter(pk=customer.pk, restricted_at__isnull=True).update(
            restricted_at=timezone.now()
        )
        if changed:
            audit.record(audit.Action.RESTRICT, user=actor, obj=customer)
    return bool(changed)


def lift_restriction(*, customer: Customer, actor: User | None) -> bool:
    """Lift a restriction, telling the customer first (Art. 18(3)); False when the
    customer was not restricted. Whether the customer could be told is `customer.email`."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.restricted_at is None:
            return False
        if customer.email:
            queue_email(
                to=customer.email,
                template="restriction_lifted",
                context={"customer": customer},
                language=customer.language,
                customer=customer,
            )
        Customer.objects.filter(pk=customer.pk).update(restricted_at=None)
        audit.record(audit.Action.LIFT_RESTRICTION, user=actor, obj=customer)
    return True
