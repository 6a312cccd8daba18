"""The background worker: no SMTP in a web request, email delivered by the worker with
retries, scheduled jobs run once however many workers run, the owner told."""

import socket
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from consent.mail import outbox
from consent.models import AuditEntry, Breach, OutboxEmail, RightsRequest, StudioSettings
from rekisteri import jobs as work
from rekisteri import worker
from rekisteri.models import JobRun
from tests.concurrency import at_once

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker_sends(settings):
    """The application's own path: the web only stores, the worker answers and sends."""
    settings.OUTBOX_SEND_ON_COMMIT = False
    settings.RIGHTS_ANSWER_AT_ONCE = False
    settings.EMAIL_TIMEOUT = 1


class SilentSmtpServer:
    """Accepts connections and never says a word: the mail server that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


def _smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""


def test_a_hanging_mail_server_does_not_hold_the_form_and_the_mail_arrives_later(
    settings, worker_sends, customer, smtp_server
):
    silent = SilentSmtpServer()
    real_port = settings.EMAIL_PORT
    _smtp(settings, silent.port)
    loop = worker.Worker(poll_seconds=0.05)
    runner = threading.Thread(target=loop.run, daemon=True)
    try:
        started = time.monotonic()
        response = Client().post(
            "/rights/", {"email": customer.email, "request_type": "access", "website": ""}
        )
        answered_in = time.monotonic() - started
        assert response.status_code == 302 and answered_in < 1.0
        # Stored; the worker answers it.
        assert RightsRequest.objects.filter(answered_at__isnull=True).exists()
        assert not OutboxEmail.objects.exists()

        # The worker answers, and tries to send while the server hangs: the send times out
        # and waits its turn.
        runner.start()
        deadline = time.monotonic() + 10
        while (
            time.monotonic() < deadline
            and not OutboxEmail.objects.filter(last_error__gt="").exists()
        ):
            time.sleep(0.1)
        assert RightsRequest.objects.filter(customer=customer).exists()
        email = OutboxEmail.objects.get()
        assert email.attempts == 1 and email.sent_at is None and email.next_attempt_at
        assert "timed out" in email.last_error

        # The server recovers; nobody runs a command: the running worker delivers it.
        _smtp(settings, real_port)
        OutboxEmail.objects.update(next_attempt_at=timezone.now())
        smtp_server.wait_for(1, timeout=15)
    finally:
        loop.stop()
        if runner.is_alive():
            runner.join(timeout=10)
        silent.close()
    assert OutboxEmail.objects.get().sent_at is not None
    assert "/rights/verify/" in smtp_server.text(smtp_server.messages[0])


def test_two_workers_at_once_send_each_email_once_and_run_each_job_once(worker_sends, customer):
    for n in range(40):
        outbox.queue_email(
            to=f"vastaanottaja{n}@example.fi",
            template="rights_nothing_held",
            context={},
            language="fi",
        )
    at_once(lambda: worker.one_round(batch=100))
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        f"vastaanottaja{n}@example.fi" for n in range(40)
    )
    assert not OutboxEmail.objects.filter(sent_at__isnull=True).exists()
    # Each job that ran, ran once: its one record, and retention's one audit entry.
    assert set(JobRun.objects.values_list("runs", flat=True)) <= {0, 1}
    assert JobRun.objects.get(name="retention").runs == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.RETENTION).count() <= 1


def test_a_failing_message_waits_longer_each_time_and_the_owner_is_told_at_last(
    settings, worker_sends, owner
):
    settings.EMAIL_BACKEND = "tests.consent.failing_backend.EmailBackend"
    StudioSettings.objects.filter(pk=StudioSettings.load().pk).update(email="studio@example.fi")
    email = outbox.queue_email(
        to="asiakas@example.fi", template="rights_nothing_held", context={}, language="fi"
    )
    pauses = []
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        outcome = outbox.deliver(email.pk)
        if attempt < outbox.MAX_ATTEMPTS:
            assert outcome == outbox.Outcome.FAILED
            email.refresh_from_db()
            pauses.append(email.next_attempt_at - timezone.now())
            OutboxEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
        else:
            assert outcome == outbox.Outcome.GAVE_UP
        email.refresh_from_db()
    assert email.failed_at is not None and email.attempts == outbox.MAX_ATTEMPTS
    # Each pause at least as long as the one before (to the second), up to 6 hours.
    seconds = [round(p.total_seconds()) for p in pauses]
    assert seconds == sorted(seconds) and seconds[0] <= 60 and seconds[-1] == 6 * 3600
    assert outbox.deliver(email.pk) == outbox.Outcome.TAKEN  # given up: left alone
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    work.alerts()
    work.alerts()  # told once
    notices = OutboxEmail.objects.filter(kind=OutboxEmail.Kind.OWNER)
    assert sorted(notices.values_list("to", flat=True)) == [
        "olga@studio.example.fi",
        "studio@example.fi",
    ]


def test_a_job_left_half_done_by_a_killed_worker_runs_again_once(worker_sends):
    job = next(j for j in worker.jobs() if j.name == "retention")
    now = timezone.now()
    # A worker took the job and was killed: the lease holds others off until it ends.
    assert worker._take(job.name, now=now, lease=timedelta(minutes=5))
    assert worker.run_job(job, now=now + timedelta(minutes=1)) is None
    assert worker.run_job(job, now=now + timedelta(minutes=6)) is True
    run = JobRun.objects.get(name="retention")
    assert run.runs == 1 and run.ok and run.next_run_at > now
    assert worker.run_job(job, now=now + timedelta(minutes=7)) is None  # not due again


def test_the_owner_is_told_of_a_verified_request_a_deadline_digest_and_a_breach(
    worker_sends, owner, customer
):
    StudioSettings.objects.filter(pk=StudioSettings.load().pk).update(email="studio@example.fi")
    from consent.acts import requests

    requests.start_request(customer=customer, request_type="access", language="fi")
    told = list(
        OutboxEmail.objects.filter(kind=OutboxEmail.Kind.OWNER).values_list("to", flat=True)
    )
    assert sorted(told) == ["olga@studio.example.fi", "studio@example.fi"]

    RightsRequest.objects.update(due_on=timezone.localdate() - timedelta(days=2))
    work.owner_digest()
    work.owner_digest()  # one digest a day
    digests = OutboxEmail.objects.filter(kind=OutboxEmail.Kind.OWNER).exclude(pk__in=[])
    assert digests.count() == 4

    Breach.objects.create(
        discovered_at=timezone.now() - timedelta(hours=60),
        description="Sähköposti väärälle vastaanottajalle",
        data_affected="Nimi ja sähköposti",
        risk=Breach.Risk.RISK,
    )
    work.alerts()
    work.alerts()
    assert OutboxEmail.objects.filter(kind=OutboxEmail.Kind.OWNER).count() == 6


def test_a_job_that_did_not_run_is_reported(worker_sends, owner):
    JobRun.objects.create(name="retention", next_run_at=timezone.now() - timedelta(hours=5))
    work.alerts()
    notice = OutboxEmail.objects.get(kind=OutboxEmail.Kind.OWNER)
    assert "retention" in notice.body_text


def test_the_studio_mailbox_is_tested_daily_and_the_front_page_knows_when_it_worked(
    worker_sends, owner
):
    from consent.mail.notify import last_selftest_sent

    assert "ei ole sähköpostiosoitetta" in work.intake_selftest()
    StudioSettings.objects.filter(pk=StudioSettings.load().pk).update(email="studio@example.fi")
    work.intake_selftest()
    assert last_selftest_sent() is None
    outbox.send_due()
    assert mail.outbox[-1].to == ["studio@example.fi"]
    assert last_selftest_sent() is not None
