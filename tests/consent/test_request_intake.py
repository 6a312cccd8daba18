"""The rights form's request path does only what must be done before the answer (issue
12): the use is counted and the request stored, one statement each; the background worker
answers it (its link, or "nothing held"). This is the application's own path: the rest of
the suite answers at once (tests/settings.py, RIGHTS_ANSWER_AT_ONCE)."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent.acts.erasure import erase_customer
from consent.acts.requests import answer_submitted, record_request, verified_request
from consent.acts.retention import apply_retention
from consent.models import AuditEntry, LinkToken, OutboxEmail, RightsRequest
from rekisteri import worker
from tests.concurrency import at_once

Status = RightsRequest.Status
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")


@pytest.fixture
def the_worker_answers(settings):
    settings.RIGHTS_ANSWER_AT_ONCE = False


def _send(client, email: str, **headers) -> tuple[int, list[str]]:
    """POST the form; its status and its statements, each as its verb and table."""
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/rights/",
            {"email": email, "request_type": "access", "message": "", "website": ""},
            **headers,
        )
    statements = []
    for query in queries.captured_queries:
        sql = query["sql"]
        if sql.upper().startswith(TRANSACTION_CONTROL):
            continue
        table = re.search(r'(?:INTO|FROM|UPDATE) "(\w+)"', sql).group(1)
        statements.append(f"{sql.split()[0]} {table}")
    return response.status_code, statements


@pytest.mark.django_db
def test_the_form_stores_the_request_and_the_worker_sends_the_link(
    the_worker_answers, client, customer
):
    status, statements = _send(client, customer.email, HTTP_ACCEPT_LANGUAGE="en")
    assert status == 302
    # Counted and stored, nothing else: no lookup of the address, no link, no email yet
    # (the rate limit's count and insert are one statement on PostgreSQL, two on SQLite).
    assert statements[-1] == "INSERT consent_rightsrequest"
    assert {s.split()[1] for s in statements[:-1]} == {"consent_ratelimithit"}
    assert len(statements) <= 3
    request = RightsRequest.objects.get()
    assert request.answered_at is None and request.customer is None
    assert request.received_at is not None and request.language == "en"
    assert not OutboxEmail.objects.exists() and not LinkToken.objects.exists()

    assert worker.one_round() >= 1
    request.refresh_from_db()
    assert request.customer == customer and request.answered_at is not None
    assert request.status == Status.RECEIVED
    email = OutboxEmail.objects.get()
    assert email.to == customer.email and email.request == request
    assert "/rights/verify/" in email.body_text
    assert email.subject == "Confirm your data protection request"  # the request's language
    assert LinkToken.objects.filter(request=request).count() == 1
    entry = AuditEntry.objects.get(action=AuditEntry.Action.REQUEST)
    assert entry.customer == customer
    # Answered once: the next round has nothing to answer.
    assert answer_submitted() == 0
    assert OutboxEmail.objects.count() == 1


@pytest.mark.django_db
def test_an_unknown_address_is_told_by_the_worker_that_nothing_is_held(
    the_worker_answers, client, customer
):
    status, _statements = _send(client, "tuntematon@example.fi")
    assert status == 302
    assert RightsRequest.objects.get().status == Status.RECEIVED
    assert answer_submitted() == 1
    request = RightsRequest.objects.get()
    assert request.status == Status.COMPLETED and request.closed_at is not None
    assert request.customer is None
    email = OutboxEmail.objects.get()
    assert email.to == "tuntematon@example.fi"
    assert "/rights/verify/" not in email.body_text
    assert not LinkToken.objects.exists()


@pytest.mark.django_db
def test_the_form_does_the_same_work_for_a_known_and_an_unknown_address(
    the_worker_answers, customer
):
    # The same statements in the same order, so not even the time taken tells whether the
    # register knows the address (R19).
    known = _send(Client(), customer.email)
    unknown = _send(Client(), "tuntematon@example.fi")
    assert known == unknown
    assert known[0] == 302


@pytest.mark.django_db
def test_a_person_erased_before_the_answer_is_answered_as_anybody_unknown(
    the_worker_answers, client, customer, owner
):
    _send(client, customer.email)
    erase_customer(customer=customer, actor=owner)
    assert answer_submitted() == 1
    request = RightsRequest.objects.get()
    assert request.customer is None and request.status == Status.COMPLETED
    assert not LinkToken.objects.exists()


@pytest.mark.django_db
def test_retention_never_removes_a_request_not_answered_yet(the_worker_answers, client):
    _send(client, "tuntematon@example.fi")
    RightsRequest.objects.update(received_at=timezone.now() - timedelta(days=30))
    apply_retention(dry_run=False)
    assert RightsRequest.objects.filter(answered_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_send_outbox_answers_the_waiting_requests_first(the_worker_answers, client, customer):
    _send(client, customer.email)
    out = io.StringIO()
    call_command("send_outbox", stdout=out)
    assert RightsRequest.objects.get().answered_at is not None
    assert OutboxEmail.objects.get().sent_at is not None
    assert "Tietopyyntöihin vastattu: 1." in out.getvalue()


@pytest.mark.django_db
def test_requests_made_any_other_way_are_not_the_workers_to_answer(
    the_worker_answers, customer, owner
):
    verified_request(customer=customer, request_type="access", language="fi")
    record_request(
        request_type="erasure",
        channel=RightsRequest.Channel.LETTER,
        customer=None,
        email="kirje@example.fi",
        message="",
        identity_check="tunnettu asiakas",
        received_on=None,
        actor=owner,
    )
    assert RightsRequest.objects.filter(answered_at__isnull=True).count() == 0
    assert answer_submitted() == 0
    assert not LinkToken.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_answer_each_request_once(the_worker_answers, customer):
    client = Client()
    for n in range(12):
        address = customer.email if n % 3 == 0 else f"henkilo{n}@example.fi"
        assert client.post(
            "/rights/",
            {"email": address, "request_type": "access", "website": ""},
            REMOTE_ADDR=f"10.0.0.{n}",
        ).status_code in (302, 429)
    stored = RightsRequest.objects.count()
    assert stored >= 10
    answered = at_once(lambda: answer_submitted(limit=None))
    assert sum(answered) == stored
    assert OutboxEmail.objects.count() == stored
    assert AuditEntry.objects.filter(action=AuditEntry.Action.REQUEST).count() == stored
    assert not RightsRequest.objects.filter(answered_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_request_whose_answer_fails_does_not_hold_up_the_others(
    the_worker_answers, client, customer, monkeypatch, caplog
):
    from consent.acts import requests as acts

    _send(client, "ensimmainen@example.fi")
    _send(client, customer.email)
    real = acts.tell_customer

    def failing(request, template, **kwargs):
        if request.email == "ensimmainen@example.fi":
            raise RuntimeError("the template is broken")
        return real(request, template, **kwargs)

    monkeypatch.setattr(acts, "tell_customer", failing)
    assert answer_submitted() == 1
    first, second = RightsRequest.objects.order_by("pk")
    assert first.answered_at is None and first.status == Status.RECEIVED  # rolled back
    assert second.answered_at is not None and OutboxEmail.objects.get().to == customer.email
    assert "could not be answered" in caplog.text
    # Mended, it is answered in the next round.
    monkeypatch.setattr(acts, "tell_customer", real)
    assert answer_submitted() == 1
    assert OutboxEmail.objects.count() == 2
