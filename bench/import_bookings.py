"""Time the booking-calendar import (P6) on a fresh SQLite database: rows per second.

Builds a booking-calendar CSV (10,000 rows by default: about 3,000 people on 400 class
sessions, a few bad rows, Finnish headers, semicolons, UTF-8 with a BOM), then times
reading, the preview and the import, with the suppression check the admin uses.
Settings come from the environment as usual, except that the database is always a new
SQLite file in a temporary folder (and DATA_DIR too), deleted afterwards.

    .venv/bin/python bench/import_bookings.py [--rows 10000] [--keep]
"""

import argparse
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST = ("Aino", "Eero", "Helmi", "Juha", "Laura", "Mikko", "Noora", "Oona", "Pekka", "Sanna")
LAST = ("Virtanen", "Mäkinen", "Järvinen", "Korhonen", "Laine", "Salo", "Heikkinen", "Niemi")
SERVICES = ("Hatha-jooga", "Yin-jooga", "Pilates", "Lavatanssit", "Lasten tanssi")
STATUSES = ("Varattu",) * 8 + ("Peruttu", "Saapunut")


def build_csv(rows: int, seed: int = 6) -> bytes:
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    people = max(rows // 3, 1)
    sessions = max(rows // 25, 1)
    first_day = date(2025, 1, 6)
    lines = ["Nimi;Sähköposti;Puhelin;Palvelu;Päivämäärä;Aika;Tila"]
    for n in range(rows):
        person = rng.randrange(people)
        session = rng.randrange(sessions)
        day = first_day + timedelta(days=session // 4)
        hour = 16 + session % 4
        name = f"{FIRST[person % len(FIRST)]} {LAST[person % len(LAST)]}{person}"
        email = f"asiakas{person}@example.fi"
        phone = f"040 {person // 10000:03d} {person % 10000:04d}"
        if n % 200 == 0:
            email = "rikki@"  # a bad row now and then
        lines.append(
            f"{name};{email};{phone};{SERVICES[session % len(SERVICES)]};"
            f"{day:%d.%m.%Y};{hour}:00;{rng.choice(STATUSES)}"
        )
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="Keep the database and the CSV.")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="rekisteri-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["DATA_DIR"] = str(folder)
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rekisteri.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command

    from consent.mail.suppression import is_suppressed
    from customers import importing
    from customers.models import Course, Customer, Enrollment

    try:
        call_command("migrate", verbosity=0)
        data = build_csv(args.rows)
        (folder / "bookings.csv").write_bytes(data)

        started = time.perf_counter()
        parsed = importing.read_bookings(data)
        read = time.perf_counter() - started

        started = time.perf_counter()
        preview = importing.preview(parsed, is_suppressed=is_suppressed)
        previewed = time.perf_counter() - started

        def progress(done: int, total: int) -> None:
            if done % 2000 == 0 or done == total:
                print(f"  {done}/{total} rows")

        started = time.perf_counter()
        result = importing.import_bookings(
            parsed, actor=None, is_suppressed=is_suppressed, progress=progress
        )
        imported = time.perf_counter() - started

        again = time.perf_counter()
        second = importing.preview(importing.read_bookings(data), is_suppressed=is_suppressed)
        again = time.perf_counter() - again

        n = len(parsed.rows)
        print(f"rows: {n}; preview counts: {preview.counts}")
        print(f"read:            {read:6.2f} s  {n / read:9.0f} rows/s")
        print(f"read + preview:  {read + previewed:6.2f} s  {n / (read + previewed):9.0f} rows/s")
        print(f"import:          {imported:6.2f} s  {n / imported:9.0f} rows/s")
        print(f"second preview:  {again:6.2f} s  {n / again:9.0f} rows/s  {second.counts}")
        print(
            f"written: {Customer.objects.count()} customers, {Course.objects.count()} courses, "
            f"{Enrollment.objects.count()} enrolments ({result.enrollments_created} created)"
        )
    finally:
        if args.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
