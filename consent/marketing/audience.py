"""The marketing audience: who may be contacted for a purpose on a channel, and why the
others may not. Computed here and nowhere else: a newsletter goes to this audience, never
to a list someone hands in.

The rule is consent.marketing.permissions.decide; here it is applied to the whole
register at once without reading it into memory: the database sorts every customer into
allowed or a refusal with one query (the last ledger action for the purpose and channel,
the restriction, the address, the existing-customer purchase, read from the index
`consent_event_latest`), a batch at a time; the addresses of the people it allows are
then checked against the suppression list's keyed hashes, which only the app can compute
(only the addresses the channel uses).
"""

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Case, CharField, OuterRef, Subquery, Value, When
from django.utils.translation import gettext as _

from consent.mail.suppression import contact_hashes
from consent.marketing.permissions import (
    ELECTRONIC,
    Basis,
    Refusal,
    _blocked,
    address_filter,
    existing_customer_since,
    qualifying_purchase,
)
from consent.marketing.unsubscribe import unsubscribe_link
from consent.models import ConsentEvent, StudioSettings, Suppression
from consent.records import audit
from customers.models import Customer
from rekisteri import spreadsheets

Purpose, Channel, Action = ConsentEvent.Purpose, ConsentEvent.Channel, ConsentEvent.Action
# What a customer's contact needs: enough for the message and the suppression check.
FIELDS = ("pk", "first_name", "last_name", "email", "phone", "language", "street_address",
          "postal_code", "city")  # fmt: skip
BATCH = 2000
COUNT_BATCH = 20_000  # three short columns a row: fewer round trips, still flat memory


@dataclass
class Audience:
    purpose: str
    channel: str
    count: int = 0
    bases: Counter = field(default_factory=Counter)
    refusals: Counter = field(default_factory=Counter)


def _verdicts(purpose: str, channel: str, since: date | None) -> Any:
    """Every customer with `verdict`: a Basis (allowed unless suppressed) or a Refusal, by
    the order of permissions.decide."""
    latest = Subquery(
        ConsentEvent.objects.filter(customer=OuterRef("pk"), purpose=purpose, channel=channel)
        .order_by("-at", "-pk")
        .values("action")[:1]
    )
    default: Case | Value
    if purpose == Purpose.RESEARCH:
        default = Value(Refusal.NO_CONSENT)
    elif channel in (Channel.POST, Channel.PHONE):
        default = Value(Basis.UNTIL_OPT_OUT)
    elif since is not None and channel in ELECTRONIC:
        default = Case(
            When(qualifying_purchase(since), then=Value(Basis.EXISTING_CUSTOMER)),
            default=Value(Refusal.NO_CONSENT),
        )
    else:
        default = Value(Refusal.NO_CONSENT)
    return Customer.objects.annotate(latest=latest).annotate(
        verdict=Case(
            When(latest=Action.OBJECTED, then=Value(Refusal.OBJECTED)),
            When(restricted_at__isnull=False, then=Value(Refusal.RESTRICTED)),
            When(~address_filter(channel), then=Value(Refusal.NO_ADDRESS)),
            When(latest=Action.GIVEN, then=Value(Basis.CONSENT)),
            When(latest=Action.WITHDRAWN, then=Value(Refusal.WITHDRAWN)),
            default=default,
            output_field=CharField(),
        )
    )


ALLOWED = (Basis.CONSENT, Basis.EXISTING_CUSTOMER, Basis.UNTIL_OPT_OUT)


def _since() -> date | None:
    return existing_customer_since(StudioSettings.load())


def _suppressed_check(channel: str) -> Callable[[str, str], bool]:
    """A function (email, phone) -> whether the channel's address is on the suppression
    list; it hashes only the addresses the channel uses (a newsletter by email never
    parses a phone number), against the list read once."""
    suppressed = set(Suppression.objects.values_list("value_hash", flat=True))
    uses_email = channel in (Channel.EMAIL, Channel.POST)
    uses_phone = channel in (Channel.SMS, Channel.PHONE, Channel.POST)

    def listed(email: str, phone: str) -> bool:
        hashes = contact_hashes(
            email=email if uses_email else "", phone=phone if uses_phone else ""
        )
        return _blocked(channel, {kind for kind, value in hashes.items() if value in suppressed})

    return listed


def _allowed_rows(purpose: str, channel: str, since: date | None) -> Iterator[tuple[Customer, str]]:
    """The customers the database allows, with their basis, in name order, read a batch at
    a time; a basis of "" when their address is suppressed (the annotated `verdict`)."""
    listed = _suppressed_check(channel)
    rows = (
        _verdicts(purpose, channel, since)
        .filter(verdict__in=ALLOWED)
        .order_by("last_name", "first_name", "pk")
        .only(*FIELDS)
    )
    for customer in rows.iterator(chunk_size=BATCH):
        yield customer, ("" if listed(customer.email, customer.phone) else customer.verdict)


def audience(*, purpose: str, channel: str) -> Audience:
    """How many may be contacted for `purpose` on `channel`, on what bases, and why the
    others may not (counts only: the people are `audience_people`).

    One pass over the register: the database gives each customer's verdict, and only the
    allowed ones' addresses are hashed for the suppression check."""
    result = Audience(purpose=purpose, channel=channel)
    listed = _suppressed_check(channel)
    rows = _verdicts(purpose, channel, _since()).order_by().values_list("verdict", "email", "phone")
    for verdict, email, phone in rows.iterator(chunk_size=COUNT_BATCH):
        if verdict not in ALLOWED:
            result.refusals[verdict] += 1
        elif listed(email, phone):
            result.refusals[Refusal.SUPPRESSED] += 1
        else:
            result.bases[verdict] += 1
            result.count += 1
    return result


def audience_people(*, purpose: str, channel: str) -> Iterator[Customer]:
    """The people who may be contacted for `purpose` on `channel` now, one at a time."""
    for customer, basis in _allowed_rows(purpose, channel, _since()):
        if basis:
            yield customer


def audience_csv(*, purpose: str, channel: str, actor: User | None) -> str:
    """The audience as CSV, with each person's unsubscribe link; an export, so audited."""
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
        for c in audience_people(purpose=purpose, channel=channel)
    ]
    audit.record(
        audit.Action.EXPORT,
        user=actor,
        detail=audit.Detail(
            "marketing_audience", purpose=purpose, channel=channel, count=len(rows)
        ),
    )
    return spreadsheets.csv_text([header, *rows])
