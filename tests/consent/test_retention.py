"""Retention (R24): inactive customers are erased, bookkeeping rows go when their time ends."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from consent.mail.suppression import is_suppressed
from consent.models import ConsentEvent, LinkToken, RightsRequest
from customers.models import Customer, Purchase

pytestmark = pytest.mark.django_db


def _customer(name: str, *, inactive_days: int) -> Customer:
    customer = Customer.objects.create(
        first_name=name, last_name="Esimerkki", email=f"{name.lower()}@example.fi"
    )
    Customer.objects.filter(pk=customer.pk).update(
        last_activity_at=timezone.now() - timedelta(days=inactive_days)
    )
    return customer


def _counts() -> dict[str, int]:
    return {
        "customers": Customer.objects.count(),
        "purchases": Purchase.objects.count(),
        "links": LinkToken.objects.count(),
    }


def test_an_inactive_customer_is_erased_and_an_active_one_untouched(capsys):
    old = _customer("Vanha", inactive_days=4 * 365)
    active = _customer("Aktiivinen", inactive_days=30)
    call_command("apply_retention")
    assert not Customer.objects.filter(pk=old.pk).exists()
    assert Customer.objects.filter(pk=active.pk).exists()
    assert is_suppressed(email="vanha@example.fi")
    # The output is in the studio's language (Finnish by default).
    assert "poistetut asioimattomat asiakkaat: 1" in capsys.readouterr().out


def test_recent_consent_activity_keeps_a_customer(capsys):
    customer = _customer("Tilaaja", inactive_days=4 * 365)
    ConsentEvent.objects.create(
        customer=customer, purpose="newsletter", channel="email", action="given", source="web_form"
    )
    call_command("apply_retention")
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_an_open_request_keeps_a_customer_until_it_is_answered():
    customer = _customer("Pyytäjä", inactive_days=4 * 365)
    RightsRequest.objects.create(
        request_type="access", customer=customer, email=customer.email, due_on=timezone.localdate()
    )
    call_command("apply_retention")
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_the_dry_run_counts_and_changes_nothing(capsys):
    _customer("Vanha", inactive_days=4 * 365)
    Purchase.objects.create(
        customer=None, description="Kurssi", amount=Decimal("50"), purchased_on=date(2015, 3, 1)
    )
    before = _counts()
    with translation.override("en"):
        call_command("apply_retention", "--dry-run")
    out = capsys.readouterr().out
    assert _counts() == before
    assert "inactive customers to erase: 1" in out
    assert "purchases past the bookkeeping period to delete: 1" in out
    assert "nothing was changed" in out
    call_command("apply_retention", "--dry-run")
    out = capsys.readouterr().out
    assert "poistettavat asioimattomat asiakkaat: 1" in out
    assert "Kokeiluajo: yhteensä 2 riviä poistuisi; mitään ei muutettu." in out


def test_bookkeeping_rows_go_only_after_six_years_from_the_end_of_their_year():
    year = timezone.localdate().year
    expired = Purchase.objects.create(
        customer=None, description="A", amount=Decimal("1"), purchased_on=date(year - 7, 12, 31)
    )
    kept = Purchase.objects.create(
        customer=None, description="B", amount=Decimal("1"), purchased_on=date(year - 6, 1, 1)
    )
    call_command("apply_retention")
    assert not Purchase.objects.filter(pk=expired.pk).exists()
    assert Purchase.objects.filter(pk=kept.pk).exists()


def test_the_retention_period_comes_from_the_studio_settings():
    from consent.models import StudioSettings

    studio = StudioSettings.load()
    studio.customer_retention_years = 5
    studio.save()
    customer = _customer("Neljä", inactive_days=4 * 365)
    call_command("apply_retention")
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_unconfirmed_web_requests_leave_the_queue_once_their_link_has_expired(customer):
    from consent.acts.requests import submit_request
    from consent.acts.retention import apply_retention

    fresh = submit_request(email=customer.email, request_type="access", language="fi")
    stale = submit_request(email=customer.email, request_type="erasure", language="fi")
    LinkToken.objects.filter(request=stale).update(expires_at=timezone.now() - timedelta(hours=1))
    result = apply_retention(dry_run=False)
    assert result.counts["unconfirmed web requests deleted"] == 1
    assert RightsRequest.objects.filter(pk=fresh.pk).exists()
    assert not RightsRequest.objects.filter(pk=stale.pk).exists()


def test_breach_records_and_sent_emails_go_by_their_own_rules():
    from consent.acts.retention import apply_retention
    from consent.models import Breach, OutboxEmail

    now = timezone.now()
    old = Breach.objects.create(
        discovered_at=now - timedelta(days=6 * 365),
        description="Kadonnut muistitikku",
        data_affected="Nimilista",
        risk="risk",
    )
    recent = Breach.objects.create(
        discovered_at=now - timedelta(days=365),
        description="Väärä vastaanottaja",
        data_affected="Yksi viesti",
        risk="risk",
    )
    sent_long_ago = OutboxEmail.objects.create(
        to="x@example.fi", subject="s", body_text="b", sent_at=now - timedelta(days=400)
    )
    sent_lately = OutboxEmail.objects.create(
        to="y@example.fi", subject="s", body_text="b", sent_at=now - timedelta(days=30)
    )
    apply_retention(dry_run=False)
    assert not Breach.objects.filter(pk=old.pk).exists()
    assert Breach.objects.filter(pk=recent.pk).exists()
    assert not OutboxEmail.objects.filter(pk=sent_long_ago.pk).exists()
    assert OutboxEmail.objects.filter(pk=sent_lately.pk).exists()


def test_copies_saved_before_a_restore_are_removed_after_their_period(settings, tmp_path):
    import os

    from consent.acts.retention import apply_retention

    settings.DATA_DIR = tmp_path
    folder = tmp_path / "backups"
    folder.mkdir()
    old = folder / "rekisteri-before-restore-20260101-120000.sqlite3"
    new = folder / "rekisteri-before-restore-20261129-120000.sqlite3"
    backup = folder / "rekisteri-20260101-120000.sqlite3"
    for path in (old, new, backup):
        path.write_bytes(b"x")
        path.with_name(path.name + ".json").write_text("{}")
    week_ago = (timezone.now() - timedelta(days=8)).timestamp()
    os.utime(old, (week_ago, week_ago))
    os.utime(backup, (week_ago, week_ago))
    result = apply_retention(dry_run=False)
    assert result.counts["copies saved before a restore deleted"] == 1
    assert not old.exists() and not old.with_name(old.name + ".json").exists()
    assert new.exists() and backup.exists()


def test_the_commands_help_states_every_period_from_the_inventory():
    from consent.management.commands.apply_retention import Command
    from customers.inventory import RETENTION_RULES, Retention

    text = Command().help
    for kind, rule in RETENTION_RULES.items():
        if kind in (Retention.NOT_PERSONAL, Retention.SUPPRESSION):
            continue
        assert str(kind.label) in text and rule.period_text() in text
