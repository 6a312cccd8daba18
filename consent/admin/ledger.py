"""The consent ledger and the suppression list in the admin."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from consent.acts import consent as consent_acts
from consent.admin.common import ReadOnlyAdmin, actor
from consent.marketing import permissions
from consent.models import (
    ConsentEvent,
    Suppression,
)
from customers.admin_inlines import CustomerRowsAdmin, LatestRowsInline
from customers.models import Customer


@admin.register(ConsentEvent)
class ConsentEventAdmin(CustomerRowsAdmin, ReadOnlyAdmin):
    """The ledger: append-only; the owner adds to it through "Record a consent"."""

    show_full_result_count = False  # no count of the whole table on each view

    list_display = ("at", "customer", "purpose", "channel", "action", "source", "notice_version")
    list_filter = ("purpose", "channel", "action", "source")
    list_select_related = ("customer",)
    search_fields = ("customer__first_name", "customer__last_name", "customer__email")
    date_hierarchy = "at"

    def get_urls(self) -> list:
        return [
            path(
                "record/<int:customer_pk>/",
                self.admin_site.admin_view(self.record_view),
                name="consent_consentevent_record",
            ),
            *super().get_urls(),
        ]

    def record_view(self, request: HttpRequest, customer_pk: int) -> HttpResponse:
        """A consent or withdrawal given on paper, by phone or in person."""
        if not request.user.has_perm("consent.add_consentevent"):
            raise PermissionDenied
        customer = get_object_or_404(Customer, pk=customer_pk)
        form = RecordConsentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            with transaction.atomic():
                for channel in data["channels"]:
                    consent_acts.record_consent(
                        customer=customer,
                        purpose=data["purpose"],
                        channel=channel,
                        action=data["action"],
                        source=ConsentEvent.Source.ADMIN,
                        wording=data["wording"],
                        actor=actor(request),
                    )
            self.message_user(request, _("The change was recorded in the ledger."))
            return redirect(reverse("admin:customers_customer_change", args=[customer.pk]))
        return TemplateResponse(
            request,
            "admin/consent/record_consent.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Record a consent or withdrawal"),
                "opts": self.model._meta,
                "customer": customer,
                "form": form,
                "permissions": permissions.permissions_of(customer),
            },
            status=400 if request.method == "POST" else 200,
        )


class RecordConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("purpose"), choices=ConsentEvent.Purpose.choices)
    channels = forms.MultipleChoiceField(
        label=_("channels"),
        choices=ConsentEvent.Channel.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    action = forms.ChoiceField(
        label=_("action"),
        choices=[
            (ConsentEvent.Action.GIVEN, ConsentEvent.Action.GIVEN.label),
            (ConsentEvent.Action.WITHDRAWN, ConsentEvent.Action.WITHDRAWN.label),
        ],
        widget=forms.RadioSelect,
    )
    wording = forms.CharField(
        label=_("what the customer agreed to or said, and how"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. 'Ticked the newsletter box on the paper enrolment form, 3.2.2026.'"),
    )


class ConsentEventInline(LatestRowsInline, admin.TabularInline):
    """The customer's consent ledger on their page: read-only, the newest first, and a
    link to the whole ledger of the customer."""

    model = ConsentEvent
    extra = 0
    # The current permissions are summed up above it; the five newest events here, the
    # whole ledger behind the link (issue 12).
    shown = 5
    latest_order = ("-at", "-pk")
    all_rows_url = "admin:consent_consentevent_changelist"
    all_rows_by_filter = True
    template = "admin/edit_inline/tabular_latest.html"
    fields = ("at", "purpose", "channel", "action", "source", "notice_version", "recorded_by")
    readonly_fields = fields
    ordering = ("-at", "-pk")
    verbose_name_plural = _("consent ledger")
    classes = ("collapse",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("recorded_by")


def marketing_permissions_html(customer: Customer, *, can_record: bool) -> str:
    """The current permission per purpose and channel with its basis, for the customer page."""
    if customer.pk is None:
        return "–"
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                ConsentEvent.Purpose(purpose).label,
                ConsentEvent.Channel(channel).label,
                _("allowed") if p.allowed else _("not allowed"),
                p.label,
            )
            for purpose, channel, p in permissions.permissions_of(customer)
        ),
    )
    link = (
        format_html(
            '<p><a class="button" href="{}">{}</a></p>',
            reverse("admin:consent_consentevent_record", args=[customer.pk]),
            _("Record a consent or withdrawal"),
        )
        if can_record
        else ""
    )
    return format_html(
        '<table class="marketing-permissions"><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
        "<th>{}</th></tr></thead><tbody>{}</tbody></table>{}",
        _("purpose"),
        _("channel"),
        _("permission"),
        _("basis or reason"),
        rows,
        link,
    )


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    show_full_result_count = False  # no count of the whole table on each view
    list_display = ("short_hash", "reason", "created_at")
    list_filter = ("reason",)
    fields = ("value_hash", "reason", "created_at")

    @admin.display(description=_("keyed hash"))
    def short_hash(self, entry: Suppression) -> str:
        return format_html("<code>{}…</code>", entry.value_hash[:12])
