"""The suppression list (R10): keyed hashes of the emails and phones never to market to."""

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ValidationError

from consent.models import Suppression
from customers.fields import normalise_email, normalise_phone


def _key() -> bytes:
    # A key derived from SECRET_KEY for this one use: the list cannot be reversed by
    # hashing guessed addresses without the secret.
    return hmac.new(settings.SECRET_KEY.encode(), b"rekisteri.suppression", hashlib.sha256).digest()


def keyed_hash(value: str) -> str:
    return hmac.new(_key(), value.encode(), hashlib.sha256).hexdigest()


def _values(email: str = "", phone: str = "") -> list[str]:
    values = []
    if email:
        values.append("email:" + normalise_email(email))
    if phone:
        try:
            phone = normalise_phone(phone)
        except ValidationError:
            phone = phone.strip()
        values.append("phone:" + phone)
    return values


def suppress(*, email: str = "", phone: str = "", reason: Suppression.Reason) -> None:
    for value in _values(email, phone):
        Suppression.objects.get_or_create(value_hash=keyed_hash(value), defaults={"reason": reason})


def is_suppressed(*, email: str = "", phone: str = "") -> bool:
    hashes = [keyed_hash(v) for v in _values(email, phone)]
    return bool(hashes) and Suppression.objects.filter(value_hash__in=hashes).exists()
