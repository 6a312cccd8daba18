"""The register: customers, courses, enrolments, purchases and interactions (R1–R3)."""

import re
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.fields import CountryField, NormalisedEmailField, PhoneNumberField
from customers.health import guard_free_text

E164_REGEX = r"^\+[1-9][0-9]{6,14}$"
FINNISH_POSTAL_CODE_REGEX = r"^[0-9]{5}$"


RESTRICTED_MESSAGE = _(
    "Processing of this customer's data is restricted at their request (GDPR Art. 18): "
    "nothing new is recorded for them until the restriction is lifted."
)


def default_language() -> str:
    """The studio's language: the first language of a customer until they choose one."""
    return settings.LANGUAGE_CODE


class HealthGuardedModel(models.Model):
    """Refuses text that looks like health information in the inventory's free-text fields.

    Forms set `health_data_confirmed` when the user ticks the confirmation that the text
    is not health information.
    """

    health_data_confirmed = False

    class Meta:
        abstract = True

    def clean_fields(self, exclude: Any = None) -> None:
        errors: dict[str, Any] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        errors = guard_free_text(self, exclude=set(exclude or ()) | set(errors), errors=errors)
        if errors:
            raise ValidationError(errors)


class Customer(HealthGuardedModel):
    class Origin(models.TextChoices):
        INQUIRY = "inquiry", _("Inquiry about products or services")
        WEB_REGISTRATION = "web_registration", _("Web registration")
        COURSE_ENROLMENT = "course_enrolment", _("Course enrolment")
        PURCHASE = "purchase", _("Purchase")
        BOOKING_CALENDAR = "booking_calendar", _("Booking calendar")
        STAFF = "staff", _("Added by staff")

    first_name = models.CharField(_("first name"), max_length=100)
    # Blank allowed: a newsletter subscriber may give a first name only.
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = NormalisedEmailField(_("email"), max_length=254, blank=True)
    phone = PhoneNumberField(
        _("phone"), blank=True, help_text=_("Stored in international form, e.g. +358401234567.")
    )
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("postal code"),
        max_length=10,
        blank=True,
        help_text=_("Five digits for a Finnish address."),
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = CountryField(
        _("country"),
        default="FI",
        help_text=_("The country's name or its two-letter code, such as Suomi or FI."),
    )
    origin = models.CharField(
        _("origin"),
        max_length=30,
        choices=Origin.choices,
        default=Origin.STAFF,
        help_text=_("How the customer relationship started."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=default_language,
        help_text=_("The language the customer is written to in."),
    )
    notes = models.TextField(
        _("notes"),
        blank=True,
        help_text=_("Never write health information here."),
    )
    restricted_at = models.DateTimeField(
        _("processing restricted"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "The customer asked to restrict processing (GDPR Art. 18): the data is only "
            "stored; no marketing, no new enrolments, no disclosures."
        ),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_activity_at = models.DateTimeField(
        _("last activity"), default=timezone.now, editable=False
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="customers_customer_email_unique",
                violation_error_message=_("A customer with this email address already exists."),
            ),
            models.CheckConstraint(
                condition=Q(email=Lower("email")),
                name="customers_customer_email_lowercase",
            ),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=E164_REGEX),
                name="customers_customer_phone_e164",
                violation_error_message=_("The phone number is not in international form."),
            ),
            models.CheckConstraint(
                condition=Q(postal_code="")
                | ~Q(country="FI")
                | Q(postal_code__regex=FINNISH_POSTAL_CODE_REGEX),
                name="customers_customer_postal_code_fi",
                violation_error_message=_("A Finnish postal code has five digits."),
            ),
        ]
        indexes = [
            models.Index(fields=["last_activity_at"]),
            # The list's filter by origin counts its rows from the index alone, and the
            # front page's new customers per month by origin reads them by creation time.
            models.Index(fields=["origin"], name="customers_origin"),
            models.Index(fields=["created_at", "origin"], name="customers_created_origin"),
            # The changelist's order, read from the index with a LIMIT (issue 12).
            models.Index(fields=["last_name", "first_name", "id"], name="customers_name_order"),
            # The search box: an address or a phone exactly or by its beginning (the
            # pattern class serves LIKE 'x%' on PostgreSQL; SQLite ignores it). The
            # names' case-insensitive prefix indexes differ per database: migration 0009.
            models.Index(
                fields=["email"], name="customers_email_search", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["phone"], name="customers_phone_search", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def clean_fields(self, exclude: Any = None) -> None:
        # People type " 00100 "; the validators expect the normal form. The country is read
        # by its field ("fi", "Suomi" -> "FI").
        self.postal_code = (self.postal_code or "").strip()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        super().clean()
        if (
            self.country == "FI"
            and self.postal_code
            and not re.fullmatch(FINNISH_POSTAL_CODE_REGEX, self.postal_code)
        ):
            raise ValidationError(
                {"postal_code": _("A Finnish postal code has five digits, such as 00100.")}
            )

    def refuse_if_restricted(self) -> None:
        """Raise ValidationError (code "restricted") while processing is restricted.

        GDPR Art. 18(2): restricted data is only stored. The models call this when a new
        enrolment, purchase or interaction is added, so the same rule holds for every
        form, the import and any other path that validates; the restriction act itself
        is consent.acts.restriction.
        """
        if self.restricted_at is not None:
            raise ValidationError(RESTRICTED_MESSAGE, code="restricted")

    def record_activity(self, when: datetime) -> None:
        """Move `last_activity_at` forward to `when` (never backwards), in one query.

        A future date (an enrolment made ahead of time) counts as activity now, so that
        retention is never put off by a date that has not come.
        """
        when = min(when, timezone.now())
        Customer.objects.filter(pk=self.pk, last_activity_at__lt=when).update(last_activity_at=when)

    def remember_language(self, language: str) -> None:
        """Write to the person from now on in the language they last used with the studio:
        a confirmed sign-up or a verified request counts as their choice (one query, and
        none when nothing changes). An unknown code is ignored.
        """
        if language not in dict(settings.LANGUAGES) or language == self.language:
            return
        self.language = language
        Customer.objects.filter(pk=self.pk).update(language=language)


class Course(models.Model):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"),
        validators=[MinValueValidator(1)],
        help_text=_("The largest number of participants."),
    )
    price = models.DecimalField(
        _("price"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("In euros, VAT included."),
    )

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-starts_at", "name"]
        permissions = [("export_participants", _("Can export participant lists"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=F("starts_at")),
                name="customers_course_ends_after_start",
                violation_error_message=_("A course cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="customers_course_price_not_negative",
                violation_error_message=_("The price cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="customers_course_capacity_positive",
                violation_error_message=_("The capacity must be at least one."),
            ),
        ]

    # A course's name from plain values, for a list that names many courses without making
    # an object of each (the access report): NAME_FIELDS, in order, to name_from.
    NAME_FIELDS = ("name", "starts_at")

    def __str__(self) -> str:
        return self.name_from(self.name, self.starts_at)

    @staticmethod
    def name_from(name: str, starts_at: datetime | None, zone: tzinfo | None = None) -> str:
        """The name from its values; `zone`, the reader's time zone, given by a caller that
        names many (looking it up costs as much as the rest)."""
        if starts_at is None:
            return name
        day = timezone.localtime(starts_at, zone)
        # As f"{day:%d.%m.%Y}" shows it, at half strftime's cost.
        return f"{name} ({day.day:02}.{day.month:02}.{day.year})"

    def clean(self) -> None:
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": _("A course cannot end before it starts.")})
        if self.pk and self.capacity:
            taken = self.seats_taken()
            if self.capacity < taken:
                raise ValidationError(
                    {
                        "capacity": _(
                            "%(taken)d people are enrolled; the capacity cannot be smaller."
                        )
                        % {"taken": taken}
                    }
                )

    def seats_taken(self, *, excluding: list[int] | None = None) -> int:
        """How many enrolments (not cancelled) the course has, leaving out `excluding`."""
        active = self.enrollments.exclude(status=Enrollment.Status.CANCELLED)
        if excluding:
            active = active.exclude(pk__in=excluding)
        return active.count()


class Enrollment(models.Model):
    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="enrollments",
    )
    course = models.ForeignKey(
        Course,
        verbose_name=_("course"),
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ENROLLED
    )
    enrolled_at = models.DateTimeField(_("time of enrolment"), default=timezone.now)
    cancelled_at = models.DateTimeField(
        _("time of cancellation"),
        null=True,
        blank=True,
        help_text=_("Filled in automatically when the status is set to cancelled."),
    )

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["course", "customer__last_name", "customer__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "course"],
                name="customers_enrollment_customer_course_unique",
                violation_error_message=_("The customer is already enrolled in this course."),
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled", cancelled_at__isnull=False)
                | (~Q(status="cancelled") & Q(cancelled_at__isnull=True)),
                name="customers_enrollment_cancelled_at_iff_cancelled",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | Q(cancelled_at__gte=F("enrolled_at")),
                name="customers_enrollment_cancelled_after_enrolled",
                violation_error_message=_("A cancellation cannot precede the enrolment."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} – {self.course}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        self.customer.record_activity(self.cancelled_at or self.enrolled_at)

    def clean(self) -> None:
        super().clean()
        if self.status == self.Status.CANCELLED:
            if self.cancelled_at is None:
                self.cancelled_at = max(timezone.now(), self.enrolled_at or timezone.now())
        else:
            self.cancelled_at = None
        if self._state.adding and self.customer_id is not None:
            self.customer.refuse_if_restricted()
        if self.status != self.Status.CANCELLED and self.course_id is not None:
            course = self.course
            taken = course.seats_taken(excluding=[self.pk] if self.pk else None)
            if taken >= course.capacity:
                raise ValidationError(
                    _("The course %(course)s is full (capacity %(capacity)d)."),
                    code="course_full",
                    params={"course": course.name, "capacity": course.capacity},
                )


class Purchase(models.Model):
    class Status(models.TextChoices):
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        # Bookkeeping keeps a purchase after its buyer is erased (Accounting Act 1336/1997).
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="purchases",
    )
    course = models.ForeignKey(
        Course,
        verbose_name=_("course"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="purchases",
    )
    description = models.CharField(_("product or service"), max_length=200)
    amount = models.DecimalField(
        _("amount"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("In euros, VAT included."),
    )
    purchased_on = models.DateField(_("date of purchase"), default=timezone.localdate)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PAID
    )
    cancelled_on = models.DateField(
        _("date of cancellation"),
        null=True,
        blank=True,
        help_text=_("Required when the purchase is cancelled or refunded."),
    )
    reference = models.CharField(
        _("reference"),
        max_length=50,
        blank=True,
        help_text=_("Receipt or invoice number."),
    )
    # 917/2014 §200(2): only a buyer told at the purchase that they may refuse marketing
    # counts as an existing customer for email and text-message marketing.
    marketing_notice_given = models.BooleanField(
        _("told of marketing"),
        default=False,
        help_text=_(
            "The customer was told at the purchase that the studio may send them offers of "
            "its own similar services by email or text message, and that they may refuse."
        ),
    )

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        ordering = ["-purchased_on", "-pk"]
        indexes = [models.Index(fields=["purchased_on", "id"], name="customers_purchase_order")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="customers_purchase_amount_not_negative",
                violation_error_message=_("The amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(status="paid", cancelled_on__isnull=True)
                | (~Q(status="paid") & Q(cancelled_on__isnull=False)),
                name="customers_purchase_cancelled_on_iff_not_paid",
                violation_error_message=_(
                    "A cancelled or refunded purchase needs a date of cancellation, "
                    "and a paid one must have none."
                ),
            ),
            models.CheckConstraint(
                condition=Q(cancelled_on__isnull=True) | Q(cancelled_on__gte=F("purchased_on")),
                name="customers_purchase_cancelled_after_purchase",
                violation_error_message=_("A cancellation cannot precede the purchase."),
            ),
            models.UniqueConstraint(
                fields=["reference"],
                condition=~Q(reference=""),
                name="customers_purchase_reference_unique",
                violation_error_message=_("Another purchase has this reference."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description} ({self.purchased_on:%d.%m.%Y})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        if self.customer is not None:
            day = self.cancelled_on or self.purchased_on
            moment = timezone.make_aware(datetime.combine(day, datetime.min.time()))
            self.customer.record_activity(moment)

    def clean(self) -> None:
        super().clean()
        # Bookkeeping keeps purchases without a buyer: only a buyer can be restricted.
        if self._state.adding and self.customer is not None:
            self.customer.refuse_if_restricted()


class Interaction(HealthGuardedModel):
    class Kind(models.TextChoices):
        FEEDBACK = "feedback", _("Feedback")
        COMPLAINT = "complaint", _("Complaint")
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")
        CALL = "call", _("Phone call")
        OTHER = "other", _("Other")

    class Direction(models.TextChoices):
        INCOMING = "incoming", _("From the customer")
        OUTGOING = "outgoing", _("To the customer")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="interactions",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    direction = models.CharField(
        _("direction"), max_length=20, choices=Direction.choices, default=Direction.INCOMING
    )
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text = models.TextField(_("text"), blank=True)
    resolution = models.TextField(
        _("resolution"), blank=True, help_text=_("For complaints: how it was resolved.")
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
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
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="complaint") | Q(resolution="", resolved_at__isnull=True),
                name="customers_interaction_resolution_only_for_complaints",
                violation_error_message=_("Only a complaint has a resolution."),
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "resolved_at"]),
            models.Index(fields=["occurred_at", "id"], name="customers_interaction_order"),
        ]

    def __str__(self) -> str:
        when = timezone.localtime(self.occurred_at).strftime("%d.%m.%Y")
        return f"{self.get_kind_display()} {when}: {self.subject}".rstrip(": ")

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        self.customer.record_activity(self.occurred_at)

    def clean(self) -> None:
        super().clean()
        if self._state.adding and self.customer_id is not None:
            self.customer.refuse_if_restricted()
        if self.kind != self.Kind.COMPLAINT and (self.resolution or self.resolved_at):
            raise ValidationError(
                {"resolution": _("Only a complaint has a resolution.")}, code="not_complaint"
            )
        if self.kind == self.Kind.COMPLAINT and self.resolution and self.resolved_at is None:
            self.resolved_at = timezone.now()


class CourseSession(models.Model):
    """One meeting of a course, on a date at a time; attendance is recorded per session."""

    course = models.ForeignKey(
        Course,
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="sessions",
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        # "sessions" alone is also the logins that erasure ends: the context tells them apart.
        verbose_name = pgettext_lazy("course", "session")
        verbose_name_plural = pgettext_lazy("course", "sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=F("starts_at")),
                name="customers_coursesession_ends_after_start",
                violation_error_message=_("A session cannot end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["course", "starts_at"],
                name="customers_coursesession_course_start_unique",
                violation_error_message=_("The course already has a session at this time."),
            ),
        ]
        indexes = [models.Index(fields=["starts_at"])]

    # See Course.NAME_FIELDS.
    NAME_FIELDS = ("course__name", "starts_at")

    def __str__(self) -> str:
        return self.name_from(self.course.name, self.starts_at)

    @staticmethod
    def name_from(course_name: str, starts_at: datetime | None, zone: tzinfo | None = None) -> str:
        """See Course.name_from."""
        if starts_at is None:
            return course_name
        at = timezone.localtime(starts_at, zone)
        return f"{course_name} {at.day:02}.{at.month:02}.{at.year} {at.hour:02}:{at.minute:02}"

    def clean(self) -> None:
        super().clean()
        if self.starts_at is None or self.ends_at is None:
            return
        if self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": _("A session cannot end before it starts.")})
        if self.course_id is None:
            return
        course = self.course
        first = timezone.localtime(course.starts_at).date()
        last = timezone.localtime(course.ends_at).date()
        if not (
            first <= timezone.localtime(self.starts_at).date()
            and timezone.localtime(self.ends_at).date() <= last
        ):
            raise ValidationError(
                {
                    "starts_at": _(
                        "The session is outside the course's dates (%(first)s–%(last)s)."
                    )
                    % {"first": f"{first:%d.%m.%Y}", "last": f"{last:%d.%m.%Y}"}
                },
                code="outside_course",
            )


class Attendance(models.Model):
    """Whether one participant was present at one session of their course.

    A row is written for every participant listed when attendance is taken, present or
    not; no row means attendance was not taken for them. The enrolment's own status
    becomes "attended" once the person was present at a session (customers/attendance.py).
    """

    session = models.ForeignKey(
        CourseSession,
        verbose_name=_("session"),
        # A session whose attendance was taken is history: it cannot be deleted by mistake.
        on_delete=models.PROTECT,
        related_name="attendances",
    )
    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("enrolment"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    present = models.BooleanField(_("present"), default=True)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
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
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance")
        ordering = ["session__starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "enrollment"],
                name="customers_attendance_session_enrollment_unique",
                violation_error_message=_("Attendance is already recorded for this person."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} – {self.enrollment.customer}"

    def clean(self) -> None:
        super().clean()
        if self.session_id is None or self.enrollment_id is None:
            return
        enrollment = self.enrollment
        if (
            enrollment.course_id != self.session.course_id
            or enrollment.status == Enrollment.Status.CANCELLED
        ):
            raise ValidationError(
                _("%(name)s is not enrolled on this course.")
                % {"name": enrollment.customer.full_name},
                code="not_enrolled",
            )


class CalendarFeed(models.Model):
    """The secret address of the studio's calendar of sessions (iCalendar).

    One at a time: regenerating it replaces the token, and the old address stops working.
    The feed carries course names, times and places only, never a person.
    """

    token = models.CharField(_("token"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return str(_("Calendar feed of %(date)s")) % {
            "date": f"{timezone.localtime(self.created_at):%d.%m.%Y}"
        }


class AdminPreference(models.Model):
    """What one admin user chose for themselves: the admin's language and the columns of
    the booking import."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="admin_preference",
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_(
            "Empty until the user chooses a language; until then the browser's language, "
            "or else the studio's, is used."
        ),
    )
    import_mapping = models.JSONField(
        _("columns of the booking import"),
        default=dict,
        blank=True,
        help_text=_("The file's column for each field, as chosen at the last import."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("admin preference")
        verbose_name_plural = _("admin preferences")

    def __str__(self) -> str:
        return str(self.user)
