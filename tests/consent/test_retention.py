"""Retention (R24): inactive customers are erased, bookkeeping rows go when their time ends."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

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
    assert "inactive customers erased: 1" in capsys.readouterr().out


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
    call_command("apply_retention", "--dry-run")
    out = capsys.readouterr().out
    assert _counts() == before
    assert "Would be inactive customers erased: 1" in out
    assert "Would be bookkeeping purchases deleted: 1" in out
    assert "nothing was changed" in out


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
