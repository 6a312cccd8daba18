"""Newsletters: queued to the audience the app computes, each message with its own
one-click unsubscribe link and headers (RFC 8058), checked again just before sending."""

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from consent.mail.outbox import queue_email
from consent.marketing.audience import audience_people
from consent.marketing.unsubscribe import unsubscribe_link
from consent.models import ConsentEvent, Newsletter, OutboxEmail
from consent.records import audit
from customers.models import Interaction

Purpose, Channel, Action, Source = (
    ConsentEvent.Purpose,
    ConsentEvent.Channel,
    ConsentEvent.Action,
    ConsentEvent.Source,
)


def _marketing_headers(link: str) -> dict[str, str]:
    # RFC 8058: mail clients offer a one-click unsubscribe that POSTs to the link.
    return {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def send_newsletter(*, newsletter: Newsletter, actor: User | None) -> int:
    """Queue the newsletter to everyone in its audience, each message in the person's
    language with their own unsubscribe link and headers; returns how many were queued.

    The worker sends them, checking each person's permission again just before; only a
    message actually sent goes on the person's history and into the newsletter's count.
    """
    with transaction.atomic():
        queued = 0
        for customer in audience_people(purpose=newsletter.purpose, channel=Channel.EMAIL):
            queued += 1
            link = unsubscribe_link(customer, newsletter.purpose, Channel.EMAIL)
            queue_email(
                to=customer.email,
                template="newsletter",
                context={
                    "newsletter": newsletter,
                    "customer": customer,
                    "unsubscribe": link,
                    # Why this person gets it: their basis (917/2014 §202).
                    "why": getattr(customer, "verdict", ""),
                },
                language=customer.language or settings.LANGUAGE_CODE,
                customer=customer,
                headers=_marketing_headers(link),
                marketing_purpose=newsletter.purpose,
                newsletter=newsletter,
            )
        newsletter.queued = queued
        newsletter.save(update_fields=["queued"])
        audit.record(
            audit.Action.EXPORT,
            user=actor,
            obj=newsletter,
            detail=audit.Detail("newsletter_queued", count=queued),
        )
    return queued


def record_sent(email: OutboxEmail) -> None:
    """A newsletter message went out: it goes on the customer's history and into the
    newsletter's count of sent messages."""
    if email.customer_id is None or email.newsletter_id is None:
        return
    with transaction.atomic():
        # bulk_create: a newsletter is not the customer's own activity, so it must not
        # postpone their retention (Interaction.save would).
        Interaction.objects.bulk_create(
            [
                Interaction(
                    customer_id=email.customer_id,
                    kind=Interaction.Kind.EMAIL,
                    direction=Interaction.Direction.OUTGOING,
                    subject=email.subject[:200],
                    text=_("Newsletter"),
                )
            ]
        )
        Newsletter.objects.filter(pk=email.newsletter_id).update(recipients=F("recipients") + 1)


def newsletter_progress(newsletter: Newsletter) -> dict[str, int]:
    """Sent, waiting for the worker, failing (being tried again) and given up or left
    unsent (the person unsubscribed meanwhile), in one query."""
    counts = OutboxEmail.objects.filter(newsletter=newsletter).aggregate(
        waiting=Count("pk", filter=Q(sent_at__isnull=True, failed_at__isnull=True)),
        failing=Count("pk", filter=Q(sent_at__isnull=True, failed_at__isnull=True, attempts__gt=0)),
        gave_up=Count("pk", filter=Q(failed_at__isnull=False)),
    )
    sent = newsletter.recipients
    return {
        "total": newsletter.queued,
        "sent": sent,
        "waiting": counts["waiting"],
        "failing": counts["failing"],
        "not_sent": max(newsletter.queued - sent - counts["waiting"], 0),
    }
