"""Erasure (R16): nothing of the person is left anywhere but the bookkeeping rows."""

import os
import subprocess

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from consent.acts import erasure
from consent.acts.erasure import erase_customer, erasure_preview
from consent.mail.suppression import is_suppressed
from consent.models import OutboxEmail, RightsRequest
from customers.models import Customer, Purchase

pytestmark = pytest.mark.django_db(transaction=True)

IDENTITY = ("Aino", "Esimerkki", "aino.esimerkki@example.fi", "+358401234567", "Esimerkkikatu")


def _dump() -> str:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return "\n".join(connection.connection.iterdump())
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    return subprocess.run(
        [
            "pg_dump",
            "-h",
            db["HOST"] or "localhost",
            "-p",
            str(db["PORT"] or 5432),
            "-U",
            db["USER"],
            db["NAME"],
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _admin_log(customer, owner):
    LogEntry.objects.log_actions(
        owner.pk, [customer], CHANGE, change_message="[]", single_object=True
    ) if hasattr(LogEntry.objects, "log_actions") else LogEntry.objects.create(
        user=owner,
        content_type=ContentType.objects.get_for_model(Customer),
        object_id=str(customer.pk),
        object_repr=str(customer)[:200],
        action_flag=CHANGE,
    )


def test_the_preview_says_what_is_deleted_and_what_kept_until_when(customer_everywhere):
    lines = {line.title: line for line in erasure_preview(customer_everywhere)}
    purchases = next(line for line in lines.values() if line.action == "keep" and line.kept_until)
    year = Purchase.objects.get().purchased_on.year + 6
    assert purchases.count == 1 and purchases.kept_until.isoformat() == f"{year}-12-31"
    assert "1336/1997" in purchases.why
    assert any(
        line.action == "delete" and line.count == 2 for line in lines.values()
    )  # interactions


def test_after_erasure_a_full_dump_holds_none_of_the_persons_identity(
    customer_everywhere, owner, client, django_capture_on_commit_callbacks
):
    customer = customer_everywhere
    _admin_log(customer, owner)
    # The customer is logged in on their own page too.
    session = client.session
    session["rights_customer"] = {
        "customer": customer.pk,
        "scope": "full",
        "until": "2999-01-01T00:00:00+00:00",
    }
    session.save()
    before = _dump()
    assert all(value in before for value in IDENTITY)

    with django_capture_on_commit_callbacks(execute=True):
        erase_customer(customer=customer, actor=owner)

    after = _dump()
    left = [value for value in IDENTITY if value in after]
    assert left == []
    purchase = Purchase.objects.get()
    assert purchase.customer is None and purchase.amount == 120
    assert is_suppressed(email="aino.esimerkki@example.fi")
    assert is_suppressed(phone="+358401234567")
    assert not OutboxEmail.objects.exists()
    assert LogEntry.objects.get().object_repr != "Aino Esimerkki"


def test_an_erasure_request_is_carried_out_and_the_person_told(
    customer_everywhere, owner, django_capture_on_commit_callbacks
):
    request = RightsRequest.objects.create(
        request_type="erasure",
        status="verified",
        email=customer_everywhere.email,
        customer=customer_everywhere,
        due_on=customer_everywhere.created_at.date(),
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        erasure.carry_out_erasure(request=request, actor=owner)
    request.refresh_from_db()
    assert request.status == "completed" and request.email == "" and request.customer is None
    assert [m.to for m in mail.outbox] == [["aino.esimerkki@example.fi"]]
    assert "poistettu" in mail.outbox[0].body or "erased" in mail.outbox[0].body
    # The message to the erased person does not stay in the outbox.
    assert not OutboxEmail.objects.filter(to="aino.esimerkki@example.fi").exists()
    assert not Customer.objects.exists()


def test_the_erase_command_previews_without_yes_and_erases_with_it(customer_everywhere, capsys):
    with translation.override("en"):
        call_command("erase_customer", customer_everywhere.email)
    assert "Nothing was erased" in capsys.readouterr().out
    assert Customer.objects.exists()
    with translation.override("en"):
        call_command("erase_customer", customer_everywhere.email, "--yes")
    out = capsys.readouterr().out
    assert "was erased" in out and "purchases" in out
    assert not Customer.objects.exists()
