"""Print everything the register holds about one customer (the access report)."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from consent.acts.access import Use, access_report, readable_sections
from customers.fields import normalise_email
from customers.models import Customer


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _(
            "Print the access report of the customer with this email address (GDPR Art. 15), "
            "as JSON or as printable HTML."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help=_("The customer's email address."))
        parser.add_argument(
            "--format",
            choices=["json", "html"],
            default="json",
            help=_("json (the default): for machines; html: a report to print or send."),
        )

    def handle(self, *args: Any, email: str, format: str, **options: Any) -> None:
        customer = Customer.objects.filter(email=normalise_email(email)).first()
        if customer is None:
            raise CommandError(
                _("No customer has the email address %(email)s.") % {"email": repr(email)}
            )
        report = access_report(customer=customer, actor=None, use=Use.COMMAND)
        if format == "json":
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(
                render_to_string(
                    "consent/report_print.html",
                    {"report": report, "held": readable_sections(report)},
                )
            )
