"""Data-subject requests (GDPR Art. 12-22): the request, its emailed links, the
recipients to tell."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer


class RightsRequest(models.Model):
    class Type(models.TextChoices):
        ACCESS = "access", _("Access to one's data")
        RECTIFICATION = "rectification", _("Correction of data")
        ERASURE = "erasure", _("Erasure")
        OBJECTION = "objection", _("Objection to direct marketing")
        # GDPR Art. 21(1): to a use resting on the studio's legitimate interests, on
        # grounds of the person's own situation; the owner weighs it.
        OBJECTION_OTHER = "objection_other", _("Objection to another use of my data")
        RESTRICTION = "restriction", _("Restriction of processing")
        PORTABILITY = "portability", _("A machine-readable copy")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        VERIFIED = "verified", _("Verified")
        IN_PROGRESS = "in_progress", _("In progress")
        EXTENDED = "extended", _("Extended")
        COMPLETED = "completed", _("Completed")
        REFUSED = "refused", _("Refused")

    class Channel(models.TextChoices):
        WEB = "web", _("Web form")
        LETTER = "letter", _("Letter")
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone call")
        IN_PERSON = "in_person", _("In person")

    OPEN_STATUSES = (Status.RECEIVED, Status.VERIFIED, Status.IN_PROGRESS, Status.EXTENDED)
    # Web requests whose emailed link nobody has followed: until it is, nobody has shown the
    # request is theirs (GDPR Art. 12(6)), so it is not the owner's to answer; retention
    # removes them once the link has expired (consent.acts.retention). The owner's queue,
    # her front page and her digest are ~AWAITING_CONFIRMATION.
    AWAITING_CONFIRMATION = Q(status=Status.RECEIVED, channel=Channel.WEB)

    request_type = models.CharField(_("request"), max_length=20, choices=Type.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    channel = models.CharField(
        _("received through"), max_length=20, choices=Channel.choices, default=Channel.WEB
    )
    email = models.EmailField(_("email"), blank=True)
    message = models.TextField(_("message"), blank=True, max_length=2000)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rights_requests",
    )
    identity_check = models.CharField(
        _("how identity was checked"),
        max_length=300,
        blank=True,
        help_text=_(
            "For a request made on paper, by phone or in person: how you made sure it "
            "came from the person (e.g. 'known customer, in person'). No ID copies."
        ),
    )
    language = models.CharField(_("language"), max_length=8, default="fi")
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    # A web request is stored as it arrives and answered by the background worker (its
    # emailed link, or "nothing held"): empty until then (consent.acts.requests). Every
    # other request is made by someone already verified, or by the owner: answered as made.
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True, default=timezone.now)
    due_on = models.DateField(_("due"))
    extended_at = models.DateTimeField(_("extended"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for the refusal"), blank=True)
    outcome = models.TextField(
        _("outcome"), blank=True, help_text=_("What was done, for the record.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("data protection request")
        verbose_name_plural = _("data protection requests")
        ordering = ["due_on", "received_at"]
        permissions = [
            ("erase_customer", _("Can erase customers")),
            ("release_report", _("Can release access reports")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="extended") | ~Q(extension_reason=""),
                name="consent_rightsrequest_extension_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""),
                name="consent_rightsrequest_refusal_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            # The worker's list of web requests still to answer (a few rows at most).
            models.Index(
                fields=["id"],
                condition=Q(answered_at__isnull=True),
                name="consent_request_unanswered",
            ),
        ]

    def __str__(self) -> str:
        when = timezone.localtime(self.received_at).strftime("%d.%m.%Y")
        return f"{self.get_request_type_display()} {when} (#{self.pk})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def days_left(self, today: date | None = None) -> int:
        return (self.due_on - (today or timezone.localdate())).days


class LinkToken(models.Model):
    """A link sent by email: random, stored hashed, expiring, single-use, bound to a purpose."""

    class Purpose(models.TextChoices):
        VERIFY_REQUEST = "verify_request", _("Verify a request")
        OPEN_REPORT = "open_report", _("Open the released report")
        CONFIRM_EMAIL = "confirm_email", _("Confirm a new email address")
        CONFIRM_SUBSCRIPTION = "confirm_subscription", _("Confirm a newsletter sign-up")

    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    # Every link but a newsletter sign-up's belongs to a request.
    request = models.ForeignKey(
        RightsRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tokens",
    )
    # The address the link confirms (a new email, or a sign-up's address).
    new_email = models.EmailField(_("new email"), blank=True)
    # A sign-up's name and language, kept only until the link is used or expires.
    name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("link")
        verbose_name_plural = _("links")
        constraints = [
            models.CheckConstraint(
                condition=Q(request__isnull=False) | Q(purpose="confirm_subscription"),
                name="consent_linktoken_request_unless_subscription",
            ),
        ]
        indexes = [models.Index(fields=["new_email"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.pk}"


class RecipientTask(models.Model):
    """A to-do on a completed request: tell this recipient of the change (R18)."""

    request = models.ForeignKey(
        RightsRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="recipient_tasks",
    )
    recipient_name = models.CharField(_("recipient"), max_length=200)
    done_at = models.DateTimeField(_("told"), null=True, blank=True)

    class Meta:
        verbose_name = _("recipient to tell")
        verbose_name_plural = _("recipients to tell")

    def __str__(self) -> str:
        return self.recipient_name
