"""Encrypted backups (issue 11, item 6): age for public keys in BACKUP_RECIPIENTS, a restore
only with the private key, a wrong or missing key refused with the database untouched."""

import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyrage
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation
from pyrage import x25519

from consent.acts import restore as what_outlives
from consent.acts.erasure import erase_customer
from customers.models import Customer
from rekisteri import backup as backup_module
from rekisteri import jobs
from rekisteri.backup import (
    AGE_MAGIC,
    BackupError,
    inspect_backup,
    make_backup,
    remove_old_backups,
    restore_backup,
)
from tests.consent.test_backup import _counts, _with_restore_entry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The messages are read in English here; the studio's default language, Finnish, is
    checked in test_command_language.py."""
    with translation.override("en"):
        yield


ROOT = Path(__file__).resolve().parent.parent.parent
EXTENSION = "sqlite3" if connection.vendor == "sqlite" else "pgdump"
# What must not be readable in an encrypted backup: the customer's name, email, phone.
PERSONAL = (b"Esimerkki", b"aino.esimerkki@example.fi", b"+358401234567", b"Esimerkkikatu")


@dataclass
class Key:
    public: str
    file: Path  # the private key, as `age-keygen -o` writes it


def _new_key(folder: Path, name: str = "key.txt") -> Key:
    identity = x25519.Identity.generate()
    public = str(identity.to_public())
    file = folder / name
    file.write_text(
        f"# created: 2026-01-01T02:30:00+02:00\n# public key: {public}\n{identity}\n",
        encoding="utf-8",
    )
    file.chmod(0o600)
    return Key(public=public, file=file)


@pytest.fixture
def offline(tmp_path_factory) -> Path:
    """Where the private keys are kept: never in DATA_DIR."""
    return tmp_path_factory.mktemp("offline")


@pytest.fixture
def key(offline: Path) -> Key:
    return _new_key(offline)


@pytest.fixture
def data_dir(settings, tmp_path: Path, key: Key) -> Path:
    settings.DATA_DIR = tmp_path
    settings.BACKUP_RECIPIENTS = [key.public]
    settings.BACKUP_IDENTITY_FILE = ""
    return tmp_path


def _folder(data_dir: Path) -> list[str]:
    folder = data_dir / "backups"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _untouched(before: dict[str, int], customer: Customer) -> None:
    assert _counts() == before
    assert Customer.objects.filter(pk=customer.pk, email=customer.email).exists()


def _backup_and_change(data_dir: Path) -> tuple:
    """A backup, then the database changes: a new customer."""
    info = make_backup()
    Customer.objects.create(first_name="Uusi", last_name="Asiakas", email="uusi@example.fi")
    return info, _counts()


def test_an_encrypted_backup_holds_nothing_readable_and_restores_with_its_key(
    customer_everywhere, data_dir, key, settings
):
    before = _counts()

    info = make_backup()

    assert info.encrypted and info.path.name.endswith(f".{EXTENSION}.age")
    data = info.path.read_bytes()
    assert data.startswith(AGE_MAGIC)  # the standard age format: `age -d` opens it
    for value in PERSONAL:
        assert value not in data
    assert info.path.stat().st_mode & 0o077 == 0
    sidecar = json.loads(Path(f"{info.path}.json").read_text())
    assert sidecar["encrypted"] is True and sidecar["encryption"] == "age"
    assert sidecar["recipients"] == [key.public]
    assert sidecar["sha256"] == info.sha256 == backup_module._sha256(info.path)
    assert sidecar["size"] == len(data) and sidecar["format"] == 1
    # No plain copy was left behind: the backup and its checksum, nothing else.
    assert _folder(data_dir) == [info.path.name, f"{info.path.name}.json"]
    if connection.vendor == "sqlite":
        # Unencrypted, the same backup would show the customer in the clear.
        settings.BACKUP_RECIPIENTS = []
        plain = make_backup(data_dir / "plain.sqlite3")
        assert b"aino.esimerkki@example.fi" in plain.path.read_bytes()
        plain.path.unlink()
        Path(f"{plain.path}.json").unlink()
        settings.BACKUP_RECIPIENTS = [key.public]

    Customer.objects.create(first_name="Uusi", last_name="Asiakas", email="uusi@example.fi")
    assert _counts() != before

    report = restore_backup(info.path, identity=key.file)

    assert _counts() == _with_restore_entry(before)
    assert report.backup.encrypted and report.backup.path == info.path
    assert not Customer.objects.filter(email="uusi@example.fi").exists()
    # The copy of the database as it was is encrypted too.
    saved = report.saved_before
    assert saved is not None and saved.name.startswith("rekisteri-before-restore-")
    assert saved.name.endswith(".age") and saved.read_bytes().startswith(AGE_MAGIC)
    assert b"uusi@example.fi" not in saved.read_bytes()
    assert json.loads(Path(f"{saved}.json").read_text())["encrypted"] is True
    # The decrypted copies are gone.
    assert not [name for name in _folder(data_dir) if name.endswith(".partial")]
    assert sorted(_folder(data_dir)) == sorted(
        [info.path.name, f"{info.path.name}.json", saved.name, f"{saved.name}.json"]
    )
    # And the saved copy opens with the same key.
    assert inspect_backup(saved, identity=key.file).encrypted


def test_the_file_is_plain_age_that_the_private_key_opens_anywhere(customer, data_dir, key):
    info = make_backup()
    identities = [x25519.Identity.from_str(key.file.read_text().splitlines()[-1])]
    content = pyrage.decrypt(info.path.read_bytes(), identities)
    sidecar = json.loads(Path(f"{info.path}.json").read_text())
    assert len(content) == sidecar["content_size"]
    assert backup_module.hashlib.sha256(content).hexdigest() == sidecar["content_sha256"]
    magic = b"SQLite format 3\x00" if connection.vendor == "sqlite" else b"PGDMP"
    assert content.startswith(magic)


@pytest.mark.parametrize("how", ["no key", "another key", "setting names another key"])
def test_a_wrong_or_missing_key_is_refused_and_nothing_is_touched(
    how, customer, data_dir, offline, settings
):
    info, before = _backup_and_change(data_dir)
    files = _folder(data_dir)
    other = _new_key(offline, "other.txt")
    identity = None if how != "another key" else other.file
    if how == "setting names another key":
        settings.BACKUP_IDENTITY_FILE = str(other.file)
    message = (
        "this backup is encrypted; give the private key with --identity FILE"
        if how == "no key"
        else "The key does not open this backup"
    )

    with pytest.raises(BackupError, match=f"(?i){message}") as refused:
        restore_backup(info.path, identity=identity)
    assert "The database was not touched" in str(refused.value)
    _untouched(before, customer)
    # Nothing was saved, nothing decrypted was left.
    assert _folder(data_dir) == files

    args = [] if identity is None else ["--identity", str(identity)]
    out = io.StringIO()
    with pytest.raises(CommandError, match=f"(?i){message}"):
        call_command("restore", str(info.path), "--yes", *args, stdout=out)
    _untouched(before, customer)
    assert _folder(data_dir) == files


def test_the_wrong_key_message_names_the_keys(customer, data_dir, offline, key):
    info = make_backup()
    other = _new_key(offline, "other.txt")
    with pytest.raises(BackupError) as refused:
        inspect_backup(info.path, identity=other.file)
    assert key.public in str(refused.value) and other.public in str(refused.value)
    assert "AGE-SECRET-KEY" not in str(refused.value)


def test_the_command_refuses_a_wrong_key_before_asking(customer, data_dir, offline, monkeypatch):
    info, before = _backup_and_change(data_dir)
    other = _new_key(offline, "other.txt")
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="The key does not open this backup"):
        call_command("restore", str(info.path), "-i", str(other.file), stdout=out)
    assert "Type 'yes'" not in out.getvalue()
    _untouched(before, customer)


def test_the_restore_command_with_the_key(customer, data_dir, key, monkeypatch, settings):
    out, err = io.StringIO(), io.StringIO()
    call_command("backup", stdout=out, stderr=err)
    assert "encrypted (age)" in out.getvalue() and "not encrypted" not in err.getvalue()
    (written,) = (data_dir / "backups").glob(f"rekisteri-*.{EXTENSION}.age")
    erase_customer(customer=customer, actor=None)

    out = io.StringIO()
    call_command("restore", str(written), "--yes", "--identity", str(key.file), stdout=out)
    assert f"Backup {written}: {connection.vendor}, encrypted (age)" in out.getvalue()
    assert "Applied again: 1 customer erased" in out.getvalue()
    assert not Customer.objects.exists()

    # The key file may come from BACKUP_IDENTITY_FILE instead.
    settings.BACKUP_IDENTITY_FILE = str(key.file)
    call_command("restore", str(written), "--yes", "--no-save", stdout=io.StringIO())
    assert not Customer.objects.exists()

    # Or through a pipe (`... restore --yes -i - PATH < key.txt`), never on the server's
    # disk: read once, it opens the backup and the copy saved before the restore.
    settings.BACKUP_IDENTITY_FILE = ""
    monkeypatch.setattr("sys.stdin", io.StringIO(key.file.read_text()))
    out = io.StringIO()
    call_command("restore", str(written), "--yes", "-i", "-", stdout=out)
    assert "rekisteri-before-restore-" in out.getvalue()
    assert not Customer.objects.exists()


def test_a_changed_encrypted_backup_is_refused_before_decrypting(
    customer, data_dir, key, monkeypatch
):
    info, before = _backup_and_change(data_dir)
    with info.path.open("r+b") as f:
        f.seek(info.size // 2)
        f.write(b"\x00changed\x00")

    def never(*args):
        raise AssertionError("decrypted before its checksum was checked")

    with monkeypatch.context() as m:
        m.setattr(backup_module, "age_decrypt_file", never)
        with pytest.raises(BackupError, match="has changed since it was made"):
            restore_backup(info.path, identity=key.file)
    _untouched(before, customer)

    # Changed together with its checksum: age's own authentication refuses it.
    sidecar_file = Path(f"{info.path}.json")
    sidecar = json.loads(sidecar_file.read_text())
    sidecar["sha256"] = backup_module._sha256(info.path)
    sidecar_file.write_text(json.dumps(sidecar))
    with pytest.raises(BackupError, match="could not be decrypted: it is damaged"):
        restore_backup(info.path, identity=key.file)
    _untouched(before, customer)
    assert not [n for n in _folder(data_dir) if n.endswith(".partial") or "before" in n]


def test_an_encrypted_backup_without_its_checksum_file_is_refused(customer, data_dir, key):
    info, before = _backup_and_change(data_dir)
    Path(f"{info.path}.json").unlink()
    with pytest.raises(BackupError, match="has no checksum file beside it"):
        restore_backup(info.path, identity=key.file)
    _untouched(before, customer)


def test_a_restore_that_fails_puts_the_database_back_from_the_encrypted_copy(
    customer, data_dir, key, monkeypatch
):
    info = make_backup()
    erase_customer(customer=customer, actor=None)
    Customer.objects.create(first_name="Uusi", last_name="Asiakas", email="uusi@example.fi")
    before = _counts()

    def broken(*args, **kwargs):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(what_outlives, "erase_customer", broken)
    with pytest.raises(BackupError, match="put back as it was, from .*before-restore.*\\.age"):
        restore_backup(info.path, identity=key.file)
    assert _counts() == before
    assert Customer.objects.filter(email="uusi@example.fi").exists()
    assert not [n for n in _folder(data_dir) if n.endswith(".partial")]


def test_a_restore_without_a_key_to_its_saved_copy_is_refused_before_anything(
    customer, data_dir, offline, key, settings
):
    # A backup made with last year's key; the server now encrypts for a new one.
    info, before = _backup_and_change(data_dir)
    new = _new_key(offline, "new.txt")
    settings.BACKUP_RECIPIENTS = [new.public]
    files = _folder(data_dir)

    with pytest.raises(BackupError, match="does not open the copy of the current database"):
        restore_backup(info.path, identity=key.file)
    _untouched(before, customer)
    assert _folder(data_dir) == files
    with pytest.raises(CommandError, match="--no-save"):
        call_command("restore", str(info.path), "--yes", "-i", str(key.file))
    _untouched(before, customer)

    # Both keys: the old one opens the backup, the new one the saved copy.
    report = restore_backup(info.path, identity=[key.file, new.file])
    assert report.saved_before is not None
    assert inspect_backup(report.saved_before, identity=new.file).encrypted
    assert not Customer.objects.filter(email="uusi@example.fi").exists()


def test_a_plain_backup_on_an_encrypting_server_needs_a_key_for_the_saved_copy(
    customer, data_dir, key, settings
):
    settings.BACKUP_RECIPIENTS = []
    info, before = _backup_and_change(data_dir)
    assert not info.encrypted
    settings.BACKUP_RECIPIENTS = [key.public]
    with pytest.raises(BackupError, match="no private key was given that opens the copy"):
        restore_backup(info.path)
    _untouched(before, customer)
    restore_backup(info.path, save_current=False)
    assert not Customer.objects.filter(email="uusi@example.fi").exists()


def test_an_age_file_made_outside_the_app_beside_its_plain_checksum_restores(
    customer, data_dir, key, settings
):
    # The layout of copies encrypted by the host with `age -R` (README before this change):
    # `<name>.age` beside the plain copy's `<name>.json`.
    settings.BACKUP_RECIPIENTS = []
    plain = make_backup()
    encrypted = Path(f"{plain.path}.age")
    pyrage.encrypt_file(str(plain.path), str(encrypted), [x25519.Recipient.from_str(key.public)])
    plain.path.unlink()
    Customer.objects.create(first_name="Uusi", last_name="Asiakas", email="uusi@example.fi")

    restore_backup(encrypted, identity=key.file, save_current=False)
    assert not Customer.objects.filter(email="uusi@example.fi").exists()
    # `age --armor` too.
    Customer.objects.create(first_name="Uusi", last_name="Asiakas", email="uusi@example.fi")
    recipient = x25519.Recipient.from_str(key.public)
    armored = Path(f"{plain.path}.age")
    content = pyrage.decrypt(
        encrypted.read_bytes(), [x25519.Identity.from_str(key.file.read_text().split()[-1])]
    )
    armored.write_bytes(pyrage.encrypt(content, [recipient], armored=True))
    assert armored.read_bytes().startswith(b"-----BEGIN AGE ENCRYPTED FILE-----")
    restore_backup(armored, identity=key.file, save_current=False)
    assert not Customer.objects.filter(email="uusi@example.fi").exists()

    # Another file encrypted under that name does not match the checksum.
    Customer.objects.create(first_name="Uusi", last_name="Asiakas", email="uusi@example.fi")
    before = _counts()
    settings.BACKUP_RECIPIENTS = []
    other = make_backup(data_dir / "other")
    pyrage.encrypt_file(str(other.path), str(encrypted), [x25519.Recipient.from_str(key.public)])
    with pytest.raises(BackupError, match="decrypted into something other than the backup"):
        restore_backup(encrypted, identity=key.file, save_current=False)
    _untouched(before, customer)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "There is no key file at"),
        ("AGE-SECRET-KEY-1NOTAKEY\n", "line 1 is not an AGE-SECRET-KEY-1… key"),
        ("# only comments\n\n", "holds no age private key"),
        ("age-encryption.org/v1\n-> scrypt abc 18\n", "is itself encrypted"),
    ],
    ids=["missing", "not-a-key", "empty", "passphrase-protected"],
)
def test_a_key_file_that_is_not_a_key_is_refused(content, message, customer, data_dir, offline):
    info, before = _backup_and_change(data_dir)
    file = offline / "key-file"
    if content is not None:
        file.write_text(content)
    with pytest.raises(BackupError, match=message) as refused:
        restore_backup(info.path, identity=file)
    assert "NOTAKEY" not in str(refused.value)  # a key file's lines are never repeated
    _untouched(before, customer)


def test_the_plain_copy_is_a_private_temporary_file_removed_once_encrypted(
    customer, data_dir, monkeypatch
):
    seen = []
    real = backup_module.age_encrypt_file

    def watching(plain, encrypted, keys):
        plain = Path(plain)
        seen.append((plain.parent, plain.name, plain.stat().st_mode & 0o777))
        real(str(plain), encrypted, keys)

    monkeypatch.setattr(backup_module, "age_encrypt_file", watching)
    info = make_backup()
    ((parent, name, mode),) = seen
    assert parent == info.path.parent and name.endswith(".partial") and mode == 0o600
    assert not (parent / name).exists()
    assert _folder(data_dir) == [info.path.name, f"{info.path.name}.json"]


@pytest.mark.parametrize("failure", ["error", "short"])
def test_an_encryption_that_fails_leaves_no_file_and_no_plain_copy(
    failure, customer, data_dir, monkeypatch
):
    folder = data_dir / "backups"
    folder.mkdir()
    (folder / "nightly.age").write_bytes(b"yesterday")
    real = backup_module.age_encrypt_file

    def failing(plain, encrypted, keys):
        if failure == "error":
            raise pyrage.EncryptError("No space left on device (os error 28)")
        real(plain, encrypted, keys)
        with open(encrypted, "r+b") as f:  # as if its last write had been lost
            f.truncate(os.path.getsize(encrypted) - 100)

    monkeypatch.setattr(backup_module, "age_encrypt_file", failing)
    match = "No space left" if failure == "error" else "came out incomplete"
    with pytest.raises(BackupError, match=f"{match}.*Nothing was written to .*nightly.age"):
        make_backup(folder / "nightly")
    assert _folder(data_dir) == ["nightly.age"]
    assert (folder / "nightly.age").read_bytes() == b"yesterday"


def test_the_size_check_knows_ages_format(tmp_path):
    keys = [x25519.Identity.generate().to_public() for _ in range(2)]
    for size in (0, 1, 65535, 65536, 65537, 3 * 65536, 200_000):
        plain, encrypted = tmp_path / "plain", tmp_path / "encrypted"
        plain.write_bytes(os.urandom(size))
        for recipients in (keys[:1], keys):
            pyrage.encrypt_file(str(plain), str(encrypted), recipients)
            assert backup_module._age_size(encrypted, size) == encrypted.stat().st_size


def test_a_wrong_recipient_setting_stops_the_backup_with_a_clear_message(
    customer, data_dir, settings
):
    settings.BACKUP_RECIPIENTS = ["age1notakey"]
    with pytest.raises(BackupError, match="'age1notakey' is not an age public key"):
        make_backup()
    secret = str(x25519.Identity.generate())
    settings.BACKUP_RECIPIENTS = [secret]
    with pytest.raises(CommandError, match="holds a private key") as refused:
        call_command("backup", stdout=io.StringIO(), stderr=io.StringIO())
    assert secret not in str(refused.value)
    assert _folder(data_dir) == []


def _manage(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "BACKUP_RECIPIENTS")
    }
    clean.update(
        {
            "DATA_DIR": str(tmp_path / "data"),
            "DEBUG": "false",
            "SECRET_KEY": "x" * 50,
            "SUPPRESSION_KEY": "y" * 50,
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_invalid_recipient_stops_start_up_with_a_clear_message(tmp_path, key):
    result = _manage(["check"], {"BACKUP_RECIPIENTS": f"{key.public},age1typo"}, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "BACKUP_RECIPIENTS: 'age1typo' is not an age public key" in result.stderr

    secret = str(x25519.Identity.generate())
    result = _manage(["check"], {"BACKUP_RECIPIENTS": secret}, tmp_path)
    assert result.returncode != 0
    assert "BACKUP_RECIPIENTS holds a private key" in result.stderr
    assert secret not in result.stderr

    other = str(x25519.Identity.generate().to_public())
    result = _manage(["check"], {"BACKUP_RECIPIENTS": f"{key.public}, {other}"}, tmp_path)
    assert result.returncode == 0, result.stderr


def test_the_nightly_job_writes_encrypted_backups_and_removes_old_ones(customer, data_dir, key):
    folder = data_dir / "backups"
    folder.mkdir()
    old = folder / f"rekisteri-20250101-023000.{EXTENSION}.age"
    old_plain = folder / f"rekisteri-20250102-023000.{EXTENSION}"
    saved = folder / f"rekisteri-before-restore-20250101-120000.{EXTENSION}.age"
    killed = folder / f".rekisteri-20250103-023000.{EXTENSION}.age.abc123.partial"
    fresh_partial = folder / f".rekisteri-20250104-023000.{EXTENSION}.age.def456.partial"
    month_ago = time.time() - 40 * 86400
    for path in (old, old_plain, saved, killed, fresh_partial):
        path.write_bytes(b"x")
        Path(f"{path}.json").write_text("{}")
        if path is not fresh_partial:
            os.utime(path, (month_ago, month_ago))

    line = jobs.backup()

    assert ".age (" in line and "2 backups older than the keep period removed" in line
    (written,) = folder.glob(f"rekisteri-2026*.{EXTENSION}.age")
    assert inspect_backup(written, identity=key.file).encrypted
    assert not old.exists() and not Path(f"{old}.json").exists()
    assert not old_plain.exists() and not Path(f"{old_plain}.json").exists()
    assert saved.exists()  # retention's, after its own period
    assert not killed.exists() and fresh_partial.exists()
    assert remove_old_backups(keep_days=30) == 0
