"""Sending email without losing it: every message is stored first, sent after the
transaction commits, and a failed send stays in the outbox to be retried."""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from consent.mail.links import redact_links
from consent.models import OutboxEmail, RightsRequest
from customers.models import Customer
from rekisteri.sqlite import checkpoint_sqlite

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 20
# A sender that claimed a message and died is presumed gone after this long.
CLAIM_TIMEOUT = timedelta(minutes=5)


def site_link(path: str) -> str:
    """An absolute link for an email, built from SITE_URL (never from a request's Host)."""
    return settings.SITE_URL + path


def queue_email(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str,
    customer: Customer | None = None,
    request: RightsRequest | None = None,
    headers: dict[str, str] | None = None,
    delete_after_sending: bool = False,
    marketing_purpose: str = "",
    newsletter: Any = None,
    send_now: bool = True,
) -> OutboxEmail:
    """Store the message `emails/<template>` and send it once the transaction commits
    (`send_now=False`: a batch sender or `send_outbox` sends it later)."""
    with translation.override(language):
        subject = render_to_string(f"emails/{template}.subject.txt", context).strip()
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(
            "emails/base.html", {"subject": subject, "body": text, "language": language}
        )
    email = OutboxEmail.objects.create(
        # Lower case, as the register stores addresses: erasure finds every message to a
        # person's addresses with one indexed lookup.
        to=to.strip().lower(),
        subject=" ".join(subject.split()),
        body_text=text,
        body_html=html,
        headers=headers or {},
        customer=customer,
        request=request,
        delete_after_sending=delete_after_sending,
        marketing_purpose=marketing_purpose,
        newsletter=newsletter,
    )
    if send_now:
        # robust: whatever happens in the send, the committed request stands.
        transaction.on_commit(lambda: deliver(email.pk), robust=True)
    return email


def _still_allowed(email: OutboxEmail) -> bool:
    """A marketing message goes only if its person may still be contacted right now."""
    if not email.marketing_purpose:
        return True
    if email.customer is None:
        return False
    from consent.marketing.permissions import permission

    return permission(email.customer, email.marketing_purpose, "email").allowed


def _claim(pk: int) -> bool:
    now = timezone.now()
    return (
        OutboxEmail.objects.filter(pk=pk, sent_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .update(claimed_at=now, attempts=F("attempts") + 1)
        == 1
    )


def deliver(pk: int) -> bool:
    """Try to send one stored message; True when it went out. Never raises."""
    try:
        if not _claim(pk):
            return False
        email = OutboxEmail.objects.select_related("customer").get(pk=pk)
        if not _still_allowed(email):
            # Unsubscribed, objected or erased since it was queued: never sent.
            OutboxEmail.objects.filter(pk=pk).delete()
            return False
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.to],
            headers=email.headers,
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        message.send()
    except Exception as error:  # noqa: BLE001 - any failure leaves the message queued
        logger.warning("Sending email %s failed: %s", pk, error)
        _record(pk, claimed_at=None, last_error=str(error)[:500] or error.__class__.__name__)
        return False
    if email.delete_after_sending:
        _record(pk, delete=True)
        # The last message to an erased person: its bytes leave the SQLite files too.
        checkpoint_sqlite()
    else:
        # What was sent stays readable in the outbox, but its links do not work any more.
        _record(
            pk,
            sent_at=timezone.now(),
            last_error="",
            body_text=redact_links(email.body_text),
            body_html=redact_links(email.body_html),
            headers={k: redact_links(v) for k, v in email.headers.items()},
        )
    return True


def _record(pk: int, *, delete: bool = False, **fields: Any) -> None:
    """Note the outcome of a send. The database may be gone by now (the send itself
    happened after the request's commit): then the claim times out and the message is
    retried, rather than the caller being told that its already-saved request failed."""
    try:
        if delete:
            OutboxEmail.objects.filter(pk=pk).delete()
        else:
            OutboxEmail.objects.filter(pk=pk).update(**fields)
    except DatabaseError:
        logger.warning("Could not record the outcome of email %s", pk, exc_info=True)


def pending(*, newsletter: Any = None, limit: int | None = None) -> "list[int]":
    emails = OutboxEmail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    if newsletter is not None:
        emails = emails.filter(newsletter=newsletter)
    pks = emails.order_by("created_at", "pk").values_list("pk", flat=True)
    return list(pks[:limit] if limit else pks)


def send_pending(*, newsletter: Any = None, limit: int | None = None) -> tuple[int, int]:
    """Send (or retry) unsent messages, all or a batch; returns (sent, not sent)."""
    sent = failed = 0
    for pk in pending(newsletter=newsletter, limit=limit):
        if deliver(pk):
            sent += 1
        else:
            failed += 1
    return sent, failed
