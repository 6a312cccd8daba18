"""Settings come from the environment; a missing secret stops start-up with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def _manage(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in ("SECRET_KEY", "SUPPRESSION_KEY", "DEBUG", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    # DEBUG is said out loud: a developer's .env (which `make run` writes) must not decide.
    clean.update({"DATA_DIR": str(tmp_path / "data"), "DEBUG": "false", **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_to_start_without_secret_key_when_debug_is_off(tmp_path):
    result = _manage(["check"], {"SUPPRESSION_KEY": "y" * 50}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY environment variable is required when DEBUG is off" in result.stderr


def test_it_refuses_to_start_without_a_suppression_key_when_debug_is_off(tmp_path):
    # The suppression list's own key: without it, erased people would come back.
    result = _manage(["check"], {"SECRET_KEY": "x" * 50}, tmp_path)
    assert result.returncode != 0
    assert "SUPPRESSION_KEY environment variable is required when DEBUG is off" in result.stderr


def test_a_local_debug_run_generates_a_secret_key_once_and_keeps_it(tmp_path):
    result = _manage(["check"], {"DEBUG": "true"}, tmp_path)
    assert result.returncode == 0, result.stderr
    key_file = tmp_path / "data" / "secret_key"
    first = key_file.read_text()
    assert len(first) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert _manage(["check"], {"DEBUG": "true"}, tmp_path).returncode == 0
    assert key_file.read_text() == first
    # The suppression list's key likewise, apart from the secret key.
    suppression_key = (tmp_path / "data" / "suppression_key").read_text()
    assert len(suppression_key) >= 50 and suppression_key != first


def test_the_default_database_is_a_sqlite_file_in_wal_mode(tmp_path):
    result = _manage(
        [
            "shell",
            "-c",
            "from django.db import connection as c; cursor = c.cursor(); "
            "print(c.settings_dict['NAME']); "
            "print(cursor.execute('PRAGMA journal_mode').fetchone()[0])",
        ],
        {"SECRET_KEY": "x" * 50, "SUPPRESSION_KEY": "y" * 50},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    name, mode = result.stdout.splitlines()[-2:]
    assert name == str(tmp_path / "data" / "rekisteri.sqlite3")
    assert mode == "wal"


def test_the_tests_run_on_the_database_ci_asked_for():
    # CI sets EXPECT_DATABASE_VENDOR in its PostgreSQL pass, so that a misconfigured
    # DATABASE_URL cannot silently run the suite on SQLite twice.
    expected = os.environ.get("EXPECT_DATABASE_VENDOR", "")
    if not expected and os.environ.get("DATABASE_URL", "").startswith("postgres"):
        expected = "postgresql"
    assert connection.vendor == (expected or connection.vendor)
    if expected == "postgresql":
        assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_connections_are_kept_and_health_checked_on_either_database():
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_the_local_database_and_its_folder_are_the_app_users_only(tmp_path):
    # The SQLite files hold personal data: 0600, in a 0700 folder (whatever the umask).
    result = _manage(["migrate", "--noinput"], {"DEBUG": "true"}, tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "data"
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    files = list(folder.glob("rekisteri.sqlite3*"))
    assert folder / "rekisteri.sqlite3" in files
    for path in files:
        assert oct(path.stat().st_mode & 0o777) == "0o600", path.name
