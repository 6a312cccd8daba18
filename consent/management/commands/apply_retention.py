"""Apply the retention rules (the background worker runs this daily)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from consent.acts.retention import apply_retention
from customers.inventory import RETENTION_RULES, Retention


def rules_text() -> str:
    """Every retention rule in words, from the inventory: the one place periods live."""
    lines = []
    for kind, rule in RETENTION_RULES.items():
        if kind in (Retention.NOT_PERSONAL, Retention.SUPPRESSION):
            continue
        period = rule.period_text()
        if rule.setting:
            period += " " + _("(by default; the studio settings choose)")
        lines.append(f"{kind.label}: {period}.")
    return " ".join(lines)


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return (
            _(
                "Erase or delete what the register no longer needs, by the retention rules "
                "of the personal-data inventory. Customers are erased through erasure, never "
                "deleted. --dry-run only counts."
            )
            + " "
            + rules_text()
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Count what would go; change nothing.")
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
