"""Replace the database with a backup, then apply again what must outlive it (R25)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from consent.management.commands.backup import human_size
from rekisteri.backup import (
    BackupError,
    Keys,
    RestoreReport,
    check_the_saved_copy_opens,
    inspect_backup,
    restore_backup,
)


def _yes_words() -> tuple[str, set[str]]:
    """The word the operator types to confirm, in the language in use, and every word
    accepted: that word and "yes", whatever the language."""
    word = pgettext("typed to confirm a restore", "yes")
    return word, {"yes", word.strip().lower()}


def _summary(path: object, report: RestoreReport) -> str:
    rows = sum(report.row_counts.values())
    tables = len(report.row_counts)
    restored = _("Restored %(path)s: %(rows)s %(in_tables)s.") % {
        "path": path,
        "rows": ngettext("%(count)s row", "%(count)s rows", rows) % {"count": rows},
        "in_tables": ngettext("in %(count)s table", "in %(count)s tables", tables)
        % {"count": tables},
    }
    parts = [
        ngettext(
            "%(count)s customer erased",
            "%(count)s customers erased",
            report.customers_erased,
        ),
        ngettext(
            "%(count)s suppression-list entry",
            "%(count)s suppression-list entries",
            report.suppressions_added,
        ),
        ngettext("%(count)s objection", "%(count)s objections", report.objections_restored),
        ngettext(
            "%(count)s consent event", "%(count)s consent events", report.consent_events_added
        ),
        ngettext("%(count)s restriction", "%(count)s restrictions", report.restrictions_restored),
    ]
    counts = (
        report.customers_erased,
        report.suppressions_added,
        report.objections_restored,
        report.consent_events_added,
        report.restrictions_restored,
    )
    again = _("Applied again: %(what)s.") % {
        "what": ", ".join(part % {"count": n} for part, n in zip(parts, counts, strict=True))
    }
    summary = [restored, again]
    if report.migrated:
        summary.append(_("The database was migrated to this version."))
    if report.saved_before:
        summary.append(
            _("The database as it was is saved in %(path)s.") % {"path": report.saved_before}
        )
    return " ".join(summary)


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _(
            "Replace the whole database with a backup made by `manage.py backup`. Everything "
            "recorded after the backup is lost, except what must outlive any backup, which "
            "is applied again: customers erased since are erased again, suppression-list "
            "entries come back, and so do the objections, consents and restrictions of the "
            "customers still in the register. A file that is not a backup of this app, or is "
            "of the other database type, is refused and the database left untouched. The "
            "current database is saved first to DATA_DIR/backups/rekisteri-before-restore-* "
            "(encrypted when BACKUP_RECIPIENTS is set). An encrypted backup (age) needs its "
            "private key: --identity FILE or BACKUP_IDENTITY_FILE; without it, or with a key "
            "that does not open it, nothing is done. Asks for confirmation unless --yes is "
            "given."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help=_("The backup file to restore."))
        parser.add_argument(
            "--yes",
            "--noinput",
            "--no-input",
            action="store_true",
            dest="yes",
            help=_("Replace the database without asking."),
        )
        parser.add_argument(
            "--no-save",
            action="store_true",
            help=_("Do not save the current database before replacing it."),
        )
        parser.add_argument(
            "--identity",
            "-i",
            action="append",
            metavar="FILE",
            help=_(
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
        values = {
            "path": info.path,
            "vendor": info.vendor,
            "when": (
                timezone.localtime(info.created_at).strftime("%d.%m.%Y %H.%M.%S")
                if info.created_at
                else _("an unknown time")
            ),
            "size": human_size(info.size),
        }
        if info.encrypted:
            about = _("Backup %(path)s: %(vendor)s, encrypted (age), as of %(when)s, %(size)s.")
        else:
            about = _("Backup %(path)s: %(vendor)s, as of %(when)s, %(size)s.")
        self.stdout.write(about % values)
        if not yes:
            self._confirm()

        def progress(percent: int) -> None:
            self.stderr.write(_("restore: %(percent)s %%") % {"percent": percent}, style_func=str)

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
        self.stdout.write(_summary(info.path, report))

    def _confirm(self) -> None:
        """Ask before replacing the database; "yes" is accepted in every language."""
        self.stdout.write(
            _(
                "This replaces the whole database with the backup. What was recorded after "
                "it is lost, except erasures, suppressions, objections, consents and "
                "restrictions, which are applied again."
            )
        )
        word, accepted = _yes_words()
        if accepted == {"yes"}:
            prompt = _("Type 'yes' to replace the database: ")
        else:
            prompt = _("Type '%(yes)s' or 'yes' to replace the database: ") % {"yes": word}
        self.stdout.write(prompt, ending="")
        self.stdout.flush()
        try:
            answer = input()
        except EOFError:
            raise CommandError(
                _(
                    "No answer could be read, so nothing was restored: run with --yes to "
                    "restore without asking."
                )
            ) from None
        # Typed with the quotes the prompt shows them in, or without.
        if answer.strip().strip("'\"”“").strip().lower() not in accepted:
            raise CommandError(_("Not confirmed: nothing was restored."))
