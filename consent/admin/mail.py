"""The outbox in the admin: every email the app sends, read-only, with "send again"."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from consent.admin.common import ReadOnlyAdmin
from consent.mail import outbox
from consent.models import (
    OutboxEmail,
)


@admin.register(OutboxEmail)
class OutboxEmailAdmin(ReadOnlyAdmin):
    list_display = ("to", "subject", "created_at", "sent_at", "attempts", "last_error")
    list_filter = (("sent_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("to", "subject")
    fields = (
        "to",
        "subject",
        "body_text",
        ("customer", "request"),
        ("created_at", "sent_at"),
        ("attempts", "last_error"),
    )
    actions = ("send_again",)

    def has_send_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("consent.change_outboxemail")

    @admin.action(description=_("Send again"), permissions=["send"])
    def send_again(self, request: HttpRequest, queryset: QuerySet) -> None:
        sent = failed = 0
        for pk in queryset.filter(sent_at__isnull=True).values_list("pk", flat=True):
            if outbox.deliver(pk):
                sent += 1
            else:
                failed += 1
        if sent:
            self.message_user(
                request,
                ngettext("%(count)d email was sent.", "%(count)d emails were sent.", sent)
                % {"count": sent},
                messages.SUCCESS,
            )
        if failed:
            self.message_user(
                request,
                ngettext(
                    "%(count)d email could not be sent; see its last error.",
                    "%(count)d emails could not be sent; see their last errors.",
                    failed,
                )
                % {"count": failed},
                messages.ERROR,
            )
        if not sent and not failed:
            self.message_user(
                request, _("The selected emails had been sent already."), messages.INFO
            )
