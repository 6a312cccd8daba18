"""May this person be sent direct marketing, on this channel, and on what basis?

Derived from the append-only consent ledger (R5-R7), by the Finnish rules:

- Email and text messages (Act on Electronic Communications Services 917/2014, §200(1)):
  only with the person's prior consent. The existing-customer exception (§200(2)) is off
  unless the owner turns it on in the studio settings; on, it covers only a buyer of a
  service of the studio (paid, not cancelled or refunded) within the months the owner
  sets, who was told at the purchase that they may refuse (`Purchase.
  marketing_notice_given`), and every message carries a free and easy way to refuse.
- Post and phone (GDPR Art. 6(1)(f), recital 47; 917/2014 does not cover them): allowed
  until the person refuses.
- Market and opinion research: only with consent, on any channel.
- An objection (GDPR Art. 21(2)-(3)) stops every purpose on every channel at once, whatever
  the basis; it is recorded in the ledger for each purpose and channel, so that only a
  later consent for one of them (a new sign-up) opens that one again.
- A person whose processing is restricted (Art. 18), or whose address for the channel is
  on the suppression list, is never contacted.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.mail.suppression import EMAIL, PHONE, suppressed_kinds
from consent.models import ConsentEvent, StudioSettings
from customers.models import Customer, Purchase

Purpose, Channel, Action = ConsentEvent.Purpose, ConsentEvent.Channel, ConsentEvent.Action
ELECTRONIC = (Channel.EMAIL, Channel.SMS)


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


# For the owner.
BASIS_LABELS = {
    Basis.CONSENT: _("consent"),
    Basis.EXISTING_CUSTOMER: _("existing customer (917/2014 §200(2))"),
    Basis.UNTIL_OPT_OUT: _("until the person refuses (legitimate interest)"),
}
REFUSAL_LABELS = {
    Refusal.NO_CONSENT: _("no consent"),
    Refusal.WITHDRAWN: _("consent withdrawn"),
    Refusal.OBJECTED: _("objected to direct marketing"),
    Refusal.RESTRICTED: _("processing restricted"),
    Refusal.SUPPRESSED: _("on the marketing ban list"),
    Refusal.NO_ADDRESS: _("no address for this channel"),
}
# For the person, on their own page: one phrase each, the state and its reason together.
OWN_BASIS_LABELS = {
    Basis.CONSENT: _("allowed: you have consented"),
    Basis.EXISTING_CUSTOMER: _("allowed as you are our customer, until you refuse"),
    Basis.UNTIL_OPT_OUT: _("allowed until you refuse"),
}
OWN_REFUSAL_LABELS = {
    Refusal.NO_CONSENT: _("not allowed without your consent"),
    Refusal.WITHDRAWN: _("not allowed: you have refused"),
    Refusal.OBJECTED: _("not allowed: you have forbidden direct marketing"),
    Refusal.RESTRICTED: _("not allowed: the use of your data is restricted"),
    Refusal.SUPPRESSED: _("not allowed: your address is on our marketing ban list"),
    Refusal.NO_ADDRESS: _("not possible: we have no address for this"),
}


@dataclass(frozen=True)
class Permission:
    allowed: bool
    basis: str = ""  # a Basis when allowed
    refusal: str = ""  # a Refusal when not

    @property
    def label(self) -> Any:
        return BASIS_LABELS[self.basis] if self.allowed else REFUSAL_LABELS[self.refusal]

    @property
    def own_label(self) -> Any:
        return OWN_BASIS_LABELS[self.basis] if self.allowed else OWN_REFUSAL_LABELS[self.refusal]


def consent_wording(purpose: str, channel: str) -> str:
    """The words of the switch on the customer's own page, which the ledger keeps as the
    evidence of what they agreed to (Art. 7(1))."""
    return str(
        _("Yes, the studio may contact me for %(purpose)s by %(channel)s.")
        % {
            "purpose": str(Purpose(purpose).label).lower(),
            "channel": str(Channel(channel).label).lower(),
        }
    )


def _has_address(customer: Customer, channel: str) -> bool:
    if channel == Channel.EMAIL:
        return bool(customer.email)
    if channel in (Channel.SMS, Channel.PHONE):
        return bool(customer.phone)
    return bool(customer.street_address and customer.postal_code and customer.city)


def address_filter(channel: str) -> Q:
    """Customers with an address for the channel, as a query."""
    if channel == Channel.EMAIL:
        return ~Q(email="")
    if channel in (Channel.SMS, Channel.PHONE):
        return ~Q(phone="")
    return ~Q(street_address="") & ~Q(postal_code="") & ~Q(city="")


def existing_customer_since(studio: StudioSettings, today: date | None = None) -> date | None:
    """The earliest purchase that makes its buyer an existing customer, or None when the
    exception is off."""
    if not studio.existing_customer_marketing:
        return None
    today = today or timezone.localdate()
    return today - timedelta(days=round(studio.existing_customer_months * 30.44))


def qualifying_purchase(since: date) -> Exists:
    """A paid purchase since `since` of a buyer told they may refuse marketing."""
    return Exists(
        Purchase.objects.filter(
            customer=OuterRef("pk"),
            status=Purchase.Status.PAID,
            purchased_on__gte=since,
            marketing_notice_given=True,
        )
    )


def _blocked(channel: str, suppressed: set[str]) -> bool:
    """A channel is blocked by its own address being on the list; a letter by either (the
    list holds no postal addresses: an erased or objecting person is known by the others)."""
    if channel == Channel.EMAIL:
        return EMAIL in suppressed
    if channel in (Channel.SMS, Channel.PHONE):
        return PHONE in suppressed
    return bool(suppressed)


def decide(
    *,
    purpose: str,
    channel: str,
    latest: str | None,
    restricted: bool,
    has_address: bool,
    suppressed: set[str],
    existing_customer: bool,
) -> Permission:
    """The rule itself, for one person: `latest` is the last action in the ledger for this
    purpose and channel (None: nothing recorded)."""
    if latest == Action.OBJECTED:
        return Permission(False, refusal=Refusal.OBJECTED)
    if restricted:
        return Permission(False, refusal=Refusal.RESTRICTED)
    if _blocked(channel, suppressed):
        return Permission(False, refusal=Refusal.SUPPRESSED)
    if not has_address:
        return Permission(False, refusal=Refusal.NO_ADDRESS)
    if latest == Action.GIVEN:
        return Permission(True, basis=Basis.CONSENT)
    if latest == Action.WITHDRAWN:
        return Permission(False, refusal=Refusal.WITHDRAWN)
    if purpose == Purpose.RESEARCH:
        return Permission(False, refusal=Refusal.NO_CONSENT)
    if channel in (Channel.POST, Channel.PHONE):
        return Permission(True, basis=Basis.UNTIL_OPT_OUT)
    if existing_customer:
        return Permission(True, basis=Basis.EXISTING_CUSTOMER)
    return Permission(False, refusal=Refusal.NO_CONSENT)


def _latest_actions(customer: Customer) -> dict[tuple[str, str], str]:
    latest: dict[tuple[str, str], str] = {}
    for purpose, channel, action in customer.consent_events.order_by("-at", "-pk").values_list(
        "purpose", "channel", "action"
    ):
        latest.setdefault((purpose, channel), action)
    return latest


def _is_existing_customer(customer: Customer) -> bool:
    since = existing_customer_since(StudioSettings.load())
    if since is None:
        return False
    return customer.purchases.filter(
        status=Purchase.Status.PAID, purchased_on__gte=since, marketing_notice_given=True
    ).exists()


def permission(customer: Customer, purpose: str, channel: str) -> Permission:
    """May `customer` be contacted for `purpose` on `channel` now, and on what basis?"""
    return decide(
        purpose=purpose,
        channel=channel,
        latest=_latest_actions(customer).get((purpose, channel)),
        restricted=customer.restricted_at is not None,
        has_address=_has_address(customer, channel),
        suppressed=suppressed_kinds(email=customer.email, phone=customer.phone),
        existing_customer=channel in ELECTRONIC and _is_existing_customer(customer),
    )


def permissions_of(customer: Customer) -> list[tuple[str, str, Permission]]:
    """Every purpose and channel with its permission, for the customer's page (a fixed
    number of queries)."""
    latest = _latest_actions(customer)
    existing = _is_existing_customer(customer)
    suppressed = suppressed_kinds(email=customer.email, phone=customer.phone)
    return [
        (
            purpose,
            channel,
            decide(
                purpose=purpose,
                channel=channel,
                latest=latest.get((purpose, channel)),
                restricted=customer.restricted_at is not None,
                has_address=_has_address(customer, channel),
                suppressed=suppressed,
                existing_customer=channel in ELECTRONIC and existing,
            ),
        )
        for purpose in Purpose
        for channel in Channel
    ]
