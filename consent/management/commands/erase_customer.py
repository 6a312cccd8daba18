"""Erase one customer, as an erasure request would (GDPR Art. 17)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consent.acts.erasure import PreviewLine, erase_customer, erasure_preview
from customers.fields import normalise_email
from customers.models import Customer


def preview_text(line: PreviewLine) -> str:
    """One line of the preview: what erasure does to one table, and until when it keeps."""
    values = {"count": line.count, "title": line.title}
    if line.action == "delete":
        return _("delete: %(count)s × %(title)s") % values
    if line.kept_until:
        return _("keep: %(count)s × %(title)s until %(date)s") % {
            **values,
            "date": f"{line.kept_until:%d.%m.%Y}",
        }
    return _("keep: %(count)s × %(title)s") % values


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _(
            "Erase the customer with this email address from every table; purchases stay for "
            "bookkeeping without the person, and a keyed hash goes to the suppression list. "
            "Without --yes only shows what would be erased and kept."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help=_("The customer's email address."))
        parser.add_argument("--yes", action="store_true", help=_("Really erase."))

    def handle(self, *args: Any, email: str, yes: bool, **options: Any) -> None:
        customer = Customer.objects.filter(email=normalise_email(email)).first()
        if customer is None:
            raise CommandError(
                _("No customer has the email address %(email)s.") % {"email": repr(email)}
            )
        for line in erasure_preview(customer):
            self.stdout.write(preview_text(line))
        if not yes:
            self.stdout.write(_("Nothing was erased: add --yes to erase."))
            return
        result = erase_customer(customer=customer, actor=None)
        for table, count in result.counts.items():
            if count:
                self.stdout.write(
                    _("erased: %(table)s: %(count)s") % {"table": table, "count": count}
                )
        if result.requests_closed:
            self.stdout.write(
                ngettext(
                    "%(count)s open request was closed.",
                    "%(count)s open requests were closed.",
                    result.requests_closed,
                )
                % {"count": result.requests_closed}
            )
        if result.told:
            self.stdout.write(_("The customer is emailed that the erasure was done."))
        self.stdout.write(
            _("The customer was erased; kept: purchases for bookkeeping, without the person.")
        )
