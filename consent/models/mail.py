"""Email: the outbox, the newsletters sent from it, and the public forms' rate limits."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.models.ledger import ConsentEvent
from consent.models.requests import RightsRequest
from customers.models import Customer


class OutboxEmail(models.Model):
    """Every email the app sends, kept until delivered so that a failed send is retried.

    The web only stores a message; the background worker sends it (rekisteri/worker.py),
    retrying with growing pauses, and gives up after MAX_ATTEMPTS, telling the owner.
    """

    class Kind(models.TextChoices):
        SERVICE = "service", _("Service message")
        MARKETING = "marketing", _("Marketing")
        OWNER = "owner", _("To the studio")
        SELFTEST = "selftest", _("Test of the studio's mailbox")

    to = models.EmailField(_("to"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SERVICE)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    request = models.ForeignKey(
        RightsRequest,
        verbose_name=_("request"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emails",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # When to try (again); empty: at once.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Given up after the last attempt (the owner is told).
    failed_at = models.DateTimeField(_("gave up"), null=True, blank=True)
    # Set by the sender that is delivering it, so that two senders never send it twice.
    claimed_at = models.DateTimeField(_("being sent since"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # An email to a person already erased: deleted as soon as it has been delivered.
    delete_after_sending = models.BooleanField(_("delete once sent"), default=False)
    # A marketing message: its purpose is checked again just before sending, so that an
    # unsubscribe or objection made after queueing still stops it.
    marketing_purpose = models.CharField(_("marketing purpose"), max_length=20, blank=True)
    newsletter = models.ForeignKey(
        "Newsletter",
        verbose_name=_("newsletter"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emails",
    )

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["sent_at", "created_at"]),
            models.Index(fields=["to"]),
            models.Index(fields=["sent_at", "failed_at", "next_attempt_at"]),
            # The front page's "the mailbox test last went through" (kind selftest).
            models.Index(fields=["kind", "sent_at"], name="consent_outbox_kind_sent"),
        ]

    def __str__(self) -> str:
        return self.subject


class RateLimitHit(models.Model):
    """One use of a limited public form, counted in the database so that every gunicorn
    worker sees the same counts."""

    # What is counted ("address", "client", "unknown-mail"); the value only as a keyed hash.
    scope = models.CharField(_("scope"), max_length=20, blank=True)
    key = models.CharField(_("key"), max_length=64)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("rate limit hit")
        verbose_name_plural = _("rate limit hits")
        # A key's uses within the window, read from the index alone (consent.mail.ratelimit).
        indexes = [models.Index(fields=["key", "at"], name="consent_ratelimit_key_at")]

    def __str__(self) -> str:
        return self.key


class Newsletter(models.Model):
    """A marketing email sent from the app to the audience that may receive it."""

    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(
        _("text"),
        help_text=_("Plain text. Each message gets its own unsubscribe link at the end."),
    )
    purpose = models.CharField(
        _("purpose"),
        max_length=20,
        choices=ConsentEvent.Purpose.choices,
        default=ConsentEvent.Purpose.NEWSLETTER,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    queued = models.PositiveIntegerField(_("queued"), default=0, editable=False)
    # Counted as each message actually goes out (consent.marketing.newsletters.record_sent).
    recipients = models.PositiveIntegerField(_("sent"), default=0, editable=False)

    class Meta:
        verbose_name = _("newsletter")
        verbose_name_plural = _("newsletters")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject


class OwnerNotice(models.Model):
    """That the owner was told of something once (a verified request, a breach's deadline,
    a failed email, a job that did not run), so that no notice is sent twice. The key names
    the thing by kind and id, never by a person's data."""

    key = models.CharField(_("key"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("told"), default=timezone.now)

    class Meta:
        verbose_name = _("notice to the studio")
        verbose_name_plural = _("notices to the studio")

    def __str__(self) -> str:
        return self.key
