"""Sending email without losing it, and never inside a web request.

Every message is stored in the outbox in the transaction of the act that sends it; the
background worker (rekisteri/worker.py) delivers it within seconds. A failed send stays in
the outbox and is tried again after a growing pause (1, 2, 4 … minutes, at most 6 hours);
after MAX_ATTEMPTS it is given up, and the owner is told. Two senders never send one
message twice: each takes a message by a conditional UPDATE that only one can win.
"""

import logging
from collections import Counter
from datetime import timedelta
from enum import Enum
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from consent.mail.links import redact_links
from consent.models import OutboxEmail, RightsRequest
from customers.models import Customer
from rekisteri.sqlite import checkpoint_sqlite

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
LONGEST_PAUSE = timedelta(hours=6)
# A sender that took a message and died is presumed gone after this long.
CLAIM_TIMEOUT = timedelta(minutes=5)

Kind = OutboxEmail.Kind


class Outcome(Enum):
    SENT = "sent"
    FAILED = "failed"  # will be tried again
    GAVE_UP = "gave_up"  # the last attempt failed
    TAKEN = "taken"  # another sender has it, or it was sent already
    DROPPED = "dropped"  # marketing no longer allowed: deleted unsent


def site_link(path: str) -> str:
    """An absolute link for an email, built from SITE_URL (never from a request's Host)."""
    return settings.SITE_URL + path


def pause_after(attempts: int) -> timedelta:
    """How long to wait before the next try after `attempts` failed ones."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), LONGEST_PAUSE)


def queue_email(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str,
    kind: str = Kind.SERVICE,
    customer: Customer | None = None,
    request: RightsRequest | None = None,
    headers: dict[str, str] | None = None,
    delete_after_sending: bool = False,
    marketing_purpose: str = "",
    newsletter: Any = None,
    not_before: Any = None,
) -> OutboxEmail:
    """Store the message `emails/<template>`, rendered in `language`, for the worker to
    send (from `not_before`, when given). Nothing is sent here.

    Every message ends with who sends it and how to reach them (the controller, from the
    studio settings: GDPR Art. 13(1)(a), R31), and a link to the privacy notice.
    """
    footer = _footer_context()
    # Every message may name the studio (the controller) in its text.
    context = {"studio_name": footer["studio"].controller_name, **context}
    with translation.override(language):
        subject = render_to_string(f"emails/{template}.subject.txt", context).strip()
        text = render_to_string(f"emails/{template}.txt", context).rstrip() + "\n"
        text += render_to_string("emails/_footer.txt", footer)
        html = render_to_string(
            "emails/base.html", {"subject": subject, "body": text, "language": language}
        )
    email = OutboxEmail.objects.create(
        # Lower case, as the register stores addresses: erasure finds every message to a
        # person's addresses with one indexed lookup.
        to=to.strip().lower(),
        kind=Kind.MARKETING if marketing_purpose else kind,
        subject=" ".join(subject.split()),
        body_text=text,
        body_html=html,
        headers=headers or {},
        customer=customer,
        request=request,
        delete_after_sending=delete_after_sending,
        marketing_purpose=marketing_purpose,
        newsletter=newsletter,
        next_attempt_at=not_before,
    )
    if getattr(settings, "OUTBOX_SEND_ON_COMMIT", False):
        # Test settings only: the suite reads what was sent without running the worker.
        transaction.on_commit(lambda: deliver(email.pk), robust=True)
    return email


def _footer_context() -> dict[str, Any]:
    from consent.models import StudioSettings

    return {
        "studio": StudioSettings.load(),
        "privacy_link": site_link(reverse("consent:privacy")),
    }


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
        OutboxEmail.objects.filter(pk=pk, sent_at__isnull=True, failed_at__isnull=True)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .update(claimed_at=now, attempts=F("attempts") + 1)
        == 1
    )


def deliver(pk: int) -> Outcome:
    """Try to send one stored message. Never raises."""
    try:
        if not _claim(pk):
            return Outcome.TAKEN
        email = OutboxEmail.objects.select_related("customer").get(pk=pk)
        if not _still_allowed(email):
            # Unsubscribed, objected or erased since it was queued: never sent.
            OutboxEmail.objects.filter(pk=pk).delete()
            return Outcome.DROPPED
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
        return _failed(pk, error)
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
            claimed_at=None,
            body_text=redact_links(email.body_text),
            body_html=redact_links(email.body_html),
            headers={k: redact_links(v) for k, v in email.headers.items()},
        )
    _after_sending(email)
    return Outcome.SENT


def _after_sending(email: OutboxEmail) -> None:
    """What a sent message means beyond the outbox: a newsletter is on the customer's
    history only once it has actually gone to them."""
    if email.newsletter_id is None or email.customer_id is None:
        return
    from consent.marketing.newsletters import record_sent

    try:
        record_sent(email)
    except DatabaseError:
        logger.warning("Could not record newsletter %s as sent", email.pk, exc_info=True)


def _failed(pk: int, error: Exception) -> Outcome:
    reason = str(error)[:500] or error.__class__.__name__
    logger.warning("Sending email %s failed: %s", pk, reason)
    try:
        attempts = OutboxEmail.objects.filter(pk=pk).values_list("attempts", flat=True).first()
    except DatabaseError:
        attempts = None
    now = timezone.now()
    if attempts is not None and attempts >= MAX_ATTEMPTS:
        _record(pk, claimed_at=None, last_error=reason, failed_at=now)
        return Outcome.GAVE_UP
    _record(
        pk,
        claimed_at=None,
        last_error=reason,
        next_attempt_at=now + pause_after(attempts or 1),
    )
    return Outcome.FAILED


def _record(pk: int, *, delete: bool = False, **fields: Any) -> None:
    """Note the outcome of a send. The database may be gone by now: then the claim times
    out and the message is tried again, rather than the sender failing."""
    try:
        if delete:
            OutboxEmail.objects.filter(pk=pk).delete()
        else:
            OutboxEmail.objects.filter(pk=pk).update(**fields)
    except DatabaseError:
        logger.warning("Could not record the outcome of email %s", pk, exc_info=True)


def due(*, newsletter: Any = None, limit: int | None = None) -> list[int]:
    """Messages to send now: unsent, not given up, their next attempt due."""
    now = timezone.now()
    emails = OutboxEmail.objects.filter(sent_at__isnull=True, failed_at__isnull=True).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    if newsletter is not None:
        emails = emails.filter(newsletter=newsletter)
    pks = emails.order_by("created_at", "pk").values_list("pk", flat=True)
    return list(pks[:limit] if limit else pks)


def send_due(*, newsletter: Any = None, limit: int | None = None) -> Counter[Outcome]:
    """Send (or try again) the messages that are due; what became of them, counted."""
    outcomes: Counter[Outcome] = Counter()
    for pk in due(newsletter=newsletter, limit=limit):
        outcomes[deliver(pk)] += 1
    return outcomes


def send_pending(*, newsletter: Any = None, limit: int | None = None) -> tuple[int, int]:
    """Send what is due now; (sent, not sent). Messages another sender took are neither."""
    outcomes = send_due(newsletter=newsletter, limit=limit)
    failed = outcomes[Outcome.FAILED] + outcomes[Outcome.GAVE_UP] + outcomes[Outcome.DROPPED]
    return outcomes[Outcome.SENT], failed


def retry_now(pks: list[int]) -> int:
    """Make unsent messages due at once again, given-up ones included (the owner's
    "send again"); the worker sends them within seconds."""
    return OutboxEmail.objects.filter(pk__in=pks, sent_at__isnull=True).update(
        next_attempt_at=None, failed_at=None, attempts=0, claimed_at=None
    )
