"""Apply the retention rules (the background worker runs this daily)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consent.acts.retention import apply_retention, kind_label
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
        for kind, count in result.counts.items():
            self.stdout.write(f"{kind_label(kind, dry_run=dry_run)}: {count}")
        total = sum(result.counts.values())
        if dry_run:
            message = ngettext(
                "Dry run: %(total)d row would go in all; nothing was changed.",
                "Dry run: %(total)d rows would go in all; nothing was changed.",
                total,
            )
        else:
            message = ngettext(
                "Retention applied: %(total)d row in all.",
                "Retention applied: %(total)d rows in all.",
                total,
            )
        self.stdout.write(message % {"total": total})
