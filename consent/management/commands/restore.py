"""Replace the database with a backup, then apply again what must outlive it (R25)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from consent.management.commands.backup import human_size
from rekisteri.backup import (
    BackupError,
    Keys,
    check_the_saved_copy_opens,
    inspect_backup,
    restore_backup,
)


class Command(BaseCommand):
    help = (
        "Replace the whole database with a backup made by `manage.py backup`. Everything "
        "recorded after the backup is lost, except what must outlive any backup, which is "
        "applied again: customers erased since are erased again, suppression-list entries "
        "come back, and so do the objections, consents and restrictions of the customers "
        "still in the register. A file that is not a backup of this app, or is of the "
        "other database type, is refused and the database left untouched. The current "
        "database is saved first to DATA_DIR/backups/rekisteri-before-restore-* (encrypted "
        "when BACKUP_RECIPIENTS is set). An encrypted backup (age) needs its private key: "
        "--identity FILE or BACKUP_IDENTITY_FILE; without it, or with a key that does not "
        "open it, nothing is done. Asks for confirmation unless --yes is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The backup file to restore.")
        parser.add_argument(
            "--yes",
            "--noinput",
            "--no-input",
            action="store_true",
            dest="yes",
            help="Replace the database without asking.",
        )
        parser.add_argument(
            "--no-save",
            action="store_true",
            help="Do not save the current database before replacing it.",
        )
        parser.add_argument(
            "--identity",
            "-i",
            action="append",
            metavar="FILE",
            help=(
                "The age private key file (as `age-keygen -o` writes it) that opens an "
                "encrypted backup; `-` reads it from standard input (then give --yes); may "
                "be given more than once. Default: BACKUP_IDENTITY_FILE. With "
                "BACKUP_RECIPIENTS set it must also open the copy saved before the restore "
                "(or give --no-save). Read only for the restore: keep the key off the server."
            ),
        )

    def handle(
        self,
        *args: Any,
        path: str,
        yes: bool,
        no_save: bool,
        identity: list[str] | None = None,
        **options: Any,
    ) -> None:
        # Read once, when first needed: a key given on standard input (`-i -`) included.
        keys = Keys(identity)
        try:
            info = inspect_backup(path, identity=keys)
            if not no_save:
                check_the_saved_copy_opens(keys)
        except BackupError as e:
            raise CommandError(str(e)) from e
        when = (
            timezone.localtime(info.created_at).strftime("%d.%m.%Y %H.%M.%S")
            if info.created_at
            else "an unknown time"
        )
        encrypted = ", encrypted (age)" if info.encrypted else ""
        self.stdout.write(
            f"Backup {info.path}: {info.vendor}{encrypted}, as of {when}, {human_size(info.size)}."
        )
        if not yes:
            self.stdout.write(
                "This replaces the whole database with the backup. What was recorded after "
                "it is lost, except erasures, suppressions, objections, consents and "
                "restrictions, which are applied again."
            )
            self.stdout.write("Type 'yes' to replace the database: ", ending="")
            self.stdout.flush()
            try:
                answer = input()
            except EOFError:
                raise CommandError(
                    "No answer could be read, so nothing was restored: run with --yes to "
                    "restore without asking."
                ) from None
            if answer.strip().lower() != "yes":
                raise CommandError("Not confirmed: nothing was restored.")

        def progress(percent: int) -> None:
            self.stderr.write(f"restore: {percent} %", style_func=str)

        try:
            report = restore_backup(
                info.path,
                progress=progress if options["verbosity"] >= 1 else None,
                save_current=not no_save,
                identity=keys,
            )
        except BackupError as e:
            raise CommandError(str(e)) from e
        for warning in report.warnings:
            self.stderr.write(warning)
        rows = sum(report.row_counts.values())
        summary = (
            f"Restored {info.path}: {rows} rows in {len(report.row_counts)} tables. "
            f"Applied again: {report.customers_erased} customers erased, "
            f"{report.suppressions_added} suppression-list entries, "
            f"{report.objections_restored} objections, "
            f"{report.consent_events_added} consent events, "
            f"{report.restrictions_restored} restrictions."
        )
        if report.migrated:
            summary += " The database was migrated to this version."
        if report.saved_before:
            summary += f" The database as it was is saved in {report.saved_before}."
        self.stdout.write(summary)
