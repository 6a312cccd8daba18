"""`manage.py send_outbox` next to another sender (issue 14, item 8): a message the other
process took is counted as taken by it, never as failing, and is not sent twice."""

import io

import pytest
from django.core import mail
from django.core.management import call_command

from consent.mail import outbox
from consent.models import OutboxEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored_only(settings):
    settings.OUTBOX_SEND_ON_COMMIT = False


def _queue(to: str) -> OutboxEmail:
    return outbox.queue_email(to=to, template="rights_nothing_held", context={}, language="fi")


def test_a_message_the_other_sender_took_is_counted_as_taken_not_failing(stored_only, monkeypatch):
    taken = _queue("eka@example.fi")
    mine = _queue("toka@example.fi")
    listed = outbox.due

    def due_then_the_other_process_claims_one(**kwargs):
        pks = listed(**kwargs)
        # Between this command listing what is due and claiming it, the worker (or a
        # second send_outbox) claims the first message.
        assert outbox._claim(taken.pk)
        return pks

    monkeypatch.setattr(outbox, "due", due_then_the_other_process_claims_one)
    out = io.StringIO()
    call_command("send_outbox", stdout=out)
    assert out.getvalue().strip() == (
        "Lähtevät viestit: lähetetty 1, epäonnistui 0 (yritetään myöhemmin uudelleen), "
        "lähettäminen lopetettu 0, toisen lähettäjän käsittelyssä 1, ei enää sallittu 0 "
        "(ei lähetetty)."
    )
    assert [m.to for m in mail.outbox] == [["toka@example.fi"]]
    taken.refresh_from_db()
    mine.refresh_from_db()
    # Left to the other sender as it was: no error, no pause, not given up.
    assert taken.sent_at is None and taken.last_error == "" and taken.failed_at is None
    assert taken.attempts == 1 and taken.claimed_at is not None
    assert mine.sent_at is not None


def test_a_message_sent_meanwhile_by_the_other_sender_is_not_sent_again(stored_only, monkeypatch):
    email = _queue("eka@example.fi")
    listed = outbox.due

    def due_then_the_other_process_sends_it(**kwargs):
        pks = listed(**kwargs)
        assert outbox.deliver(email.pk) == outbox.Outcome.SENT
        return pks

    monkeypatch.setattr(outbox, "due", due_then_the_other_process_sends_it)
    out = io.StringIO()
    call_command("send_outbox", stdout=out)
    assert "lähetetty 0, epäonnistui 0" in out.getvalue()
    assert "toisen lähettäjän käsittelyssä 1" in out.getvalue()
    assert len(mail.outbox) == 1
