"""Accountability records in the admin: studio settings, processors, privacy-notice versions,
disclosures, breaches and the audit trail."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
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
from consent.records import bookkeeping, notice


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ("name", "purpose", "country", "safeguard", "is_processor")
    list_select_related = False
    search_fields = ("name", "purpose")

    # The privacy notice names the recipients: each change publishes a new version.
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        transaction.on_commit(notice.publish_notice)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        transaction.on_commit(notice.publish_notice)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        transaction.on_commit(notice.publish_notice)


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

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        transaction.on_commit(notice.publish_notice)

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
        content = notice.readable(notice.notice_content())
        return TemplateResponse(
            request,
            "admin/consent/record_of_processing.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Record of processing activities"),
                "record": content,
                "subjects": notice.DATA_SUBJECTS,
                "version": notice.current_notice(),
            },
        )


@admin.register(NoticeVersion)
class NoticeVersionAdmin(ReadOnlyAdmin):
    list_display = ("number", "published_at", "link")
    list_select_related = False

    @admin.display(description=_("privacy notice"))
    def link(self, version: NoticeVersion) -> str:
        url = reverse("consent:privacy") + f"?version={version.number}"
        return format_html('<a href="{}">{}</a>', url, _("Read"))


@admin.register(Disclosure)
class DisclosureAdmin(admin.ModelAdmin):
    list_display = ("disclosed_at", "customer", "recipient", "ground")
    list_filter = ("ground", "disclosed_at")
    list_select_related = ("customer",)
    search_fields = ("recipient", "customer__first_name", "customer__last_name")
    autocomplete_fields = ("customer",)
    readonly_fields = ("recorded_by",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if obj.recorded_by_id is None:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Breach)
class BreachAdmin(admin.ModelAdmin):
    list_display = ("discovered_at", "short_description", "risk", "ombudsman_deadline")
    list_filter = ("risk",)
    list_select_related = False
    autocomplete_fields = ("affected_customers",)
    readonly_fields = ("ombudsman_deadline", "recorded_by")
    fieldsets = (
        (None, {"fields": ("discovered_at", "description", "measures", "recorded_by")}),
        (
            _("Who and what"),
            {"fields": ("affected_customers", "affected_count", "data_affected", "risk")},
        ),
        (
            _("Notifications"),
            {
                "fields": (
                    "ombudsman_deadline",
                    "ombudsman_notified_at",
                    "customers_notified_at",
                    "not_notified_reason",
                )
            },
        ),
    )

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
        if breach.risk == Breach.Risk.UNLIKELY:
            return format_html("{} – {}", when, _("not needed if unlikely to be a risk"))
        hours = (breach.notify_by - timezone.now()).total_seconds() / 3600
        if hours < 0:
            return format_html('<strong class="overdue">{} – {}</strong>', when, _("overdue"))
        return format_html(
            '<strong class="due-soon">{} – {}</strong>',
            when,
            _("%(hours)d hours left") % {"hours": int(hours)},
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if obj.recorded_by_id is None:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit trail: read-only for everyone, the owner included."""

    list_display = (
        "at",
        "user",
        "username",
        "action",
        "customer",
        "object_type",
        "object_id",
        "detail",
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
