"""Backups and restores (R25): consistent copies, faithful restores, no erased person back."""

import io
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from consent.acts import restore as what_outlives
from consent.acts.erasure import erase_customer
from consent.acts.objection import has_objected, record_objection
from consent.mail.suppression import is_suppressed
from consent.models import AuditEntry, ConsentEvent, RateLimitHit, Suppression
from customers.models import Customer, Purchase
from rekisteri import backup as backup_module
from rekisteri.backup import BackupError, inspect_backup, make_backup, restore_backup

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The messages are read in English here; the studio's default language, Finnish, is
    checked in test_command_language.py."""
    with translation.override("en"):
        yield


@pytest.fixture
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    # Unencrypted backups here, whatever the environment says (test_backup_encrypted.py).
    settings.BACKUP_RECIPIENTS = []
    settings.BACKUP_IDENTITY_FILE = ""
    return tmp_path


def _counts() -> dict[str, int]:
    """Rows in the table of every model, counted here independently of the service."""
    tables = sorted(
        {
            m._meta.db_table
            for m in apps.get_models(include_auto_created=True)
            if m._meta.managed and not m._meta.proxy
        }
    )
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def _with_restore_entry(counts: dict[str, int]) -> dict[str, int]:
    return {**counts, "consent_auditentry": counts["consent_auditentry"] + 1}


def _relative(phone_of: Customer) -> Customer:
    """A family member who shares the customer's phone number."""
    return Customer.objects.create(
        first_name="Eino",
        last_name="Esimerkki",
        email="eino.esimerkki@example.fi",
        phone=phone_of.phone,
        origin=Customer.Origin.STAFF,
    )


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_backup_then_restore_gives_identical_row_counts(customer_everywhere, owner, data_dir):
    before = _counts()
    assert before["customers_customer"] == 1 and before["consent_consentevent"] > 0

    info = make_backup()

    assert info.path.parent == data_dir / "backups"
    assert info.path.name.startswith("rekisteri-")
    assert info.path.suffix == (".sqlite3" if connection.vendor == "sqlite" else ".pgdump")
    sidecar = json.loads(Path(f"{info.path}.json").read_text())
    assert sidecar["app"] == "rekisteri" and sidecar["sha256"] == info.sha256
    assert sidecar["vendor"] == connection.vendor
    assert info.path.stat().st_mode & 0o077 == 0  # personal data: owner only

    # The database changes after the backup: a new customer, a new table.
    Customer.objects.create(first_name="Uusi", last_name="Asiakas", email="uusi@example.fi")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE later_migration (id integer PRIMARY KEY)")
    assert _counts() != before

    report = restore_backup(info.path)

    # Identical, but for the audit trail's record of the restore itself.
    assert _counts() == _with_restore_entry(before)
    assert report.row_counts == _with_restore_entry(before)
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == AuditEntry.Action.RESTORE and entry.detail_key == "restore"
    assert entry.detail_params == {
        "backup": info.path.name,
        "erased": 0,
        "suppressions": 0,
        "objections": 0,
        "consents": 0,
        "restrictions": 0,
    }
    assert not Customer.objects.filter(email="uusi@example.fi").exists()
    tables = connection.introspection.table_names()
    assert "later_migration" not in tables and "rekisteri_backup" not in tables
    assert report.customers_erased == report.suppressions_added == 0
    assert report.saved_before is not None and report.saved_before.is_file()
    # The app works on the restored database: ids continue after the restored rows.
    again = Customer.objects.create(first_name="Toinen", last_name="Asiakas")
    assert again.pk > customer_everywhere.pk
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA integrity_check")
            assert cursor.fetchall() == [("ok",)]


def test_the_backup_copy_is_a_consistent_checked_file(customer, data_dir):
    info = make_backup(data_dir / "backups" / "copy")  # the usual folder is made if need be
    checked = inspect_backup(info.path)
    assert checked.sha256 == info.sha256 and checked.vendor == connection.vendor
    assert abs((checked.created_at - info.created_at).total_seconds()) < 1
    assert "customers_customer" in checked.tables
    if connection.vendor == "sqlite":
        # The marker is in the copy only, never in the live database.
        with sqlite3.connect(info.path) as copy:
            assert copy.execute("SELECT app, vendor FROM rekisteri_backup").fetchall() == [
                ("rekisteri", "sqlite")
            ]
        assert "rekisteri_backup" not in connection.introspection.table_names()


def test_a_customer_erased_after_the_backup_stays_erased(customer_everywhere, data_dir):
    # This customer objected before the backup, so the suppression entries exist already
    # with the reason "objection": the erasure leaves them as they are.
    customer = customer_everywhere
    relative = _relative(customer)
    info = make_backup()
    erase_customer(customer=customer, actor=None)
    assert Suppression.objects.filter(reason="objection").count() == 2

    report = restore_backup(info.path)

    assert report.customers_erased == 1
    assert not Customer.objects.filter(email="aino.esimerkki@example.fi").exists()
    assert not Customer.objects.filter(first_name="Aino").exists()
    assert Purchase.objects.get().customer is None  # kept for bookkeeping, without the person
    assert is_suppressed(email="aino.esimerkki@example.fi")
    assert is_suppressed(phone="+358401234567")
    # The relative who shares the phone number is not erased with her.
    assert Customer.objects.filter(pk=relative.pk, email="eino.esimerkki@example.fi").exists()


def test_an_erasure_after_the_backup_brings_its_suppression_entry_back(customer, data_dir):
    info = make_backup()
    erase_customer(customer=customer, actor=None)
    entries = set(Suppression.objects.values_list("value_hash", "reason", "created_at"))
    assert len(entries) == 2

    report = restore_backup(info.path)

    assert report.suppressions_added == 2 and report.customers_erased == 1
    assert set(Suppression.objects.values_list("value_hash", "reason", "created_at")) == entries
    assert not Customer.objects.exists()


def test_a_customer_who_objected_after_the_backup_has_the_objection_again(customer, data_dir):
    info = make_backup()
    record_objection(customer=customer, source=ConsentEvent.Source.OWN_PAGE, actor=None)
    events = set(
        ConsentEvent.objects.values_list("customer_id", "purpose", "channel", "action", "at")
    )

    report = restore_backup(info.path)

    customer.refresh_from_db()
    assert has_objected(customer)
    assert is_suppressed(email=customer.email) and is_suppressed(phone=customer.phone)
    assert (
        set(ConsentEvent.objects.values_list("customer_id", "purpose", "channel", "action", "at"))
        == events
    )
    assert report.objections_restored == 1 and report.customers_erased == 0
    assert set(ConsentEvent.objects.values_list("source", flat=True)) == {"own_page"}


def _untouched(before: dict[str, int], customer: Customer) -> None:
    assert _counts() == before
    assert Customer.objects.filter(pk=customer.pk, email=customer.email).exists()


def _foreign_sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        db.execute("INSERT INTO notes (text) VALUES ('another app')")
    return path


def _other_vendor_backup(path: Path) -> Path:
    if connection.vendor == "sqlite":
        path.write_bytes(b"PGDMP" + bytes(200))
    else:
        # A SQLite backup of this app, as another installation would make it.
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE rekisteri_backup (app, format, vendor, created_at)")
            db.execute("INSERT INTO rekisteri_backup VALUES ('rekisteri', 1, 'sqlite', '')")
            db.execute("CREATE TABLE django_migrations (id, app, name, applied)")
            db.execute("CREATE TABLE customers_customer (id)")
            db.execute("CREATE TABLE consent_suppression (id)")
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(bytes(range(256)) * 40) and p, "is not a backup of rekisteri"),
        (lambda p: p.write_text("Tämä on tekstiä.\n") and p, "is not a backup of rekisteri"),
        (_foreign_sqlite, "without a rekisteri_backup table"),
        (_other_vendor_backup, "it cannot be restored here"),
        (lambda p: p, "There is no backup file"),
    ],
    ids=["random-bytes", "text", "sqlite-of-another-app", "other-vendor", "missing"],
)
def test_a_file_that_is_not_a_backup_of_this_app_is_refused(make, message, customer, data_dir):
    before = _counts()
    make(data_dir / "candidate")

    with pytest.raises(BackupError, match=message) as refused:
        restore_backup(data_dir / "candidate")
    assert "not touched" in str(refused.value) or "no backup file" in str(refused.value)
    _untouched(before, customer)

    with pytest.raises(CommandError, match=message):
        call_command("restore", str(data_dir / "candidate"), "--yes")
    _untouched(before, customer)
    assert not (data_dir / "backups").exists()  # refused before anything was done


def test_a_changed_backup_is_refused(customer, data_dir):
    info = make_backup()
    before = _counts()
    with info.path.open("r+b") as f:
        f.seek(info.size // 2)
        f.write(b"\x00changed\x00")
    with pytest.raises(BackupError, match="has changed since it was made"):
        restore_backup(info.path)
    _untouched(before, customer)


def test_a_backup_without_its_checksum_file_is_refused(customer, data_dir):
    info = make_backup()
    Path(f"{info.path}.json").unlink()
    before = _counts()
    with pytest.raises(BackupError, match="has no checksum file beside it"):
        restore_backup(info.path)
    _untouched(before, customer)
    out = io.StringIO()
    with pytest.raises(CommandError, match="no checksum file"):
        call_command("restore", str(info.path), "--yes", stdout=out)
    _untouched(before, customer)


def test_a_backup_of_a_newer_version_is_refused(customer, data_dir, monkeypatch):
    info = make_backup()
    known = backup_module._known_migrations()
    monkeypatch.setattr(
        backup_module, "_known_migrations", lambda: known - {("consent", "0001_initial")}
    )
    before = _counts()
    with pytest.raises(BackupError, match="newer version"):
        restore_backup(info.path)
    _untouched(before, customer)


def test_a_backup_that_fails_midway_leaves_no_file(customer, data_dir):
    folder = data_dir / "backups"
    folder.mkdir()
    target = folder / "nightly"
    calls = []

    def disk_full(percent: int) -> None:
        calls.append(percent)
        raise OSError(28, "No space left on device")

    with pytest.raises(BackupError, match="nothing was written to .*nightly"):
        make_backup(target, progress=disk_full)
    assert calls  # it failed while copying
    assert _files(folder) == []

    # Over an existing backup, the old file stays as it was.
    target.write_bytes(b"yesterday")
    with pytest.raises(BackupError, match="No space left"):
        make_backup(target, progress=disk_full)
    assert _files(folder) == ["nightly"] and target.read_bytes() == b"yesterday"


def test_a_failing_copy_step_leaves_no_file_and_the_old_backup_intact(
    customer, data_dir, monkeypatch
):
    folder = data_dir / "backups"
    folder.mkdir()
    target = folder / "nightly"
    target.write_bytes(b"yesterday")
    name = "_backup_sqlite" if connection.vendor == "sqlite" else "_backup_postgresql"
    real = getattr(backup_module, name)

    def half_then_fail(temp: Path, **kwargs) -> None:
        real(temp, **kwargs)
        with temp.open("r+b") as f:
            f.truncate(temp.stat().st_size // 2)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(backup_module, name, half_then_fail)
    with pytest.raises(CommandError, match="Input/output error"):
        call_command("backup", str(target), stderr=io.StringIO())
    assert _files(folder) == ["nightly"]
    assert target.read_bytes() == b"yesterday"


def test_a_restore_that_fails_after_replacing_puts_the_database_back(
    customer, data_dir, monkeypatch
):
    info = make_backup()
    erase_customer(customer=customer, actor=None)
    Customer.objects.create(first_name="Uusi", last_name="Asiakas", email="uusi@example.fi")
    before = _counts()

    def broken(*args, **kwargs):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(what_outlives, "erase_customer", broken)
    with pytest.raises(BackupError, match="put back as it was"):
        restore_backup(info.path)
    assert _counts() == before
    assert Customer.objects.filter(email="uusi@example.fi").exists()
    assert not Customer.objects.filter(email="aino.esimerkki@example.fi").exists()


def test_the_restore_command_without_yes_and_without_input_refuses(customer, data_dir, monkeypatch):
    info = make_backup()
    Customer.objects.create(first_name="Uusi", last_name="Asiakas", email="uusi@example.fi")
    before = _counts()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    out = io.StringIO()
    with pytest.raises(CommandError, match="nothing was restored: run with --yes"):
        call_command("restore", str(info.path), stdout=out)
    assert "Type 'yes' to replace the database" in out.getvalue()
    _untouched(before, customer)

    monkeypatch.setattr("sys.stdin", io.StringIO("no\n"))
    with pytest.raises(CommandError, match="Not confirmed"):
        call_command("restore", str(info.path), stdout=io.StringIO())
    _untouched(before, customer)


def test_the_commands_back_up_and_restore_with_progress_and_a_summary(
    customer, data_dir, monkeypatch
):
    out, err = io.StringIO(), io.StringIO()
    call_command("backup", str(data_dir), stdout=out, stderr=err)
    extension = "sqlite3" if connection.vendor == "sqlite" else "pgdump"
    (written,) = data_dir.glob(f"rekisteri-*.{extension}")
    assert f"Backup written: {written}" in out.getvalue()
    assert "Warning: this backup is not encrypted (BACKUP_RECIPIENTS is empty)" in err.getvalue()
    progress = [line for line in err.getvalue().splitlines() if line.startswith("backup: ")]
    assert progress and progress[-1] == "backup: 100 %"
    assert all(line.endswith(" %") for line in progress)

    erase_customer(customer=customer, actor=None)
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    out, err = io.StringIO(), io.StringIO()
    call_command("restore", str(written), stdout=out, stderr=err)
    assert "Applied again: 1 customer erased, 2 suppression-list entries" in out.getvalue()
    assert "restore: 100 %" in err.getvalue()
    assert not Customer.objects.exists()

    out = io.StringIO()
    call_command("backup", str(data_dir / "quiet"), verbosity=0, stdout=out, stderr=err)
    assert (data_dir / "quiet").is_file() and "Backup written" in out.getvalue()


def test_a_backup_finishes_and_is_consistent_while_the_app_writes(customer, data_dir, monkeypatch):
    RateLimitHit.objects.bulk_create([RateLimitHit(key=f"k{i:06d}") for i in range(20000)])
    start = RateLimitHit.objects.count()
    stop = threading.Event()
    errors = []

    def app_writing() -> None:
        try:
            while not stop.is_set():
                RateLimitHit.objects.create(key="busy")
                time.sleep(0.001)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            connection.close()

    # Small, slow steps, so that the app writes between every two of them.
    copied: list[int] = []

    class SlowSteps(backup_module._Percent):
        def __call__(self, done: int, total: int) -> None:
            copied.append(done)
            if len(copied) > 5000:
                raise OSError("the copy keeps starting over")
            time.sleep(0.002)
            super().__call__(done, total)

    monkeypatch.setattr(backup_module, "_Percent", SlowSteps)
    monkeypatch.setattr(backup_module, "_pages_per_step", lambda total: 4)
    writer = threading.Thread(target=app_writing)
    writer.start()
    try:
        time.sleep(0.05)
        info = make_backup()
    finally:
        stop.set()
        writer.join()
    assert errors == []
    assert copied == sorted(copied)  # one pass, never restarted
    end = RateLimitHit.objects.count()
    assert end > start

    restore_backup(info.path, save_current=False)

    assert start <= RateLimitHit.objects.count() <= end


class _AppHoldsALock:
    """Another connection in the middle of a transaction, as a busy app would be."""

    def __init__(self) -> None:
        self.other = None

    def acquire(self) -> None:
        db = connection.settings_dict
        if connection.vendor == "sqlite":
            self.other = sqlite3.connect(db["NAME"], isolation_level=None)
            self.other.execute("BEGIN IMMEDIATE")
        else:
            import psycopg

            self.other = psycopg.connect(
                host=db["HOST"] or None,
                port=db["PORT"] or None,
                user=db["USER"],
                password=db["PASSWORD"],
                dbname=db["NAME"],
            )
            self.other.execute("LOCK TABLE customers_customer IN ACCESS SHARE MODE")

    def release(self) -> None:
        if self.other is not None:
            self.other.rollback()
            self.other.close()


def test_a_restore_that_cannot_get_the_database_changes_nothing(customer, data_dir, monkeypatch):
    info = make_backup()
    Customer.objects.create(first_name="Uusi", last_name="Asiakas", email="uusi@example.fi")
    before = _counts()
    monkeypatch.setattr(backup_module, "BUSY_LIMIT_SECONDS", 0.5)
    monkeypatch.setattr(backup_module, "_sqlite_timeout", lambda: 0.1)
    monkeypatch.setattr(backup_module, "PG_LOCK_TIMEOUT", "300ms")
    app = _AppHoldsALock()
    read_before = what_outlives.snapshot

    def read_then_the_app_locks():
        state = read_before()
        app.acquire()
        return state

    monkeypatch.setattr(what_outlives, "snapshot", read_then_the_app_locks)
    try:
        with pytest.raises(BackupError, match="the database was not changed: .*lock"):
            restore_backup(info.path, save_current=False)
    finally:
        app.release()
    _untouched(before, customer)
    assert Customer.objects.filter(email="uusi@example.fi").exists()


def test_a_backup_restores_into_an_empty_database_with_a_warning(customer_everywhere, data_dir):
    info = make_backup()
    before = _counts()
    call_command("flush", interactive=False, verbosity=0)
    assert not Customer.objects.exists()

    out, err = io.StringIO(), io.StringIO()
    call_command("restore", str(info.path), "--yes", stdout=out, stderr=err)

    assert _counts() == _with_restore_entry(before)
    assert "held no customers and no suppression list" in err.getvalue()
    assert Customer.objects.get().email == "aino.esimerkki@example.fi"
