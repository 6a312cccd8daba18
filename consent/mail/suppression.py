"""The suppression list (R10): keyed hashes of the emails and phones never to market to.

The hashes are keyed with SUPPRESSION_KEY, the list's own key: without it nobody can tell
whether an address is on the list by hashing guesses, and since it is never rotated (unlike
SECRET_KEY) the list keeps recognising people after a key rotation, an import or a restore.
Each address is its own entry, so that a channel is blocked by its own address: a person
who gives fresh consent to email is reachable by email, while their phone stays suppressed.
"""

import functools
import hashlib
import hmac
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone

from consent.models import Suppression
from customers.fields import normalise_email, normalise_phone

EMAIL, PHONE = "email", "phone"


@functools.lru_cache(maxsize=4)
def _derived(secret: str) -> bytes:
    # Derived for this one use. The same derivation once took SECRET_KEY: a register made
    # before SUPPRESSION_KEY existed keeps its list by setting SUPPRESSION_KEY to that value.
    return hmac.new(secret.encode(), b"rekisteri.suppression", hashlib.sha256).digest()


def _key() -> bytes:
    # Derived once per key, not on every hash (an audience or an import hashes thousands).
    return _derived(settings.SUPPRESSION_KEY)


def keyed_hash(value: str) -> str:
    # hmac.digest: the same HMAC-SHA256, computed in one call to OpenSSL.
    return hmac.digest(_key(), value.encode(), "sha256").hex()


def _normal_phone(phone: str) -> str:
    try:
        return normalise_phone(phone)
    except ValidationError:
        return phone.strip()


def contact_hashes(*, email: str = "", phone: str = "") -> dict[str, str]:
    """The keyed hash of each address given, by kind ("email", "phone")."""
    hashes = {}
    if email:
        hashes[EMAIL] = keyed_hash("email:" + normalise_email(email))
    if phone:
        hashes[PHONE] = keyed_hash("phone:" + _normal_phone(phone))
    return hashes


def suppress(*, email: str = "", phone: str = "", reason: Suppression.Reason) -> None:
    """Put the addresses on the list. An entry keeps its first reason; an erasure also
    stamps when it happened, which the import reads (an erased person is not re-imported)."""
    now = timezone.now()
    for value_hash in contact_hashes(email=email, phone=phone).values():
        entry, created = Suppression.objects.get_or_create(
            value_hash=value_hash,
            defaults={
                "reason": reason,
                "erased_at": now if reason == Suppression.Reason.ERASURE else None,
            },
        )
        if not created and reason == Suppression.Reason.ERASURE:
            Suppression.objects.filter(pk=entry.pk).update(erased_at=now)


def lift(*, email: str) -> int:
    """Take an email address off the list: its owner gave fresh consent to it, confirmed
    from that very inbox (double opt-in). Their phone, if listed, stays listed."""
    hashes = contact_hashes(email=email)
    return Suppression.objects.filter(value_hash__in=hashes.values()).delete()[0]


def suppressed_kinds(*, email: str = "", phone: str = "") -> set[str]:
    """Which of the given addresses are on the list ("email", "phone")."""
    hashes = contact_hashes(email=email, phone=phone)
    if not hashes:
        return set()
    found = set(
        Suppression.objects.filter(value_hash__in=hashes.values()).values_list(
            "value_hash", flat=True
        )
    )
    return {kind for kind, value_hash in hashes.items() if value_hash in found}


def is_suppressed(*, email: str = "", phone: str = "") -> bool:
    return bool(suppressed_kinds(email=email, phone=phone))


def erased_at(*, email: str = "", phone: str = "") -> datetime | None:
    """When a person with this email or phone was last erased, if ever."""
    hashes = contact_hashes(email=email, phone=phone)
    if not hashes:
        return None
    return Suppression.objects.filter(
        value_hash__in=hashes.values(), erased_at__isnull=False
    ).aggregate(latest=Max("erased_at"))["latest"]


def _listed(*, emails: set[str], phones: set[str], erased_only: bool) -> dict[str, datetime | None]:
    """The given addresses that are on the list, keyed "email:<address>" and
    "phone:<number>" as given, with when they were erased (None for another reason); a
    few queries however many addresses (the booking import checks every row of a file)."""
    by_hash: dict[str, str] = {}
    for email in emails:
        by_hash[keyed_hash("email:" + normalise_email(email))] = "email:" + email
    for phone in phones:
        by_hash[keyed_hash("phone:" + _normal_phone(phone))] = "phone:" + phone
    found: dict[str, datetime | None] = {}
    hashes = list(by_hash)
    for start in range(0, len(hashes), 500):
        rows = Suppression.objects.filter(value_hash__in=hashes[start : start + 500])
        if erased_only:
            rows = rows.filter(erased_at__isnull=False)
        for value_hash, when in rows.values_list("value_hash", "erased_at"):
            found[by_hash[value_hash]] = when
    return found


def suppressed_addresses(*, emails: set[str], phones: set[str]) -> set[str]:
    """Which of these addresses are on the list for any reason ("email:<address>",
    "phone:<number>"), in a few queries."""
    return set(_listed(emails=emails, phones=phones, erased_only=False))


def erasure_times(*, emails: set[str], phones: set[str]) -> dict[str, datetime]:
    """When the people with these addresses were erased, for those who were: keyed
    "email:<address>" and "phone:<number>", read in a few queries however many there are
    (the booking import checks every row of a file)."""
    listed = _listed(emails=emails, phones=phones, erased_only=True)
    return {key: when for key, when in listed.items() if when is not None}
