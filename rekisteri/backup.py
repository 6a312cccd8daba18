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
(they hold people erased since).
"""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
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

from consent.acts import restore as what_outlives

APP = "rekisteri"
FORMAT = 1
MARKER_TABLE = "rekisteri_backup"
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
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
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    return vendor


def _sqlite_file() -> Path:
    name = str(_db()["NAME"])
    if not name or name.startswith(":memory:") or "mode=memory" in name:
        raise BackupError("The database is in memory: there is no file to back up or restore.")
    return Path(name).resolve()


def default_path(*, prefix: str = APP) -> Path:
    """`DATA_DIR/backups/<prefix>-YYYYmmdd-HHMMSS.<sqlite3|pgdump>`, never an existing name."""
    folder = Path(settings.DATA_DIR) / "backups"
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    extension = EXTENSIONS[_vendor()]
    path, n = folder / f"{prefix}-{stamp}.{extension}", 2
    while path.exists() or _sidecar(path).exists():
        path, n = folder / f"{prefix}-{stamp}-{n}.{extension}", n + 1
    return path


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _target(path: str | Path | None) -> Path:
    folder = default_path().parent
    target = default_path() if path is None else Path(path).expanduser()
    if target.parent.resolve() == folder.resolve() or target.resolve() == folder.resolve():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if target.is_dir():
        target = target / default_path().name
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist: create it first.")
    if _vendor() == "sqlite":
        live = _sqlite_file()
        if target.resolve() in (live, Path(f"{live}-wal"), Path(f"{live}-shm")):
            raise BackupError(f"{target} is the live database itself: choose another path.")
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
        raise BackupError(f"{sidecar} cannot be read ({e}): nothing was restored.") from e
    if not isinstance(data, dict) or data.get("app") != APP:
        raise BackupError(f"{sidecar} does not describe a backup of {APP}: nothing was restored.")
    return data


def _parse_time(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if timezone.is_aware(parsed) else None


# --- PostgreSQL tools --------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools of the server's "
            "version (Debian: apt-get install postgresql-client-15)."
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
    the app runs. Nothing is left under the target name if it fails."""
    vendor = _vendor()
    target = _target(path)
    # Taken before the copy starts: the copy holds everything committed before this time.
    created_at = timezone.now()
    try:
        with _temp_beside(target) as temp, _temp_beside(_sidecar(target)) as temp_sidecar:
            if vendor == "sqlite":
                _backup_sqlite(temp, created_at=created_at, progress=progress)
            else:
                _backup_postgresql(temp, progress=progress)
            _fsync(temp)
            size, sha256 = temp.stat().st_size, _sha256(temp)
            description = {
                "app": APP,
                "format": FORMAT,
                "vendor": vendor,
                "created_at": created_at.isoformat(),
                "file": target.name,
                "size": size,
                "sha256": sha256,
            }
            temp_sidecar.write_text(json.dumps(description, indent=2) + "\n", encoding="utf-8")
            _fsync(temp_sidecar)
            os.replace(temp, target)
            os.replace(temp_sidecar, _sidecar(target))
            _fsync(target.parent)
    except (OSError, sqlite3.Error, DatabaseError) as e:
        raise BackupError(f"The backup failed and nothing was written to {target}: {e}") from e
    except BackupError as e:
        raise BackupError(f"{e} Nothing was written to {target}.") from e
    return BackupInfo(path=target, vendor=vendor, created_at=created_at, size=size, sha256=sha256)


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
                    f"The database stayed locked by another connection for over "
                    f"{BUSY_LIMIT_SECONDS:.0f} s; try again when the app is less busy."
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
        raise BackupError(f"The database file {source_file} does not exist.")
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
                raise BackupError(f"The copy failed its integrity check: {check[:3]}.")
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
        detail = " ".join(errors[-3:]) or f"exit code {process.returncode}"
        raise BackupError(f"pg_dump failed: {detail}.")
    report(total, total)


# --- Recognising a backup ----------------------------------------------------------------


def inspect_backup(path: str | Path) -> BackupInfo:
    """What `path` is, or BackupError saying why it cannot be restored here."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    with path.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        vendor = "sqlite"
    elif head.startswith(PGDUMP_MAGIC):
        vendor = "postgresql"
    else:
        raise BackupError(
            f"{path} is not a backup of {APP}: it is neither a SQLite database nor a "
            "PostgreSQL dump made by `manage.py backup`. The database was not touched."
        )
    sidecar = _read_sidecar(path)
    sha256 = _sha256(path)
    if sidecar is not None:
        if sidecar.get("vendor") != vendor:
            raise BackupError(f"{_sidecar(path)} describes another file: nothing was restored.")
        if sidecar.get("sha256") != sha256:
            raise BackupError(
                f"{path} has changed since it was made (its checksum differs from the one "
                f"in {_sidecar(path).name}): it may be damaged or incomplete. The database "
                "was not touched."
            )
    # A SQLite file can be checked anywhere; a dump needs the PostgreSQL tools.
    info = _inspect_sqlite(path) if vendor == "sqlite" else None
    current = _vendor()
    if vendor != current:
        kind = "backup" if vendor == "sqlite" else "dump"
        raise BackupError(
            f"{path} is a {VENDOR_NAMES[vendor]} {kind}, but this installation's database is "
            f"{VENDOR_NAMES[current]}: it cannot be restored here. The database was not touched."
        )
    if info is None:
        info = _inspect_postgresql(path)
    if sidecar is None:
        # Without its checksum a file cannot be told from a changed one: refused like a
        # tampered file, since a wrong restore could bring back people erased since.
        raise BackupError(
            f"{path} has no checksum file beside it ({_sidecar(path).name}), so it cannot be "
            "checked to be the backup that was made: it may be damaged or changed. Copy the "
            "backup together with its .json file. The database was not touched."
        )
    created_at = info["created_at"] or (sidecar and _parse_time(sidecar.get("created_at")))
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


def _not_ours(path: Path, why: str) -> BackupError:
    return BackupError(
        f"{path} is not a backup of {APP} made by `manage.py backup` ({why}). "
        "The database was not touched."
    )


def _inspect_sqlite(path: Path) -> dict[str, Any]:
    try:
        # Read-only and by URI, so that nothing is created or changed beside the file.
        db = _sqlite_connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            tables = {
                row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if MARKER_TABLE not in tables:
                raise _not_ours(path, f"it is a SQLite database without a {MARKER_TABLE} table")
            marker = db.execute(
                f"SELECT app, vendor, created_at FROM {MARKER_TABLE}"  # noqa: S608 - a constant
            ).fetchone()
            if marker is None or marker[0] != APP or marker[1] != "sqlite":
                raise _not_ours(path, f"its {MARKER_TABLE} table names another app")
            missing = [t for t in REQUIRED_TABLES if t not in tables]
            if missing:
                raise _not_ours(path, f"it lacks the tables {', '.join(missing)}")
            check = db.execute("PRAGMA integrity_check").fetchall()
            if check != [("ok",)]:
                raise BackupError(
                    f"{path} is damaged (integrity check: {check[:3]}). The database was "
                    "not touched."
                )
            migrations = set(db.execute("SELECT app, name FROM django_migrations"))
        finally:
            db.close()
    except sqlite3.DatabaseError as e:
        raise _not_ours(path, f"it cannot be read as a SQLite database: {e}") from e
    return {
        "created_at": _parse_time(marker[2]),
        "tables": tables - {MARKER_TABLE},
        "migrations": migrations,
    }


_TOC_LINE = re.compile(r"^\d+; \d+ \d+ (TABLE DATA|TABLE) (\S+) (\S+)")


def _inspect_postgresql(path: Path) -> dict[str, Any]:
    listing = _run([_tool("pg_restore"), "--list", str(path)])
    if listing.returncode != 0:
        raise _not_ours(
            path, f"pg_restore cannot read it: {_last_lines(listing.stderr) or 'no reason'}"
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
        raise _not_ours(path, f"it is a PostgreSQL dump without the tables {', '.join(missing)}")
    data = _run(
        [_tool("pg_restore"), "--data-only", "--table=django_migrations", "--file=-", str(path)]
    )
    if data.returncode != 0:
        raise _not_ours(path, f"its migrations cannot be read: {_last_lines(data.stderr)}")
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
            f"{info.path} was made by a newer version of {APP} (this version does not know "
            f"the migrations {names}): update the app first, then restore. The database "
            "was not touched."
        )


# --- Restoring ---------------------------------------------------------------------------


def restore_backup(
    path: str | Path, *, progress: Progress | None = None, save_current: bool = True
) -> RestoreReport:
    """Replace the whole database with the backup at `path`, then apply again the
    erasures, suppressions, consents and restrictions recorded since (see the module)."""
    if connections["default"].in_atomic_block:
        raise BackupError("A restore cannot run inside a transaction.")
    info = inspect_backup(path)
    _check_migrations(info)
    before = what_outlives.snapshot()
    report = RestoreReport(backup=info, row_counts={})
    if before.warning:
        report.warnings.append(before.warning)
    elif not before.customers and not before.suppressions:
        report.warnings.append(
            "The database being replaced held no customers and no suppression list, so "
            "there was nothing to apply again. If the register's latest state was lost, "
            "erasures and objections made after the backup must be applied again by hand."
        )
    if save_current and before.readable:
        try:
            saved = make_backup(default_path(prefix=f"{APP}-before-restore"))
            report.saved_before = saved.path
        except BackupError as e:
            raise BackupError(
                f"The current database could not be saved before the restore, so nothing "
                f"was restored: {e}"
            ) from e
    _replace_database(info, progress=progress)
    try:
        report.migrated = _migrate_if_needed()
        what_outlives.reapply(before, report)
    except Exception as e:
        if report.saved_before is None:
            raise BackupError(
                f"The backup was restored, but applying again what was recorded after it "
                f"failed ({e}): erasures, objections and suppressions made since the "
                "backup may be missing; check them by hand."
            ) from e
        try:
            _replace_database(inspect_backup(report.saved_before), progress=None)
        except Exception as again:
            raise BackupError(
                f"Applying again what was recorded after the backup failed ({e}), and "
                f"putting the database back failed too ({again}): restore "
                f"{report.saved_before} with --no-save."
            ) from again
        raise BackupError(
            f"Applying again what was recorded after the backup failed ({e}): the database "
            f"was put back as it was, from {report.saved_before}. Nothing was restored."
        ) from e
    report.row_counts = row_counts()
    return report


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
            backup = sqlite3.connect(info.path.resolve().as_uri() + "?mode=ro", uri=True)
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
        raise BackupError(f"The restore failed; the database was not changed: {e}") from e


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
        str(info.path),
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
                for _ in range(200):
                    line = restore.stdout.readline()
                    psql.stdin.write(replacements.pop(line, line))
                    if not line or b"SET lock_timeout = 0;\n" not in replacements:
                        break
                if b"BEGIN;\n" in replacements:
                    raise BackupError(
                        "pg_restore did not write the restore as one transaction; nothing was run."
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
                f"The restore failed and was rolled back; the database was not changed: "
                f"{reason or 'no reason given'}."
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
