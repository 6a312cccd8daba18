"""Newsletters: queued to the audience the app computes, each message with its own
one-click unsubscribe link and headers (RFC 8058), checked again just before sending."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from consent.mail.outbox import queue_email
from consent.marketing.audience import audience
from consent.marketing.unsubscribe import unsubscribe_link
from consent.models import ConsentEvent, Newsletter, OutboxEmail
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
