"""Import a booking calendar's CSV export (P6) from the command line; see customers/importing.py."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from consent.mail.suppression import erasure_times, suppressed_addresses
from consent.records.audit import Action, Detail, record
from customers import importing


def _audit(actor: Any, result: importing.Result) -> None:
    record(
        Action.ADD,
        user=actor,
        detail=Detail("bookings_imported", way="command", **result.audit_counts()),
    )


class Command(BaseCommand):
    help = (
        "Import the bookings of a booking calendar (Varaa heti and similar) from its CSV "
        "export: customers (matched by email, then phone), missing courses and enrolments, "
        "in one transaction. The preview is printed first; --dry-run stops there. No "
        "marketing consent is ever recorded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV file (UTF-8 or Windows-1252; ; or , separated).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print the preview and stop; nothing is written.",
        )
        parser.add_argument(
            "--include-rebooked",
            action="store_true",
            help=(
                "Also import people erased earlier whose booking in the file is later than "
                "their erasure (without it they are skipped, like all people erased earlier)."
            ),
        )
        parser.add_argument(
            "--map",
            action="append",
            dest="columns",
            default=[],
            metavar="COLUMN=HEADER",
            help=(
                "Use the file's column HEADER for COLUMN, one of: "
                f"{', '.join(importing.TARGETS)} (repeat for several; an empty HEADER "
                "leaves the column out). Without it the columns are guessed from the headers."
            ),
        )

    def handle(
        self,
        *args: Any,
        file: str,
        dry_run: bool,
        columns: list[str],
        include_rebooked: bool,
        **options: Any,
    ) -> None:
        mapping = {}
        for item in columns:
            target, sep, header = item.partition("=")
            if not sep:
                raise CommandError(f"--map wants COLUMN=HEADER, not {item!r}.")
            mapping[target.strip()] = header.strip()
        try:
            data = Path(file).read_bytes()
        except OSError as e:
            raise CommandError(f"Cannot read {file}: {e.strerror or e}.") from e
        try:
            parsed = importing.read_bookings(data, mapping)
        except importing.ImportFileError as e:
            raise CommandError(str(e)) from e

        preview = importing.preview(
            parsed,
            suppressed_addresses=suppressed_addresses,
            erasures=erasure_times,
            include_rebooked=include_rebooked,
        )
        self._print_preview(preview)
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
            return
        if not preview.importable:
            self.stdout.write(_("There is nothing to import: every row is a duplicate or invalid."))
            return

        def progress(done: int, total: int) -> None:
            self.stdout.write(_("%(done)d/%(total)d rows") % {"done": done, "total": total})

        try:
            result = importing.import_bookings(
                parsed,
                actor=None,
                progress=progress,
                audit=_audit,
                suppressed_addresses=suppressed_addresses,
                erasures=erasure_times,
                include_rebooked=include_rebooked,
            )
        except Exception as e:
            raise CommandError(
                _("The import failed and nothing was saved: %(error)s") % {"error": e}
            ) from e
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Imported: %(enrollments)d enrolments, %(customers)d new customers, "
                    "%(updated)d customers updated, %(courses)d new courses; suppressed "
                    "(bookings only): %(suppressed)d."
                )
                % {
                    "enrollments": result.enrollments_created,
                    "customers": result.customers_created,
                    "updated": result.customers_updated,
                    "courses": result.courses_created,
                    "suppressed": result.suppressed,
                }
            )
        )

    def _print_preview(self, preview: importing.Preview) -> None:
        parsed = preview.parsed
        self.stdout.write(
            _("%(rows)d rows, read as %(encoding)s text separated by %(separator)s.")
            % {
                "rows": len(parsed.rows),
                "encoding": parsed.encoding,
                "separator": parsed.delimiter_label,
            }
        )
        columns = ", ".join(
            f"{importing.TARGET_LABELS[t]}={parsed.mapping[t]}"
            for t in importing.TARGETS
            if t in parsed.mapping
        )
        self.stdout.write(_("Columns: %(columns)s") % {"columns": columns})
        for kind in importing.KINDS:
            self.stdout.write(f"  {importing.KIND_LABELS[kind]}: {preview.counts[kind]}")
        self.stdout.write(
            _(
                "Enrolments to add: %(enrollments)d; new customers: %(customers)d; new "
                "courses: %(courses)d; suppressed (bookings only): %(suppressed)d."
            )
            % {
                "enrollments": preview.new_enrollments,
                "customers": preview.new_customers,
                "courses": preview.new_courses,
                "suppressed": preview.suppressed,
            }
        )
        for outcome in preview.invalid + preview.of_kind(importing.REBOOKED):
            self.stdout.write(
                self.style.WARNING(
                    _("Row %(row)d: %(reason)s")
                    % {"row": outcome.row.number, "reason": outcome.reason_text}
                )
            )
