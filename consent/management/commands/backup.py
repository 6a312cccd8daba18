"""Make a consistent backup of the whole database while the app runs (R25)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from rekisteri.backup import BackupError, make_backup


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # not reached


class Command(BaseCommand):
    help = (
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
        parser.add_argument("path", nargs="?", help="File or folder to write the backup to.")

    def handle(self, *args: Any, path: str | None = None, **options: Any) -> None:
        def progress(percent: int) -> None:
            self.stderr.write(f"backup: {percent} %", style_func=str)

        try:
            info = make_backup(path, progress=progress if options["verbosity"] >= 1 else None)
        except BackupError as e:
            raise CommandError(str(e)) from e
        when = timezone.localtime(info.created_at).strftime("%d.%m.%Y %H.%M.%S")
        encrypted = ", encrypted (age)" if info.encrypted else ""
        self.stdout.write(
            f"Backup written: {info.path} ({human_size(info.size)}, {info.vendor}{encrypted}, "
            f"as of {when}; checksum in {info.path.name}.json)."
        )
        if not info.encrypted:
            self.stderr.write(
                "Warning: this backup is not encrypted (BACKUP_RECIPIENTS is empty): it holds "
                "personal data in the clear. Set BACKUP_RECIPIENTS to an age public key, or "
                "encrypt the file before it leaves the machine (README.md, Backups)."
            )
