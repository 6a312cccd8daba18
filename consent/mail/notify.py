"""Telling the studio what needs it (R32): a new verified request, deadlines, a breach's 72
hours, emails that failed, a background job that did not run, the mailbox test.

Notices go to the studio's contact email (studio settings) and to every active owner
account that has an email address, in the studio's language, as ordinary outbox messages.
Each notice has a key (a kind and ids, never a person's data) and is sent once.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from consent.mail.outbox import Kind, queue_email
from consent.models import OutboxEmail, OwnerNotice, StudioSettings
from rekisteri.roles import OWNER


def owner_addresses() -> list[str]:
    """The studio's contact address and the owners' own, each once."""
    found = [StudioSettings.load().email]
    found += list(
        get_user_model()
        .objects.filter(groups__name=OWNER, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )
    seen: dict[str, None] = {}
    for address in found:
        if address:
            seen.setdefault(address.strip().lower(), None)
    return list(seen)


def notify_owners(*, template: str, context: dict[str, Any], key: str = "") -> int:
    """Queue the notice `emails/<template>` to the studio; with a `key`, only the first
    time. Returns how many messages were queued."""
    addresses = owner_addresses()
    if not addresses:
        return 0
    with transaction.atomic():
        if key:
            try:
                with transaction.atomic():
                    OwnerNotice.objects.create(key=key[:100])
            except IntegrityError:
                return 0  # told already
        for address in addresses:
            queue_email(
                to=address,
                template=template,
                context=context,
                language=settings.LANGUAGE_CODE,
                kind=Kind.OWNER,
            )
    return len(addresses)


def already_told(key: str) -> bool:
    return OwnerNotice.objects.filter(key=key[:100]).exists()


def last_selftest_sent() -> Any:
    """When the test message to the studio's mailbox last went through, if ever."""
    return (
        OutboxEmail.objects.filter(kind=Kind.SELFTEST, sent_at__isnull=False)
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
