"""May this person be sent direct marketing, on this channel, and on what basis?

Derived from the append-only consent ledger (R5-R7). Finnish rules (Act on Electronic
Communications Services 917/2014, §200): email and text message marketing need consent, or
the existing-customer basis (contact details got in a sale, the studio's own similar
services, an easy opt-out in every message); post and phone marketing are allowed until
the person opts out (GDPR Art. 6(1)(f), recital 47). Market and opinion research needs
consent. An objection (GDPR Art. 21(2)-(3)) stops every purpose on every channel at once,
whatever the basis. A restricted or suppressed person is never contacted.
"""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from consent.mail.suppression import EMAIL, PHONE, suppressed_kinds
from consent.models import ConsentEvent
from customers.models import Customer

Purpose, Channel, Action = ConsentEvent.Purpose, ConsentEvent.Channel, ConsentEvent.Action


class Basis:
    CONSENT = "consent"
    EXISTING_CUSTOMER = "existing_customer"
    UNTIL_OPT_OUT = "until_opt_out"


class Refusal:
    NO_CONSENT = "no_consent"
    WITHDRAWN = "withdrawn"
    OBJECTED = "objected"
    RESTRICTED = "restricted"
    SUPPRESSED = "suppressed"
    NO_ADDRESS = "no_address"


BASIS_LABELS = {
    Basis.CONSENT: _("consent"),
    Basis.EXISTING_CUSTOMER: _("existing customer (917/2014 §200)"),
    Basis.UNTIL_OPT_OUT: _("allowed until the person opts out"),
}


REFUSAL_LABELS = {
    Refusal.NO_CONSENT: _("no consent"),
    Refusal.WITHDRAWN: _("consent withdrawn"),
    Refusal.OBJECTED: _("objected to direct marketing"),
    Refusal.RESTRICTED: _("processing restricted"),
    Refusal.SUPPRESSED: _("on the suppression list"),
    Refusal.NO_ADDRESS: _("no address for this channel"),
}


@dataclass(frozen=True)
class Permission:
    allowed: bool
    basis: str = ""  # a Basis when allowed
    refusal: str = ""  # a Refusal when not

    @property
    def label(self) -> Any:
        return BASIS_LABELS[self.basis] if self.allowed else REFUSAL_LABELS[self.refusal]


def _address(customer: Customer, channel: str) -> str:
    if channel == Channel.EMAIL:
        return customer.email
    if channel in (Channel.SMS, Channel.PHONE):
        return customer.phone
    return customer.street_address and customer.postal_code and customer.city or ""


def permission(
    customer: Customer,
    purpose: str,
    channel: str,
    *,
    events: list[ConsentEvent] | None = None,
    has_purchase: bool | None = None,
    suppressed: set[str] | None = None,
) -> Permission:
    """May `customer` be contacted for `purpose` on `channel`, and on what basis?

    `events` (newest first), `has_purchase` and `suppressed` (which of the person's
    addresses are on the suppression list: "email", "phone") may be given to avoid
    queries when deciding for many customers at once.
    """
    if events is None:
        events = list(customer.consent_events.order_by("-at", "-pk"))
    if any(e.action == Action.OBJECTED for e in events) and not _consent_after_objection(
        events, purpose, channel
    ):
        return Permission(False, refusal=Refusal.OBJECTED)
    if customer.restricted_at is not None:
        return Permission(False, refusal=Refusal.RESTRICTED)
    if suppressed is None:
        suppressed = suppressed_kinds(email=customer.email, phone=customer.phone)
    if _blocked(channel, suppressed):
        return Permission(False, refusal=Refusal.SUPPRESSED)
    if not _address(customer, channel):
        return Permission(False, refusal=Refusal.NO_ADDRESS)
    latest = next((e for e in events if e.purpose == purpose and e.channel == channel), None)
    if latest is not None:
        if latest.action == Action.GIVEN:
            return Permission(True, basis=Basis.CONSENT)
        return Permission(False, refusal=Refusal.WITHDRAWN)
    if purpose == Purpose.RESEARCH:
        return Permission(False, refusal=Refusal.NO_CONSENT)
    if channel in (Channel.POST, Channel.PHONE):
        return Permission(True, basis=Basis.UNTIL_OPT_OUT)
    if has_purchase is None:
        has_purchase = customer.purchases.exists()
    if has_purchase:
        return Permission(True, basis=Basis.EXISTING_CUSTOMER)
    return Permission(False, refusal=Refusal.NO_CONSENT)


def _blocked(channel: str, suppressed: set[str]) -> bool:
    """A channel is blocked by its own address being on the list; a letter by either (the
    list holds no postal addresses: an erased or objecting person is known by the others)."""
    if channel == Channel.EMAIL:
        return EMAIL in suppressed
    if channel in (Channel.SMS, Channel.PHONE):
        return PHONE in suppressed
    return bool(suppressed)


def _consent_after_objection(events: list[ConsentEvent], purpose: str, channel: str) -> bool:
    """A consent the person gave again after objecting (e.g. a new sign-up) counts."""
    for event in events:  # newest first
        if event.action == Action.OBJECTED:
            return False
        if event.action == Action.GIVEN and event.purpose == purpose and event.channel == channel:
            return True
    return False


def permissions_of(customer: Customer) -> list[tuple[str, str, Permission]]:
    """Every purpose and channel with its permission, for the customer's page."""
    events = list(customer.consent_events.order_by("-at", "-pk"))
    has_purchase = customer.purchases.exists()
    suppressed = suppressed_kinds(email=customer.email, phone=customer.phone)
    return [
        (
            purpose,
            channel,
            permission(
                customer,
                purpose,
                channel,
                events=events,
                has_purchase=has_purchase,
                suppressed=suppressed,
            ),
        )
        for purpose in Purpose
        for channel in Channel
    ]
