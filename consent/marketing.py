"""Direct marketing that obeys the ledger by construction (R6-R10).

The audience is computed here and nowhere else: a newsletter is sent to the audience the
service computes, never to a list someone hands in, and each message is checked again
just before it goes out. Sign-up is double opt-in; every message carries a one-click
unsubscribe link (RFC 8058).
"""

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from consent import audit
from consent.consents import (
    SUBSCRIBE_WORDING,
    Permission,
    permission,
    record_consent,
)
from consent.models import ConsentEvent, Newsletter, OutboxEmail, Suppression
from consent.outbox import queue_email, site_link
from consent.suppression import keyed_hash
from customers.fields import normalise_email
from customers.models import Customer, Interaction

Purpose, Channel, Action, Source = (
    ConsentEvent.Purpose,
    ConsentEvent.Channel,
    ConsentEvent.Action,
    ConsentEvent.Source,
)

_UNSUBSCRIBE_SALT = "rekisteri.marketing.unsubscribe"
_SUBSCRIBE_SALT = "rekisteri.marketing.subscribe"
SUBSCRIBE_LINK_HOURS = 48


class LinkError(Exception):
    """A marketing link that is forged, expired or no longer valid."""


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
        hashes = []
        if customer.email:
            hashes.append(keyed_hash("email:" + customer.email))
        if customer.phone:
            hashes.append(keyed_hash("phone:" + customer.phone))
        verdict: Permission = permission(
            customer,
            purpose,
            channel,
            events=events,
            has_purchase=customer.pk in buyers,
            suppressed=any(h in suppressed for h in hashes),
        )
        if verdict.allowed:
            result.customers.append(customer)
            result.bases[verdict.basis] += 1
        else:
            result.refusals[verdict.refusal] += 1
    return result


def unsubscribe_token(customer: Customer, purpose: str, channel: str) -> str:
    return signing.dumps({"c": customer.pk, "p": purpose, "ch": channel}, salt=_UNSUBSCRIBE_SALT)


def unsubscribe_link(customer: Customer, purpose: str, channel: str) -> str:
    token = unsubscribe_token(customer, purpose, channel)
    return site_link(reverse("consent:unsubscribe", args=[token]))


def read_unsubscribe_token(token: str) -> tuple[Customer, str, str]:
    try:
        data = signing.loads(token, salt=_UNSUBSCRIBE_SALT)
        customer = Customer.objects.get(pk=data["c"])
        purpose, channel = Purpose(data["p"]), Channel(data["ch"])
    except (signing.BadSignature, Customer.DoesNotExist, KeyError, TypeError, ValueError):
        raise LinkError from None
    return customer, purpose, channel


def unsubscribe(*, token: str) -> tuple[Customer, bool]:
    """Withdraw the consent the link names; (customer, whether anything changed)."""
    customer, purpose, channel = read_unsubscribe_token(token)
    with transaction.atomic():
        if not permission(customer, purpose, channel).allowed:
            return customer, False
        record_consent(
            customer=customer,
            purpose=purpose,
            channel=channel,
            action=Action.WITHDRAWN,
            source=Source.UNSUBSCRIBE,
            wording=_("Unsubscribed with the link in a message."),
        )
    return customer, True


def request_subscription(*, email: str, name: str, language: str) -> None:
    """Double opt-in, step 1: send a confirmation link; nothing is stored until it is
    followed (an unconfirmed sign-up is in no audience)."""
    email = normalise_email(email)
    token = signing.dumps({"e": email, "n": name[:200], "l": language}, salt=_SUBSCRIBE_SALT)
    queue_email(
        to=email,
        template="subscribe_confirm",
        context={
            "link": site_link(reverse("consent:confirm_subscription", args=[token])),
            "hours": SUBSCRIBE_LINK_HOURS,
            "wording": SUBSCRIBE_WORDING,
        },
        language=language,
    )


def read_subscription_token(token: str) -> dict[str, str]:
    try:
        data = signing.loads(token, salt=_SUBSCRIBE_SALT, max_age=SUBSCRIBE_LINK_HOURS * 3600)
    except signing.SignatureExpired:
        raise LinkError("expired") from None
    except signing.BadSignature:
        raise LinkError("invalid") from None
    if not isinstance(data, dict) or not data.get("e"):
        raise LinkError("invalid")
    return data


def confirm_subscription(*, token: str, ip: str = "", user_agent: str = "") -> Customer:
    """Double opt-in, step 2: the consent counts from here, with its evidence."""
    data = read_subscription_token(token)
    email = data["e"]
    first, _sep, last = (data.get("n") or "").strip().partition(" ")
    name_length = Customer._meta.get_field("first_name").max_length
    with transaction.atomic():
        customer = Customer.objects.select_for_update().filter(email=email).first()
        if customer is None:
            # Cut, not refused: the person confirmed from their inbox, and a name can be
            # corrected on their own page.
            customer = Customer(
                first_name=(first or email.split("@")[0])[:name_length],
                last_name=last.strip()[:name_length],
                email=email,
                origin=Customer.Origin.WEB_REGISTRATION,
            )
            customer.full_clean()
            customer.save()
        if permission(customer, Purpose.NEWSLETTER, Channel.EMAIL).basis != "consent":
            # The person asked, and confirmed from their own inbox: an earlier objection
            # or unsubscription gives way to this new, explicit consent.
            Suppression.objects.filter(value_hash=keyed_hash("email:" + email)).delete()
            record_consent(
                customer=customer,
                purpose=Purpose.NEWSLETTER,
                channel=Channel.EMAIL,
                action=Action.GIVEN,
                source=Source.WEB_FORM,
                wording=SUBSCRIBE_WORDING,
                ip=ip,
                user_agent=user_agent,
            )
    return customer


def _marketing_headers(link: str) -> dict[str, str]:
    # RFC 8058: mail clients offer a one-click unsubscribe that POSTs to the link.
    return {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def send_newsletter(*, newsletter: Newsletter, actor: Any) -> int:
    """Queue the newsletter to everyone in its audience, each with their own unsubscribe
    link and headers, and record each send as an interaction. Returns the count."""
    with transaction.atomic():
        people = audience(purpose=newsletter.purpose, channel=Channel.EMAIL).customers
        for customer in people:
            link = unsubscribe_link(customer, newsletter.purpose, Channel.EMAIL)
            queue_email(
                to=customer.email,
                template="newsletter",
                context={"newsletter": newsletter, "customer": customer, "unsubscribe": link},
                language=settings.LANGUAGE_CODE,
                customer=customer,
                headers=_marketing_headers(link),
                marketing_purpose=newsletter.purpose,
                newsletter=newsletter,
                send_now=False,
            )
        # bulk_create: a newsletter is not the customer's own activity, so it must not
        # postpone their retention (Interaction.save would).
        Interaction.objects.bulk_create(
            Interaction(
                customer=customer,
                kind=Interaction.Kind.EMAIL,
                direction=Interaction.Direction.OUTGOING,
                subject=newsletter.subject[:200],
                text=_("Newsletter"),
                recorded_by=actor if getattr(actor, "pk", None) else None,
            )
            for customer in people
        )
        newsletter.recipients = len(people)
        newsletter.save(update_fields=["recipients"])
    return len(people)


def newsletter_progress(newsletter: Newsletter) -> dict[str, int]:
    emails = OutboxEmail.objects.filter(newsletter=newsletter)
    sent = emails.filter(sent_at__isnull=False).count()
    waiting = emails.filter(sent_at__isnull=True).count()
    return {
        "total": newsletter.recipients,
        "sent": sent,
        "waiting": waiting,
        "failing": emails.filter(sent_at__isnull=True, attempts__gt=0).count(),
        "not_sent": max(newsletter.recipients - sent - waiting, 0),
    }


def audience_csv(*, purpose: str, channel: str, actor: Any) -> str:
    """The audience as CSV, with each person's unsubscribe link; an export, so audited."""
    found = audience(purpose=purpose, channel=channel)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            _("last name"),
            _("first name"),
            _("email"),
            _("phone"),
            _("street address"),
            _("postal code"),
            _("city"),
            _("unsubscribe link"),
        ]
    )
    for c in found.customers:
        writer.writerow(
            [
                c.last_name,
                c.first_name,
                c.email,
                c.phone,
                c.street_address,
                c.postal_code,
                c.city,
                unsubscribe_link(c, purpose, channel),
            ]
        )
    audit.record(
        audit.Action.EXPORT,
        user=actor,
        detail=f"marketing audience {purpose}/{channel}: {len(found.customers)}",
    )
    return out.getvalue()
