"""The owner's and staff's work on the register, in the Django admin."""

from datetime import timedelta
from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from consent.acts import erasure as consent_erasure
from consent.acts import rectification, restriction
from consent.acts import requests as consent_rights
from consent.admin.common import actor as staff_actor
from consent.admin.ledger import ConsentEventInline, marketing_permissions_html
from consent.mail import suppression
from consent.models import RightsRequest
from consent.records.audit import Action, AuditedAdmin, Detail, record
from customers import admin_import, admin_sessions, participants
from customers.admin_inlines import CustomerRowsAdmin, KnownChoicesFormSet, LatestRowsInline
from customers.fields import normalise_email, normalise_phone
from customers.forms import HealthGuardedModelForm
from customers.models import (
    RESTRICTED_MESSAGE,
    Course,
    Customer,
    Enrollment,
    Interaction,
    Purchase,
)


class EnrollmentFormSet(KnownChoicesFormSet):
    """Refuses to fill a course beyond its capacity, counting every row of the form at once."""

    def clean(self) -> None:
        super().clean()
        wanted: dict[int, list[Any]] = {}
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            data = form.cleaned_data
            if data.get("DELETE") or data.get("status") == Enrollment.Status.CANCELLED:
                continue
            course = data.get("course") or getattr(form.instance, "course", None)
            if course is None:
                continue
            wanted.setdefault(course.pk, []).append(form)
        for rows in wanted.values():
            course = rows[0].cleaned_data.get("course") or rows[0].instance.course
            in_form = [f.instance.pk for f in self.forms if f.instance.pk]
            taken = course.seats_taken(excluding=in_form)
            if taken + len(rows) > course.capacity:
                raise ValidationError(
                    _("The course %(course)s is full (capacity %(capacity)d)."),
                    code="course_full",
                    params={"course": course.name, "capacity": course.capacity},
                )


class CustomerEnrollmentInline(LatestRowsInline, admin.TabularInline):
    model = Enrollment
    formset = EnrollmentFormSet
    extra = 0
    fields = ("course", "status", "enrolled_at", "cancelled_at")
    readonly_fields = ("cancelled_at",)
    autocomplete_fields = ("course",)
    known_fields = ("course",)
    verbose_name_plural = _("enrolments")
    latest_order = ("-enrolled_at", "-pk")
    all_rows_url = "admin:customers_coursesession_participant"
    template = "admin/edit_inline/tabular_latest.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("course")


class ParticipantInline(admin.TabularInline):
    model = Enrollment
    formset = EnrollmentFormSet
    extra = 0
    fields = ("customer", "status", "enrolled_at", "cancelled_at")
    readonly_fields = ("cancelled_at",)
    autocomplete_fields = ("customer",)
    verbose_name = _("participant")
    verbose_name_plural = _("participants")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("customer")


class PurchaseInline(LatestRowsInline, admin.TabularInline):
    model = Purchase
    formset = KnownChoicesFormSet
    extra = 0
    autocomplete_fields = ("course",)
    known_fields = ("course",)
    latest_order = ("-purchased_on", "-pk")
    all_rows_url = "admin:customers_purchase_changelist"
    all_rows_by_filter = True
    template = "admin/edit_inline/tabular_latest.html"
    fields = (
        "description",
        "course",
        "amount",
        "purchased_on",
        "status",
        "cancelled_on",
        "reference",
        "marketing_notice_given",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("course")


class InteractionForm(HealthGuardedModelForm):
    class Meta:
        model = Interaction
        fields = (
            "kind",
            "direction",
            "occurred_at",
            "subject",
            "text",
            "resolution",
            "resolved_at",
        )


class InteractionInline(LatestRowsInline, admin.StackedInline):
    model = Interaction
    form = InteractionForm
    extra = 0
    # A message is a whole stacked form (its text, the resolution, two dates split in
    # two): the five newest, the rest behind the link (issue 12).
    shown = 5
    latest_order = ("-occurred_at", "-pk")
    all_rows_url = "admin:customers_interaction_changelist"
    all_rows_by_filter = True
    template = "admin/edit_inline/stacked_latest.html"
    fields = (
        ("kind", "direction", "occurred_at"),
        "subject",
        "text",
        ("resolution", "resolved_at"),
        "confirm_not_health_data",
        "recorded_by",
    )
    readonly_fields = ("recorded_by",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("recorded_by")


def _record_interaction_author(request: HttpRequest, instances: list[Any]) -> None:
    for instance in instances:
        if isinstance(instance, Interaction) and instance.recorded_by_id is None:
            instance.recorded_by = request.user  # type: ignore[assignment]


class CustomerForm(HealthGuardedModelForm):
    """A customer in the admin. Adding a person erased earlier (their email or phone is on
    the suppression list as erased) asks staff to confirm they are a customer again: an
    erasure is not undone by someone typing the person in from an old note."""

    confirm_returning = forms.BooleanField(
        required=False,
        label=_(
            "This person, whose data was erased earlier, is a customer again (for example "
            "they enrolled in person): add them. They get no marketing."
        ),
    )

    class Meta:
        model = Customer
        fields = (
            "first_name",
            "last_name",
            "email",
            "phone",
            "street_address",
            "postal_code",
            "city",
            "country",
            "language",
            "origin",
            "notes",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.erased_on: Any = None
        if self.instance.pk is None and self.is_bound:
            self.erased_on = suppression.erased_at(
                email=str(self.data.get(self.add_prefix("email"), "")).strip(),
                phone=str(self.data.get(self.add_prefix("phone"), "")).strip(),
            )
        if self.erased_on is None:
            self.fields["confirm_returning"].widget = forms.HiddenInput()
        # Left as it is (or the studio's language) when not sent. A read-only page (a
        # restricted customer, a user who may only view) has no such field.
        if "language" in self.fields:
            self.fields["language"].required = False

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or self.instance.language

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.erased_on is not None and not cleaned.get("confirm_returning"):
            raise ValidationError(
                _(
                    "A person with this email address or phone number was erased on "
                    "%(day)s at their request or by retention. Add them only if they are a "
                    "customer again, and tick the box to say so."
                )
                % {"day": f"{timezone.localtime(self.erased_on):%d.%m.%Y}"}
            )
        return cleaned


def _is_autocomplete(request: HttpRequest) -> bool:
    """Whether this is the admin's autocomplete view, which fills the customer pickers."""
    match = getattr(request, "resolver_match", None)
    return match is not None and match.view_name == "admin:autocomplete"


class RestrictionFilter(admin.SimpleListFilter):
    """Whether the customer has restricted the processing of their data (GDPR Art. 18)."""

    title = _("processing")
    parameter_name = "processing"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("restricted", _("Restricted")), ("normal", _("Not restricted"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "restricted":
            return queryset.filter(restricted_at__isnull=False)
        if self.value() == "normal":
            return queryset.filter(restricted_at__isnull=True)
        return queryset


class CourseFilter(admin.SimpleListFilter):
    """Customers enrolled in a course. Lists the courses running now or ended in the last
    `RECENT` days (not every course ever run), read from the course table alone; filters
    with an EXISTS on the enrolment index, never a DISTINCT over the enrolments."""

    title = _("course")
    parameter_name = "course"
    RECENT = timedelta(days=120)
    MOST = 50

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        courses = list(
            Course.objects.filter(ends_at__gte=timezone.now() - self.RECENT)
            .order_by("-starts_at", "name")
            .values_list("pk", "name", "starts_at")[: self.MOST]
        )
        chosen = self.value()
        if chosen and chosen.isdigit() and all(str(pk) != chosen for pk, *_rest in courses):
            # An older course reached by a link: still shown as the chosen one.
            courses += list(Course.objects.filter(pk=chosen).values_list("pk", "name", "starts_at"))
        return [
            (str(pk), f"{name} ({timezone.localtime(starts):%d.%m.%Y})")
            for pk, name, starts in courses
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        # The course's participants read once from the course's index (IN), not looked
        # up customer by customer (EXISTS): SQLite counted 100,000 customers that way,
        # 150 ms on every filtered page.
        return queryset.filter(
            pk__in=Enrollment.objects.filter(course_id=int(value)).values("customer_id")
        )


def _prefixed(queryset: QuerySet, field: str, start: str) -> QuerySet:
    """The rows whose `field` begins with `start`, from the field's index: on PostgreSQL a
    LIKE served by the index's pattern class; on SQLite, whose LIKE ignores case and so
    cannot use the index, the range of values that begin so (the same set, for values
    stored in one case, as addresses and phone numbers are)."""
    if connection.vendor == "sqlite":
        return queryset.filter(**{f"{field}__gte": start, f"{field}__lt": start + "\U0010ffff"})
    return queryset.filter(**{f"{field}__startswith": start})


def search_customers(queryset: QuerySet, term: str) -> QuerySet:
    """The owner's search box, answered from indexes at any size (issue 12): an email
    address finds that address, the beginning of one ("aino.esimerkki@") the addresses
    that begin so (stored in lower case), a phone number in any form finds that number
    (stored in E.164), and words find the names that begin with them, each word the start
    of the first or the last name ("ai virt" finds Aino Virtanen)."""
    term = " ".join(term.split())
    if "@" in term:
        email = normalise_email(term)
        if "." in email.partition("@")[2]:
            return queryset.filter(email=email)
        return _prefixed(queryset, "email", email)
    try:
        phone = normalise_phone(term)
    except ValidationError:
        phone = ""
    if phone:
        return queryset.filter(phone=phone)
    digits = "".join(term.split())
    if len(digits.lstrip("+")) >= 4 and digits.lstrip("+").isdigit():
        # Part of a number: its beginning as typed the Finnish way ("040 12" is the
        # beginning of +35840 12...), or else its last digits ("4567").
        if digits.startswith("+") or digits.startswith("0"):
            country = phonenumbers.country_code_for_region(settings.PHONE_REGION)
            start = digits if digits.startswith("+") else f"+{country}{digits[1:]}"
            return _prefixed(queryset, "phone", start)
        return queryset.filter(phone__endswith=digits)
    for word in term.split()[:4]:
        queryset = queryset.filter(Q(first_name__istartswith=word) | Q(last_name__istartswith=word))
    return queryset


@admin.register(Customer)
class CustomerAdmin(AuditedAdmin, admin.ModelAdmin):
    form = CustomerForm
    list_display = (
        "last_name",
        "first_name",
        "email",
        "phone",
        "city",
        "origin",
        "last_activity_at",
        "processing",
    )
    list_display_links = ("last_name", "first_name")
    list_filter = ("origin", CourseFilter, RestrictionFilter)
    list_select_related = False
    # Searched by search_customers (get_search_results); the admin shows the box when
    # search_fields is set.
    search_fields = ("first_name", "last_name", "email", "phone")
    search_help_text = _(
        "An email address, a phone number, or the beginning of the first or last name."
    )
    # Counting every customer on each page view is a full scan at 100,000 customers.
    show_full_result_count = False
    # A page a phone scrolls through, rendered in half the time of Django's 100 (issue 12).
    list_per_page = 50
    readonly_fields = ("created_at", "last_activity_at", "restricted_at", "marketing_permissions")
    fieldsets = (
        (None, {"fields": (("first_name", "last_name"), "origin")}),
        (
            _("Contact details"),
            {
                "fields": (
                    "email",
                    "phone",
                    "street_address",
                    ("postal_code", "city"),
                    "country",
                    "language",
                    "confirm_returning",
                )
            },
        ),
        (
            _("Notes"),
            {"fields": ("notes", "confirm_not_health_data", ("created_at", "last_activity_at"))},
        ),
        (
            _("Restriction of processing"),
            {
                "fields": ("restricted_at",),
                "description": _(
                    "Shows since when the customer has had the processing of their data "
                    "restricted (GDPR Art. 18); empty when it is not restricted. While it is "
                    "restricted, the data is only stored: this page is read-only. The owner "
                    "lifts a restriction with the button at the top of this page or the "
                    "action on the customer list, and the customer is told first."
                ),
            },
        ),
        (
            _("Direct marketing"),
            {
                "fields": ("marketing_permissions",),
                "description": _(
                    "Derived from the consent ledger below; never edited by hand. An "
                    "objection stops every channel at once."
                ),
            },
        ),
    )
    inlines = (CustomerEnrollmentInline, PurchaseInline, InteractionInline, ConsentEventInline)
    actions = ("erase_selected", "lift_restriction")

    @admin.display(description=_("permissions"))
    def marketing_permissions(self, customer: Customer) -> str:
        # Owner and staff may both record a consent given on paper or in person.
        return marketing_permissions_html(customer, can_record=True)

    @admin.display(description=_("processing"), ordering="restricted_at")
    def processing(self, customer: Customer) -> str:
        if customer.restricted_at is None:
            return ""
        return format_html(
            '<strong class="restricted-badge">{}</strong>',
            _("restricted since %(day)s")
            % {"day": f"{timezone.localtime(customer.restricted_at):%d.%m.%Y}"},
        )

    # Restriction (GDPR Art. 18): while it lasts the data is only stored, so the customer's
    # page is read-only (its inlines too: Django disables them when the parent cannot be
    # changed) and lifting the restriction is the one thing it offers.

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.restricted_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST" and object_id is not None:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and obj.restricted_at is not None:
                # A form opened before the restriction: say why nothing was saved.
                self.message_user(request, RESTRICTED_MESSAGE, messages.ERROR)
                return HttpResponseRedirect(request.path)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> HttpResponse:
        obj = kwargs.get("obj")
        context["restricted"] = obj is not None and obj.restricted_at is not None
        context["can_lift_restriction"] = self.has_lift_restriction_permission(request)
        return super().render_change_form(request, context, *args, **kwargs)

    def lift_restriction_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The button on a restricted customer's page: lift it, telling the customer first."""
        if not self.has_lift_restriction_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        customer = get_object_or_404(Customer, pk=pk)
        self._lift(request, [customer])
        return HttpResponseRedirect(reverse("admin:customers_customer_change", args=[customer.pk]))

    def get_ordering(self, request: HttpRequest) -> Any:
        if request.GET.get(SEARCH_VAR, "").strip():
            # The people a search finds, sorted by name: PostgreSQL then reads them through
            # the name-prefix indexes and sorts the few found, instead of walking the whole
            # name order to find the first 50 of a beginning that is rare early on ("vaa":
            # 60 ms and 92,000 rows read at 100,000 customers). The same order to the eye.
            return (Lower("last_name"), Lower("first_name"), "pk")
        return super().get_ordering(request)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        if not search_term.strip() and _is_autocomplete(request):
            # A customer picker (enrolment, purchase, message, request...) opened with
            # nothing typed: the people met most recently first. This is a LIMIT on the
            # last_activity_at index, however many customers there are.
            return queryset.order_by("-last_activity_at", "-pk"), False
        if not search_term.strip():
            return queryset, False
        return search_customers(queryset, search_term), False

    def get_urls(self) -> list[URLPattern]:
        lift = path(
            "<int:pk>/lift-restriction/",
            self.admin_site.admin_view(self.lift_restriction_view),
            name="customers_customer_lift_restriction",
        )
        return [lift, *admin_import.urls(self), *super().get_urls()]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A plain delete would bypass the erasure rules (what is kept for bookkeeping,
        # the suppression list); customers leave the register through erasure only.
        return False

    def has_erase_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("consent.erase_customer")

    @admin.action(description=_("Erase selected customers"), permissions=["erase"])
    def erase_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """Show what erasure deletes and keeps for each customer; erase them on confirm."""
        if not self.has_erase_permission(request):
            raise PermissionDenied
        customers = list(queryset.order_by("last_name", "first_name", "pk"))
        if request.POST.get("post") == "yes":
            erased = 0
            totals: dict[str, int] = {}
            courses: list[str] = []
            for customer in customers:
                try:
                    result = consent_erasure.erase_customer(
                        customer=customer, actor=staff_actor(request)
                    )
                except (consent_rights.RightsError, ValidationError, Customer.DoesNotExist) as e:
                    message = e.messages if isinstance(e, ValidationError) else [str(e)]
                    self.message_user(request, " ".join(message), messages.ERROR)
                    continue
                erased += 1
                courses += result.cancelled_courses
                for name, count in result.counts.items():
                    totals[name] = totals.get(name, 0) + count
            if courses:
                self.message_user(
                    request,
                    _("These courses lost a participant: %(courses)s.")
                    % {"courses": ", ".join(sorted(set(courses)))},
                    messages.INFO,
                )
            if erased:
                summary = ", ".join(f"{name}: {count}" for name, count in totals.items() if count)
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d customer was erased. %(summary)s",
                        "%(count)d customers were erased. %(summary)s",
                        erased,
                    )
                    % {"count": erased, "summary": summary},
                    messages.SUCCESS,
                )
            return None
        open_erasures = RightsRequest.objects.filter(
            customer__in=customers,
            request_type=RightsRequest.Type.ERASURE,
            status__in=RightsRequest.OPEN_STATUSES,
        ).select_related("customer")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Erase the selected customers"),
            "opts": self.opts,
            "items": [
                {
                    "customer": c,
                    "lines": consent_erasure.erasure_preview(c),
                    "upcoming": consent_erasure.upcoming_courses(c),
                }
                for c in customers
            ],
            "open_erasures": open_erasures,
            "queryset": customers,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/consent/erase_customers.html", context)

    def has_lift_restriction_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("consent.change_rightsrequest")

    @admin.action(description=_("Lift restriction"), permissions=["lift_restriction"])
    def lift_restriction(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Lift the restriction of each selected restricted customer; each is told first."""
        if not self.has_lift_restriction_permission(request):
            raise PermissionDenied
        self._lift(request, list(queryset.filter(restricted_at__isnull=False)))

    def _lift(self, request: HttpRequest, customers: list[Customer]) -> None:
        """Call the act (consent.acts.restriction.lift_restriction) for each customer and
        say what became of it."""
        lifted, untold = 0, []
        for customer in customers:
            try:
                done = restriction.lift_restriction(customer=customer, actor=staff_actor(request))
            except (consent_rights.RightsError, ValidationError) as e:
                message = e.messages if isinstance(e, ValidationError) else [str(e)]
                self.message_user(request, " ".join(message), messages.ERROR)
                continue
            if not done:
                continue
            lifted += 1
            if not customer.email:
                untold.append(customer.full_name)
        if lifted:
            self.message_user(
                request,
                ngettext(
                    "The restriction was lifted for %(count)d customer.",
                    "The restriction was lifted for %(count)d customers.",
                    lifted,
                )
                % {"count": lifted},
                messages.SUCCESS,
            )
        if untold:
            self.message_user(
                request,
                _("These customers have no email address and were not told: %(names)s.")
                % {"names": ", ".join(untold)},
                messages.WARNING,
            )
        if not lifted:
            self.message_user(
                request, _("None of the selected customers was restricted."), messages.WARNING
            )

    def save_model(self, request: HttpRequest, obj: Customer, form: Any, change: bool) -> None:
        """A new email address of an existing customer takes effect only when a link sent
        to it is followed (rectification.request_email_change): staff cannot point a
        customer's messages, or their access report, at an address of their choosing."""
        new_email = ""
        if change and "email" in form.changed_data and obj.email:
            new_email = obj.email
            obj.email = form.initial.get("email", "")
            form.changed_data.remove("email")
        super().save_model(request, obj, form, change)
        if new_email:
            rectification.request_email_change(
                customer=obj, new_email=new_email, language=obj.language, actor=staff_actor(request)
            )
            self.message_user(
                request,
                _(
                    "A link was sent to %(email)s. The address becomes the customer's when "
                    "the link is followed."
                )
                % {"email": new_email},
                messages.INFO,
            )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        _record_interaction_author(request, instances)
        for obj in formset.deleted_objects:
            obj.delete()
        for instance in instances:
            instance.save()
        formset.save_m2m()


@admin.register(Course)
class CourseAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = (
        "name",
        "starts_at",
        "ends_at",
        "place",
        "participant_count",
        "capacity",
        "price",
    )
    list_filter = ("starts_at", "place")
    list_select_related = False
    search_fields = ("name", "place")
    date_hierarchy = "starts_at"
    inlines = (ParticipantInline,)
    change_form_template = "admin/customers/course/change_form.html"
    readonly_fields = ("session_list",)

    @admin.display(description=admin_sessions.SESSIONS)
    def session_list(self, course: Course) -> str:
        return admin_sessions.sessions_overview(course)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                active_participants=Count(
                    "enrollments", filter=~Q(enrollments__status=Enrollment.Status.CANCELLED)
                )
            )
        )

    @admin.display(description=_("participants"), ordering="active_participants")
    def participant_count(self, course: Course) -> int:
        return course.active_participants  # type: ignore[attr-defined]

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:pk>/participants/print/",
                self.admin_site.admin_view(self.print_participants),
                name="customers_course_participants_print",
            ),
            path(
                "<int:pk>/participants/csv/",
                self.admin_site.admin_view(self.export_participants),
                name="customers_course_participants_csv",
            ),
        ]
        return own + admin_sessions.course_urls(self) + super().get_urls()

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("customers.export_participants")

    def print_participants(self, request: HttpRequest, pk: int) -> HttpResponse:
        course = get_object_or_404(Course, pk=pk)
        if not self.has_view_permission(request, course):
            raise PermissionDenied
        return TemplateResponse(
            request,
            "customers/participant_list_print.html",
            participants.printable_list(course),
        )

    def export_participants(self, request: HttpRequest, pk: int) -> HttpResponse:
        course = get_object_or_404(Course, pk=pk)
        if not self.has_export_permission(request):
            raise PermissionDenied
        record(Action.EXPORT, user=request.user, obj=course, detail=Detail("participant_list_csv"))
        return participants.csv_response(course)

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> HttpResponse:
        context["can_export_participants"] = self.has_export_permission(request)
        return super().render_change_form(request, context, *args, **kwargs)


@admin.register(Purchase)
class PurchaseAdmin(AuditedAdmin, CustomerRowsAdmin):
    list_display = (
        "purchased_on",
        "description",
        "customer",
        "amount",
        "status",
        "cancelled_on",
        "reference",
    )
    list_filter = ("status", "purchased_on")
    list_select_related = ("customer",)
    search_fields = ("description", "reference", "customer__last_name", "customer__email")
    autocomplete_fields = ("customer",)
    # No date_hierarchy: its year and month links scan every purchase on each view; the
    # date filter on the right does not (issue 12). No full count either.
    show_full_result_count = False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A purchase is a voucher: the Accounting Act (1336/1997, 2:10 §) keeps it for the
        # bookkeeping period, after which retention deletes it. A mistaken purchase is
        # marked cancelled or refunded, which the books show; erasure detaches the buyer.
        return False


class OpenComplaintFilter(admin.SimpleListFilter):
    title = _("complaint")
    parameter_name = "complaint"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("open", _("Open complaints")), ("resolved", _("Resolved complaints"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        complaints = queryset.filter(kind=Interaction.Kind.COMPLAINT)
        if self.value() == "open":
            return complaints.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return complaints.filter(resolved_at__isnull=False)
        return queryset


@admin.register(Interaction)
class InteractionAdmin(AuditedAdmin, CustomerRowsAdmin):
    show_full_result_count = False
    form = InteractionForm
    list_display = ("occurred_at", "customer", "kind", "direction", "subject", "complaint_state")
    list_filter = ("kind", "direction", OpenComplaintFilter, "occurred_at")
    list_select_related = ("customer",)
    search_fields = ("subject", "customer__first_name", "customer__last_name", "customer__email")
    autocomplete_fields = ("customer",)
    date_hierarchy = "occurred_at"
    fields = (
        "customer",
        ("kind", "direction", "occurred_at"),
        "subject",
        "text",
        ("resolution", "resolved_at"),
        "confirm_not_health_data",
        "recorded_by",
    )
    readonly_fields = ("recorded_by",)

    @admin.display(description=_("complaint"))
    def complaint_state(self, interaction: Interaction) -> str:
        if interaction.kind != Interaction.Kind.COMPLAINT:
            return ""
        if interaction.resolved_at is None:
            return format_html('<strong class="open-complaint">{}</strong>', _("open"))
        return str(_("resolved"))

    def get_form(  # type: ignore[override]
        self, request: HttpRequest, obj: Any = None, **kwargs: Any
    ) -> Any:
        # The customer is a field of this form (not of the inline one).
        kwargs["fields"] = ("customer", *InteractionForm.Meta.fields, "confirm_not_health_data")
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request: HttpRequest, obj: Interaction, form: Any, change: bool) -> None:
        _record_interaction_author(request, [obj])
        super().save_model(request, obj, form, change)
