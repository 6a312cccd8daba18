"""The consent ledger (Art. 7, R5) and the suppression list (R10)."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer


class Suppression(models.Model):
    """A keyed hash of an email or phone that must never be marketed to again (R10)."""

    class Reason(models.TextChoices):
        OBJECTION = "objection", _("Objected to direct marketing")
        ERASURE = "erasure", _("Erased")

    value_hash = models.CharField(_("keyed hash"), max_length=64, unique=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Set by an erasure (also on an entry made earlier by an objection): the import skips
    # a person erased earlier unless they booked again after it.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)

    class Meta:
        verbose_name = _("suppression list entry")
        verbose_name_plural = _("suppression list")

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.value_hash[:8]}…"


class ConsentEvent(models.Model):
    """One change of a person's marketing permission: append-only (R5)."""

    class Purpose(models.TextChoices):
        NEWSLETTER = "newsletter", _("Newsletter and offers")
        RESEARCH = "research", _("Market and opinion research")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")
        POST = "post", _("Post")
        PHONE = "phone", _("Phone")

    class Action(models.TextChoices):
        GIVEN = "given", _("Given")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        OBJECTED = "objected", _("Objected")

    class Source(models.TextChoices):
        WEB_FORM = "web_form", _("Web form")
        ADMIN = "admin", _("Recorded by the studio")
        IMPORT = "import", _("Import")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")
        OWN_PAGE = "own_page", _("The customer's own page")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="consent_events",
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    wording = models.TextField(_("wording shown"), blank=True)
    notice_version = models.PositiveIntegerField(
        _("privacy notice version"),
        null=True,
        blank=True,
        help_text=_("The version of the privacy notice in force when this was recorded."),
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Evidence for a consent given on the web, minimised: the network, not the device.
    ip_network = models.CharField(_("network (IP address shortened)"), max_length=50, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["at", "id"], name="consent_event_order"),
            # A person's latest action for a purpose and channel, read from the index alone
            # (the marketing audience asks it for every customer: issue 12).
            models.Index(
                fields=["customer", "purpose", "channel", "-at", "-id", "action"],
                name="consent_event_latest",
            ),
        ]

    def __str__(self) -> str:
        purpose, channel = self.get_purpose_display(), self.get_channel_display()
        return f"{purpose} / {channel}: {self.get_action_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Consent events are append-only.")
        super().save(*args, **kwargs)
