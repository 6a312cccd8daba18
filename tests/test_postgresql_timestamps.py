"""Timestamps read from PostgreSQL by psycopg's compiled loader (rekisteri.postgresql) are
the ones Django's own loader reads: the same instants, with the same tzinfo; and an app on
SQLite does not load psycopg for it."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg import postgres
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

from customers.models import Customer, Interaction

ROOT = Path(__file__).resolve().parent.parent

# Written as PostgreSQL text, read back by both loaders: fractions of every length, zones
# with minutes and seconds in their offset, the turn of a year, times before 1970.
_LITERALS = [
    "2026-03-29 02:59:59.999999+03",
    "2026-10-25 03:30:00+02",
    "2025-12-31 23:59:59.5-10:30",
    "1969-07-20 20:17:40+00",
    "1900-01-01 00:00:00+01:39:49",
    "2026-11-30 12:00:00.000001+05:45",
]


def _read(cursor_setup: bool) -> list[tuple]:
    with connection.cursor() as cursor:
        if cursor_setup:
            # Django's own loader, on this cursor only.
            register_tzloader(connection.timezone, cursor.cursor)
        cursor.execute(
            "SELECT v::timestamptz FROM unnest(%s::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n",
            [_LITERALS],
        )
        return cursor.fetchall()


@pytest.mark.django_db
@pytest.mark.postgresql_only
def test_timestamps_read_as_django_reads_them() -> None:
    connection.ensure_connection()
    in_use = connection.connection.adapters.get_loader(
        postgres.types["timestamptz"].oid, Format.TEXT
    )
    assert not issubclass(in_use, TimestamptzLoader)  # not the pure-Python parser

    ours = _read(cursor_setup=False)
    djangos = _read(cursor_setup=True)

    assert ours == djangos
    assert [value.tzinfo for (value,) in ours] == [value.tzinfo for (value,) in djangos]
    assert all(value.tzinfo is UTC for (value,) in ours)
    assert ours[2][0] == datetime(2026, 1, 1, 10, 29, 59, 500000, tzinfo=UTC)


@pytest.mark.django_db
@pytest.mark.postgresql_only
def test_a_saved_time_comes_back_the_same() -> None:
    customer = Customer.objects.create(first_name="Aino", last_name="Esimerkki")
    zone = timezone(timedelta(hours=3), "EEST")
    at = datetime(2026, 6, 1, 9, 15, 30, 123456, tzinfo=zone)
    interaction = Interaction.objects.create(
        customer=customer, occurred_at=at, kind=Interaction.Kind.values[0]
    )

    read = Interaction.objects.values_list("occurred_at", flat=True).get(pk=interaction.pk)

    assert read == at
    assert read.tzinfo is UTC
    assert read.hour == 6


@pytest.mark.sqlite_only
def test_an_app_on_sqlite_does_not_load_psycopg(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="rekisteri.settings",
        SECRET_KEY="x" * 50,
        DEBUG="true",
        DATA_DIR=str(tmp_path),
    )
    code = (
        "import sys, django; django.setup(); "
        "from django.db import connection; connection.ensure_connection(); "
        "print(connection.vendor, 'psycopg' in sys.modules)"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.stdout.split() == ["sqlite", "False"], done.stderr[-2000:]
