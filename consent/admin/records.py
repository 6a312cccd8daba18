"""Accountability records in the admin: studio settings, processors, privacy-notice versions,
disclosures, breaches and the audit trail."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from consent.admin.common import ReadOnlyAdmin
from consent.models import (
    AuditEntry,
    Breach,
    Disclosure,
    NoticeVersion,
    Recipient,
    StudioSettings,
)
from consent.models.records import BREACH_DATA_CATEGORIES, BreachQuerySet
from consent.records import bookkeeping, breaches, notice, processing, recipients
from customers.fields import CountryFormField
from customers.inventory import Category


class GoogleWorkspaceForm(forms.Form):
    """The guided entry for Google Workspace (Gmail): what the owner must confirm herself."""

    workspace = forms.BooleanField(
        label=_(
            "The studio's Gmail comes under a Google Workspace agreement, with Google's "
            "Cloud Data Processing Addendum."
        ),
        help_text=_(
            "The free consumer Gmail has no data processing terms: Google is then not the "
            "studio's processor under a contract (GDPR Art. 28). Move the studio's email to "
            "Google Workspace, or to another provider with data processing terms, first."
        ),
    )
    dpf_checked_on = forms.DateField(
        label=_("Google LLC's certification seen as active on the Data Privacy Framework List on"),
        help_text=_("Look up Google LLC on the list (link above) and give the day you did."),
    )

    def clean_dpf_checked_on(self) -> Any:
        day = self.cleaned_data["dpf_checked_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The day cannot be in the future."))
        return day


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "country":
            # The same country input as the customer's: a name in Finnish, Swedish or
            # English, or the two-letter code, stored as the code.
            return CountryFormField(
                label=capfirst(db_field.verbose_name),
                help_text=db_field.help_text,
                required=not db_field.blank,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    list_display = ("name", "purpose", "country", "safeguard", "needs_review", "is_processor")
    list_filter = ("needs_review", "is_processor", "safeguard")
    list_select_related = False
    search_fields = ("name", "purpose")
    change_list_template = "admin/consent/recipient/change_list.html"
    fieldsets = (
        (None, {"fields": ("name", "purpose", "is_processor", "country")}),
        (
            _("Transfer outside the EU/EEA"),
            {
                "fields": ("safeguard", "dpf_checked_on", "scc_also", "safeguard_note"),
                "description": _(
                    "Only for a country outside the EU/EEA (GDPR Chapter V). The EU-US "
                    "Privacy Shield was invalidated in 2020 and is no safeguard."
                ),
            },
        ),
    )

    def get_urls(self) -> list:
        return [
            path(
                "add-google/",
                self.admin_site.admin_view(self.add_google_view),
                name="consent_recipient_add_google",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        recipient = self.get_object(request, object_id)
        if request.method == "GET" and recipient is not None and recipient.needs_review:
            self.message_user(
                request,
                _(
                    "Check this transfer's safeguard and save it: what was typed earlier "
                    "could not be taken over as it was (the Privacy Shield, invalidated in "
                    "2020, an unknown text, or the Data Privacy Framework without the day its "
                    "certification was checked). Until then the privacy notice says the "
                    "studio is checking it."
                ),
                messages.WARNING,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    # The privacy notice names the recipients: each change publishes a new version.
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        transaction.on_commit(notice.publish_if_ready)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        transaction.on_commit(notice.publish_if_ready)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        transaction.on_commit(notice.publish_if_ready)

    def add_google_view(self, request: HttpRequest) -> HttpResponse:
        """Add Google Workspace (Gmail) as the email processor, with its safeguards."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        existing = recipients.existing_google()
        if request.method == "POST" and existing is None:
            form = GoogleWorkspaceForm(request.POST)
            if form.is_valid():
                added = recipients.add_google_workspace(
                    dpf_checked_on=form.cleaned_data["dpf_checked_on"]
                )
                self.message_user(
                    request,
                    _("%(name)s was added to the processors.") % {"name": added.name},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:consent_recipient_change", args=[added.pk]))
        else:
            form = GoogleWorkspaceForm(initial={"dpf_checked_on": timezone.localdate()})
        known = recipients.GOOGLE_WORKSPACE
        return TemplateResponse(
            request,
            "admin/consent/recipient/add_google.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Add Google Workspace (Gmail)"),
                "opts": self.model._meta,
                "form": form,
                "existing": existing,
                "known": known,
                "safeguard": Recipient.Safeguard(known.safeguard).label,
                "dpf_list_url": recipients.DPF_LIST_URL,
            },
            status=400 if request.method == "POST" and existing is None else 200,
        )


class StudioSettingsForm(forms.ModelForm):
    purposes = forms.MultipleChoiceField(
        label=_("purposes in use"),
        choices=StudioSettings.Purpose.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Bookkeeping of purchases is always a purpose: the law requires it."),
    )

    class Meta:
        model = StudioSettings
        fields = (
            "controller_name",
            "business_id",
            "street_address",
            "postal_code",
            "city",
            "email",
            "phone",
            "contact_person",
            "purposes",
            "booking_calendar",
            "customer_retention_years",
            "existing_customer_marketing",
            "existing_customer_months",
            "financial_year_end_month",
            "financial_year_end_day",
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        month = cleaned.get("financial_year_end_month")
        day = cleaned.get("financial_year_end_day")
        if month is not None and day is not None:
            # The bookkeeping period counts from this day (Accounting Act 1336/1997, 2:10 §).
            try:
                bookkeeping.check_financial_year_end(month, day)
            except ValidationError as error:
                self.add_error("financial_year_end_day", error)
        return cleaned


@admin.register(StudioSettings)
class StudioSettingsAdmin(admin.ModelAdmin):
    """One row: the list goes straight to it; saving publishes a new privacy notice."""

    form = StudioSettingsForm
    list_select_related = False
    change_form_template = "admin/consent/studiosettings/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        studio = StudioSettings.load()
        return redirect(reverse("admin:consent_studiosettings_change", args=[studio.pk]))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        # Not "Change studio settings": the one row reads as a page of its own.
        extra_context = {"title": _("Edit the studio settings"), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        missing = obj.missing_for_notice()
        if missing:
            self.message_user(request, notice.NoticeNotReady(missing).message, messages.WARNING)
        transaction.on_commit(notice.publish_if_ready)

    def get_urls(self) -> list:
        return [
            path(
                "record-of-processing/",
                self.admin_site.admin_view(self.record_of_processing),
                name="consent_record_of_processing",
            ),
            *super().get_urls(),
        ]

    def record_of_processing(self, request: HttpRequest) -> HttpResponse:
        """The record of processing activities (Art. 30), printable."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return TemplateResponse(
            request,
            "admin/consent/record_of_processing.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Record of processing activities"),
                "record": processing.record_of_processing(processing.facts()),
                "version": NoticeVersion.objects.order_by("-number").first(),
            },
        )


@admin.register(NoticeVersion)
class NoticeVersionAdmin(ReadOnlyAdmin):
    list_display = ("number", "published_at", "text_kept", "link")
    list_select_related = False
    # The text itself is read on the notice's page (the link).
    exclude = ("rendered",)

    @admin.display(description=_("text kept as published"), boolean=True)
    def text_kept(self, version: NoticeVersion) -> bool:
        return bool(version.rendered)

    @admin.display(description=_("privacy notice"))
    def link(self, version: NoticeVersion) -> str:
        url = reverse("consent:privacy") + f"?version={version.number}"
        return format_html('<a href="{}">{}</a>', url, _("Read"))


@admin.register(Disclosure)
class DisclosureAdmin(admin.ModelAdmin):
    """The record of disclosures: nobody deletes one (KeptRecordQuerySet), only retention."""

    list_display = ("disclosed_at", "customer", "recipient", "ground")
    list_filter = ("ground", "disclosed_at")
    list_select_related = ("customer",)
    search_fields = ("recipient", "customer__first_name", "customer__last_name")
    autocomplete_fields = ("customer",)
    readonly_fields = ("recorded_by",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # superusers included: the record documents what was done (Art. 5(2))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if obj.recorded_by_id is None:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


class BreachForm(forms.ModelForm):
    """The breach log's form: the categories as check boxes; the rules are the model's
    (`Breach.clean`), so that the form and every other path refuse the same things."""

    subject_categories = forms.MultipleChoiceField(
        label=capfirst(_("whose data")),
        choices=Breach.SubjectCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The categories of people (GDPR Art. 33(3)(a))."),
    )
    data_categories = forms.MultipleChoiceField(
        label=capfirst(_("categories of data affected")),
        choices=[(c, Category(c).label) for c in BREACH_DATA_CATEGORIES],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The categories of personal data (GDPR Art. 33(3)(a))."),
    )

    class Meta:
        model = Breach
        fields = (
            "discovered_at",
            "description",
            "risk",
            "subject_categories",
            "affected_count",
            "affected_customers",
            "data_categories",
            "data_affected",
            "records_count",
            "consequences",
            "measures",
            "contact_point",
            "ombudsman_notified_at",
            "late_reason",
            "not_notified_reason",
            "customers_notified_at",
            "customers_exemption",
            "customers_exemption_detail",
        )


@admin.register(Breach)
class BreachAdmin(admin.ModelAdmin):
    """The breach log (GDPR Art. 33-34): the owner records every breach, its 72 hours
    count down, and a high risk gets a draft message to the customers. Nobody deletes a
    breach (KeptRecordQuerySet); only retention does, after its period."""

    form = BreachForm
    list_display = (
        "discovered_at",
        "short_description",
        "risk",
        "ombudsman_deadline",
        "customers_notified_at",
    )
    list_filter = ("risk",)
    list_select_related = False
    autocomplete_fields = ("affected_customers",)
    readonly_fields = ("ombudsman_deadline", "recorded_by", "customer_notice_draft")
    fieldsets = (
        (None, {"fields": ("discovered_at", "description", "risk", "recorded_by")}),
        (
            _("Whose data and what data (GDPR Art. 33(3)(a))"),
            {
                "fields": (
                    "subject_categories",
                    "affected_count",
                    "affected_customers",
                    "data_categories",
                    "data_affected",
                    "records_count",
                )
            },
        ),
        (
            _("Consequences and measures (GDPR Art. 33(3)(b)-(d))"),
            {"fields": ("consequences", "measures", "contact_point")},
        ),
        (
            _("The Data Protection Ombudsman (GDPR Art. 33)"),
            {
                "fields": (
                    "ombudsman_deadline",
                    "ombudsman_notified_at",
                    "late_reason",
                    "not_notified_reason",
                ),
                "description": _(
                    "Notify the Data Protection Ombudsman within 72 hours of becoming aware "
                    "of the breach (tietosuoja.fi), unless it is unlikely to result in a risk "
                    "to people. Until then the breach may be saved without either."
                ),
            },
        ),
        (
            _("The customers (GDPR Art. 34)"),
            {
                "fields": (
                    "customers_notified_at",
                    "customers_exemption",
                    "customers_exemption_detail",
                    "customer_notice_draft",
                ),
                "description": _(
                    "A high risk to people means telling the affected customers without "
                    "undue delay, in clear language."
                ),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request)
        assert isinstance(queryset, BreachQuerySet)
        return queryset.with_overdue()

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("contact_point", breaches.default_contact_point())
        return initial

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # superusers included: Art. 33(5) asks every breach to be documented

    @admin.display(description=_("what happened"))
    def short_description(self, breach: Breach) -> str:
        return breach.description[:80]

    @admin.display(description=_("notify the Ombudsman by"))
    def ombudsman_deadline(self, breach: Breach) -> str:
        if breach.pk is None:
            return _("72 hours from becoming aware")
        when = formats.date_format(timezone.localtime(breach.notify_by), "SHORT_DATETIME_FORMAT")
        if breach.ombudsman_notified_at is not None:
            return format_html("{} – {}", when, _("notified"))
        if breach.not_notified_reason.strip():
            return format_html("{} – {}", when, _("not notified, reason recorded"))
        if getattr(breach, "is_overdue", False):
            return format_html('<strong class="overdue">{} – {}</strong>', when, _("overdue"))
        hours = max((breach.notify_by - timezone.now()).total_seconds() / 3600, 0)
        return format_html(
            '<strong class="due-soon">{} – {}</strong>',
            when,
            _("%(hours)d hours left") % {"hours": int(hours)},
        )

    @admin.display(description=_("draft message to the customers"))
    def customer_notice_draft(self, breach: Breach) -> str:
        if breach.pk is None:
            return str(_("Shown here once the breach is saved with a high risk."))
        if breach.risk != Breach.Risk.HIGH:
            return str(_("Needed only for a high risk to people."))
        boxes = format_html_join(
            "",
            '<p><label for="customer-notice-{}">{}</label></p>'
            '<textarea id="customer-notice-{}" lang="{}" rows="22" cols="80" '
            'class="vLargeTextField">{}</textarea>',
            (
                (
                    d.language,
                    f"{d.name}: {d.subject}",
                    d.language,
                    d.language,
                    d.body,
                )
                for d in breaches.customer_notices(breach)
            ),
        )
        return format_html(
            "<p>{}</p>{}",
            _(
                "Made from the log's fields. Copy it to your email and edit it there; the "
                "parts you wrote are as you wrote them, so translate them in the English "
                "draft. It is not saved here: record the time you sent it above."
            ),
            boxes,
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if obj.recorded_by_id is None:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit trail: read-only for everyone, the owner included."""

    show_full_result_count = False  # no count of the whole table on each view

    list_display = (
        "at",
        "user",
        "username",
        "action",
        "customer",
        "object_type",
        "object_id",
        "detail_text",
    )
    list_filter = (
        "action",
        ("user", admin.RelatedOnlyFieldListFilter),
        ("customer", admin.RelatedOnlyFieldListFilter),
        "at",
    )
    list_select_related = ("user", "customer")
    search_fields = ("username", "customer__first_name", "customer__last_name", "customer__email")
    date_hierarchy = "at"
    # The detail in the reader's language, not its English copy and its key.
    fields = (
        "at",
        "user",
        "username",
        "action",
        "customer",
        "object_type",
        "object_id",
        "detail_text",
    )
    readonly_fields = ("detail_text",)

    @admin.display(description=_("detail"))
    def detail_text(self, obj: AuditEntry) -> str:
        return obj.detail_text
