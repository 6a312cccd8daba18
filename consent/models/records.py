"""Accountability records: the studio's settings and notice versions, processors,
disclosures, breaches and the audit trail (Art. 5(2), 24, 30, 33)."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.inventory import Category
from customers.models import Customer

# The EU member states and the other EEA countries: transfers elsewhere need a safeguard.
_EEA_CODES = (
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO"
)
EEA_COUNTRIES = frozenset(_EEA_CODES.split())
# The countries with an adequacy decision of the European Commission (GDPR Art. 45(3)), as
# listed by the Commission in 2025: Andorra, Argentina, Canada (commercial organisations),
# the Faroe Islands, Guernsey, Israel, the Isle of Man, Japan, Jersey, New Zealand, the
# Republic of Korea, Switzerland, the United Kingdom and Uruguay. The United States is not
# here: its decision (2023/1795) covers only organisations certified under the EU-US Data
# Privacy Framework, which is a choice of its own. A new decision means adding its country.
ADEQUACY_COUNTRIES = frozenset(
    {"AD", "AR", "CA", "FO", "GG", "IL", "IM", "JP", "JE", "NZ", "KR", "CH", "GB", "UY"}
)
DPF_COUNTRIES = frozenset({"US"})
# Invalidated by the Court of Justice on 16 July 2020 (C-311/18, "Schrems II"): never a safeguard.
INVALID_SAFEGUARD_WORDS = ("privacy shield", "privacy-shield", "privacyshield")


class Recipient(models.Model):
    """A processor or recipient of the register's data, to be told of corrections and
    erasures (Art. 19), and named in the privacy notice (Art. 13(1)(e)-(f)).

    A transfer outside the EU/EEA rests on one of the mechanisms of GDPR Chapter V, chosen
    from a list, never typed: an adequacy decision (Art. 45), the EU-US Data Privacy
    Framework for a certified US organisation (Art. 45, decision 2023/1795), the
    Commission's standard contractual clauses (Art. 46(2)(c)) or binding corporate rules
    (Art. 47). The EU-US Privacy Shield, invalidated in 2020, cannot be saved.
    """

    class Safeguard(models.TextChoices):
        ADEQUACY = "adequacy", _("An adequacy decision of the European Commission (GDPR Art. 45)")
        DPF = (
            "dpf",
            _(
                "The EU-US Data Privacy Framework: the recipient is certified under it "
                "(GDPR Art. 45, Commission decision 2023/1795)"
            ),
        )
        SCC = "scc", _("The Commission's standard contractual clauses (GDPR Art. 46(2)(c))")
        BCR = "bcr", _("Binding corporate rules (GDPR Art. 47)")

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
        max_length=20,
        choices=Safeguard.choices,
        blank=True,
        help_text=_(
            "Required when the country is outside the EU/EEA: the mechanism the transfer "
            "rests on, as the recipient's data processing terms state it."
        ),
    )
    dpf_checked_on = models.DateField(
        _("Data Privacy Framework certification checked on"),
        null=True,
        blank=True,
        help_text=_(
            "With the Data Privacy Framework: the day you saw the recipient's certification "
            "as active on the Data Privacy Framework List (dataprivacyframework.gov)."
        ),
    )
    scc_also = models.BooleanField(
        _("standard contractual clauses as well"),
        default=False,
        help_text=_(
            "The recipient's terms also include the Commission's standard contractual "
            "clauses, which apply should the main safeguard cease to."
        ),
    )
    safeguard_note = models.CharField(
        _("where the safeguard is written"),
        max_length=300,
        blank=True,
        help_text=_("E.g. the name of the recipient's data processing terms."),
    )
    needs_review = models.BooleanField(
        _("safeguard to be chosen again"),
        default=False,
        editable=False,
        help_text=_(
            "Set when an earlier, typed safeguard could not be read as a valid one (e.g. "
            "the invalidated Privacy Shield); cleared when the owner saves a valid choice."
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
        constraints = [
            # Only the known mechanisms (or none, inside the EU/EEA) can ever be stored.
            models.CheckConstraint(
                condition=models.Q(safeguard__in=["", "adequacy", "dpf", "scc", "bcr"]),
                name="consent_recipient_safeguard_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def outside_eea(self) -> bool:
        return self.country.upper() not in EEA_COUNTRIES

    def clean_fields(self, exclude: Any = None) -> None:
        self.country = (self.country or "").strip().upper()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        """The transfer rules of GDPR Chapter V, as the owner can get them wrong."""
        super().clean()
        errors: dict[str, Any] = {}
        text = f"{self.safeguard_note} {self.safeguard}".lower()
        if any(word in text for word in INVALID_SAFEGUARD_WORDS):
            errors["safeguard_note"] = _(
                "The EU-US Privacy Shield is no safeguard: the Court of Justice of the EU "
                "invalidated it in 2020 (C-311/18). Choose the Data Privacy Framework if the "
                "recipient is certified under it, or the standard contractual clauses."
            )
        if not self.outside_eea:
            # Inside the EU/EEA no transfer safeguard is needed, and none is shown.
            self.safeguard, self.dpf_checked_on, self.scc_also = "", None, False
        elif not self.safeguard:
            errors["safeguard"] = _(
                "A transfer outside the EU/EEA needs a safeguard (GDPR Chapter V): choose one."
            )
        elif self.safeguard == self.Safeguard.DPF:
            if self.country not in DPF_COUNTRIES:
                errors["safeguard"] = _(
                    "The Data Privacy Framework covers only organisations in the United "
                    "States (US)."
                )
            elif self.dpf_checked_on is None:
                errors["dpf_checked_on"] = _(
                    "Check that the recipient's certification is active on the Data "
                    "Privacy Framework List (dataprivacyframework.gov) and give the day."
                )
            elif self.dpf_checked_on > timezone.localdate():
                errors["dpf_checked_on"] = _("The day cannot be in the future.")
        elif self.safeguard == self.Safeguard.ADEQUACY and self.country not in ADEQUACY_COUNTRIES:
            errors["safeguard"] = (
                _(
                    "For the United States the adequacy decision covers only organisations "
                    "certified under the Data Privacy Framework: choose that."
                )
                if self.country in DPF_COUNTRIES
                else _(
                    "The European Commission has no adequacy decision for this country: "
                    "choose the standard contractual clauses or binding corporate rules."
                )
            )
        if self.safeguard != self.Safeguard.DPF:
            self.dpf_checked_on = None
        if self.safeguard == self.Safeguard.SCC:
            self.scc_also = False
        if errors:
            raise ValidationError(errors)
        self.needs_review = False


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
        MARKETING = "marketing", _("Direct marketing of the studio's own services")
        RESEARCH = "research", _("Customer feedback and market research with consent")

    # The default is a placeholder: no privacy notice is published under it.
    PLACEHOLDER_CONTROLLER = "Studio"

    controller_name = models.CharField(
        _("studio (controller)"),
        max_length=200,
        default=PLACEHOLDER_CONTROLLER,
        help_text=_(
            "The studio's name as a customer should know it, e.g. Viva Balansia Oy. The "
            "privacy notice is published once this and an email or a postal address are "
            "filled in."
        ),
    )
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
    # Act on Electronic Communications Services 917/2014, §200(2): off unless the owner
    # turns it on, and then only within its conditions (consent.marketing.permissions).
    existing_customer_marketing = models.BooleanField(
        _("email and text-message marketing to existing customers without consent"),
        default=False,
        help_text=_(
            "The law (917/2014, §200(2)) allows it only: to customers who bought a service "
            "of the studio, of the studio's own similar services, when the customer was "
            "told at the purchase that they may refuse it, and with a free and easy way to "
            "refuse in every message. Only purchases marked 'told of marketing' count. Off, "
            "email and text messages go only to people who consented."
        ),
    )
    existing_customer_months = models.PositiveSmallIntegerField(
        _("months a purchase counts for marketing"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text=_("How long after a purchase its buyer counts as an existing customer."),
    )
    financial_year_end_month = models.PositiveSmallIntegerField(
        _("financial year ends: month"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    financial_year_end_day = models.PositiveSmallIntegerField(
        _("financial year ends: day"),
        default=31,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_(
            "Bookkeeping material is kept 6 years from the end of the year in which the "
            "financial year ended (Accounting Act 1336/1997, 2:10 §)."
        ),
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

    def missing_for_notice(self) -> list[Any]:
        """What the owner must still fill in before a privacy notice is published: the
        controller's identity and contact details (GDPR Art. 13(1)(a))."""
        missing = []
        name = self.controller_name.strip()
        if not name or name == self.PLACEHOLDER_CONTROLLER:
            missing.append(_("the studio's name (the controller)"))
        has_address = all(
            part.strip() for part in (self.street_address, self.postal_code, self.city)
        )
        if not self.email.strip() and not has_address:
            missing.append(_("an email address or a postal address"))
        return missing

    @property
    def ready_for_notice(self) -> bool:
        return not self.missing_for_notice()

    @property
    def contact_known(self) -> bool:
        """Whether the settings say how a customer reaches the studio at all."""
        return bool(self.email.strip() or self.phone.strip() or self.street_address.strip())


class NoticeVersion(models.Model):
    """A published version of the privacy notice: a frozen copy of what it said.

    `content` holds the facts (the owner's settings, the inventory's categories);
    `rendered` the text as published, in each language ({"fi": html, "en": html}), so
    that the version reads the same after the app's own wording changes. Versions
    published before the text was kept have an empty `rendered` and are rendered from
    their content with the app's current wording.
    """

    number = models.PositiveIntegerField(_("version"), unique=True)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    content = models.JSONField(_("content"))
    rendered = models.JSONField(_("text as published"), default=dict, blank=True)

    class Meta:
        verbose_name = _("privacy notice version")
        verbose_name_plural = _("privacy notice versions")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.number} ({timezone.localtime(self.published_at):%d.%m.%Y})"


class RecordKept(PermissionDenied):
    """Raised on any attempt to delete a breach or a disclosure record.

    A PermissionDenied, so that a path that reaches it answers 403, not 500."""


class KeptRecordQuerySet(models.QuerySet):
    """Records that nobody deletes, the owner and superusers included: the breach log
    (GDPR Art. 33(5): the studio documents every breach, so that the Data Protection
    Ombudsman can verify what was done) and the record of disclosures (Art. 5(2)).

    `delete()` raises, on the queryset and on the row. Their retention periods
    (customers/inventory.py, RETENTION_RULES: breaches 5 years from becoming aware,
    disclosures 3 years) are kept by the retention job alone, through its own explicit
    path `delete_past_retention()`, which it calls only with the rows whose period is
    over (consent/acts/retention.py). A period rather than "forever": the law sets none
    for this documentation, and the records may hold personal data (a description, what
    was disclosed), which is kept no longer than needed (Art. 5(1)(e)); the period is long
    enough for the Ombudsman to check afterwards what was done. Deleting a customer or a
    user never deletes these rows: their links are set to NULL (a breach's link to its
    affected customers is removed by erasure).
    """

    def delete(self) -> tuple[int, dict[str, int]]:
        raise RecordKept(
            _("%(records)s are never deleted: they document what the studio did.")
            % {"records": str(self.model._meta.verbose_name_plural).capitalize()}
        )

    def delete_past_retention(self) -> tuple[int, dict[str, int]]:
        """Delete these rows. Only the retention job calls this, with rows past their
        retention period."""
        return super().delete()


class KeptRecord(models.Model):
    """A row of a KeptRecordQuerySet (its default manager): deleting it raises as well."""

    class Meta:
        abstract = True

    def delete(self, using: Any = None, keep_parents: bool = False) -> tuple[int, dict[str, int]]:
        return type(self)._default_manager.filter(pk=self.pk).delete()


class Disclosure(KeptRecord):
    """Data given to someone outside the studio (P8): to whom, what, on what ground, when.
    Never deleted but by retention (KeptRecordQuerySet)."""

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

    objects = KeptRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["-disclosed_at"]

    def __str__(self) -> str:
        return f"{self.recipient} ({timezone.localtime(self.disclosed_at):%d.%m.%Y})"


# The Data Protection Ombudsman is told within 72 hours of becoming aware (Art. 33(1)).
NOTIFY_WITHIN = timedelta(hours=72)
# A notification time this far ahead of the clock is a typing error, not a plan.
_CLOCK_SKEW = timedelta(minutes=10)


class BreachQuerySet(KeptRecordQuerySet):
    """The breach log's one definition of a breach awaiting notification, and of an
    overdue one: the front page, the change list and the worker's reminder all use it."""

    @staticmethod
    def _awaiting() -> Q:
        return ~Q(risk=Breach.Risk.UNLIKELY) & Q(
            ombudsman_notified_at__isnull=True, not_notified_reason=""
        )

    @classmethod
    def _overdue(cls, now: datetime) -> Q:
        return cls._awaiting() & Q(discovered_at__lt=now - NOTIFY_WITHIN)

    def awaiting_notification(self) -> "BreachQuerySet":
        """A risk to people (not "unlikely"), the Ombudsman not notified and no reason
        recorded for not notifying: the studio's 72 hours run (Art. 33(1))."""
        return self.filter(self._awaiting())

    def overdue(self, now: datetime | None = None) -> "BreachQuerySet":
        """Awaiting notification, and discovered more than 72 hours before `now`."""
        return self.filter(self._overdue(now or timezone.now()))

    def with_overdue(self, now: datetime | None = None) -> "BreachQuerySet":
        """Each row with `is_overdue` (bool) by the same rule, in the same query."""
        return self.annotate(
            is_overdue=ExpressionWrapper(
                self._overdue(now or timezone.now()), output_field=models.BooleanField()
            )
        )


class Breach(KeptRecord):
    """A personal data breach (GDPR Art. 33-34, R26), documented whatever its risk
    (Art. 33(5)), never deleted but by retention (KeptRecordQuerySet).

    What the log asks, and when (`clean`):
    - at once: the facts of Art. 33(3): the nature of the breach, the categories and
      approximate numbers of people and of records, the likely consequences, the measures
      taken or proposed, and a contact point;
    - for a breach unlikely to result in a risk to people, at once: why the Ombudsman is not
      notified (the assessment is the decision not to notify, Art. 33(1));
    - for any other risk, by the end of the 72 hours: when the Ombudsman was notified, or
      why not. Before then the breach may be saved without either, so that it is recorded
      the moment the studio becomes aware; the 72 hours count down on the admin's front
      page, and a breach past them without either is overdue (BreachQuerySet.overdue);
    - a notification made after the 72 hours: the reasons for the delay (Art. 33(1));
    - a high risk, by the end of the 72 hours: when the customers were told (Art. 34(1)),
      or which ground of Art. 34(3) exempts the studio, and how. The admin shows a draft
      message to the customers (consent/records/breaches.py).
    """

    class Risk(models.TextChoices):
        UNLIKELY = "unlikely", _("Unlikely to result in a risk to people")
        RISK = "risk", _("A risk to people's rights and freedoms")
        HIGH = "high", _("A high risk to people's rights and freedoms")

    class SubjectCategory(models.TextChoices):
        CUSTOMERS = "customers", _("Customers and former customers")
        INQUIRERS = "inquirers", _("People who asked about the studio's services")
        SUBSCRIBERS = "subscribers", _("Newsletter subscribers")
        STAFF = "staff", _("The studio's owner and staff")
        OTHERS = "others", _("Others")

    class Exemption(models.TextChoices):
        """Why a high-risk breach need not be told to each person (Art. 34(3))."""

        PROTECTED = (
            "protected",
            _(
                "The data was unintelligible to anyone not allowed to see it, e.g. encrypted "
                "(GDPR Art. 34(3)(a))"
            ),
        )
        RISK_REMOVED = (
            "risk_removed",
            _("Measures taken since make the high risk no longer likely (GDPR Art. 34(3)(b))"),
        )
        PUBLIC_NOTICE = (
            "public_notice",
            _(
                "Telling each person would take disproportionate effort; a public notice was "
                "given instead (GDPR Art. 34(3)(c))"
            ),
        )

    discovered_at = models.DateTimeField(_("the studio became aware"), default=timezone.now)
    description = models.TextField(
        _("what happened"),
        help_text=_("The nature of the breach: what happened, how and when, as far as known."),
    )
    affected_customers = models.ManyToManyField(
        Customer, verbose_name=_("affected customers"), blank=True, related_name="breaches"
    )
    subject_categories = models.JSONField(
        _("whose data"), default=list, blank=True, help_text=_("The categories of people.")
    )
    affected_count = models.PositiveIntegerField(
        _("number of people affected (estimate)"), null=True
    )
    data_categories = models.JSONField(_("categories of data affected"), default=list, blank=True)
    data_affected = models.TextField(
        _("the data affected, in more detail"),
        blank=True,
        help_text=_("E.g. which fields or which list; write no health information."),
    )
    records_count = models.PositiveIntegerField(
        _("number of records affected (estimate)"),
        null=True,
        help_text=_("E.g. the number of customer rows, messages or files."),
    )
    consequences = models.TextField(
        _("likely consequences"),
        default="",
        help_text=_("What may follow for the people, e.g. unwanted messages or phishing."),
    )
    risk = models.CharField(_("risk"), max_length=20, choices=Risk.choices)
    measures = models.TextField(
        _("measures taken or proposed"),
        default="",
        help_text=_(
            "What was done to end the breach and lessen its effects, and what the people "
            "themselves can do."
        ),
    )
    contact_point = models.CharField(
        _("contact point for more information"),
        max_length=300,
        default="",
        help_text=_("The person and the address the Ombudsman and the customers can ask."),
    )
    ombudsman_notified_at = models.DateTimeField(
        _("Data Protection Ombudsman notified"), null=True, blank=True
    )
    late_reason = models.TextField(
        _("reasons for the delay"),
        blank=True,
        help_text=_("Required when the Ombudsman was notified more than 72 hours after."),
    )
    not_notified_reason = models.TextField(
        _("why the Ombudsman was not notified"),
        blank=True,
        help_text=_(
            "Required when the Ombudsman is not notified, e.g. why the breach is unlikely "
            "to result in a risk to people."
        ),
    )
    customers_notified_at = models.DateTimeField(_("customers notified"), null=True, blank=True)
    customers_exemption = models.CharField(
        _("why the customers were not told"),
        max_length=20,
        choices=Exemption.choices,
        blank=True,
        help_text=_("Only these grounds excuse not telling the customers of a high risk."),
    )
    customers_exemption_detail = models.TextField(_("how the ground applies"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = BreachQuerySet.as_manager()

    class Meta:
        verbose_name = _("data breach")
        verbose_name_plural = _("data breaches")
        ordering = ["-discovered_at"]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.discovered_at):%d.%m.%Y}: {self.description[:60]}"

    @property
    def notify_by(self) -> datetime:
        """The Ombudsman must be told within 72 hours of becoming aware (Art. 33(1))."""
        return self.discovered_at + NOTIFY_WITHIN

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list[Any]] = {}

        def refuse(name: str, message: Any) -> None:
            errors.setdefault(name, []).append(message)

        for name, choices in (
            ("subject_categories", self.SubjectCategory.values),
            ("data_categories", BREACH_DATA_CATEGORIES),
        ):
            value = getattr(self, name)
            if not isinstance(value, list) or not value:
                refuse(name, _("Choose at least one."))
            elif any(item not in choices for item in value):
                refuse(name, _("Choose from the list."))

        now = timezone.now()
        aware = self.discovered_at
        if aware is not None and aware > now + _CLOCK_SKEW:
            refuse("discovered_at", _("This time is in the future."))
        for name in ("ombudsman_notified_at", "customers_notified_at"):
            when = getattr(self, name)
            if when is None or aware is None:
                continue
            if when < aware:
                refuse(name, _("This is before the studio became aware of the breach."))
            elif when > now + _CLOCK_SKEW:
                refuse(name, _("This time is in the future."))
        if aware is None or errors.keys() & {"discovered_at", "ombudsman_notified_at"}:
            # Without a sound time of awareness the 72 hours cannot be counted.
            if errors:
                raise ValidationError(errors)
            return

        notified = self.ombudsman_notified_at
        reason = self.not_notified_reason.strip()
        deadline_passed = now > self.notify_by
        if self.risk == self.Risk.UNLIKELY and notified is None and not reason:
            refuse(
                "not_notified_reason",
                _(
                    "Say why the Data Protection Ombudsman is not notified: why the breach "
                    "is unlikely to result in a risk to people (GDPR Art. 33(1) and 33(5))."
                ),
            )
        elif self.risk and notified is None and not reason and deadline_passed:
            refuse(
                "ombudsman_notified_at",
                _(
                    "The 72 hours from becoming aware of the breach are over: record when "
                    "the Data Protection Ombudsman was notified, or below why it was not "
                    "(GDPR Art. 33(1))."
                ),
            )
        if notified is not None and notified > self.notify_by and not self.late_reason.strip():
            refuse(
                "late_reason",
                _(
                    "The Ombudsman was notified more than 72 hours after the studio became "
                    "aware of the breach: give the reasons for the delay (GDPR Art. 33(1))."
                ),
            )

        exemption, detail = self.customers_exemption, self.customers_exemption_detail.strip()
        if exemption and not detail:
            refuse("customers_exemption_detail", _("Explain how the ground applies."))
        if detail and not exemption:
            refuse("customers_exemption", _("Choose the ground of GDPR Art. 34(3)."))
        if (
            self.risk == self.Risk.HIGH
            and deadline_passed
            and self.customers_notified_at is None
            and not exemption
        ):
            refuse(
                "customers_notified_at",
                _(
                    "A high risk to people means telling the affected customers without "
                    "undue delay (GDPR Art. 34(1)): record when they were told, or the "
                    "ground of Art. 34(3) for not telling them."
                ),
            )
        if errors:
            raise ValidationError(errors)


# The categories of data a breach may touch: the inventory's categories of personal data.
BREACH_DATA_CATEGORIES = [
    c.value
    for c in Category
    if c not in (Category.TECHNICAL, Category.NOT_PERSONAL, Category.STAFF)
]


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
        # The legal acts (consent/acts/), each with its own entry.
        REQUEST = "request", _("Request received")
        VERIFY = "verify", _("Request confirmed")
        EXTEND = "extend", _("Deadline extended")
        REFUSE = "refuse", _("Request refused")
        COMPLETE = "complete", _("Request completed")
        RELEASE = "release", _("Report released")
        RECTIFY = "rectify", _("Details corrected")
        RESTRICT = "restrict", _("Processing restricted")
        LIFT_RESTRICTION = "lift_restriction", _("Restriction lifted")
        OBJECT = "object", _("Objected to direct marketing")
        CONSENT = "consent", _("Consent recorded")
        RETENTION = "retention", _("Retention applied")
        RESTORE = "restore", _("Backup restored")

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
    # In English, for exports and readers of the database; the admin shows `detail_text`.
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    # The detail as a message of consent.records.audit.MESSAGES and its parameters, so
    # that it reads in the reader's language; empty for entries written before them.
    detail_key = models.CharField(_("detail message"), max_length=50, blank=True)
    detail_params = models.JSONField(_("detail parameters"), default=dict, blank=True)

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

    @property
    def detail_text(self) -> str:
        """The detail in the active language (see consent.records.audit.detail_text)."""
        from consent.records.audit import detail_text

        return detail_text(self)
