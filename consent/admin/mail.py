"""The outbox in the admin: every email the app sends, read-only, with "send again"."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from consent.admin.common import ReadOnlyAdmin
from consent.mail import outbox
from consent.models import OutboxEmail


@admin.register(OutboxEmail)
class OutboxEmailAdmin(ReadOnlyAdmin):
    show_full_result_count = False  # no count of the whole table on each view
    list_display = ("to", "subject", "kind", "created_at", "state", "attempts", "last_error")
    list_filter = (
        "kind",
        ("sent_at", admin.EmptyFieldListFilter),
        ("failed_at", admin.EmptyFieldListFilter),
        "created_at",
    )
    list_select_related = False
    search_fields = ("to", "subject")
    fields = (
        ("to", "kind"),
        "subject",
        "body_text",
        ("customer", "request"),
        ("created_at", "sent_at"),
        ("attempts", "next_attempt_at", "failed_at"),
        "last_error",
    )
    actions = ("send_again",)

    @admin.display(description=_("state"))
    def state(self, email: OutboxEmail) -> Any:
        if email.sent_at is not None:
            return _("sent")
        if email.failed_at is not None:
            return format_html('<strong class="overdue">{}</strong>', _("gave up"))
        if email.attempts:
            return _("failed, tried again at %(time)s") % {
                "time": f"{timezone.localtime(email.next_attempt_at):%d.%m.%Y %H.%M}"
                if email.next_attempt_at
                else "–"
            }
        return _("waiting")

    def has_send_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("consent.change_outboxemail")

    @admin.action(description=_("Send again"), permissions=["send"])
    def send_again(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Unsent messages (given-up ones too) are tried again at once, by the background
        worker: the admin page never waits for a mail server."""
        count = outbox.retry_now(list(queryset.values_list("pk", flat=True)))
        if count:
            self.message_user(
                request,
                ngettext(
                    "%(count)d email will be sent again within a minute.",
                    "%(count)d emails will be sent again within a minute.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, _("The selected emails had been sent already."), messages.INFO
            )
