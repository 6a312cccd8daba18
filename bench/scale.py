"""Scale benchmark (issue 12): build 100,000 customers through the models, measure every goal.

What it does, in order (details and options in bench/README.md, "Scale benchmark"):

1. builds (or, with --keep, reuses) a data set of N customers with bulk inserts through the
   models, in a database of its own: a SQLite file, or a PostgreSQL database created beside
   the one --database-url (or DATABASE_URL) names; and a second one of --small customers,
   for the query counts at 1,000;
2. measures the admin and public pages in-process with Django's test client (p50/p95 of
   30 requests after 3 warm-ups, the query count of one request);
3. times the booking-calendar import of 10,000 rows against a plain bulk_create of the same
   rows (both rolled back);
4. serves the app with gunicorn (3 sync workers) and sends 16 concurrent clients to a bare
   view, GET /rights/ and POST /rights/, then reads the workers' RSS;
5. prints one table: what, goal, measured, pass/fail; and then, unless --no-diagnose, the
   evidence of where the time goes (slow SQL with its plan, N+1 patterns, profiles).

The pages are measured through their URLs only; the script imports the models,
customers.importing and customers.inventory, for the import the two suppression checks
the admin hands it (consent.mail.suppression), the worker's job that counts the
newsletter for the front page (rekisteri.worker), and the act of access
(consent.acts.access), called once to count its own queries, and nothing else of the
app. Each step except the gunicorn one runs in a child process of this script (`--phase`),
so that every data set gets Django set up against its own database.

    .venv/bin/python bench/scale.py [--customers 100000] [--small 1000] [--keep]
        [--database-url postgres://USER:PASSWORD@127.0.0.1:5432/DB]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import hmac
import json
import math
import os
import pstats
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _harness as h  # noqa: E402

ROOT = h.ROOT
SCRIPT = Path(__file__).resolve()
SETTINGS_MODULE = "bench.scale_settings"  # the project's settings + bench/scale_urls.py
# Bump when the generator changes, so that --keep never reuses a data set built otherwise.
DATASET_VERSION = 1
STATE_DIR = Path(tempfile.gettempdir()) / "rekisteri-scale"
SESSION_KEY = "rights_customer"  # where consent/views.py keeps the customer's own session
OWNER_GROUP = "Owner"
OWNER_USERNAME = "bench-owner"
HEAVY_EMAIL = "aurora.pitkaranta@example.fi"
LIGHT_EMAIL = "eino.lyhytmaki@example.fi"
HEAVY_ROWS = {"enrollments": 400, "purchases": 200, "interactions": 250, "consent_events": 150}
BATCH = 20_000  # objects per transaction while building
INSERT_BATCH = 2_000  # rows per INSERT statement (SQLite lowers it to its parameter limit)

# --- Fictional, Finnish-looking data ------------------------------------------------------

FIRST_NAMES = (
    "Aino", "Anni", "Eeva", "Elina", "Emma", "Hanna", "Heidi", "Helmi", "Iida", "Jenni",
    "Kaisa", "Katja", "Laura", "Leena", "Maria", "Minna", "Noora", "Oona", "Päivi", "Riikka",
    "Sanna", "Satu", "Tiina", "Venla", "Veera", "Aada", "Lotta", "Milla", "Sofia", "Inkeri",
    "Antti", "Eero", "Juha", "Jukka", "Lauri", "Matti", "Mikko", "Olli", "Pekka", "Sami",
    "Timo", "Tuomas", "Ville", "Eino", "Onni", "Väinö", "Aleksi", "Joonas",
)  # fmt: skip
SURNAME_STEMS = (
    "Mäki", "Koivu", "Lehto", "Kallio", "Niemi", "Salo", "Virta", "Laakso", "Harju", "Koski",
    "Järvi", "Ranta", "Vaara", "Kangas", "Nurmi", "Aho", "Heino", "Hakala", "Pelto", "Kivi",
    "Lahti", "Suo", "Mänty", "Pihlaja", "Kuusi", "Haapa", "Tammi", "Saari", "Linna", "Vuori",
    "Kettu", "Karhu", "Susi", "Joki", "Lammi", "Honka", "Paju", "Ilves", "Rasi", "Tuomi",
)  # fmt: skip
SURNAME_ENDINGS = ("nen", "lä", "la", "mo", "maa", "vaara", "lahti", "koski", "salo", "ranta")
CITIES = (
    ("Riihimäki", ("11100", "11120", "11130", "11310")),
    ("Hyvinkää", ("05800", "05830", "05880")),
    ("Hämeenlinna", ("13100", "13130", "13210")),
    ("Helsinki", ("00100", "00250", "00500", "00530")),
    ("Espoo", ("02100", "02150", "02600")),
    ("Tampere", ("33100", "33200", "33500")),
    ("Turku", ("20100", "20500", "20750")),
    ("Lahti", ("15100", "15140")),
    ("Oulu", ("90100", "90500")),
    ("Joensuu", ("80100", "80110", "80200")),
)
STREETS = (
    "Hämeenkatu", "Kauppakatu", "Koulukatu", "Rautatienkatu", "Puistokatu", "Kirkkokatu",
    "Torikatu", "Siltakatu", "Rantakatu", "Koivukuja", "Pihlajatie", "Vaahteratie",
)  # fmt: skip
MOBILE_PREFIXES = ("40", "41", "44", "45", "50")
SERVICES = (
    "Hatha-jooga", "Yin-jooga", "Vinyasa", "Pilates", "Lavatanssit", "Lasten tanssi",
    "Kehonhuolto", "Salsa", "Itämainen tanssi", "Aamujooga",
)  # fmt: skip
WEEKDAYS = ("ma", "ti", "ke", "to", "pe", "la", "su")
PLACES = ("Sali 1", "Sali 2", "Pieni sali", "Etätunti")
PRODUCTS = ("10 kerran kortti", "Kuukausikortti", "Kausikortti", "Joogamatto", "Lahjakortti")
NOTES = (
    "Toivoo laskut sähköpostiin.",
    "Kiinnostunut aamutunneista.",
    "Tuli ystävän suosittelemana.",
    "Haluaa tiedon uusista tanssikursseista.",
)
SUBJECTS = (
    "Kysymys kurssiajoista",
    "Laskun eräpäivä",
    "Palaute tunnista",
    "Siirto toiselle kurssille",
    "Lahjakortin voimassaolo",
)
ORIGINS = (
    ("booking_calendar", 40),
    ("course_enrolment", 20),
    ("web_registration", 15),
    ("purchase", 10),
    ("inquiry", 5),
    ("staff", 10),
)
KINDS = (("email", 35), ("sms", 20), ("call", 20), ("feedback", 15), ("complaint", 5), ("other", 5))


def ascii_fold(text: str) -> str:
    return text.lower().translate(str.maketrans("äöå", "aoa")).replace(" ", "")


def weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def mobile(n: int) -> str:
    """A unique Finnish mobile number in E.164 for every n below 10 million."""
    digits = (n * 7919 + 1_234_567) % 10_000_000  # 7919 is prime to 10**7: no collisions
    return f"+358{MOBILE_PREFIXES[n % len(MOBILE_PREFIXES)]}{digits:07d}"


def typed_phone(e164: str) -> str:
    """+358401234567 as a Finn types it: 040 123 4567."""
    national = "0" + e164.removeprefix("+358")
    return f"{national[:3]} {national[3:6]} {national[6:]}"


@dataclass(frozen=True)
class Sizes:
    """The data set for `customers`, in the issue's proportions (2,000 courses per 100,000)."""

    customers: int

    @property
    def scale(self) -> float:
        return self.customers / 100_000

    @property
    def courses(self) -> int:
        return max(20, round(2000 * self.scale))

    @property
    def enrollments_per_customer(self) -> int:
        return 10  # on average: 0 to 20, each customer on distinct courses

    @property
    def purchases(self) -> int:
        return 2 * self.customers

    @property
    def interactions(self) -> int:
        return 3 * self.customers

    @property
    def consent_events(self) -> int:
        return round(1.5 * self.customers)

    # Beyond the list, for the erasure and outbox diagnosis: a sent newsletter per
    # customer in the outbox, sessions (mostly expired, as without `clearsessions`) and the
    # suppression list of the customers who objected.
    @property
    def outbox(self) -> int:
        return self.customers

    @property
    def expired_sessions(self) -> int:
        return self.customers // 5

    @property
    def live_sessions(self) -> int:
        return max(10, self.customers // 100)


# --- Data sets and child processes (main process; no Django here) -----------------------


@dataclass
class DataSet:
    customers: int
    vendor: str  # "sqlite" or "postgresql"
    url: str
    name: str  # the SQLite file or the PostgreSQL database
    persistent: bool  # --keep: a fixed name under STATE_DIR / rekisteri_bench_N, kept
    base_url: str = ""  # PostgreSQL: the database named by --database-url (never touched)

    @property
    def sidecar(self) -> Path:
        return STATE_DIR / f"{self.vendor}-{self.customers}.json"

    def create(self) -> None:
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(self.name + suffix).unlink(missing_ok=True)
            return
        import psycopg
        from psycopg import sql

        with psycopg.connect(h._libpq_url(self.base_url), autocommit=True) as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(self.name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))

    def drop(self) -> None:
        if self.persistent:
            self.sidecar.unlink(missing_ok=True)
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(self.name + suffix).unlink(missing_ok=True)
            return
        import psycopg
        from psycopg import sql

        with psycopg.connect(h._libpq_url(self.base_url), autocommit=True) as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(self.name)))


def make_dataset(customers: int, base_url: str, folder: Path, keep: bool) -> DataSet:
    name = f"rekisteri_bench_{customers}" + ("" if keep else f"_{secrets.token_hex(3)}")
    if not base_url or base_url.startswith("sqlite"):  # SQLite: always a file of its own
        path = (STATE_DIR if keep else folder) / f"{name}.sqlite3"
        return DataSet(customers, "sqlite", f"sqlite:///{path}", str(path), keep)
    if not h.is_postgres_url(base_url):
        raise SystemExit(f"--database-url must be PostgreSQL (or unset for SQLite): {base_url!r}")
    parts = urllib.parse.urlsplit(base_url)
    if parts.path.lstrip("/") == name:
        raise SystemExit("--database-url must name another database than the bench's own")
    url = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    return DataSet(customers, "postgresql", url, name, keep, base_url=base_url)


def stable_secret_key() -> str:
    """One SECRET_KEY for the kept data sets: their sessions and hashes stay readable."""
    path = STATE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def django_env(folder: Path, database_url: str, web_port: int = 8000) -> dict[str, str]:
    """Production settings (DEBUG off) as the load scripts use them, with mail discarded."""
    return h.app_env(
        folder,
        database_url,
        smtp_port=25,
        web_port=web_port,
        DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
        SECRET_KEY=stable_secret_key(),
        EMAIL_URL="dummymail://",
        ALLOWED_HOSTS=f"{h.HOST},testserver",
        OTP_REQUIRED="false",
        PYTHONPATH=str(ROOT),
    )


def run_phase(name: str, env: dict[str, str], folder: Path, **params: Any) -> Any:
    """Run `scale.py --phase NAME` with `env`; the JSON it wrote."""
    out = folder / f"phase-{name}-{secrets.token_hex(3)}.json"
    command = [h.PYTHON, str(SCRIPT), "--phase", name, "--phase-out", str(out)]
    command += ["--phase-params", json.dumps(params)]
    done = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603
    if done.returncode != 0 or not out.exists():
        raise SystemExit(f"the {name} step failed (exit code {done.returncode})")
    return json.loads(out.read_text())


def ensure_built(data: DataSet, env: dict[str, str], folder: Path, seed: int) -> dict[str, Any]:
    """Reuse a kept data set built by this generator for this size, or build it afresh."""
    if data.persistent and data.sidecar.exists():
        record = json.loads(data.sidecar.read_text())
        if record.get("version") == DATASET_VERSION and record.get("seed") == seed:
            try:
                check = run_phase("check", env, folder)
            except SystemExit:
                check = {}
            if check.get("customers") == record.get("customers_total"):
                print(f"reusing the kept data set {data.name} ({data.customers} customers)")
                return {**record, "reused": True}
        print(f"the kept data set {data.name} does not match: building it again")
    data.create()
    print(f"building {data.customers} customers in {data.vendor} {data.name} ...")
    record = run_phase("build", env, folder, customers=data.customers, seed=seed)
    record.update(version=DATASET_VERSION, seed=seed, reused=False)
    if data.persistent:
        data.sidecar.write_text(json.dumps(record, indent=2))
    return record


# --- Child processes: Django set up against one data set ---------------------------------


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def now() -> datetime:
    from django.utils import timezone

    return timezone.now()


def batched(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bulk(model: Any, objects: list[Any]) -> list[Any]:
    """bulk_create in transactions of BATCH objects; returns the objects (pks set)."""
    from django.db import transaction

    for chunk in batched(objects, BATCH):
        with transaction.atomic():
            model.objects.bulk_create(chunk, batch_size=INSERT_BATCH)
    return objects


def suppression_hash(value: str) -> str:
    """The suppression list's keyed hash, as consent's suppression module computes it."""
    from django.conf import settings

    key = hmac.new(settings.SECRET_KEY.encode(), b"rekisteri.suppression", hashlib.sha256)
    return hmac.new(key.digest(), value.encode(), hashlib.sha256).hexdigest()


class Timer:
    def __init__(self) -> None:
        self.steps: dict[str, dict[str, float]] = {}

    def step(self, name: str, rows: int, started: float) -> None:
        seconds = time.perf_counter() - started
        self.steps[name] = {"rows": rows, "seconds": round(seconds, 2)}
        print(f"  {name:<16} {rows:>9} rows  {seconds:6.1f} s", flush=True)


def phase_build(customers: int, seed: int) -> dict[str, Any]:
    """Migrate the empty database and fill it through the models, in bulk."""
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.db import connection

    from consent.models import ConsentEvent, OutboxEmail, RightsRequest, Suppression
    from customers.models import Course, Customer, Enrollment, Interaction, Purchase

    sizes = Sizes(customers)
    rng = random.Random(seed)  # noqa: S311 - fictional test data, not secrets
    timer = Timer()
    started_all = time.perf_counter()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    timer.step("migrate", 0, started)
    moment = now()

    owner = User.objects.create_user(
        OWNER_USERNAME, email="omistaja@example.fi", password=None, is_staff=True
    )
    owner.groups.add(Group.objects.get(name=OWNER_GROUP))

    # Courses: weekly classes over five years, a few still to come.
    started = time.perf_counter()
    courses = []
    for n in range(sizes.courses):
        starts = moment - timedelta(days=1825) + timedelta(days=1885 * n / sizes.courses)
        starts = starts.replace(minute=0, second=0, microsecond=0)
        service = SERVICES[n % len(SERVICES)]
        courses.append(
            Course(
                name=f"{service} {WEEKDAYS[n % 7]} {n // len(SERVICES) + 1}",
                description="",
                starts_at=starts,
                ends_at=starts + timedelta(minutes=75),
                place=PLACES[n % len(PLACES)],
                capacity=10_000,
                price=Decimal(rng.choice(("15.00", "18.00", "120.00", "160.00"))),
            )
        )
    bulk(Course, courses)
    timer.step("courses", len(courses), started)

    # Customers: the light and the heavy one first, then everyone else.
    started = time.perf_counter()
    people = [
        Customer(
            first_name="Eino",
            last_name="Lyhytmäki",
            email=LIGHT_EMAIL,
            phone="+358401111111",
            postal_code="11100",
            city="Riihimäki",
            origin="staff",
            created_at=moment - timedelta(days=400),
            last_activity_at=moment - timedelta(days=10),
        ),
        Customer(
            first_name="Aurora",
            last_name="Pitkäranta",
            email=HEAVY_EMAIL,
            phone="+358402222222",
            street_address="Kauppakatu 1",
            postal_code="11100",
            city="Riihimäki",
            origin="course_enrolment",
            notes="Kanta-asiakas vuodesta 2019.",
            created_at=moment - timedelta(days=1800),
            last_activity_at=moment - timedelta(days=1),
        ),
    ]
    for n in range(customers):
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(SURNAME_STEMS) + rng.choice(SURNAME_ENDINGS)
        city, codes = rng.choice(CITIES)
        created = moment - timedelta(days=rng.uniform(0, 1800))
        people.append(
            Customer(
                first_name=first,
                last_name=last,
                email=""
                if n % 50 == 7
                else f"{ascii_fold(first)}.{ascii_fold(last)}.{n}@example.fi",
                phone="" if n % 5 == 3 else mobile(n),
                street_address=f"{rng.choice(STREETS)} {rng.randint(1, 60)}",
                postal_code=rng.choice(codes),
                city=city,
                origin=weighted(rng, ORIGINS),
                notes=rng.choice(NOTES) if n % 10 == 0 else "",
                created_at=created,
                last_activity_at=created + (moment - created) * rng.random(),
            )
        )
    bulk(Customer, people)
    light, heavy, others = people[0], people[1], people[2:]
    timer.step("customers", len(people), started)

    started = time.perf_counter()
    enrolments: list[Any] = []
    statuses = ("enrolled",) * 6 + ("attended",) * 3 + ("cancelled",)
    count = 0

    def enrol(customer: Any, course: Any) -> Any:
        enrolled = course.starts_at - timedelta(days=rng.uniform(1, 30))
        status = rng.choice(statuses)
        return Enrollment(
            customer=customer,
            course=course,
            status=status,
            enrolled_at=enrolled,
            cancelled_at=enrolled + timedelta(hours=5) if status == "cancelled" else None,
        )

    plan = [(light, 1), (heavy, HEAVY_ROWS["enrollments"])]
    plan += [(c, rng.randint(0, 2 * sizes.enrollments_per_customer)) for c in others]
    for customer, wanted in plan:
        for course in rng.sample(courses, min(wanted, len(courses))):
            enrolments.append(enrol(customer, course))
        if len(enrolments) >= BATCH * 5:
            count += len(bulk(Enrollment, enrolments))
            enrolments = []
    count += len(bulk(Enrollment, enrolments))
    timer.step("enrolments", count, started)

    started = time.perf_counter()
    purchases = []
    owners = [light] + [heavy] * HEAVY_ROWS["purchases"]
    owners += [rng.choice(others) for _ in range(sizes.purchases)]
    for n, customer in enumerate(owners):
        bought = (moment - timedelta(days=rng.uniform(0, 2190))).date()
        status = weighted(rng, (("paid", 92), ("cancelled", 5), ("refunded", 3)))
        course = rng.choice(courses) if n % 5 < 3 else None
        purchases.append(
            Purchase(
                customer=customer,
                course=course,
                description=course.name if course else rng.choice(PRODUCTS),
                amount=Decimal(rng.choice(("15.00", "89.00", "120.00", "160.00", "35.50"))),
                purchased_on=bought,
                status=status,
                cancelled_on=None if status == "paid" else bought + timedelta(days=3),
                reference=f"K{bought.year}-{n:07d}",
            )
        )
    bulk(Purchase, purchases)
    timer.step("purchases", len(purchases), started)

    started = time.perf_counter()
    interactions = []
    owners = [light] + [heavy] * HEAVY_ROWS["interactions"]
    owners += [rng.choice(others) for _ in range(sizes.interactions)]
    for customer in owners:
        kind = weighted(rng, KINDS)
        occurred = moment - timedelta(days=rng.uniform(0, 1800))
        resolved = kind == "complaint" and rng.random() < 0.7
        interactions.append(
            Interaction(
                customer=customer,
                kind=kind,
                direction="incoming" if rng.random() < 0.6 else "outgoing",
                occurred_at=occurred,
                subject=rng.choice(SUBJECTS),
                text="Asia hoidettu puhelimessa." if kind == "call" else "Kiitos viestistä.",
                resolution="Hyvitetty yksi tunti." if resolved else "",
                resolved_at=occurred + timedelta(days=2) if resolved else None,
                recorded_by=owner if rng.random() < 0.5 else None,
            )
        )
    bulk(Interaction, interactions)
    timer.step("interactions", len(interactions), started)

    # Consent events: newsletter and research permissions given and withdrawn over time,
    # and now and then an objection (every purpose on every channel, as the app records it).
    started = time.perf_counter()
    events = []
    objected: list[Any] = []

    def ledger(customer: Any, wanted: int, may_object: bool = True) -> None:
        at = customer.created_at
        given: set[tuple[str, str]] = set()
        while wanted > 0:
            at += timedelta(days=rng.uniform(1, 120))
            if may_object and rng.random() < 0.01:
                for purpose in ("newsletter", "research"):
                    for channel in ("email", "sms", "post", "phone"):
                        events.append(
                            ConsentEvent(
                                customer=customer,
                                purpose=purpose,
                                channel=channel,
                                action="objected",
                                source="own_page",
                                wording="Vastustan suoramarkkinointia.",
                                notice_version=1,
                                at=at,
                            )
                        )
                objected.append(customer)
                return
            purpose = "newsletter" if rng.random() < 0.8 else "research"
            channel = "email" if rng.random() < 0.75 else "sms"
            action = "withdrawn" if (purpose, channel) in given else "given"
            given.symmetric_difference_update({(purpose, channel)})
            events.append(
                ConsentEvent(
                    customer=customer,
                    purpose=purpose,
                    channel=channel,
                    action=action,
                    source="web_form" if action == "given" else "unsubscribe",
                    wording="Haluan studion uutiskirjeen ja tarjoukset sähköpostiini.",
                    notice_version=1,
                    at=at,
                    ip_network="192.0.2.0/24" if action == "given" else "",
                )
            )
            wanted -= 1

    ledger(light, 1, may_object=False)
    ledger(heavy, HEAVY_ROWS["consent_events"], may_object=False)
    per_customer = Counter(rng.randrange(len(others)) for _ in range(sizes.consent_events))
    for index, wanted in per_customer.items():
        ledger(others[index], wanted)
    bulk(ConsentEvent, events)
    timer.step("consent events", len(events), started)

    started = time.perf_counter()
    hashes = {suppression_hash(f"email:{c.email}") for c in objected if c.email}
    hashes |= {suppression_hash(f"phone:{c.phone}") for c in objected if c.phone}
    bulk(Suppression, [Suppression(value_hash=v, reason="objection") for v in sorted(hashes)])
    timer.step("suppressions", len(hashes), started)

    started = time.perf_counter()
    mails = []
    for _ in range(sizes.outbox):
        customer = rng.choice(others)
        sent = moment - timedelta(days=rng.uniform(0, 900))
        if not customer.email:
            continue
        mails.append(
            OutboxEmail(
                to=customer.email,
                subject=f"Studion uutiskirje {sent:%m/%Y}",
                body_text="Hei! Syksyn kurssit alkavat pian.\n",
                body_html="<p>Hei! Syksyn kurssit alkavat pian.</p>",
                customer=customer,
                created_at=sent,
                sent_at=sent,
                attempts=1,
                marketing_purpose="newsletter",
            )
        )
    bulk(OutboxEmail, mails)
    timer.step("outbox", len(mails), started)

    started = time.perf_counter()
    store = SessionStore()
    old = store.encode({"_auth_user_id": str(owner.pk)})
    sessions = [
        Session(
            session_key=secrets.token_hex(16),
            session_data=old,
            expire_date=moment - timedelta(days=rng.uniform(1, 700)),
        )
        for _ in range(sizes.expired_sessions)
    ]
    for _ in range(sizes.live_sessions):
        customer = rng.choice(others)
        data = {SESSION_KEY: {"customer": customer.pk, "until": moment.isoformat()}}
        sessions.append(
            Session(
                session_key=secrets.token_hex(16),
                session_data=store.encode(data),
                expire_date=moment + timedelta(days=365),
            )
        )
    bulk(Session, sessions)
    timer.step("sessions", len(sessions), started)

    RightsRequest.objects.create(
        request_type="access",
        status="verified",
        channel="web",
        email=heavy.email,
        customer=heavy,
        verified_at=moment,
        due_on=(moment + timedelta(days=30)).date(),
    )
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a load: statistics and the visibility map.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        timer.step("vacuum analyze", 0, started)
    total = time.perf_counter() - started_all
    print(f"  built in {total:.0f} s", flush=True)
    return {
        "customers": customers,
        "customers_total": Customer.objects.count(),
        "rows": {
            "courses": Course.objects.count(),
            "enrolments": Enrollment.objects.count(),
            "purchases": Purchase.objects.count(),
            "interactions": Interaction.objects.count(),
            "consent events": ConsentEvent.objects.count(),
            "outbox": OutboxEmail.objects.count(),
            "sessions": Session.objects.count(),
        },
        "heavy_rows": {
            "enrolments": heavy.enrollments.count(),
            "purchases": heavy.purchases.count(),
            "interactions": heavy.interactions.count(),
            "consent events": heavy.consent_events.count(),
        },
        "steps": timer.steps,
        "build_seconds": round(total, 1),
    }


def phase_check() -> dict[str, Any]:
    from customers.models import Customer

    return {"customers": Customer.objects.count()}


# --- Measuring pages in-process -----------------------------------------------------------


def percentiles(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(h.percentile(values, 50) * 1000, 1),
        "p95": round(h.percentile(values, 95) * 1000, 1),
    }


@dataclass
class Page:
    key: str
    path: str
    client: Any
    method: str = "GET"
    data: dict[str, Any] | None = None


def fetch(page: Page) -> tuple[float, Any]:
    started = time.perf_counter()
    if page.method == "POST":
        response = page.client.post(page.path, page.data or {})
    else:
        response = page.client.get(page.path)
    return time.perf_counter() - started, response


def captured(page: Page) -> tuple[float, Any, list[dict[str, Any]]]:
    """One request: (seconds, response, its queries with their SQL and exact durations)."""
    (seconds, response), found = with_queries(lambda: fetch(page))
    return seconds, response, found


def with_queries(run: Callable[[], Any]) -> tuple[Any, list[dict[str, Any]]]:
    """Run `run`: (its result, the queries it made with their SQL and exact durations)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    executed: list[tuple[str, float]] = []

    def timer(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            executed.append((sql, time.perf_counter() - started))

    with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(timer):
        result = run()
    found = [dict(q) for q in queries.captured_queries]
    # Django's own figure has millisecond steps on SQLite: put the exact durations in. Its
    # log also holds the BEGIN/COMMIT of transactions, which are no cursor.execute().
    timed, n = [], 0
    for query in found:
        statement = query["sql"].strip().upper()
        if statement in ("BEGIN", "COMMIT", "ROLLBACK") and not (
            n < len(executed) and executed[n][0].strip().upper().startswith(statement)
        ):
            continue
        timed.append((query, executed[n][1] if n < len(executed) else None))
        n += 1
    if n == len(executed):
        for query, duration in timed:
            query["time"] = f"{duration:.6f}"
    return result, found


def measure(page: Page, *, requests: int, warmups: int, budget: float) -> dict[str, Any]:
    """Warm-ups, one request with its queries captured, then `requests` timed ones (fewer
    if `budget` seconds run out first, but at least 3)."""
    first, _response = fetch(page)
    for _ in range(warmups - 1 if first < budget / 10 else 0):
        fetch(page)
    _seconds, response, queries = captured(page)
    body = b"" if getattr(response, "streaming", False) else response.content
    status, size = response.status_code, len(body)
    # Nothing of an earlier request stays alive: a TemplateResponse keeps its context (the
    # heavy change page's: a million option objects), and a big heap makes every garbage
    # collection slower. A worker serving requests holds none either.
    del _response, response, body
    gc.collect()
    times: list[float] = []
    cpu: list[float] = []  # this process's CPU: far below the wall time = waiting (for CPU)
    started = time.monotonic()
    while len(times) < requests:
        if len(times) >= 3 and time.monotonic() - started > budget:
            break
        cpu_started = time.process_time()
        times.append(fetch(page)[0])
        cpu.append(time.process_time() - cpu_started)
    result = {
        "path": page.path,
        "status": status,
        "bytes": size,
        "queries": len(queries),
        "n": len(times),
        **percentiles(times),
        "cpu_p50": round(h.percentile(cpu, 50) * 1000, 1),
    }
    print(
        f"  {page.key:<18} {result['status']} p50 {result['p50']:8.1f} ms  p95 "
        f"{result['p95']:8.1f} ms  CPU p50 {result['cpu_p50']:8.1f} ms  "
        f"{result['queries']:4d} queries  n={result['n']}",
        flush=True,
    )
    return result


class Markers:
    """The newest pk of the tables a measurement writes to; `restore()` deletes what came
    after, so that the data set stays the same from run to run (--keep)."""

    def __init__(self) -> None:
        from consent.models import (
            AuditEntry,
            LinkToken,
            OutboxEmail,
            RateLimitHit,
            RightsRequest,
        )

        self.models = [LinkToken, OutboxEmail, RightsRequest, AuditEntry, RateLimitHit]
        self.marks = {m: self._last(m) for m in self.models}

    @staticmethod
    def _last(model: Any) -> int:
        return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def restore(self) -> dict[str, int]:
        deleted = {}
        for model in self.models:
            count, _ = model.objects.filter(pk__gt=self.marks[model]).delete()
            deleted[model._meta.label] = count
        return deleted


def owner_client() -> Any:
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(
        User.objects.get(username=OWNER_USERNAME),
        backend="django.contrib.auth.backends.ModelBackend",
    )
    return client


def customer_client(customer_pk: int) -> Any:
    """A visitor whose session is the customer's own page, as the emailed link opens it."""
    from django.test import Client

    client = Client()
    session = client.session
    session[SESSION_KEY] = {
        "customer": customer_pk,
        "scope": "full",  # newer code tells a full session from a report-only one
        "until": (now() + timedelta(days=1)).isoformat(),
    }
    session.save()
    return client


def course_filter_parameter(course_id: int) -> str:
    """The changelist's course filter parameter, read from the admin's own filter specs."""
    from django.contrib import admin
    from django.contrib.auth.models import User
    from django.test import RequestFactory

    from customers.models import Customer

    model_admin = admin.site._registry[Customer]
    request = RequestFactory().get("/admin/customers/customer/")
    request.user = User.objects.get(username=OWNER_USERNAME)
    changelist = model_admin.get_changelist_instance(request)
    for spec in changelist.filter_specs:
        names = [p for p in spec.expected_parameters() if "course" in p]
        if names:
            exact = [p for p in names if p.endswith("exact")]
            return f"{(exact or names)[0]}={course_id}"
    raise SystemExit("no course filter found on the customer changelist")


@dataclass
class Targets:
    heavy: int
    light: int
    rights_request: int
    fragment: str
    email: str
    phone: str
    course_query: str


def targets() -> Targets:
    """The customers, the search terms and the course the pages are measured with."""
    from consent.models import RightsRequest
    from customers.models import Course, Customer

    heavy = Customer.objects.get(email=HEAVY_EMAIL)
    light = Customer.objects.get(email=LIGHT_EMAIL)
    rr = RightsRequest.objects.filter(customer=heavy, request_type="access").order_by("pk")
    pks = list(Customer.objects.exclude(phone="").exclude(email="").values_list("pk", flat=True))
    middle = Customer.objects.get(pk=sorted(pks)[len(pks) // 2])
    courses = list(Course.objects.order_by("pk").values_list("pk", flat=True))
    return Targets(
        heavy=heavy.pk,
        light=light.pk,
        rights_request=rr.first().pk,
        fragment=middle.last_name[:3].lower(),
        email=middle.email,
        phone=typed_phone(middle.phone),
        course_query=course_filter_parameter(courses[len(courses) // 2]),
    )


def pages_for(t: Targets, owner: Any, visitor: Any) -> list[Page]:
    q = urllib.parse.quote
    changelist = "/admin/customers/customer/"
    return [
        Page("change_heavy", f"/admin/customers/customer/{t.heavy}/change/", owner),
        Page("change_light", f"/admin/customers/customer/{t.light}/change/", owner),
        Page("cl_default", changelist, owner),
        Page("cl_search_name", f"{changelist}?q={q(t.fragment)}", owner),
        Page("cl_search_email", f"{changelist}?q={q(t.email)}", owner),
        Page("cl_search_phone", f"{changelist}?q={q(t.phone)}", owner),
        Page("cl_origin", f"{changelist}?origin__exact=booking_calendar", owner),
        Page("cl_course", f"{changelist}?{t.course_query}", owner),
        Page("purchases", "/admin/customers/purchase/", owner),
        Page("admin_index", "/admin/", owner),
        Page("report_admin", f"/admin/consent/rightsrequest/{t.rights_request}/report/", owner),
        Page("report_json", "/rights/my-data/download.json", visitor),
        Page("audience", "/admin/consent/newsletter/audience/", owner),
    ]


def worker_count_newsletter() -> str:
    """Run the one background job the front page reads (the newsletter's count), as the
    worker of a running deployment has; no other job runs (retention would change the
    data set). Its time, as the worker spends it."""
    from rekisteri.worker import jobs, run_job

    (job,) = [j for j in jobs() if j.name == "newsletter_count"]
    started = time.perf_counter()
    ok = run_job(job)
    return f"{'done' if ok else 'not run'} in {time.perf_counter() - started:.2f} s"


def phase_pages(requests: int, warmups: int, budget: float) -> dict[str, Any]:
    from django.db import connection

    from customers.inventory import personal_rules

    t = targets()
    markers = Markers()
    owner, visitor = owner_client(), customer_client(t.heavy)
    results: dict[str, Any] = {}
    counted = worker_count_newsletter()
    print(f"  the worker's newsletter count, as a deployment has it: {counted}", flush=True)
    try:
        for page in pages_for(t, owner, visitor):
            results[page.key] = measure(page, requests=requests, warmups=warmups, budget=budget)
            markers.restore()
        # Peak memory of the audience, in a request of its own: tracemalloc slows it down.
        audience = next(p for p in pages_for(t, owner, visitor) if p.key == "audience")
        tracemalloc.start()
        tracemalloc.reset_peak()
        fetch(audience)
        results["audience"]["peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
        act_queries = report_act_queries(t.heavy)
    finally:
        markers.restore()
    return {
        "vendor": connection.vendor,
        "personal_tables": len(list(personal_rules())),
        "report_act_queries": act_queries,
        "targets": t.__dict__,
        "pages": results,
    }


def report_act_queries(customer_pk: int) -> int:
    """The queries of the act of access itself (consent.acts.access.access_report), which
    the goal bounds; a page adds its own (the session, the signed-in user), counted apart.
    Its audit entry is rolled back."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from consent.acts.access import Use, access_report
    from customers.models import Customer

    customer = Customer.objects.get(pk=customer_pk)
    with CaptureQueriesContext(connection) as queries:
        try:
            with transaction.atomic():
                access_report(customer=customer, actor=None, use=Use.JSON)
                raise Rollback
        except Rollback:
            pass
    control = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")
    return sum(1 for q in queries.captured_queries if not q["sql"].upper().startswith(control))


# --- The booking-calendar import ----------------------------------------------------------


class Rollback(Exception):
    """Raised at the end of a timed write, so that the data set stays as it was."""


def booking_csv(rows: int, existing: list[tuple[str, str, str]], seed: int) -> dict[str, Any]:
    """A Varaa heti-like export: ~rows/3 people (30 % already customers) on rows/25
    sessions, a bad row in 200; and the plain rows a bulk_create of the same would write."""
    rng = random.Random(seed)  # noqa: S311 - fictional test data
    people_count = max(rows // 3, 1)
    sessions = max(rows // 25, 1)
    first_day = now().date() + timedelta(days=14)
    people = []
    reused = iter(existing)  # each existing customer at most once
    for n in range(people_count):
        found = next(reused, None) if n % 10 < 3 else None
        if found is not None:
            first, last, email = found
        else:
            first = rng.choice(FIRST_NAMES)
            last = rng.choice(SURNAME_STEMS) + rng.choice(SURNAME_ENDINGS)
            email = f"{ascii_fold(first)}.{ascii_fold(last)}.v{n}@example.fi"
        people.append((first, last, email, mobile(5_000_000 + n)))
    lines = ["Nimi;Sähköposti;Puhelin;Palvelu;Päivämäärä;Aika;Tila"]
    bookings: dict[tuple[int, int], str] = {}
    for n in range(rows):
        person, session = rng.randrange(people_count), rng.randrange(sessions)
        first, last, email, phone = people[person]
        day = first_day + timedelta(days=session // 4)
        status = rng.choice(("Varattu",) * 8 + ("Peruttu", "Saapunut"))
        if n % 200 == 0:
            email = "rikki@"  # a bad row now and then
        else:
            bookings.setdefault((person, session), status)
        lines.append(
            f"{first} {last};{email};{typed_phone(phone)};"
            f"{SERVICES[session % len(SERVICES)]} (tuonti);{day:%d.%m.%Y};{16 + session % 4}:00;"
            f"{status}"
        )
    data = ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")
    return {"data": data, "people": people, "sessions": sessions, "bookings": bookings}


def phase_import(rows: int, seed: int) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.db import transaction
    from django.utils import timezone

    from consent.mail.suppression import erasure_times, suppressed_addresses
    from customers import importing
    from customers.models import Course, CourseSession, Customer, Enrollment

    # The checks the admin's import view hands the import (customers/admin_import.py).
    admin_checks: dict[str, Any] = {
        "suppressed_addresses": suppressed_addresses,
        "erasures": erasure_times,
    }
    existing = list(
        Customer.objects.exclude(email="")
        .exclude(email__in=[HEAVY_EMAIL, LIGHT_EMAIL])
        .order_by("pk")
        .values_list("first_name", "last_name", "email")[:2000]
    )
    made = booking_csv(rows, existing, seed)
    actor = User.objects.get(username=OWNER_USERNAME)
    emails = [p[2] for p in made["people"]]
    known_pk = dict(Customer.objects.filter(email__in=emails).values_list("email", "pk"))
    booked = {person for person, _session in made["bookings"]}

    def plain() -> dict[str, Any]:
        """What the import writes, written with bulk_create and nothing else."""
        started = time.perf_counter()
        new = {
            i: Customer(
                first_name=p[0], last_name=p[1], email=p[2], phone=p[3], origin="booking_calendar"
            )
            for i, p in enumerate(made["people"])
            if i in booked and p[2] not in known_pk
        }
        Customer.objects.bulk_create(new.values(), batch_size=500)
        first_day = timezone.localdate() + timedelta(days=14)
        courses = {}
        for s in range(made["sessions"]):
            starts = timezone.make_aware(
                datetime.combine(first_day + timedelta(days=s // 4), datetime.min.time())
            ) + timedelta(hours=16 + s % 4)
            courses[s] = Course(
                name=f"{SERVICES[s % len(SERVICES)]} (tuonti)",
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                capacity=100,
            )
        Course.objects.bulk_create(courses.values(), batch_size=500)
        CourseSession.objects.bulk_create(
            (CourseSession(course=c, starts_at=c.starts_at, ends_at=c.ends_at)
             for c in courses.values()),
            batch_size=500,
        )  # fmt: skip
        status_of = {"Varattu": "enrolled", "Peruttu": "cancelled", "Saapunut": "attended"}
        enrolments = []
        for (person, session), label in made["bookings"].items():
            customer_pk = new[person].pk if person in new else known_pk[made["people"][person][2]]
            moment = min(courses[session].starts_at, timezone.now())
            status = status_of[label]
            enrolments.append(
                Enrollment(
                    customer_id=customer_pk,
                    course=courses[session],
                    status=status,
                    enrolled_at=moment,
                    cancelled_at=moment if status == "cancelled" else None,
                )
            )
        Enrollment.objects.bulk_create(enrolments, batch_size=500)
        return {
            "seconds": time.perf_counter() - started,
            "customers": len(new),
            "courses": len(courses),
            "sessions": len(courses),
            "enrolments": len(enrolments),
        }

    def through_import() -> dict[str, Any]:
        started = time.perf_counter()
        parsed = importing.read_bookings(made["data"])
        read = time.perf_counter()
        preview = importing.preview(parsed, **admin_checks)
        previewed = time.perf_counter()
        result = importing.import_bookings(parsed, actor=actor, **admin_checks)
        done = time.perf_counter()
        return {
            "read": read - started,
            "preview": previewed - read,
            "seconds": done - previewed,
            "customers": result.customers_created,
            "courses": result.courses_created,
            "enrolments": result.enrollments_created,
            "counts": preview.counts,
        }

    def rolled_back(step: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        try:
            with transaction.atomic():
                out = step()
                raise Rollback
        except Rollback:
            pass
        return out

    runs: dict[str, list[dict[str, Any]]] = {"plain": [], "import": []}
    for _ in range(2):
        runs["plain"].append(rolled_back(plain))
        runs["import"].append(rolled_back(through_import))
    best_plain = min(runs["plain"], key=lambda r: r["seconds"])
    best_import = min(runs["import"], key=lambda r: r["seconds"])
    # Where the import's time goes: its queries, and a profile of a third run.
    parsed = importing.read_bookings(made["data"])

    def write() -> None:
        importing.import_bookings(parsed, actor=actor, **admin_checks)

    _result, queries = with_queries(lambda: rolled_back(lambda: write() or {}))
    prof = profiled(lambda: rolled_back(lambda: write() or {}))
    diagnosis = [
        f"import_bookings: {len(queries):,} queries ({sql_ms(queries)} ms executing)",
        *[f"repeated: {r}" for r in repeated(queries, least=50)],
        f"profile ({prof['total_ms']:.0f} ms under cProfile):",
        *[f"    {b}" for b in prof["buckets"]],
        *[f"    {line}" for line in prof["top"][:5]],
    ]
    print(
        f"  import {best_import['seconds']:.2f} s (read {best_import['read']:.2f} s, preview "
        f"{best_import['preview']:.2f} s); bulk_create {best_plain['seconds']:.2f} s",
        flush=True,
    )
    return {"rows": rows, "plain": best_plain, "import": best_import, "diagnosis": diagnosis}


# --- Before and after the gunicorn load ---------------------------------------------------


def phase_mark(known: int) -> dict[str, Any]:
    from customers.models import Customer

    markers = Markers()
    emails = list(
        Customer.objects.exclude(email="")
        .exclude(email__in=[HEAVY_EMAIL, LIGHT_EMAIL])
        .order_by("?")
        .values_list("email", flat=True)[:known]
    )
    return {"marks": {m._meta.label: v for m, v in markers.marks.items()}, "emails": emails}


def phase_restore(marks: dict[str, int]) -> dict[str, Any]:
    markers = Markers()
    markers.marks = {m: marks[m._meta.label] for m in markers.models}
    return markers.restore()


# --- Diagnosis: where the time goes ---------------------------------------------------------

_NUMBER = re.compile(r"\b\d+(\.\d+)?\b")
_STRING = re.compile(r"'(?:[^']|'')*'")


_CURSOR = re.compile(r'"_django_curs_\w+"')


def shape(sql: str) -> str:
    """The query with its literals (and server-side cursor names) replaced, to find the same
    query run many times."""
    return _NUMBER.sub("?", _STRING.sub("?", _CURSOR.sub("?", sql)))


def repeated(queries: list[dict[str, Any]], least: int = 5) -> list[str]:
    counts = Counter(shape(q["sql"]) for q in queries)
    return [f"{n} x {sql[:150]}" for sql, n in counts.most_common(4) if n >= least]


def sql_ms(queries: list[dict[str, Any]]) -> float:
    return round(sum(float(q["time"]) for q in queries) * 1000, 1)


def explain(sql: str) -> list[str]:
    """EXPLAIN ANALYZE (PostgreSQL) or EXPLAIN QUERY PLAN (SQLite) of a captured query,
    cut to the lines that say where the time goes."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            lines = [row[0] for row in cursor.fetchall()]
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            lines = [row[-1] for row in cursor.fetchall()]
    if connection.vendor != "postgresql":
        return lines[:8]
    keep = re.compile(
        r"Seq Scan|Index|Sort|Aggregate|Unique|Join|Nested Loop|Limit|Rows Removed|"
        r"Execution Time|Gather|Materialize|Subquery|HashSetOp|Bitmap"
    )
    picked = [lines[0]] + [line for line in lines[1:] if keep.search(line)]
    return [line.rstrip() for line in picked[:14]]


# The course filter's choices query, on every customer changelist page (reported once).
FILTER_QUERY = "enrollments__course__pk"


def slowest(queries: list[dict[str, Any]], count: int, skip: str) -> list[dict[str, Any]]:
    selects = [
        q
        for q in queries
        if q["sql"].lstrip().upper().startswith(("SELECT", "DELETE"))
        and not (skip and skip in q["sql"])
    ]
    return sorted(selects, key=lambda q: float(q["time"]), reverse=True)[:count]


def explained(queries: list[dict[str, Any]], count: int = 2, skip: str = "") -> list[str]:
    """The `count` slowest queries (leaving out those containing `skip`), explained."""
    lines = []
    for q in slowest(queries, count, skip):
        lines.append(f"{float(q['time']) * 1000:.1f} ms: {q['sql'][:400]}")
        lines += [f"    {line}" for line in explain(q["sql"])]
    return lines


BUCKETS = (
    ("template rendering", ("django/template/", "django/templatetags/")),
    ("forms and widgets", ("django/forms/",)),
    ("admin code", ("django/contrib/admin/",)),
    ("ORM (Python side)", ("django/db/models/",)),
    ("database driver", ("django/db/backends/", "psycopg", "sqlite3")),
    ("i18n", ("django/utils/translation/", "gettext")),
    ("CSP middleware", ("/csp/",)),
    ("sessions and signing", ("django/contrib/sessions/", "django/core/signing")),
    ("middleware (other)", ("django/middleware/", "whitenoise", "axes", "django_otp")),
    ("hmac and hashlib", ("hmac", "_hashlib", "hashlib")),
    ("email and smtplib", ("smtplib", "django/core/mail/", "email/")),
    ("test client", ("django/test/",)),
    ("the app (customers, consent, rekisteri)", ("/customers/", "/consent/", "/rekisteri/")),
)


def bucket_of(filename: str) -> str | None:
    return next((b for b, marks in BUCKETS if any(m in filename for m in marks)), None)


def profiled(run: Callable[[], Any], repeat: int = 1) -> dict[str, Any]:
    """cProfile `run` (repeat times): own time per bucket of code and the top functions.

    Built-in and standard-library functions have no bucket of their own: their time goes
    to the buckets of the code that called them (up the call graph, in proportion to the
    time spent in them from each caller).
    """
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(repeat):
        run()
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    shares: dict[Any, dict[str, float]] = {}

    def share(key: Any, depth: int = 0) -> dict[str, float]:
        """Which buckets the time of function `key` belongs to, as fractions."""
        if key in shares:
            return shares[key]
        label = bucket_of(key[0])
        callers = stats[key][4] if key in stats else {}
        if label is not None or not callers or depth > 8:
            result = {label or "other": 1.0}
        else:
            shares[key] = {"other": 1.0}  # a cycle in the call graph ends here
            spent = sum(edge[2] for edge in callers.values())
            result = {}
            for caller, edge in callers.items():
                weight = edge[2] / spent if spent else 1 / len(callers)
                for name, part in share(caller, depth + 1).items():
                    result[name] = result.get(name, 0.0) + weight * part
        shares[key] = result
        return result

    buckets: Counter[str] = Counter()
    calls_by: Counter[str] = Counter()
    cumulative_by: Counter[str] = Counter()
    total = 0.0
    functions = []
    for key, (_cc, calls, own, cumulative, _callers) in stats.items():
        filename, line, name = key
        total += own
        for label, part in share(key).items():
            buckets[label] += own * part
        where = "/".join(Path(filename).parts[-2:]) if filename != "~" else ""
        functions.append((own, cumulative, calls, f"{where}:{line}({name})"))
        calls_by[f"{where}:{name}"] += calls
        cumulative_by[f"{where}:{name}"] += cumulative
    top = sorted(functions, reverse=True)[:8]
    return {
        "total_ms": round(total * 1000 / repeat, 1),
        "buckets": [
            f"{label}: {seconds * 1000 / repeat:.1f} ms ({100 * seconds / total:.0f} %)"
            for label, seconds in buckets.most_common(6)
        ],
        "top": [
            f"{own * 1000 / repeat:.1f} ms own, {cum * 1000 / repeat:.1f} ms cumulative, "
            f"{calls // repeat} calls: {where}"
            for own, cum, calls, where in top
        ],
        "calls": {
            key: (calls_by[key] // repeat, round(cumulative_by[key] * 1000 / repeat, 1))
            for key in calls_by
        },
    }


def sampled(run: Callable[[], Any], interval: float = 0.005) -> tuple[Any, dict[str, Any]]:
    """Run `run` with a CPU-time sampler (SIGPROF every `interval` s of CPU): a profile cheap
    enough for a request of minutes, where cProfile would triple it. Each sample goes to the
    bucket of the innermost frame that has one; time spent waiting for the database server
    uses no CPU here and is not sampled (the captured queries time it)."""

    buckets: Counter[str] = Counter()
    innermost: Counter[str] = Counter()

    def sample(signum: int, frame: Any) -> None:
        if frame is None:
            return
        code = frame.f_code
        innermost[f"{'/'.join(Path(code.co_filename).parts[-2:])}:{code.co_name}"] += 1
        label = None
        while frame is not None and label is None:
            label = bucket_of(frame.f_code.co_filename)
            frame = frame.f_back
        buckets[label or "other"] += 1

    previous = signal.signal(signal.SIGPROF, sample)
    signal.setitimer(signal.ITIMER_PROF, interval, interval)
    try:
        result = run()
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, previous)
    total = sum(buckets.values()) or 1
    return result, {
        "samples": total,
        "buckets": [f"{b}: {100 * n / total:.0f} % of samples" for b, n in buckets.most_common(6)],
        "top": [f"{100 * n / total:.1f} %: {where}" for where, n in innermost.most_common(6)],
    }


def calls_of(profile: dict[str, Any], suffix: str) -> tuple[int, float]:
    """Calls of the functions whose "folder/file.py:name" ends with `suffix`, and their
    cumulative milliseconds (a recursive function's count includes its recursion)."""
    found = [v for k, v in profile["calls"].items() if k.endswith(suffix)]
    return (sum(c for c, _ in found), sum(ms for _, ms in found)) if found else (0, 0.0)


def diagnosis(key: str, title: str, lines: list[str]) -> dict[str, Any]:
    print(f"  diagnosed: {key}", flush=True)
    return {"key": key, "title": title, "lines": lines}


def phase_diagnose(seed: int) -> dict[str, Any]:
    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import override_settings

    from consent.models import ConsentEvent, OutboxEmail, RightsRequest
    from customers.models import Course, Customer, Enrollment, Interaction, Purchase

    t = targets()
    markers = Markers()
    owner, visitor = owner_client(), customer_client(t.heavy)
    pages = {p.key: p for p in pages_for(t, owner, visitor)}
    items = []

    def look(key: str) -> tuple[float, Any, list[dict[str, Any]]]:
        fetch(pages[key])  # warm
        return captured(pages[key])

    try:
        # 1. The change page of the heavy customer.
        # Minutes per request: sampled, not cProfiled (the first request of this process).
        (seconds, response, queries), samples = sampled(lambda: captured(pages["change_heavy"]))
        html = response.content.decode()
        forms = re.findall(r'name="([\w-]+)-TOTAL_FORMS"[^>]*value="(\d+)"', html)
        forms += re.findall(r'value="(\d+)"[^>]*name="([\w-]+)-TOTAL_FORMS"', html)
        light = look("change_light")
        items.append(
            diagnosis(
                "change_page",
                "Customer change page: every related row an inline form, a <select> of "
                "every course in each",
                [
                    f"heavy customer: {seconds * 1000:.0f} ms, {len(response.content):,} bytes of "
                    f"HTML, {html.count('<option'):,} <option> elements, "
                    f"{len(re.findall(r'<select[^>]*-course', html))} course <select>s",
                    f"inline forms: {', '.join(f'{a}={b}' for a, b in forms)}",
                    f"light customer (one row per inline): {light[0] * 1000:.0f} ms, "
                    f"{light[1].content.count(b'<option'):,} <option> elements (the empty "
                    "forms the inlines keep for 'Add another')",
                    f"queries: heavy {len(queries)} ({sql_ms(queries)} ms in SQL), light "
                    f"{len(light[2])}",
                    *[f"repeated: {r}" for r in repeated(queries)],
                    f"CPU samples ({samples['samples']:,}, one per 5 ms of CPU):",
                    *[f"    {b}" for b in samples["buckets"]],
                    "innermost frames:",
                    *[f"    {line}" for line in samples["top"][:5]],
                ],
            )
        )
        del response, html, light  # the heavy page's context: a million objects
        gc.collect()
        markers.restore()

        # 2. The changelist: the course filter, the search, the counts.
        base = look("cl_default")
        course = look("cl_course")
        distinct = [q for q in base[2] if FILTER_QUERY in q["sql"]]
        parameter = t.course_query.split("=")[0]
        links = base[1].content.decode().count(f"?{parameter}=")
        prof = profiled(lambda: fetch(pages["cl_default"]))
        items.append(
            diagnosis(
                "course_filter",
                "Changelist course filter: RelatedOnlyFieldListFilter on enrollments__course "
                "(DISTINCT over the enrolment join)",
                [
                    f"default changelist {base[0] * 1000:.0f} ms, {len(base[2])} queries, "
                    f"{sql_ms(base[2])} ms in SQL",
                    f"course-filtered changelist {course[0] * 1000:.0f} ms, {len(course[2])} "
                    f"queries, {sql_ms(course[2])} ms in SQL",
                    f"the filter's DISTINCT query, run on every changelist page: "
                    f"{sum(float(q['time']) for q in distinct) * 1000:.1f} ms",
                    *explained(distinct, 1),
                    f"the filter lists {links:,} courses as links "
                    f"({len(base[1].content):,} bytes of HTML)",
                    f"profile of the default page ({prof['total_ms']:.0f} ms under cProfile):",
                    *[f"    {b}" for b in prof["buckets"]],
                    "slowest other query of the course-filtered page:",
                    *explained(course[2], 1, skip=FILTER_QUERY),
                ],
            )
        )
        search = look("cl_search_name")
        counts = [q for q in search[2] if "COUNT(" in q["sql"].upper()]
        items.append(
            diagnosis(
                "search",
                "Changelist search: icontains on four fields, and the count done twice",
                [
                    f"?q={t.fragment}: {search[0] * 1000:.0f} ms, {len(search[2])} queries, "
                    f"{sql_ms(search[2])} ms in SQL, {len(counts)} COUNT queries "
                    f"({sum(float(q['time']) for q in counts) * 1000:.1f} ms)",
                    *explained(search[2], 2, skip=FILTER_QUERY),
                ],
            )
        )
        for key in ("cl_search_email", "cl_search_phone", "cl_origin"):
            other = look(key)
            items.append(
                diagnosis(
                    key,
                    f"Changelist {key.removeprefix('cl_').replace('_', ' ')}",
                    [
                        f"{pages[key].path}: {other[0] * 1000:.0f} ms, {len(other[2])} queries, "
                        f"{sql_ms(other[2])} ms in SQL",
                        *explained(other[2], 1, skip=FILTER_QUERY),
                    ],
                )
            )

        # 3. Purchases: the ordering and the date hierarchy.
        purchases = look("purchases")
        items.append(
            diagnosis(
                "purchases",
                "Purchases changelist: ordered by -purchased_on with no index, date_hierarchy",
                [
                    f"{purchases[0] * 1000:.0f} ms, {len(purchases[2])} queries, "
                    f"{sql_ms(purchases[2])} ms in SQL",
                    *explained(purchases[2], 3),
                ],
            )
        )

        # 4. The access report: a query per row?
        report = look("report_admin")
        download = look("report_json")
        items.append(
            diagnosis(
                "access_report",
                "Access report: one query per row (no select_related)",
                [
                    f"admin report: {report[0] * 1000:.0f} ms, {len(report[2])} queries "
                    f"({sql_ms(report[2])} ms in SQL)",
                    *[f"repeated: {r}" for r in repeated(report[2])],
                    f"JSON download: {download[0] * 1000:.0f} ms, {len(download[2])} queries "
                    f"({sql_ms(download[2])} ms in SQL)",
                    *[f"repeated: {r}" for r in repeated(download[2])],
                ],
            )
        )
        markers.restore()

        # 5. The newsletter audience.
        prof = profiled(lambda: fetch(pages["audience"]))
        audience = captured(pages["audience"])
        hmacs = calls_of(prof, "/hmac.py:new")
        inits = calls_of(prof, "models/base.py:__init__")
        items.append(
            diagnosis(
                "audience",
                "Newsletter audience: every customer built, every consent event prefetched, "
                "HMACs in Python",
                [
                    f"{audience[0] * 1000:.0f} ms, {len(audience[2])} queries "
                    f"({sql_ms(audience[2])} ms in SQL) for {Customer.objects.count():,} "
                    f"customers and {ConsentEvent.objects.count():,} consent events",
                    f"hmac.new called {hmacs[0]:,} times ({hmacs[1]:.0f} ms cumulative); model "
                    f"__init__ {inits[0]:,} times ({inits[1]:.0f} ms)",
                    f"profile ({prof['total_ms']:.0f} ms under cProfile):",
                    *[f"    {b}" for b in prof["buckets"]],
                    *[f"    {line}" for line in prof["top"][:6]],
                    *[f"slowest SQL {line}" for line in explained(audience[2], 1)[:1]],
                ],
            )
        )

        # 6. GET /rights/: the cost of one render, and where it goes.
        public = Client()
        public.get("/rights/")
        cpu = []
        for _ in range(200):
            started = time.process_time()
            public.get("/rights/")
            cpu.append(time.process_time() - started)
        bare_cpu = []
        for _ in range(200):
            started = time.process_time()
            public.get("/bench/bare/")
            bare_cpu.append(time.process_time() - started)
        _s, _r, form_queries = captured(Page("rights", "/rights/", public))
        prof = profiled(lambda: public.get("/rights/"), repeat=100)
        items.append(
            diagnosis(
                "rights_get",
                "GET /rights/: CPU per render with no query (template, middleware, CSP, i18n)",
                [
                    f"CPU per request in-process: p50 {h.percentile(cpu, 50) * 1000:.2f} ms, "
                    f"p95 {h.percentile(cpu, 95) * 1000:.2f} ms; {len(form_queries)} queries; "
                    f"the bare view /bench/bare/: p50 {h.percentile(bare_cpu, 50) * 1000:.2f} ms",
                    f"profile (per request, {prof['total_ms']:.2f} ms under cProfile):",
                    *[f"    {b}" for b in prof["buckets"]],
                    *[f"    {line}" for line in prof["top"][:6]],
                ],
            )
        )

        # 7. POST /rights/: the email is sent inside the request.
        posts = []
        sink = h.SmtpSink().start()
        try:
            for label, mail in (
                ("mail discarded (dummy backend)", {}),
                (
                    "SMTP to a local sink",
                    {
                        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                        "EMAIL_HOST": h.HOST,
                        "EMAIL_PORT": sink.port,
                        "EMAIL_USE_TLS": False,
                        "EMAIL_HOST_USER": "",
                        "EMAIL_HOST_PASSWORD": "",
                    },
                ),
            ):
                with override_settings(**mail):
                    times = []
                    for n in range(40):
                        data = {
                            "email": f"diagnoosi-{label[:4]}-{n}@example.fi",
                            "request_type": "access",
                            "message": "",
                            "website": "",
                        }
                        started = time.perf_counter()
                        answer = public.post("/rights/", data)
                        times.append(time.perf_counter() - started)
                    last = data | {"email": f"profiili-{label[:4]}@example.fi"}
                    prof = profiled(lambda d=last: public.post("/rights/", d))
                    _s, _r, post_queries = captured(
                        Page("post", "/rights/", public, "POST", last | {"email": "x@example.fi"})
                    )
                smtp = calls_of(prof, "/smtplib.py:sendmail")
                commits = calls_of(prof, "psycopg/connection.py:commit")
                if not commits[0]:
                    commits = calls_of(prof, "<method 'commit' of 'sqlite3.Connection' objects>")
                posts += [
                    f"{label}: p50 {h.percentile(times, 50) * 1000:.1f} ms, p95 "
                    f"{h.percentile(times, 95) * 1000:.1f} ms (status {answer.status_code}), "
                    f"{len(post_queries)} queries ({sql_ms(post_queries)} ms executing)",
                    f"    one POST profiled: {prof['total_ms']:.1f} ms, of which smtplib sendmail "
                    f"{smtp[1]:.1f} ms ({smtp[0]} call), {commits[0]} COMMITs {commits[1]:.1f} ms",
                    *[f"    {b}" for b in prof["buckets"][:4]],
                ]
        finally:
            sink.stop()
            markers.restore()
        items.append(
            diagnosis("rights_post", "POST /rights/: the email is sent inside the request", posts)
        )

        # 8. Erasure: every unexpired session decoded; the outbox searched by to__iexact.
        live = Session.objects.filter(expire_date__gt=now()).count()
        lines = [f"sessions: {Session.objects.count():,} in the table, {live:,} unexpired"]
        try:
            with transaction.atomic():
                doomed = Customer.objects.create(
                    first_name="Poistettava",
                    last_name="Asiakas",
                    email="poistettava.asiakas@example.fi",
                    phone="+358403333333",
                    postal_code="11100",
                    city="Riihimäki",
                )
                course_row = Course.objects.order_by("pk").first()
                Enrollment.objects.bulk_create([Enrollment(customer=doomed, course=course_row)])
                Purchase.objects.bulk_create(
                    [Purchase(customer=doomed, description="Kortti", amount=Decimal("10"))]
                )
                Interaction.objects.bulk_create([Interaction(customer=doomed, kind="email")])
                OutboxEmail.objects.create(
                    to=doomed.email, subject="Hei", body_text="Hei", customer=doomed
                )
                request = RightsRequest.objects.create(
                    request_type="erasure",
                    status="verified",
                    email=doomed.email,
                    customer=doomed,
                    verified_at=now(),
                    due_on=now().date() + timedelta(days=30),
                )
                erase = Page(
                    "erase",
                    f"/admin/consent/rightsrequest/{request.pk}/erase/",
                    owner,
                    "POST",
                    {},
                )
                box: dict[str, Any] = {}

                def run_erase() -> None:
                    box["result"] = captured(erase)

                prof = profiled(run_erase)
                seconds, answer, erase_queries = box["result"]
                decoded = calls_of(prof, "sessions/base_session.py:get_decoded")
                gone = not Customer.objects.filter(pk=doomed.pk).exists()
                outbox_sql = [
                    q
                    for q in erase_queries
                    if q["sql"].startswith('DELETE FROM "consent_outboxemail"')
                    and '"consent_outboxemail"."to"' in q["sql"]
                ]
                lines += [
                    f"erase POST: {seconds * 1000:.0f} ms (under cProfile), status "
                    f"{answer.status_code}, customer erased: {gone}, {len(erase_queries)} queries "
                    f"({sql_ms(erase_queries)} ms in SQL)",
                    f"Session.get_decoded called {decoded[0]:,} times, {decoded[1]:.0f} ms "
                    f"cumulative ({decoded[1] / max(decoded[0], 1) * 1000:.0f} µs each)",
                    f"outbox: {OutboxEmail.objects.count():,} rows; the erasure's delete by "
                    "address:",
                    *explained(outbox_sql, 1),
                ]
                raise Rollback
        except Rollback:
            pass
        items.append(
            diagnosis(
                "erasure",
                "Erasure: every unexpired session decoded; the outbox searched by to__iexact",
                lines,
            )
        )
    finally:
        markers.restore()
    return {
        "vendor": connection.vendor,
        "database": settings.DATABASES["default"]["NAME"],
        "items": items,
    }


PHASES: dict[str, Callable[..., Any]] = {
    "build": phase_build,
    "check": phase_check,
    "pages": phase_pages,
    "import": phase_import,
    "mark": phase_mark,
    "restore": phase_restore,
    "diagnose": phase_diagnose,
}


def child(args: argparse.Namespace) -> int:
    setup_django()
    result = PHASES[args.phase](**json.loads(args.phase_params or "{}"))
    Path(args.phase_out).write_text(json.dumps(result, indent=2, default=str))
    return 0


# --- The load on gunicorn ------------------------------------------------------------------


def vm_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def gunicorn_load(
    data: DataSet, folder: Path, known: list[str], requests: int, clients: int, workers: int
) -> dict[str, Any]:
    port = h.free_port()
    env = django_env(folder, data.url, web_port=port)
    server = h.Gunicorn(env, folder, port=port, workers=workers).start()
    try:
        rss_before = [vm_rss_mb(pid) for pid in server.worker_pids()]
        for path in ("/bench/bare/", "/rights/"):
            h.hammer(port, path, 200, clients)  # warm-up: every worker, every template

        def hammered(path: str) -> dict[str, Any]:
            rps, latencies, bad = h.hammer(port, path, requests, clients)
            print(f"  GET {path}: {rps:.0f} req/s, non-200: {bad}", flush=True)
            return {"rps": rps, **percentiles(latencies), "bad": bad}

        bare_before = hammered("/bench/bare/")
        form = hammered("/rights/")
        load = h.Load(port, h.make_jobs(requests, known), clients).start()
        load.join(timeout=600)
        wall = load.ended - load.started
        ok = sum(1 for r in load.results if r.ok)
        post = {
            "rps": len(load.results) / wall if wall else 0.0,
            **percentiles([r.answer.elapsed for r in load.results]),
            "bad": len(load.results) - ok,
            "answers": h.status_counts(load.results),
        }
        print(f"  POST /rights/: {post['rps']:.0f} req/s, answers {post['answers']}", flush=True)
        bare_after = hammered("/bench/bare/")
        rss = [vm_rss_mb(pid) for pid in server.worker_pids()]
        errors = server.tracebacks()
    finally:
        server.stop()
    return {
        "workers": workers,
        "clients": clients,
        "requests": requests,
        "bare_before": bare_before,
        "bare_after": bare_after,
        "bare_rps": (bare_before["rps"] + bare_after["rps"]) / 2,
        "get": form,
        "post": post,
        "rss_before_mb": [round(v, 1) for v in rss_before],
        "rss_mb": [round(v, 1) for v in rss],
        "errors": [h.exception_line(e) for e in errors][:5],
    }


# --- The table ----------------------------------------------------------------------------


@dataclass
class Row:
    what: str
    goal: str
    measured: str
    ok: bool | None  # None: not measured

    @property
    def verdict(self) -> str:
        return "—" if self.ok is None else ("pass" if self.ok else "**FAIL**")


def page_text(p: dict[str, Any]) -> str:
    text = f"p50 {p['p50']:.1f} / p95 {p['p95']:.1f} ms (CPU p50 {p['cpu_p50']:.0f}), "
    text += f"{p['queries']} queries"
    if p["status"] != 200:
        text += f", **status {p['status']}**"
    return text + f" (n={p['n']})"


def table_rows(
    big: dict[str, Any],
    small: dict[str, Any] | None,
    imported: dict[str, Any] | None,
    load: dict[str, Any] | None,
    customers: int,
    small_customers: int,
) -> list[Row]:
    pages = big["pages"]
    limit = 100.0 if big["vendor"] == "postgresql" else 150.0
    n = f"{customers:,}"
    rows = []

    def fine(p: dict[str, Any], ms: float) -> bool:
        return p["status"] == 200 and p["p95"] <= ms

    heavy, light = pages["change_heavy"], pages["change_light"]
    rows.append(
        Row(
            "customer change page, heavy customer",
            "p95 ≤ 300 ms",
            page_text(heavy),
            fine(heavy, 300),
        )
    )
    rows.append(
        Row(
            "change page queries: light / heavy customer",
            "equal",
            f"{light['queries']} / {heavy['queries']}",
            light["queries"] == heavy["queries"],
        )
    )
    labels = {
        "cl_default": "customer changelist: default",
        "cl_search_name": f"… search name fragment `{big['targets']['fragment']}`",
        "cl_search_email": "… search full email",
        "cl_search_phone": f"… search phone `{big['targets']['phone']}`",
        "cl_origin": "… filter by origin",
        "cl_course": f"… filter by course (`{big['targets']['course_query'].split('=')[0]}`)",
    }
    for key, label in labels.items():
        p = pages[key]
        measured = page_text(p)
        same = True
        if small is not None:
            q_small = small["pages"][key]["queries"]
            measured += f"; {q_small} queries at {small_customers:,}"
            same = q_small == p["queries"]
        goal = f"p95 ≤ {limit:.0f} ms"
        if small is not None:
            goal += f"; same queries at {small_customers:,} and {n}"
        rows.append(Row(label, goal, measured, fine(p, limit) and same))
    for key, label in (("purchases", "purchases changelist"), ("admin_index", "admin index")):
        rows.append(Row(label, "p95 ≤ 100 ms", page_text(pages[key]), fine(pages[key], 100)))
    most = big["personal_tables"] + 3
    for key, label in (
        ("report_admin", "access report, heavy customer: owner's admin view"),
        ("report_json", "access report, heavy customer: own JSON download"),
    ):
        p = pages[key]
        act = big["report_act_queries"]
        rows.append(
            Row(
                label,
                f"p95 ≤ 50 ms; the act ≤ {most} queries ({big['personal_tables']} personal "
                "tables + 3)",
                f"{page_text(p)} in the page, {act} of them the act's",
                fine(p, 50) and act <= most,
            )
        )
    a = pages["audience"]
    rows.append(
        Row(
            f"newsletter audience over {n} customers",
            "≤ 1 s (p95); peak memory reported",
            f"{page_text(a)}; peak {a.get('peak_mb', math.nan)} MB (tracemalloc)",
            fine(a, 1000),
        )
    )
    if load is None:
        rows.append(Row("GET and POST /rights/ on gunicorn", "", "not run (--no-load)", None))
    else:
        bare, get, post = load["bare_rps"], load["get"], load["post"]
        setup = f"{load['workers']} workers, {load['clients']} clients, {load['requests']} each"
        rows.append(
            Row(
                f"GET /rights/ on gunicorn ({setup})",
                "≥ 50 % of a bare view's req/s",
                f"{get['rps']:.0f} req/s = {100 * get['rps'] / bare:.0f} % of {bare:.0f} "
                f"(p50 {get['p50']} / p95 {get['p95']} ms; non-200: {get['bad']})",
                get["rps"] >= 0.5 * bare and get["bad"] == 0,
            )
        )
        rows.append(
            Row(
                "POST /rights/ on gunicorn (distinct emails, mail discarded)",
                "≥ 25 % of the bare view's req/s; p95 ≤ 50 ms",
                f"{post['rps']:.0f} req/s = {100 * post['rps'] / bare:.0f} %, p50 "
                f"{post['p50']} / p95 {post['p95']} ms; not accepted: {post['bad']}",
                post["rps"] >= 0.25 * bare and post["p95"] <= 50 and post["bad"] == 0,
            )
        )
    if imported is None:
        rows.append(Row("booking import", "", "not run (--no-import)", None))
    else:
        i, p = imported["import"], imported["plain"]
        ratio = i["seconds"] / p["seconds"]
        rows.append(
            Row(
                f"booking import of {imported['rows']:,} rows vs plain bulk_create",
                "ratio ≤ 3",
                f"import_bookings {i['seconds']:.2f} s / bulk_create {p['seconds']:.2f} s = "
                f"{ratio:.1f} (read {i['read']:.2f} s, preview {i['preview']:.2f} s; "
                f"{i['enrolments']} vs {p['enrolments']} enrolments)",
                ratio <= 3,
            )
        )
    if load is not None:
        rss = load["rss_mb"]
        rows.append(
            Row(
                "gunicorn worker RSS after the load",
                "≤ 120 MB",
                f"{', '.join(f'{v:.0f}' for v in rss)} MB (at start "
                f"{', '.join(f'{v:.0f}' for v in load['rss_before_mb'])} MB)",
                bool(rss) and max(rss) <= 120,
            )
        )
    return rows


def print_markdown(rows: list[Row]) -> None:
    print("| what | goal | measured | pass/fail |")
    print("| --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row.what} | {row.goal} | {row.measured} | {row.verdict} |")


def uptime() -> str:
    try:
        done = subprocess.run(["uptime"], capture_output=True, text=True, check=False)  # noqa: S607
        return done.stdout.strip()
    except OSError:
        return h.machine_line()


def commit() -> str:
    if os.environ.get("BENCH_COMMIT"):
        return os.environ["BENCH_COMMIT"]
    done = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "(not a git checkout)"


# --- Main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument(
        "--small", type=int, default=1000, help="customers of the query-count data set (0: none)"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="PostgreSQL server to create the bench databases on (default: DATABASE_URL; "
        "unset: SQLite files)",
    )
    parser.add_argument(
        "--keep", action="store_true", help=f"keep the data sets (in {STATE_DIR}) and reuse them"
    )
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument(
        "--budget", type=float, default=60, help="seconds per page before it stops at n ≥ 3"
    )
    parser.add_argument("--load-requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--no-load", action="store_true", help="skip gunicorn")
    parser.add_argument("--no-import", action="store_true", help="skip the booking import")
    parser.add_argument("--no-diagnose", action="store_true", help="skip the diagnosis")
    parser.add_argument("--json", help="also write every figure to this file")
    parser.add_argument(
        "--commit", help="the commit to print, when the app folder is no git checkout (an export)"
    )
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--phase-out", help=argparse.SUPPRESS)
    parser.add_argument("--phase-params", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        return child(args)

    if args.commit:
        os.environ["BENCH_COMMIT"] = args.commit
    # A SIGTERM ends the run through `finally`: gunicorn stopped, databases dropped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    folder = h.workdir()
    started = time.monotonic()
    sets: list[DataSet] = []
    print(f"commit {commit()}; {uptime()}")
    print(f"machine: {h.machine_line()}")
    try:
        big = make_dataset(args.customers, args.database_url, folder, args.keep)
        sets.append(big)
        env = django_env(folder, big.url)
        if big.vendor == "postgresql":
            print(f"PostgreSQL {h.postgres_version(args.database_url)}")
        built = ensure_built(big, env, folder, args.seed)
        small = small_env = small_built = None
        if args.small:
            small = make_dataset(args.small, args.database_url, folder, args.keep)
            sets.append(small)
            small_env = django_env(folder, small.url)
            small_built = ensure_built(small, small_env, folder, args.seed)
        h.manage(env, "collectstatic", "--noinput", timeout=300)

        measuring = {"requests": args.requests, "warmups": args.warmups, "budget": args.budget}
        print(f"\npages at {args.customers:,} customers ({big.vendor}):")
        pages = run_phase("pages", env, folder, **measuring)
        small_pages = None
        if small is not None and small_env is not None:
            print(f"\npages at {args.small:,} customers ({small.vendor}):")
            small_pages = run_phase("pages", small_env, folder, **measuring)
        imported = None
        if not args.no_import:
            print(f"\nbooking import of {args.import_rows:,} rows:")
            imported = run_phase("import", env, folder, rows=args.import_rows, seed=args.seed)
        load = None
        if not args.no_load:
            print(f"\ngunicorn, {args.workers} workers, {args.clients} clients:")
            marked = run_phase("mark", env, folder, known=args.load_requests // 2)
            try:
                load = gunicorn_load(
                    big, folder, marked["emails"], args.load_requests, args.clients, args.workers
                )
            finally:
                run_phase("restore", env, folder, marks=marked["marks"])
        diagnosed = None
        if not args.no_diagnose:
            print("\ndiagnosis:")
            diagnosed = run_phase("diagnose", env, folder, seed=args.seed)

        rows = table_rows(pages, small_pages, imported, load, args.customers, args.small)
        title = (
            f"Scale benchmark: {args.customers:,} customers on {big.vendor}, commit {commit()}, "
            f"{time.strftime('%Y-%m-%d %H:%M %Z')}"
        )
        print(f"\n{title}\n{'=' * len(title)}")
        print(f"machine: {h.machine_line()}; now: {uptime()}")
        build_note = "reused (--keep)" if built.get("reused") else "built now"
        print(
            f"data set: {built['customers_total']:,} customers, "
            + ", ".join(f"{v:,} {k}" for k, v in built["rows"].items())
            + f"; heavy customer: {built['heavy_rows']}; build {built['build_seconds']} s "
            f"({build_note})"
        )
        if small_built is not None:
            print(
                f"small data set: {small_built['customers_total']:,} customers, built in "
                f"{small_built['build_seconds']} s"
            )
        print(f"personal tables (customers.inventory.personal_rules()): {pages['personal_tables']}")
        print()
        print_markdown(rows)
        failed = [r for r in rows if r.ok is False]
        print(f"\n{len(rows) - len(failed)} of {len(rows)} rows pass.")
        if load is not None and load["errors"]:
            print(f"gunicorn logged errors: {load['errors']}")
        if diagnosed is not None:
            print(f"\nWhere the time goes ({diagnosed['vendor']})")
            print("-" * 30)
            items = list(diagnosed["items"])
            if imported is not None:
                title = f"Booking import of {imported['rows']:,} rows"
                items.append({"title": title, "lines": imported["diagnosis"]})
            for item in items:
                print(f"\n* {item['title']}")
                for line in item["lines"]:
                    print(f"    {line}")
        if args.json:
            Path(args.json).write_text(
                json.dumps(
                    {
                        "built": built,
                        "small_built": small_built,
                        "pages": pages,
                        "small_pages": small_pages,
                        "import": imported,
                        "load": load,
                        "diagnosis": diagnosed,
                        "rows": [r.__dict__ for r in rows],
                    },
                    indent=2,
                    default=str,
                )
            )
        print(f"\nscale: {time.monotonic() - started:.0f} s in all")
        return 0 if not failed else 1
    finally:
        for data in sets:
            if not data.persistent:
                try:
                    data.drop()
                except Exception as error:  # noqa: BLE001 - cleaning up must go on
                    print(f"warning: could not drop {data.name}: {error}", file=sys.stderr)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
