"""Gone at the byte level (R16): after an erasure the person's name, email, phone and street
are in none of the SQLite database's files — the database, its -wal and its -shm — while
another connection (the background sender's) is open."""

import sqlite3
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection

from consent.acts.erasure import erase_customer
from consent.mail.outbox import queue_email
from consent.models import OutboxEmail, RightsRequest
from customers.models import Customer, Interaction

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite_only]

# Strings no other test writes, so that only this person's bytes can match.
IDENTITY = {
    "first_name": "Quorvalda",
    "last_name": "Zyntheriks",
    "email": "quorvalda.zyntheriks@example.fi",
    "phone": "+358409876123",
    "street_address": "Xylofoninkuja 77",
}


def _files() -> list[Path]:
    database = Path(connection.settings_dict["NAME"])
    return [p for p in (database, Path(f"{database}-wal"), Path(f"{database}-shm")) if p.exists()]


def _found() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in _files():
        data = path.read_bytes()
        for name, value in IDENTITY.items():
            for form in (value, value.lower(), value.upper()):
                if form.encode() in data:
                    found.setdefault(path.name, []).append(name)
    return found


def test_an_erased_persons_bytes_leave_the_database_files(
    owner, django_capture_on_commit_callbacks
):
    person = Customer.objects.create(**IDENTITY, city="Helsinki", postal_code="00100")
    Interaction.objects.create(
        customer=person, kind="email", subject=f"Viesti: {IDENTITY['first_name']}"
    )
    request = RightsRequest.objects.create(
        request_type="erasure",
        status="verified",
        email=IDENTITY["email"],
        customer=person,
        due_on="2030-01-01",
    )
    queue_email(
        to=IDENTITY["email"],
        template="rights_extended",
        context={"request": request},
        language="fi",
        customer=person,
        request=request,
    )
    # The background sender's connection, open throughout.
    sender = sqlite3.connect(connection.settings_dict["NAME"])
    try:
        sender.execute("SELECT count(*) FROM consent_outboxemail").fetchone()
        assert _found(), "the person's data should be in the files before the erasure"
        with django_capture_on_commit_callbacks(execute=True):
            erase_customer(customer=person, actor=owner)
        # The erasure's last email to the person went, and was deleted once sent.
        assert mail.outbox[-1].to == [IDENTITY["email"]]
        assert not OutboxEmail.objects.exists()
        sender.execute("SELECT count(*) FROM customers_customer").fetchone()
        assert _found() == {}
    finally:
        sender.close()
