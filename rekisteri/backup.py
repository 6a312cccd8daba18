"""Backups and restores of the whole database (R25, P11), made while the app runs.

Making a backup
- SQLite: the online backup API (`sqlite3.Connection.backup`) inside one read
  transaction, so that the steps copy one snapshot while the app goes on writing (WAL);
  without it every write restarts the copy and a busy app can keep it from finishing.
  Progress is reported between steps. A small table `rekisteri_backup` (app,
  format, vendor, time) is written into the COPY only, never into the live database: it is
  how a restore recognises a backup of this app and knows its time.
- PostgreSQL: `pg_dump -Fc --no-owner --no-privileges` (a consistent snapshot). A custom-
  format dump cannot carry an extra marker without writing one into the live database, so
  a restore recognises it by `pg_restore --list` holding the app's tables, and its time is
  kept in the sidecar below.
- Both: a sidecar `<file>.json` (app, vendor, time, size, sha256). A restore checks the
  file against it and refuses a changed or truncated file, and refuses a file without
  its sidecar the same way: a wrong restore could bring back people erased since.
- The copy is written to a temporary file in the target's directory, fsynced and renamed
  to the target only when complete; on any error the temporary file is removed, so a
  failed backup leaves nothing under the target name. Files are created mode 0600: they
  hold personal data.

Encryption
With age public keys in BACKUP_RECIPIENTS, a backup is encrypted in the age format
(age-encryption.org/v1, through pyrage, the Python binding of the Rust `rage`): the file is
`<name>.sqlite3.age` / `<name>.pgdump.age`, and opens with the private key, or with the
standard `age -d -i KEYFILE`. Public-key encryption, so that the server holds nothing that
opens its backups: a stolen server, volume or off-site copy exposes no one. The plain
copy exists only in a 0600 temporary file beside the target, removed once encrypted (and
on any error). The sidecar then describes the file as stored: its sha256 is that of the
encrypted file, checked before anything is decrypted; `encrypted`, `encryption: "age"`,
the recipients, and the size and sha256 of the content, checked after decrypting (pyrage
does not report an error on its last write). A restore decrypts with the private key given
then (`--identity FILE` or BACKUP_IDENTITY_FILE) into a 0600 temporary file in
DATA_DIR/backups, removed afterwards in every case; without a key, or with one that does
not open the backup, it refuses and the database is not touched. An age file encrypted
outside the app, beside the plain copy's sidecar (`<name>.sqlite3.age` with
`<name>.sqlite3.json`), is checked against that sidecar after decrypting.

Restoring
The backup file is checked first (it exists, is a backup of this app, of this database
vendor, unchanged, made by this version or an older one) and refused otherwise, with the
database untouched. Then what the current database holds about erasures, suppressions and
consents is read, the current database is saved (`rekisteri-before-restore-*`), and the
database replaced: SQLite through the backup API from a staged copy without the marker
into the live file (one write transaction, WAL respected); PostgreSQL by piping the
script of `pg_restore --single-transaction --clean --if-exists` (BEGIN … COMMIT) into
psql, so that an error, a lock not granted within a minute, or this process dying before
the COMMIT leaves the database as it was. A backup made before a migration is migrated.

Then, in one transaction, what must outlive any backup is applied again, through the acts
that made it (consent/acts/restore.py: erasures through `erase_customer`, objections and
consents into the ledger, restrictions). If any of this fails, the database is put back
from the saved copy and the restore fails. The saved copies are removed by retention
(they hold people erased since). With BACKUP_RECIPIENTS the saved copy is encrypted too,
so a restore that saves one needs a private key that opens it, checked before anything is
done: putting the database back needs it.
"""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DatabaseError, connection, connections
from django.db.backends.sqlite3._functions import register as register_sqlite_functions
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _
from pyrage import DecryptError, EncryptError, IdentityError, RecipientError, x25519
from pyrage import decrypt_file as age_decrypt_file
from pyrage import encrypt_file as age_encrypt_file

from consent.acts import restore as what_outlives

APP = "rekisteri"
FORMAT = 1
MARKER_TABLE = "rekisteri_backup"
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
AGE_MAGIC = b"age-encryption.org/v1\n"
AGE_ARMOR_MAGIC = b"-----BEGIN AGE ENCRYPTED FILE-----"  # `age --armor`, made outside the app
AGE_SUFFIX = ".age"
# age's payload: a 16-byte nonce, then chunks of 64 KiB, each with a 16-byte tag.
AGE_CHUNK, AGE_NONCE, AGE_TAG = 64 * 1024, 16, 16
# Without these a file is not a backup of this app, whatever else it holds.
REQUIRED_TABLES = ("django_migrations", "customers_customer", "consent_suppression")
EXTENSIONS = {"sqlite": "sqlite3", "postgresql": "pgdump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
PG_LOCK_TIMEOUT = "60s"
# SQLite: how long a copy step may keep finding the database locked before giving up.
BUSY_LIMIT_SECONDS = 60.0

Progress = Callable[[int], None]


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    vendor: str
    created_at: datetime | None
    size: int
    sha256: str
    tables: frozenset[str] = frozenset()
    migrations: frozenset[tuple[str, str]] = frozenset()
    # PostgreSQL: how many tables' data the dump holds (for the restore's progress).
    data_entries: int = 0
    # Encrypted with age; while a restore has it open, `plain` is its decrypted copy.
    encrypted: bool = False
    plain: Path | None = None

    @property
    def data_path(self) -> Path:
        """The file that holds the database itself: the decrypted copy, or the backup."""
        return self.plain or self.path


@dataclass
class RestoreReport:
    backup: BackupInfo
    row_counts: dict[str, int]
    suppressions_added: int = 0
    customers_erased: int = 0
    consent_events_added: int = 0
    objections_restored: int = 0
    restrictions_restored: int = 0
    migrated: bool = False
    saved_before: Path | None = None
    warnings: list[str] = field(default_factory=list)


class _Percent:
    """Calls `progress` with whole percentages, once per 5 % step crossed."""

    def __init__(self, progress: Progress | None, step: int = 5) -> None:
        self.progress, self.step, self.next = progress, step, step

    def __call__(self, done: int, total: int) -> None:
        if self.progress is None or total <= 0:
            return
        percent = min(100, done * 100 // total)
        if percent >= self.next:
            self.progress(percent - percent % self.step)
            self.next = percent - percent % self.step + self.step


# --- Where things are --------------------------------------------------------------------


def _db() -> dict[str, Any]:
    # The connection's settings: in tests they name the test database.
    return connections["default"].settings_dict


def _vendor() -> str:
    vendor = connection.vendor
    if vendor not in EXTENSIONS:
        raise BackupError(
            _("Backups support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": vendor}
        )
    return vendor


def _sqlite_file() -> Path:
    name = str(_db()["NAME"])
    if not name or name.startswith(":memory:") or "mode=memory" in name:
        raise BackupError(_("The database is in memory: there is no file to back up or restore."))
    return Path(name).resolve()


def _folder() -> Path:
    return Path(settings.DATA_DIR) / "backups"


def default_path(*, prefix: str = APP, encrypted: bool | None = None) -> Path:
    """`DATA_DIR/backups/<prefix>-YYYYmmdd-HHMMSS.<sqlite3|pgdump>[.age]`, never an existing
    name; `.age` when backups are encrypted (BACKUP_RECIPIENTS), unless `encrypted` says."""
    if encrypted is None:
        encrypted = bool(_recipient_values())
    folder = _folder()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    extension = EXTENSIONS[_vendor()] + (AGE_SUFFIX if encrypted else "")
    path, n = folder / f"{prefix}-{stamp}.{extension}", 2
    while path.exists() or _sidecar(path).exists():
        path, n = folder / f"{prefix}-{stamp}-{n}.{extension}", n + 1
    return path


def remove_old_backups(*, keep_days: int) -> int:
    """Delete the backups in DATA_DIR/backups older than `keep_days` (with their checksum
    files), encrypted (`.age`) or not; copies saved before a restore are retention's.
    Returns how many went. Temporary files a killed backup or restore left behind (which
    may hold a plain copy) go too once a day old."""
    folder = _folder()
    if not folder.is_dir():
        return 0
    now = time.time()
    for leftover in folder.glob(f".{APP}-*.partial*"):
        with suppress(FileNotFoundError):
            if leftover.is_file() and leftover.stat().st_mtime < now - 86400:
                leftover.unlink()
    limit = now - keep_days * 86400
    removed = 0
    for path in folder.glob(f"{APP}-2*"):
        if path.suffix == ".json" or not path.is_file() or path.stat().st_mtime >= limit:
            continue
        path.unlink(missing_ok=True)
        _sidecar(path).unlink(missing_ok=True)
        removed += 1
    return removed


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _target(path: str | Path | None, *, encrypted: bool) -> Path:
    folder = _folder()
    target = default_path(encrypted=encrypted) if path is None else Path(path).expanduser()
    if target.parent.resolve() == folder.resolve() or target.resolve() == folder.resolve():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if target.is_dir():
        target = target / default_path(encrypted=encrypted).name
    if encrypted and not target.name.endswith(AGE_SUFFIX):
        # The name says what the file is: `age -d` opens it, sqlite3 or pg_restore do not.
        target = target.with_name(target.name + AGE_SUFFIX)
    if not target.parent.is_dir():
        raise BackupError(
            _("The folder %(folder)s does not exist: create it first.") % {"folder": target.parent}
        )
    if _vendor() == "sqlite":
        live = _sqlite_file()
        if target.resolve() in (live, Path(f"{live}-wal"), Path(f"{live}-shm")):
            raise BackupError(
                _("%(path)s is the live database itself: choose another path.") % {"path": target}
            )
    return target


# --- Files -------------------------------------------------------------------------------


@contextmanager
def _temp_beside(target: Path) -> Iterator[Path]:
    """A temporary file in the target's folder (mode 0600), removed unless renamed."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
    finally:
        for leftover in (temp, *(Path(f"{temp}{s}") for s in ("-journal", "-wal", "-shm"))):
            with suppress(FileNotFoundError):
                leftover.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        if not path.is_dir():  # some file systems cannot fsync a folder; files must
            raise
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_sidecar(path: Path) -> dict[str, Any] | None:
    sidecar = _sidecar(path)
    if not sidecar.is_file():
        return None
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise BackupError(
            _("%(file)s cannot be read (%(error)s): nothing was restored.")
            % {"file": sidecar, "error": e}
        ) from e
    if not isinstance(data, dict) or data.get("app") != APP:
        raise BackupError(
            _("%(file)s does not describe a backup of %(app)s: nothing was restored.")
            % {"file": sidecar, "app": APP}
        )
    return data


def _parse_time(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if timezone.is_aware(parsed) else None


# --- Encryption (age) --------------------------------------------------------------------

# What `--identity` takes: one or more private key files; None means BACKUP_IDENTITY_FILE.
Identity = str | Path | Sequence[str | Path] | None


def _untouched(message: str) -> str:
    """`message`, then that the database was left as it was."""
    return message + " " + _("The database was not touched.")


def _recipient_values() -> list[str]:
    return [str(v).strip() for v in getattr(settings, "BACKUP_RECIPIENTS", None) or [] if v]


def _recipient_problem(value: str) -> str:
    """Why `value` is not an age public key, in words that never repeat a private key."""
    if value.upper().startswith("AGE-SECRET-KEY-"):
        return _(
            "BACKUP_RECIPIENTS holds a private key (AGE-SECRET-KEY-…): it takes only public "
            "keys (age1…). Take the private key off the server and keep it offline: it is "
            "needed only to restore."
        )
    return _(
        "BACKUP_RECIPIENTS: %(value)s is not an age public key (age1…, the 'Public key' "
        "that `age-keygen` prints); several keys are separated by commas."
    ) % {"value": repr(value)}


def recipients() -> list[Any]:
    """The age public keys backups are encrypted to (BACKUP_RECIPIENTS); none: backups are
    written unencrypted."""
    keys = []
    for value in _recipient_values():
        try:
            keys.append(x25519.Recipient.from_str(value))
        except RecipientError:
            raise BackupError(_recipient_problem(value)) from None
    return keys


class Keys:
    """The private keys given for a restore, read from their files only when first needed,
    and once (`-` is standard input: the key can come through a pipe, never on disk)."""

    def __init__(self, files: Identity) -> None:
        if files is None:
            files = getattr(settings, "BACKUP_IDENTITY_FILE", "") or ()
        if isinstance(files, str | Path):
            files = [files]
        self.files = [Path(f).expanduser() for f in files if str(f).strip()]
        self._identities: list[Any] | None = None

    @property
    def named(self) -> str:
        return ", ".join(_("standard input") if str(f) == "-" else str(f) for f in self.files)

    def identities(self) -> list[Any]:
        if self._identities is None:
            self._identities = [key for file in self.files for key in _read_identities(file)]
        return self._identities

    def publics(self) -> set[str]:
        return {str(identity.to_public()) for identity in self.identities()}


def _keys(identity: "Identity | Keys") -> Keys:
    return identity if isinstance(identity, Keys) else Keys(identity)


def _read_identities(file: Path) -> list[Any]:
    """The age private keys in a key file as `age-keygen -o` writes it."""
    stdin = str(file) == "-"
    name = (
        _("The key given on standard input")
        if stdin
        else _("The key file %(file)s") % {"file": file}
    )
    try:
        text = sys.stdin.read() if stdin else file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BackupError(
            _untouched(_("There is no key file at %(file)s.") % {"file": file})
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise BackupError(
            _untouched(_("%(name)s cannot be read (%(error)s).") % {"name": name, "error": e})
        ) from None
    if text.startswith(AGE_MAGIC.decode()):
        raise BackupError(
            _untouched(
                _(
                    "%(name)s is itself encrypted (a key protected by a passphrase): decrypt "
                    "it with `age -d` into a file only you can read, give that file, and "
                    "delete it after the restore."
                )
                % {"name": name}
            )
        )
    identities = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(x25519.Identity.from_str(line))
        except IdentityError:
            # The line itself is never repeated: it could be a mistyped private key.
            raise BackupError(
                _untouched(
                    _(
                        "%(name)s is not an age private key file: line %(line)s is not an "
                        "AGE-SECRET-KEY-1… key (give the file `age-keygen -o` wrote)."
                    )
                    % {"name": name, "line": number}
                )
            ) from None
    if not identities:
        raise BackupError(
            _untouched(_("%(name)s holds no age private key (AGE-SECRET-KEY-1…).") % {"name": name})
        )
    return identities


def _age_size(header_and_payload: Path, content_size: int) -> int | None:
    """The size an age file of `content_size` bytes must have, from its header's length."""
    with header_and_payload.open("rb") as f:
        head = f.read(1 << 20)
    mac = head.find(b"\n--- ")
    end = head.find(b"\n", mac + 1) if mac >= 0 else -1
    if end < 0:
        return None
    chunks = max(1, -(-content_size // AGE_CHUNK))
    return end + 1 + AGE_NONCE + content_size + AGE_TAG * chunks


def _encrypt(plain: Path, encrypted: Path, keys: list[Any]) -> None:
    try:
        age_encrypt_file(str(plain), str(encrypted), keys)
    except EncryptError as e:
        raise BackupError(_("Encrypting the backup failed: %(error)s.") % {"error": e}) from e
    # pyrage does not report an error of its last write (say, a full disk): the size of a
    # complete age file is known, so a short one is caught here.
    size = plain.stat().st_size
    if _age_size(encrypted, size) != encrypted.stat().st_size:
        raise BackupError(_("The encrypted backup came out incomplete (is the disk full?)."))


def _decrypt(source: Path, plain: Path, keys: Keys, *, sidecar: dict[str, Any]) -> None:
    if not keys.files:
        raise BackupError(
            _untouched(
                _(
                    "This backup is encrypted; give the private key with --identity FILE (or "
                    "set BACKUP_IDENTITY_FILE): %(path)s opens only with the age private key "
                    "of one of its recipients."
                )
                % {"path": source}
            )
        )
    identities = keys.identities()
    try:
        age_decrypt_file(str(source), str(plain), identities)
    except DecryptError as e:
        made_for = ", ".join(str(r) for r in sidecar.get("recipients") or [])
        values = {
            "path": source,
            "recipients": made_for,
            "named": keys.named,
            "publics": ", ".join(sorted(keys.publics())),
            "error": e,
        }
        message = (
            _(
                "The key does not open this backup: %(path)s was encrypted for "
                "%(recipients)s, and the key in %(named)s is %(publics)s (%(error)s). Give "
                "the private key of the backup's recipient with --identity FILE."
            )
            if made_for
            else _(
                "The key does not open this backup: %(path)s was encrypted for another key, "
                "and the key in %(named)s is %(publics)s (%(error)s). Give the private key "
                "of the backup's recipient with --identity FILE."
            )
        )
        raise BackupError(_untouched(message % values)) from e
    except OSError as e:
        raise BackupError(
            _untouched(
                _(
                    "%(path)s could not be decrypted: it is damaged or incomplete, or there "
                    "was no room to decrypt it in %(folder)s (%(error)s)."
                )
                % {"path": source, "folder": plain.parent, "error": e}
            )
        ) from e


# --- PostgreSQL tools --------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            _(
                "%(tool)s is not installed: install the PostgreSQL client tools of the "
                "server's version (Debian: apt-get install postgresql-client-15)."
            )
            % {"tool": name}
        )
    return found


def _pg_args() -> list[str]:
    """Host, port and user as arguments; the password never on a command line."""
    db = _db()
    args = ["--no-password"]
    if db.get("HOST"):
        args.append(f"--host={db['HOST']}")
    if db.get("PORT"):
        args.append(f"--port={db['PORT']}")
    if db.get("USER"):
        args.append(f"--username={db['USER']}")
    return args


def _pg_env() -> dict[str, str]:
    db = _db()
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    options = db.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    return env


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    # The commands are fixed tool paths and file names, without a shell.
    return subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, env=_pg_env(), check=False
    )


def _last_lines(text: str, count: int = 3) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines[-count:])


# --- Making a backup ---------------------------------------------------------------------


def make_backup(path: str | Path | None = None, *, progress: Progress | None = None) -> BackupInfo:
    """Copy the whole database to `path` (default: `default_path()`), consistently, while
    the app runs, encrypted with age when BACKUP_RECIPIENTS is set (the name then ends in
    `.age`). Nothing is left under the target name if it fails."""
    vendor = _vendor()
    keys = recipients()  # a wrong key stops the backup before anything is written
    target = _target(path, encrypted=bool(keys))
    # Taken before the copy starts: the copy holds everything committed before this time.
    created_at = timezone.now()

    def copy(into: Path) -> None:
        if vendor == "sqlite":
            _backup_sqlite(into, created_at=created_at, progress=progress)
        else:
            _backup_postgresql(into, progress=progress)

    try:
        with _temp_beside(target) as temp, _temp_beside(_sidecar(target)) as temp_sidecar:
            encryption: dict[str, Any] = {"encrypted": bool(keys)}
            if keys:
                # The plain copy only ever lies in a temporary file (0600) beside the
                # target, removed as soon as it is encrypted, or on any error.
                with _temp_beside(target) as plain:
                    copy(plain)
                    encryption.update(
                        encryption="age",
                        recipients=[str(key) for key in keys],
                        content_size=plain.stat().st_size,
                        content_sha256=_sha256(plain),
                    )
                    _encrypt(plain, temp, keys)
            else:
                copy(temp)
            _fsync(temp)
            size, sha256 = temp.stat().st_size, _sha256(temp)
            description = {
                "app": APP,
                "format": FORMAT,
                "vendor": vendor,
                "created_at": created_at.isoformat(),
                "file": target.name,
                # Of the file as stored (encrypted or not): checked before anything else.
                "size": size,
                "sha256": sha256,
                **encryption,
            }
            temp_sidecar.write_text(json.dumps(description, indent=2) + "\n", encoding="utf-8")
            _fsync(temp_sidecar)
            os.replace(temp, target)
            os.replace(temp_sidecar, _sidecar(target))
            _fsync(target.parent)
    except (OSError, sqlite3.Error, DatabaseError) as e:
        raise BackupError(
            _("The backup failed and nothing was written to %(path)s: %(error)s")
            % {"path": target, "error": e}
        ) from e
    except BackupError as e:
        raise BackupError(
            _("%(error)s Nothing was written to %(path)s.") % {"error": e, "path": target}
        ) from e
    return BackupInfo(
        path=target,
        vendor=vendor,
        created_at=created_at,
        size=size,
        sha256=sha256,
        encrypted=bool(keys),
    )


def _sqlite_connect(database: str | Path, **kwargs: Any) -> sqlite3.Connection:
    db = sqlite3.connect(database, **kwargs)
    # The functions Django's connections have: CHECK constraints use REGEXP, and
    # `PRAGMA integrity_check` evaluates them.
    register_sqlite_functions(db)
    return db


class _Steps:
    """The progress callback of `sqlite3.Connection.backup`: reports progress, and stops a
    copy that keeps finding the database locked (Python would retry it forever)."""

    BUSY = (getattr(sqlite3, "SQLITE_BUSY", 5), getattr(sqlite3, "SQLITE_LOCKED", 6))

    def __init__(self, progress: Progress | None) -> None:
        self.report = _Percent(progress)
        self.busy_since: float | None = None

    def __call__(self, status: int, remaining: int, total: int) -> None:
        if status in self.BUSY:
            now = time.monotonic()
            self.busy_since = self.busy_since or now
            if now - self.busy_since > BUSY_LIMIT_SECONDS:
                raise BackupError(
                    _(
                        "The database stayed locked by another connection for over "
                        "%(seconds)s s; try again when the app is less busy."
                    )
                    % {"seconds": f"{BUSY_LIMIT_SECONDS:.0f}"}
                )
            return
        self.busy_since = None
        self.report(total - remaining, total)


def _pages_per_step(total: int) -> int:
    return max(16, total // 100)


def _sqlite_timeout() -> float:
    return float((_db().get("OPTIONS") or {}).get("timeout", 20))


def _backup_sqlite(temp: Path, *, created_at: datetime, progress: Progress | None) -> None:
    source_file = _sqlite_file()
    if not source_file.is_file():
        raise BackupError(_("The database file %(path)s does not exist.") % {"path": source_file})
    source = _sqlite_connect(source_file, timeout=_sqlite_timeout(), isolation_level=None)
    try:
        copy = _sqlite_connect(temp)
        try:
            # One read transaction for the whole copy: the steps read one snapshot (WAL lets
            # the app write meanwhile). Without it every write by another connection
            # restarts the copy, and a busy app can keep it from ever finishing.
            source.execute("BEGIN")
            source.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # the snapshot
            total = source.execute("PRAGMA page_count").fetchone()[0]
            steps = _Steps(progress)
            source.backup(copy, pages=_pages_per_step(total), progress=steps)
            # One self-contained file, whatever the live database's journal mode.
            copy.execute("PRAGMA journal_mode=DELETE")
            copy.execute(
                f"CREATE TABLE {MARKER_TABLE} (app TEXT NOT NULL, format INTEGER NOT NULL, "
                "vendor TEXT NOT NULL, created_at TEXT NOT NULL)"
            )
            copy.execute(
                f"INSERT INTO {MARKER_TABLE} VALUES (?, ?, ?, ?)",  # noqa: S608 - a constant
                (APP, FORMAT, "sqlite", created_at.isoformat()),
            )
            copy.commit()
            check = copy.execute("PRAGMA integrity_check").fetchall()
            if check != [("ok",)]:
                raise BackupError(
                    _("The copy failed its integrity check: %(result)s.") % {"result": check[:3]}
                )
            steps.report(total, total)
        finally:
            copy.close()
    finally:
        source.close()


def _backup_postgresql(temp: Path, *, progress: Progress | None) -> None:
    total = len(connection.introspection.table_names())
    command = [
        _tool("pg_dump"),
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        "--verbose",
        f"--file={temp}",
        *_pg_args(),
        f"--dbname={_db()['NAME']}",
    ]
    report = _Percent(progress)
    errors: list[str] = []
    process = subprocess.Popen(  # noqa: S603 - a fixed tool path, no shell
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_pg_env(),
    )
    done = 0
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if "dumping contents of table" in line:
                done += 1
                report(done, total)
            elif "error" in line.lower() or not line.startswith("pg_dump: "):
                errors.append(line.strip())
    except BaseException:
        process.kill()
        raise
    finally:
        process.wait()
    if process.returncode != 0:
        detail = " ".join(errors[-3:]) or _("exit code %(code)s") % {"code": process.returncode}
        raise BackupError(_("pg_dump failed: %(detail)s.") % {"detail": detail})
    report(total, total)


# --- Recognising a backup ----------------------------------------------------------------


def inspect_backup(path: str | Path, *, identity: "Identity | Keys" = None) -> BackupInfo:
    """What `path` is, or BackupError saying why it cannot be restored here. An encrypted
    backup is decrypted to be checked (into a temporary file, removed again)."""
    with open_backup(path, identity=identity) as info:
        return replace(info, plain=None)


@contextmanager
def open_backup(path: str | Path, *, identity: "Identity | Keys" = None) -> Iterator[BackupInfo]:
    """The checked backup at `path`, readable at `info.data_path` while open: an encrypted
    backup's checksum is checked, then it is decrypted with `identity` (private key files;
    default BACKUP_IDENTITY_FILE) into a 0600 temporary file in DATA_DIR/backups, removed
    when this closes, whatever happens."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise BackupError(_("There is no backup file at %(path)s.") % {"path": path})
    if _head(path).startswith((AGE_MAGIC, AGE_ARMOR_MAGIC)):
        with _open_encrypted(path, _keys(identity)) as info:
            yield info
    else:
        yield _inspect_plain(path)


def _head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(max(len(SQLITE_MAGIC), len(AGE_MAGIC), len(AGE_ARMOR_MAGIC)))


def _vendor_of(path: Path, *, shown: Path) -> str:
    head = _head(path)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(
        _untouched(
            _(
                "%(path)s is not a backup of %(app)s: it is neither a SQLite database nor a "
                "PostgreSQL dump made by `manage.py backup`."
            )
            % {"path": shown, "app": APP}
        )
    )


def _other_vendor(path: Path, vendor: str) -> None:
    current = _vendor()
    if vendor != current:
        message = (
            _(
                "%(path)s is a SQLite backup, but this installation's database is "
                "%(current)s: it cannot be restored here."
            )
            if vendor == "sqlite"
            else _(
                "%(path)s is a PostgreSQL dump, but this installation's database is "
                "%(current)s: it cannot be restored here."
            )
        )
        raise BackupError(_untouched(message % {"path": path, "current": VENDOR_NAMES[current]}))


def _changed(path: Path, sidecar: Path) -> BackupError:
    return BackupError(
        _untouched(
            _(
                "%(path)s has changed since it was made (its checksum differs from the one "
                "in %(sidecar)s): it may be damaged or incomplete."
            )
            % {"path": path, "sidecar": sidecar.name}
        )
    )


def _no_sidecar(path: Path) -> BackupError:
    # Without its checksum a file cannot be told from a changed one: refused like a
    # tampered file, since a wrong restore could bring back people erased since.
    return BackupError(
        _untouched(
            _(
                "%(path)s has no checksum file beside it (%(sidecar)s), so it cannot be "
                "checked to be the backup that was made: it may be damaged or changed. Copy "
                "the backup together with its .json file."
            )
            % {"path": path, "sidecar": _sidecar(path).name}
        )
    )


def _inspect_plain(path: Path) -> BackupInfo:
    vendor = _vendor_of(path, shown=path)
    sidecar = _read_sidecar(path)
    sha256 = _sha256(path)
    if sidecar is not None:
        if sidecar.get("vendor") != vendor or sidecar.get("encrypted"):
            raise _another_file(_sidecar(path))
        if sidecar.get("sha256") != sha256:
            raise _changed(path, _sidecar(path))
    # A SQLite file can be checked anywhere; a dump needs the PostgreSQL tools.
    info = _inspect_sqlite(path, shown=path) if vendor == "sqlite" else None
    _other_vendor(path, vendor)
    if info is None:
        info = _inspect_postgresql(path, shown=path)
    if sidecar is None:
        raise _no_sidecar(path)
    return _info(path, vendor, info, sidecar, sha256=sha256)


def _info(
    path: Path, vendor: str, info: dict[str, Any], sidecar: dict[str, Any], *, sha256: str
) -> BackupInfo:
    created_at = info["created_at"] or _parse_time(sidecar.get("created_at"))
    return BackupInfo(
        path=path,
        vendor=vendor,
        created_at=created_at or None,
        size=path.stat().st_size,
        sha256=sha256,
        tables=frozenset(info["tables"]),
        migrations=frozenset(info["migrations"]),
        data_entries=info.get("data_entries", 0),
    )


@contextmanager
def _open_encrypted(path: Path, keys: Keys) -> Iterator[BackupInfo]:
    # Its own sidecar (`<name>.age.json`, written by `manage.py backup`) describes the
    # encrypted file and is checked before decrypting. A file encrypted outside the app
    # with `age` has the plain copy's sidecar (`<name>.json`): checked after decrypting.
    plain_name = path.with_name(path.name.removesuffix(AGE_SUFFIX))
    sidecar, sidecar_path = _read_sidecar(path), _sidecar(path)
    if sidecar is None and plain_name != path:
        sidecar, sidecar_path = _read_sidecar(plain_name), _sidecar(plain_name)
    if sidecar is None:
        raise _no_sidecar(path)
    sha256 = _sha256(path)
    if sidecar.get("encrypted"):
        if sidecar.get("sha256") != sha256:
            raise _changed(path, sidecar_path)
        content_sha256 = sidecar.get("content_sha256")
    else:
        # The checksum of the plain copy, encrypted outside the app.
        content_sha256 = sidecar.get("sha256")
    vendor = str(sidecar.get("vendor"))
    if vendor not in EXTENSIONS:
        raise _another_file(sidecar_path)
    _other_vendor(path, vendor)
    folder = _folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _temp_beside(folder / plain_name.name) as plain:
        _decrypt(path, plain, keys, sidecar=sidecar)
        if content_sha256 != _sha256(plain):
            raise BackupError(
                _untouched(
                    _(
                        "%(path)s decrypted into something other than the backup that was "
                        "made (its checksum differs from the one in %(sidecar)s): it may be "
                        "damaged, or there was no room to decrypt it."
                    )
                    % {"path": path, "sidecar": sidecar_path.name}
                )
            )
        if _vendor_of(plain, shown=path) != vendor:
            raise _another_file(sidecar_path)
        info = (
            _inspect_sqlite(plain, shown=path)
            if vendor == "sqlite"
            else _inspect_postgresql(plain, shown=path)
        )
        yield replace(
            _info(path, vendor, info, sidecar, sha256=sha256), encrypted=True, plain=plain
        )


def _another_file(sidecar: Path) -> BackupError:
    return BackupError(
        _("%(file)s describes another file: nothing was restored.") % {"file": sidecar}
    )


def _not_ours(path: Path, why: str) -> BackupError:
    return BackupError(
        _untouched(
            _("%(path)s is not a backup of %(app)s made by `manage.py backup` (%(why)s).")
            % {"path": path, "app": APP, "why": why}
        )
    )


def _inspect_sqlite(path: Path, *, shown: Path) -> dict[str, Any]:
    """`path` is read; `shown` is the backup as the messages name it."""
    try:
        # Read-only and by URI, so that nothing is created or changed beside the file.
        db = _sqlite_connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            tables = {
                row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if MARKER_TABLE not in tables:
                raise _not_ours(
                    shown,
                    _("it is a SQLite database without a %(table)s table")
                    % {"table": MARKER_TABLE},
                )
            marker = db.execute(
                f"SELECT app, vendor, created_at FROM {MARKER_TABLE}"  # noqa: S608 - a constant
            ).fetchone()
            if marker is None or marker[0] != APP or marker[1] != "sqlite":
                raise _not_ours(
                    shown, _("its %(table)s table names another app") % {"table": MARKER_TABLE}
                )
            missing = [t for t in REQUIRED_TABLES if t not in tables]
            if missing:
                raise _not_ours(
                    shown, _("it lacks the tables %(tables)s") % {"tables": ", ".join(missing)}
                )
            check = db.execute("PRAGMA integrity_check").fetchall()
            if check != [("ok",)]:
                raise BackupError(
                    _untouched(
                        _("%(path)s is damaged (integrity check: %(result)s).")
                        % {"path": shown, "result": check[:3]}
                    )
                )
            migrations = set(db.execute("SELECT app, name FROM django_migrations"))
        finally:
            db.close()
    except sqlite3.DatabaseError as e:
        raise _not_ours(
            shown, _("it cannot be read as a SQLite database: %(error)s") % {"error": e}
        ) from e
    return {
        "created_at": _parse_time(marker[2]),
        "tables": tables - {MARKER_TABLE},
        "migrations": migrations,
    }


_TOC_LINE = re.compile(r"^\d+; \d+ \d+ (TABLE DATA|TABLE) (\S+) (\S+)")


def _inspect_postgresql(path: Path, *, shown: Path) -> dict[str, Any]:
    listing = _run([_tool("pg_restore"), "--list", str(path)])
    if listing.returncode != 0:
        raise _not_ours(
            shown,
            _("pg_restore cannot read it: %(reason)s")
            % {"reason": _last_lines(listing.stderr) or _("no reason given")},
        )
    tables, data_entries = set(), 0
    for line in listing.stdout.splitlines():
        match = _TOC_LINE.match(line)
        if match and match.group(2) == "public":
            if match.group(1) == "TABLE":
                tables.add(match.group(3))
            else:
                data_entries += 1
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise _not_ours(
            shown,
            _("it is a PostgreSQL dump without the tables %(tables)s")
            % {"tables": ", ".join(missing)},
        )
    data = _run(
        [_tool("pg_restore"), "--data-only", "--table=django_migrations", "--file=-", str(path)]
    )
    if data.returncode != 0:
        raise _not_ours(
            shown,
            _("its migrations cannot be read: %(reason)s")
            % {"reason": _last_lines(data.stderr) or _("no reason given")},
        )
    return {
        "created_at": None,
        "tables": tables,
        "migrations": _copy_rows(data.stdout, "django_migrations", ("app", "name")),
        "data_entries": data_entries,
    }


def _copy_rows(sql: str, table: str, columns: tuple[str, ...]) -> set[tuple[str, ...]]:
    """The given columns of a table's rows in a plain dump's `COPY … FROM stdin` block."""
    rows: set[tuple[str, ...]] = set()
    lines = iter(sql.splitlines())
    for line in lines:
        header = re.match(rf"^COPY (?:public\.)?{table} \((.*)\) FROM stdin;$", line)
        if header is None:
            continue
        names = [name.strip().strip('"') for name in header.group(1).split(",")]
        at = [names.index(column) for column in columns]
        for row in lines:
            if row == "\\.":
                break
            values = row.split("\t")
            rows.add(tuple(values[i] for i in at))
    return rows


def _known_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _check_migrations(info: BackupInfo) -> None:
    unknown = sorted(info.migrations - _known_migrations())
    if unknown:
        names = ", ".join(f"{app}.{name}" for app, name in unknown[:5])
        raise BackupError(
            _untouched(
                _(
                    "%(path)s was made by a newer version of %(app)s (this version does not "
                    "know the migrations %(names)s): update the app first, then restore."
                )
                % {"path": info.path, "app": APP, "names": names}
            )
        )


# --- Restoring ---------------------------------------------------------------------------


def restore_backup(
    path: str | Path,
    *,
    progress: Progress | None = None,
    save_current: bool = True,
    identity: "Identity | Keys" = None,
) -> RestoreReport:
    """Replace the whole database with the backup at `path`, then apply again the
    erasures, suppressions, consents and restrictions recorded since (see the module).
    `identity`: the private key file(s) of an encrypted backup (default
    BACKUP_IDENTITY_FILE), read only now."""
    if connections["default"].in_atomic_block:
        raise BackupError(_("A restore cannot run inside a transaction."))
    keys = _keys(identity)
    with open_backup(path, identity=keys) as info:
        _check_migrations(info)
        before = what_outlives.snapshot()
        report = RestoreReport(backup=replace(info, plain=None), row_counts={})
        if before.warning:
            report.warnings.append(before.warning)
        elif not before.customers and not before.suppressions:
            report.warnings.append(
                _(
                    "The database being replaced held no customers and no suppression list, "
                    "so there was nothing to apply again. If the register's latest state was "
                    "lost, erasures and objections made after the backup must be applied "
                    "again by hand."
                )
            )
        if save_current and before.readable:
            check_the_saved_copy_opens(keys)
            try:
                saved = make_backup(default_path(prefix=f"{APP}-before-restore"))
                report.saved_before = saved.path
            except BackupError as e:
                raise BackupError(
                    _(
                        "The current database could not be saved before the restore, so "
                        "nothing was restored: %(error)s"
                    )
                    % {"error": e}
                ) from e
        _replace_database(info, progress=progress)
    try:
        report.migrated = _migrate_if_needed()
        what_outlives.reapply(before, report)
    except Exception as e:
        if report.saved_before is None:
            raise BackupError(
                _(
                    "The backup was restored, but applying again what was recorded after it "
                    "failed (%(error)s): erasures, objections and suppressions made since "
                    "the backup may be missing; check them by hand."
                )
                % {"error": e}
            ) from e
        try:
            with open_backup(report.saved_before, identity=keys) as saved_info:
                _replace_database(saved_info, progress=None)
        except Exception as again:
            raise BackupError(
                _(
                    "Applying again what was recorded after the backup failed (%(error)s), "
                    "and putting the database back failed too (%(again)s): restore "
                    "%(saved)s with --no-save."
                )
                % {"error": e, "again": again, "saved": report.saved_before}
            ) from again
        raise BackupError(
            _(
                "Applying again what was recorded after the backup failed (%(error)s): the "
                "database was put back as it was, from %(saved)s. Nothing was restored."
            )
            % {"error": e, "saved": report.saved_before}
        ) from e
    report.row_counts = row_counts()
    return report


def check_the_saved_copy_opens(identity: "Identity | Keys") -> None:
    """With BACKUP_RECIPIENTS, the copy saved before a restore is encrypted: if the restore
    fails, putting the database back needs a key that opens it. Checked before anything
    is done, so that a restore never starts without its way back."""
    keys = _keys(identity)
    current = {str(key) for key in recipients()}
    if not current:
        return
    way_back = _untouched(
        _(
            "it is needed to put the database back if the restore fails. Give the private "
            "key of a BACKUP_RECIPIENTS key with --identity FILE (several may be given), or "
            "restore with --no-save. Nothing was restored."
        )
    )
    if not keys.files:
        raise BackupError(
            _(
                "The current database is saved before the restore, encrypted for "
                "BACKUP_RECIPIENTS, and no private key was given that opens the copy: "
                "%(way_back)s"
            )
            % {"way_back": way_back}
        )
    if not keys.publics() & current:
        raise BackupError(
            _(
                "The key in %(named)s does not open the copy of the current database saved "
                "before the restore (encrypted for %(recipients)s): %(way_back)s"
            )
            % {
                "named": keys.named,
                "recipients": ", ".join(sorted(current)),
                "way_back": way_back,
            }
        )


def _replace_database(info: BackupInfo, *, progress: Progress | None) -> None:
    if info.vendor == "sqlite":
        connections.close_all()
        _replace_sqlite(info, progress=progress)
    else:
        extra = sorted(set(connection.introspection.table_names()) - info.tables)
        connections.close_all()
        _replace_postgresql(info, extra_tables=extra, progress=progress)
    # Content type ids are cached per process; the restored table may differ.
    ContentType.objects.clear_cache()


def _replace_sqlite(info: BackupInfo, *, progress: Progress | None) -> None:
    live = _sqlite_file()
    try:
        with _temp_beside(live) as staged_file:
            backup = sqlite3.connect(info.data_path.resolve().as_uri() + "?mode=ro", uri=True)
            staged = sqlite3.connect(staged_file)
            try:
                backup.backup(staged)
                staged.execute(f"DROP TABLE {MARKER_TABLE}")
                staged.commit()
                total = staged.execute("PRAGMA page_count").fetchone()[0]
                steps = _Steps(progress)
                # The backup API writes the live file in one transaction, through its WAL:
                # open connections see either the old database or the restored one.
                target = sqlite3.connect(live, timeout=_sqlite_timeout())
                try:
                    staged.backup(target, pages=_pages_per_step(total), progress=steps)
                finally:
                    target.close()
                steps.report(total, total)
            finally:
                staged.close()
                backup.close()
    except (OSError, sqlite3.Error, BackupError) as e:
        raise BackupError(
            _("The restore failed; the database was not changed: %(error)s") % {"error": e}
        ) from e


def _replace_postgresql(
    info: BackupInfo, *, extra_tables: list[str], progress: Progress | None
) -> None:
    env = _pg_env()
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c client_min_messages=warning".strip()
    # pg_restore writes the whole restore as one script between BEGIN and COMMIT. psql runs
    # it without --single-transaction, which would commit at the end of its input: if this
    # process dies midway, psql sees the input end before the COMMIT and PostgreSQL rolls
    # the transaction back.
    restore_command = [
        _tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--verbose",
        "--file=-",
        str(info.data_path),
    ]
    psql_command = [
        _tool("psql"),
        "--no-psqlrc",
        "--quiet",
        "--set=ON_ERROR_STOP=1",
        *_pg_args(),
        f"--dbname={_db()['NAME']}",
        "--file=-",
    ]
    # Inside the transaction: wait at most PG_LOCK_TIMEOUT for the app's open transactions
    # (the dump itself says `lock_timeout = 0`, wait forever), and drop the tables the
    # backup does not know (made by a later migration), which would block the migration.
    quote = connection.ops.quote_name
    after_begin = f"SET lock_timeout = '{PG_LOCK_TIMEOUT}';\n" + "".join(
        f"DROP TABLE IF EXISTS {quote(table)} CASCADE;\n" for table in extra_tables
    )
    replacements = {
        b"BEGIN;\n": b"BEGIN;\n" + after_begin.encode(),
        b"SET lock_timeout = 0;\n": f"SET lock_timeout = '{PG_LOCK_TIMEOUT}';\n".encode(),
    }

    with tempfile.TemporaryFile() as psql_errors:
        restore = subprocess.Popen(  # noqa: S603 - a fixed tool path, no shell
            restore_command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        psql = subprocess.Popen(  # noqa: S603 - a fixed tool path, no shell
            psql_command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_errors,
            env=env,
        )
        restore_log: list[str] = []
        done = [0]

        def read_log() -> None:
            assert restore.stderr is not None
            for raw in restore.stderr:
                line = raw.decode(errors="replace")
                if "processing data for table" in line:
                    done[0] += 1
                restore_log.append(line.strip())

        reader = threading.Thread(target=read_log, daemon=True)
        reader.start()
        report = _Percent(progress)
        committed = psql_stopped = False
        try:
            assert restore.stdout is not None and psql.stdin is not None
            try:
                # The script's first lines, up to its SET lock_timeout, line by line.
                for _line in range(200):
                    line = restore.stdout.readline()
                    psql.stdin.write(replacements.pop(line, line))
                    if not line or b"SET lock_timeout = 0;\n" not in replacements:
                        break
                if b"BEGIN;\n" in replacements:
                    raise BackupError(
                        _(
                            "pg_restore did not write the restore as one transaction; nothing "
                            "was run."
                        )
                    )
                stdout = restore.stdout
                for chunk in iter(lambda: stdout.read(1 << 16), b""):
                    psql.stdin.write(chunk)
                    report(done[0], info.data_entries)
            except BrokenPipeError:
                # psql stopped at an error (reported below); pg_restore would wait forever
                # for its output to be read.
                psql_stopped = True
                restore.kill()
            restore.wait()
            reader.join()
            if restore.returncode == 0 and psql.poll() is None:
                # The whole script, COMMIT included, has been passed on.
                with suppress(BrokenPipeError):
                    psql.stdin.close()
                committed = psql.wait() == 0
        finally:
            if not committed:
                # Killing psql before it reaches the COMMIT drops the connection:
                # PostgreSQL rolls the transaction back and the database stays as it was.
                for process in (psql, restore):
                    if process.poll() is None:
                        process.kill()
                    process.wait()
        if not committed:
            psql_errors.seek(0)
            reason = _last_lines(psql_errors.read().decode(errors="replace"))
            if restore.returncode != 0 and not psql_stopped:
                reason = _last_lines("\n".join(restore_log)) or reason
            raise BackupError(
                _(
                    "The restore failed and was rolled back; the database was not changed: "
                    "%(reason)s."
                )
                % {"reason": reason or _("no reason given")}
            )
        report(info.data_entries, info.data_entries)


def _migrate_if_needed() -> bool:
    executor = MigrationExecutor(connection)
    if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return False
    call_command("migrate", interactive=False, verbosity=0)
    return True


def row_counts() -> dict[str, int]:
    """Rows per table of every model, for the restore's summary and its tests."""
    existing = set(connection.introspection.table_names())
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
        & existing
    )
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            # Table names come from the models, quoted.
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts
