"""The marketing audience: who may be contacted for a purpose on a channel, and why the
others may not. Computed here and nowhere else: a newsletter goes to this audience, never
to a list someone hands in."""

from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from consent.mail.suppression import contact_hashes
from consent.marketing.permissions import Permission, permission
from consent.marketing.unsubscribe import unsubscribe_link
from consent.models import ConsentEvent, Suppression
from consent.records import audit
from customers.models import Customer
from rekisteri import spreadsheets

Purpose, Channel, Action, Source = (
    ConsentEvent.Purpose,
    ConsentEvent.Channel,
    ConsentEvent.Action,
    ConsentEvent.Source,
)


@dataclass
class Audience:
    purpose: str
    channel: str
    customers: list[Customer] = field(default_factory=list)
    bases: Counter = field(default_factory=Counter)
    refusals: Counter = field(default_factory=Counter)


def audience(*, purpose: str, channel: str) -> Audience:
    """Who may be contacted for `purpose` on `channel`, and why the others may not."""
    suppressed = set(Suppression.objects.values_list("value_hash", flat=True))
    customers = Customer.objects.prefetch_related("consent_events").order_by(
        "last_name", "first_name", "pk"
    )
    buyers = set(
        Customer.objects.filter(purchases__isnull=False).values_list("pk", flat=True).distinct()
    )
    result = Audience(purpose=purpose, channel=channel)
    for customer in customers:
        events = sorted(customer.consent_events.all(), key=lambda e: (e.at, e.pk), reverse=True)
        hashes = contact_hashes(email=customer.email, phone=customer.phone)
        verdict: Permission = permission(
            customer,
            purpose,
            channel,
            events=events,
            has_purchase=customer.pk in buyers,
            suppressed={kind for kind, value in hashes.items() if value in suppressed},
        )
        if verdict.allowed:
            result.customers.append(customer)
            result.bases[verdict.basis] += 1
        else:
            result.refusals[verdict.refusal] += 1
    return result


def audience_csv(*, purpose: str, channel: str, actor: User | None) -> str:
    """The audience as CSV, with each person's unsubscribe link; an export, so audited."""
    found = audience(purpose=purpose, channel=channel)
    header = [
        _("last name"),
        _("first name"),
        _("email"),
        _("phone"),
        _("street address"),
        _("postal code"),
        _("city"),
        _("unsubscribe link"),
    ]
    rows = [
        (
            c.last_name,
            c.first_name,
            c.email,
            c.phone,
            c.street_address,
            c.postal_code,
            c.city,
            unsubscribe_link(c, purpose, channel),
        )
        for c in found.customers
    ]
    audit.record(
        audit.Action.EXPORT,
        user=actor,
        detail=f"marketing audience {purpose}/{channel}: {len(found.customers)}",
    )
    return spreadsheets.csv_text([header, *rows])
