"""The data subject's voice: rights requests, signed links, consents, suppression, the outbox."""

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
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
        indexes = [models.Index(fields=["status", "due_on"])]

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

    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    request = models.ForeignKey(
        RightsRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="tokens",
    )
    new_email = models.EmailField(_("new email"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("link")
        verbose_name_plural = _("links")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.pk}"


class OutboxEmail(models.Model):
    """Every email the app sends, kept until delivered so that a failed send is retried."""

    to = models.EmailField(_("to"))
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
        indexes = [models.Index(fields=["sent_at", "created_at"])]

    def __str__(self) -> str:
        return self.subject


class RateLimitHit(models.Model):
    """One use of a limited public form, counted in the database so that every gunicorn
    worker sees the same counts."""

    key = models.CharField(_("key"), max_length=64, db_index=True)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("rate limit hit")
        verbose_name_plural = _("rate limit hits")

    def __str__(self) -> str:
        return self.key


class Suppression(models.Model):
    """A keyed hash of an email or phone that must never be marketed to again (R10)."""

    class Reason(models.TextChoices):
        OBJECTION = "objection", _("Objected to direct marketing")
        ERASURE = "erasure", _("Erased")

    value_hash = models.CharField(_("keyed hash"), max_length=64, unique=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

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

    def __str__(self) -> str:
        purpose, channel = self.get_purpose_display(), self.get_channel_display()
        return f"{purpose} / {channel}: {self.get_action_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Consent events are append-only.")
        super().save(*args, **kwargs)


class Recipient(models.Model):
    """A processor or recipient of the register's data, to be told of corrections and
    erasures (Art. 19)."""

    name = models.CharField(_("name"), max_length=200)
    purpose = models.CharField(_("what for"), max_length=300)
    country = models.CharField(
        _("country"),
        max_length=2,
        default="FI",
        validators=[
            RegexValidator(r"^[A-Z]{2}$", _("Enter a two-letter country code, such as FI."))
        ],
        help_text=_("Where the data is processed: a two-letter code, such as FI, SE or US."),
    )
    safeguard = models.CharField(
        _("transfer safeguard"),
        max_length=300,
        blank=True,
        help_text=_(
            "Required outside the EU/EEA, e.g. 'EU-US Data Privacy Framework' or "
            "'the Commission's standard contractual clauses'."
        ),
    )
    is_processor = models.BooleanField(
        _("processes data on the studio's behalf"),
        default=True,
        help_text=_("A processor (e.g. the email provider) rather than a recipient of its own."),
    )

    class Meta:
        verbose_name = _("processor or recipient")
        verbose_name_plural = _("processors and recipients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def outside_eea(self) -> bool:
        return self.country.upper() not in EEA_COUNTRIES

    def clean_fields(self, exclude: Any = None) -> None:
        self.country = (self.country or "").strip().upper()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        super().clean()
        if self.outside_eea and not self.safeguard.strip():
            raise ValidationError(
                {
                    "safeguard": _(
                        "A transfer outside the EU/EEA needs a safeguard (GDPR Chapter V)."
                    )
                }
            )


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


# The EU member states and the other EEA countries: transfers elsewhere need a safeguard.
_EEA_CODES = (
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO"
)
EEA_COUNTRIES = frozenset(_EEA_CODES.split())


class StudioSettings(models.Model):
    """What the studio says about itself, edited by the owner; one row (pk=1).

    Every saved change publishes a new dated version of the privacy notice.
    """

    class Purpose(models.TextChoices):
        CUSTOMER_RELATIONSHIP = (
            "customer_relationship",
            _("Managing the customer relationship and course participant lists"),
        )
        BOOKING = "booking", _("Appointment and course booking")
        COMMUNICATION = "communication", _("Customer communication and customer service")
        MARKETING = "marketing", _("Marketing and direct marketing with the customer's consent")
        RESEARCH = "research", _("Customer feedback and market research with consent")

    controller_name = models.CharField(_("studio (controller)"), max_length=200, default="Studio")
    business_id = models.CharField(
        _("business ID"),
        max_length=20,
        blank=True,
        help_text=_("Y-tunnus, e.g. 1234567-8. May be left empty by a sole trader without one."),
        validators=[
            RegexValidator(r"^[0-9]{7}-[0-9]$", _("A business ID has the form 1234567-8."))
        ],
    )
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    contact_person = models.CharField(
        _("person responsible for the register"), max_length=200, blank=True
    )
    purposes = models.JSONField(
        _("purposes in use"),
        default=list,
        blank=True,
        help_text=_("Bookkeeping of purchases is always a purpose: the law requires it."),
    )
    booking_calendar = models.CharField(
        _("booking calendar"),
        max_length=200,
        blank=True,
        default="Varaa heti",
        help_text=_("The web booking calendar that brings customer data, if any."),
    )
    customer_retention_years = models.PositiveSmallIntegerField(
        _("years an inactive customer is kept"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("studio settings")
        verbose_name_plural = _("studio settings")

    def __str__(self) -> str:
        return self.controller_name

    @classmethod
    def load(cls) -> "StudioSettings":
        settings_row, _created = cls.objects.get_or_create(
            pk=1, defaults={"purposes": [p.value for p in cls.Purpose]}
        )
        return settings_row


class NoticeVersion(models.Model):
    """A published version of the privacy notice: a frozen copy of what it said."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    content = models.JSONField(_("content"))

    class Meta:
        verbose_name = _("privacy notice version")
        verbose_name_plural = _("privacy notice versions")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.number} ({timezone.localtime(self.published_at):%d.%m.%Y})"


class Disclosure(models.Model):
    """Data given to someone outside the studio (P8): to whom, what, on what ground, when."""

    class Ground(models.TextChoices):
        LAW = "law", _("An obligation in law (e.g. an authority's lawful request)")
        CONSENT = "consent", _("The customer's consent")
        CUSTOMER_REQUEST = "customer_request", _("At the customer's request, for their own matter")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        # The record that a disclosure was made outlives the person's erasure.
        on_delete=models.SET_NULL,
        null=True,
        related_name="disclosures",
    )
    recipient = models.CharField(_("disclosed to"), max_length=200)
    data = models.TextField(_("what data"))
    ground = models.CharField(_("legal ground"), max_length=20, choices=Ground.choices)
    ground_detail = models.CharField(
        _("details of the ground"),
        max_length=300,
        blank=True,
        help_text=_("E.g. the provision of law or the authority's reference."),
    )
    disclosed_at = models.DateTimeField(_("disclosed"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["-disclosed_at"]

    def __str__(self) -> str:
        return f"{self.recipient} ({timezone.localtime(self.disclosed_at):%d.%m.%Y})"


class Breach(models.Model):
    """A personal data breach (GDPR Art. 33-34, R26)."""

    class Risk(models.TextChoices):
        UNLIKELY = "unlikely", _("Unlikely to result in a risk to people")
        RISK = "risk", _("A risk to people's rights and freedoms")
        HIGH = "high", _("A high risk to people's rights and freedoms")

    discovered_at = models.DateTimeField(_("the studio became aware"), default=timezone.now)
    description = models.TextField(_("what happened"))
    affected_customers = models.ManyToManyField(
        Customer, verbose_name=_("affected customers"), blank=True, related_name="breaches"
    )
    affected_count = models.PositiveIntegerField(
        _("number of people affected (estimate)"), null=True, blank=True
    )
    data_affected = models.TextField(_("what data was affected"))
    risk = models.CharField(_("risk"), max_length=20, choices=Risk.choices)
    measures = models.TextField(_("measures taken"), blank=True)
    ombudsman_notified_at = models.DateTimeField(
        _("Data Protection Ombudsman notified"), null=True, blank=True
    )
    customers_notified_at = models.DateTimeField(_("customers notified"), null=True, blank=True)
    not_notified_reason = models.TextField(
        _("why not notified"),
        blank=True,
        help_text=_("Required when the breach is unlikely to result in a risk and nobody is told."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("data breach")
        verbose_name_plural = _("data breaches")
        ordering = ["-discovered_at"]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.discovered_at):%d.%m.%Y}: {self.description[:60]}"

    @property
    def notify_by(self) -> Any:
        """The Ombudsman must be told within 72 hours of becoming aware (Art. 33(1))."""
        return self.discovered_at + timedelta(hours=72)

    def clean(self) -> None:
        super().clean()
        if (
            self.risk == self.Risk.UNLIKELY
            and self.ombudsman_notified_at is None
            and not self.not_notified_reason.strip()
        ):
            raise ValidationError(
                {"not_notified_reason": _("Say why the Ombudsman was not notified.")}
            )
        if (
            self.risk == self.Risk.HIGH
            and self.customers_notified_at is None
            and not self.not_notified_reason.strip()
        ):
            raise ValidationError(
                {
                    "not_notified_reason": _(
                        "A high risk means telling the affected customers; record when, or why not."
                    )
                }
            )


class AuditEntry(models.Model):
    """Who viewed, changed, exported or erased which customer, and logins (R23).

    Append-only: nobody can add, change or delete entries in the admin. An entry names
    the customer through a link that erasure removes, and never copies the customer's
    data, so an erased person leaves no identity here.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        ADD = "add", _("Added")
        CHANGE = "change", _("Changed")
        DELETE = "delete", _("Deleted")
        EXPORT = "export", _("Exported")
        ERASE = "erase", _("Erased")
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logged out")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(
        _("username"), max_length=150, blank=True, help_text=_("As typed, for a failed login.")
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    object_type = models.CharField(_("what"), max_length=100, blank=True)
    object_id = models.CharField(_("which"), max_length=64, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-pk"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%d.%m.%Y %H.%M} {self.get_action_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)


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
    recipients = models.PositiveIntegerField(_("recipients"), default=0, editable=False)

    class Meta:
        verbose_name = _("newsletter")
        verbose_name_plural = _("newsletters")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject
