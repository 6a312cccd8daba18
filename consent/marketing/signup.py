"""Newsletter sign-up with double opt-in (R9): consent counts only after the emailed link.

The link is like the rights links: random, stored only as a hash, single-use, for this one
purpose, and it expires. Until it is followed nothing about the person is stored but the
link itself (the address and name it confirms, deleted with the link). An address on the
suppression list (its owner objected, or was erased) is not revived by the link alone: the
confirmation page asks for the consent again, in the words of the sign-up form.
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from consent.acts.consent import record_consent
from consent.mail import ratelimit, suppression
from consent.mail.links import issue_token, peek_token, use_token
from consent.mail.outbox import queue_email, site_link
from consent.marketing.permissions import Basis, permission
from consent.models import ConsentEvent, LinkToken
from customers.fields import normalise_email
from customers.inventory import concrete_field
from customers.models import Customer

SUBSCRIBE_WORDING = gettext_lazy(
    "Yes, send me the studio's newsletter and offers by email. I can unsubscribe at any "
    "time from a link in every message."
)
SUBSCRIBE_LINK_HOURS = 24

Purpose, Channel, Action, Source = (
    ConsentEvent.Purpose,
    ConsentEvent.Channel,
    ConsentEvent.Action,
    ConsentEvent.Source,
)
CONFIRM = LinkToken.Purpose.CONFIRM_SUBSCRIPTION


class FreshConsentNeeded(Exception):
    """The address is on the suppression list: the person must tick the consent again."""


def request_subscription(*, email: str, name: str, language: str) -> None:
    """Double opt-in, step 1: store a link and send it; an unconfirmed sign-up is in no
    audience and creates no customer."""
    email = normalise_email(email)
    with transaction.atomic():
        known = Customer.objects.filter(email=email).exists()
        # Mail to a stranger: past the hourly cap it waits for the next hour.
        not_before = (
            None
            if known or ratelimit.mail_to_stranger_allowed()
            else timezone.now() + ratelimit.HOUR
        )
        raw = issue_token(
            request=None,
            purpose=CONFIRM,
            new_email=email,
            name=name.strip()[:200],
            language=language,
            hours=SUBSCRIBE_LINK_HOURS,
        )
        queue_email(
            to=email,
            template="subscribe_confirm",
            context={
                "link": site_link(reverse("consent:confirm_subscription", args=[raw])),
                "hours": SUBSCRIBE_LINK_HOURS,
                "wording": SUBSCRIBE_WORDING,
            },
            language=language,
            not_before=not_before,
        )


def needs_fresh_consent(link: LinkToken) -> bool:
    """Whether the link's address is suppressed (an objection or an erasure)."""
    return suppression.is_suppressed(email=link.new_email)


def check_subscription_link(raw_token: str) -> LinkToken:
    """The sign-up behind a link that can still be used (a GET changes nothing)."""
    return peek_token(raw_token, purpose=CONFIRM)


def confirm_subscription(
    *, raw_token: str, fresh_consent: bool = False, ip: str = "", user_agent: str = ""
) -> Customer:
    """Double opt-in, step 2: the consent counts from here, with its evidence.

    Raises TokenError for a forged, used or expired link, and FreshConsentNeeded (the
    link stays usable) when the address is suppressed and the person did not tick the
    consent again on the confirmation page.
    """
    with transaction.atomic():
        link = peek_token(raw_token, purpose=CONFIRM)
        if needs_fresh_consent(link) and not fresh_consent:
            raise FreshConsentNeeded
        link = use_token(raw_token, purpose=CONFIRM)
        email = link.new_email
        customer = Customer.objects.select_for_update().filter(email=email).first()
        if customer is None:
            customer = _new_subscriber(email=email, name=link.name, language=link.language)
        else:
            customer.remember_language(link.language)
        if permission(customer, Purpose.NEWSLETTER, Channel.EMAIL).basis != Basis.CONSENT:
            # Asked for and confirmed from the person's own inbox (and, for a suppressed
            # address, ticked again): an earlier objection, erasure or unsubscription
            # gives way to this new, explicit consent, for this address only.
            suppression.lift(email=email)
            record_consent(
                customer=customer,
                purpose=Purpose.NEWSLETTER,
                channel=Channel.EMAIL,
                action=Action.GIVEN,
                source=Source.WEB_FORM,
                wording=str(SUBSCRIBE_WORDING),
                actor=None,
                ip=ip,
                user_agent=user_agent,
            )
    return customer


def _new_subscriber(*, email: str, name: str, language: str) -> Customer:
    first, _sep, last = name.strip().partition(" ")
    length = concrete_field(Customer, "first_name").max_length or 100
    # Cut, not refused: the person confirmed from their inbox, and a name can be corrected
    # on their own page.
    customer = Customer(
        first_name=(first or email.split("@")[0])[:length],
        last_name=last.strip()[:length],
        email=email,
        origin=Customer.Origin.WEB_REGISTRATION,
    )
    if language in dict(settings.LANGUAGES):
        customer.language = language
    customer.full_clean()
    customer.save()
    return customer
