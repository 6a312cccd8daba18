"""Newsletters in the admin: write one, see who may receive it, send it in batches."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from consent.admin.common import actor
from consent.marketing import audience, newsletters, permissions
from consent.models import (
    ConsentEvent,
    Newsletter,
)


class NewsletterForm(forms.ModelForm):
    class Meta:
        model = Newsletter
        fields = ("purpose", "subject", "body")


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    """Write a newsletter, see who may receive it; the background worker sends it, and its
    page shows the progress."""

    form = NewsletterForm
    list_display = ("subject", "purpose", "created_at", "queued", "recipients")
    list_select_related = False
    change_form_template = "admin/consent/newsletter/change_form.html"
    change_list_template = "admin/consent/newsletter/change_list.html"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A sent newsletter is a record of what was sent: it is not edited afterwards.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Newsletter, form: Any, change: bool) -> None:
        obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        count = newsletters.send_newsletter(newsletter=obj, actor=actor(request))
        self.message_user(
            request,
            ngettext(
                "The newsletter was queued for %(count)d recipient.",
                "The newsletter was queued for %(count)d recipients.",
                count,
            )
            % {"count": count},
        )

    def response_add(self, request: HttpRequest, obj: Newsletter, *args: Any) -> HttpResponse:
        return redirect(reverse("admin:consent_newsletter_change", args=[obj.pk]))

    def get_urls(self) -> list:
        return [
            path(
                "audience/",
                self.admin_site.admin_view(self.audience_view),
                name="consent_newsletter_audience",
            ),
            path(
                "audience.csv",
                self.admin_site.admin_view(self.audience_csv_view),
                name="consent_newsletter_audience_csv",
            ),
            *super().get_urls(),
        ]

    def _choice(self, request: HttpRequest) -> tuple[str, str]:
        purpose = request.GET.get("purpose", ConsentEvent.Purpose.NEWSLETTER)
        channel = request.GET.get("channel", ConsentEvent.Channel.EMAIL)
        if purpose not in ConsentEvent.Purpose.values or channel not in ConsentEvent.Channel.values:
            raise PermissionDenied  # not a choice the page offers
        return purpose, channel

    def audience_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        purpose, channel = self._choice(request)
        found = audience.audience(purpose=purpose, channel=channel)
        return TemplateResponse(
            request,
            "admin/consent/newsletter/audience.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Who may be contacted"),
                "opts": self.model._meta,
                "purposes": ConsentEvent.Purpose.choices,
                "channels": ConsentEvent.Channel.choices,
                "purpose": purpose,
                "channel": channel,
                "count": found.count,
                "bases": [(permissions.BASIS_LABELS[k], n) for k, n in found.bases.most_common()],
                "refusals": [
                    (permissions.REFUSAL_LABELS[k], n) for k, n in found.refusals.most_common()
                ],
                "can_export": request.user.has_perm("consent.add_newsletter"),
            },
        )

    def audience_csv_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("consent.add_newsletter"):
            raise PermissionDenied
        purpose, channel = self._choice(request)
        text = audience.audience_csv(purpose=purpose, channel=channel, actor=actor(request))
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audience-{purpose}-{channel}.csv"'
        return response

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> HttpResponse:
        obj = context.get("original")
        if obj is not None:
            context["progress"] = newsletters.newsletter_progress(obj)
        return super().render_change_form(request, context, *args, **kwargs)
