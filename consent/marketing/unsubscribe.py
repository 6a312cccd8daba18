"""One-click unsubscribe (Art. 7(3), RFC 8058, R8): a link in every marketing message
withdraws that consent, with no login or cookie."""

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from consent.acts.consent import record_consent
from consent.mail.outbox import site_link
from consent.marketing.permissions import permission
from consent.models import ConsentEvent
from customers.models import Customer

Purpose, Channel, Action, Source = (
    ConsentEvent.Purpose,
    ConsentEvent.Channel,
    ConsentEvent.Action,
    ConsentEvent.Source,
)


_UNSUBSCRIBE_SALT = "rekisteri.marketing.unsubscribe"


class LinkError(Exception):
    """A marketing link that is forged, expired or no longer valid."""


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
            actor=None,
        )
    return customer, True
