"""Apply the retention rules: run daily (see README.md, "Deploying the container")."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from consent.acts.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Erase customers inactive for the studio's retention period (3 years by default: "
        "no enrolment, purchase, interaction or consent activity, no open request); delete "
        "purchases kept only for bookkeeping once 6 years from the end of their year have "
        "passed; delete answered requests and disclosure records after 3 years, and spent "
        "links, rate-limit counts, emails sent over a year ago and audit entries older than "
        "2 years. --dry-run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would go; change nothing."
        )

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        result = apply_retention(dry_run=dry_run)
        prefix = "Would be " if dry_run else ""
        for kind, count in result.counts.items():
            self.stdout.write(f"{prefix}{kind}: {count}")
        total = sum(result.counts.values())
        self.stdout.write(
            f"Retention {'dry run' if dry_run else 'applied'}: {total} rows in all"
            + (" (nothing was changed)." if dry_run else ".")
        )
