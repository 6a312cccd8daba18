"""Make a consistent backup of the whole database while the app runs (R25)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from rekisteri.backup import BackupError, make_backup


def human_size(size: int) -> str:
    """`size` bytes in B, kB, MB or GB, with the decimal mark of the language in use."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{number_format(value, 1)} {unit}"
        value /= 1000
    return f"{size} B"  # not reached


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _(
            "Copy the whole database to PATH while the app runs: SQLite through its online "
            "backup API, PostgreSQL through `pg_dump -Fc`. The copy is written to a temporary "
            "file and renamed to PATH only when complete, so a failed backup leaves nothing "
            "under PATH; a checksum file PATH.json is written beside it. PATH defaults to "
            "DATA_DIR/backups/rekisteri-YYYYmmdd-HHMMSS.sqlite3 (or .pgdump); a folder gets "
            "that name inside it. With age public keys in BACKUP_RECIPIENTS the backup is "
            "encrypted for them (age format, `.age` added to the name; it opens only with a "
            "matching private key, never kept on the server); without, it is written "
            "unencrypted, with a warning. Backups hold personal data: keep them encrypted off "
            "the machine. Restore with `manage.py restore`."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help=_("File or folder to write the backup to."))

    def handle(self, *args: Any, path: str | None = None, **options: Any) -> None:
        def progress(percent: int) -> None:
            self.stderr.write(_("backup: %(percent)s %%") % {"percent": percent}, style_func=str)

        try:
            info = make_backup(path, progress=progress if options["verbosity"] >= 1 else None)
        except BackupError as e:
            raise CommandError(str(e)) from e
        values = {
            "path": info.path,
            "size": human_size(info.size),
            "vendor": info.vendor,
            "when": timezone.localtime(info.created_at).strftime("%d.%m.%Y %H.%M.%S"),
            "checksum": f"{info.path.name}.json",
        }
        if info.encrypted:
            written = _(
                "Backup written: %(path)s (%(size)s, %(vendor)s, encrypted (age), as of "
                "%(when)s; checksum in %(checksum)s)."
            )
        else:
            written = _(
                "Backup written: %(path)s (%(size)s, %(vendor)s, as of %(when)s; checksum in "
                "%(checksum)s)."
            )
        self.stdout.write(written % values)
        if not info.encrypted:
            self.stderr.write(
                _(
                    "Warning: this backup is not encrypted (BACKUP_RECIPIENTS is empty): it "
                    "holds personal data in the clear. Set BACKUP_RECIPIENTS to an age public "
                    "key, or encrypt the file before it leaves the machine (README.md, Backups)."
                )
            )
