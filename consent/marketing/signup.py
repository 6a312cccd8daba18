"""Newsletter sign-up with double opt-in (R9): consent counts only after the emailed link."""

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy

from consent.acts.consent import record_consent
from consent.mail.outbox import queue_email, site_link
from consent.mail.suppression import keyed_hash
from consent.marketing.permissions import permission
from consent.marketing.unsubscribe import LinkError
from consent.models import ConsentEvent, Suppression
from customers.fields import normalise_email
from customers.models import Customer

SUBSCRIBE_WORDING = gettext_lazy(
    "Yes, send me the studio's newsletter and offers by email. I can unsubscribe at any "
    "time from a link in every message."
)

Purpose, Channel, Action, Source = (
    ConsentEvent.Purpose,
    ConsentEvent.Channel,
    ConsentEvent.Action,
    ConsentEvent.Source,
)


_SUBSCRIBE_SALT = "rekisteri.marketing.subscribe"


SUBSCRIBE_LINK_HOURS = 48


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
                wording=str(SUBSCRIBE_WORDING),
                ip=ip,
                user_agent=user_agent,
            )
    return customer
