"""Erase one customer, as an erasure request would (GDPR Art. 17)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consent.acts.erasure import erase_customer, erasure_preview
from customers.fields import normalise_email
from customers.models import Customer


class Command(BaseCommand):
    help = (
        "Erase the customer with this email address from every table; purchases stay for "
        "bookkeeping without the person, and a keyed hash goes to the suppression list. "
        "Without --yes only shows what would be erased and kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--yes", action="store_true", help="Really erase.")

    def handle(self, *args: Any, email: str, yes: bool, **options: Any) -> None:
        customer = Customer.objects.filter(email=normalise_email(email)).first()
        if customer is None:
            raise CommandError(f"No customer has the email address {email!r}.")
        for line in erasure_preview(customer):
            verb = "delete" if line.action == "delete" else "keep"
            until = f" until {line.kept_until:%d.%m.%Y}" if line.kept_until else ""
            self.stdout.write(f"{verb}: {line.count} × {line.title}{until}")
        if not yes:
            self.stdout.write("Nothing was erased: add --yes to erase.")
            return
        result = erase_customer(customer=customer, actor=None)
        for table, count in result.counts.items():
            if count:
                self.stdout.write(f"erased: {table}: {count}")
        if result.requests_closed:
            self.stdout.write(f"open requests closed: {result.requests_closed}")
        if result.told:
            self.stdout.write("The customer is emailed that the erasure was done.")
        self.stdout.write(
            "The customer was erased; kept: purchases for bookkeeping, without the person."
        )
