"""The bookkeeping period (Accounting Act 1336/1997, 2:10 §): 6 years from the end of the
calendar year in which the studio's financial year ended, the same date everywhere."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from consent.acts.access import build_access_report
from consent.acts.erasure import SESSION_KEY, erasure_preview
from consent.acts.retention import apply_retention
from consent.models import StudioSettings
from consent.records import bookkeeping
from consent.records.processing import retention_text
from consent.views.common import FULL
from customers.inventory import Retention
from customers.models import Customer, Purchase

pytestmark = pytest.mark.django_db


def _financial_year_ends(month: int, day: int) -> StudioSettings:
    StudioSettings.load()
    StudioSettings.objects.update(financial_year_end_month=month, financial_year_end_day=day)
    return StudioSettings.load()


@pytest.fixture
def june_studio() -> StudioSettings:
    """A studio whose financial year ends on 30 June."""
    return _financial_year_ends(6, 30)


@pytest.fixture
def buyer(june_studio) -> Customer:
    customer = Customer.objects.create(
        first_name="Kaisa", last_name="Kesä", email="kaisa.kesa@example.fi"
    )
    Purchase.objects.create(
        customer=customer,
        description="Syyskauden kortti",
        amount=Decimal("150"),
        purchased_on=date(2025, 8, 10),
    )
    Purchase.objects.create(
        customer=customer,
        description="Kevätkauden kortti",
        amount=Decimal("150"),
        purchased_on=date(2025, 3, 1),
    )
    return customer


def test_a_purchase_after_the_end_of_june_is_kept_until_the_end_of_2032(june_studio):
    # 10.8.2025 belongs to the financial year 1.7.2025-30.6.2026, which ends in 2026.
    assert bookkeeping.financial_year_end(date(2025, 8, 10), studio=june_studio) == date(
        2026, 6, 30
    )
    assert bookkeeping.kept_until(date(2025, 8, 10), studio=june_studio) == date(2032, 12, 31)
    # The last day of a financial year still belongs to it.
    assert bookkeeping.kept_until(date(2025, 6, 30), studio=june_studio) == date(2031, 12, 31)
    assert bookkeeping.kept_until(date(2025, 7, 1), studio=june_studio) == date(2032, 12, 31)


def test_a_calendar_year_studio_keeps_a_march_purchase_until_the_end_of_2031():
    studio = StudioSettings.load()  # the default: the financial year ends on 31 December
    assert (studio.financial_year_end_month, studio.financial_year_end_day) == (12, 31)
    assert bookkeeping.kept_until(date(2025, 3, 1), studio=studio) == date(2031, 12, 31)
    assert bookkeeping.kept_until(date(2025, 12, 31), studio=studio) == date(2031, 12, 31)
    assert bookkeeping.kept_until(date(2026, 1, 1), studio=studio) == date(2032, 12, 31)


def test_retention_deletes_a_kept_purchase_the_day_after_its_period(june_studio):
    kept = Purchase.objects.create(
        customer=None, description="A", amount=Decimal("1"), purchased_on=date(2025, 8, 10)
    )
    older = Purchase.objects.create(
        customer=None, description="B", amount=Decimal("1"), purchased_on=date(2025, 6, 30)
    )
    apply_retention(dry_run=False, today=date(2031, 12, 31))
    assert set(Purchase.objects.values_list("pk", flat=True)) == {kept.pk, older.pk}
    apply_retention(dry_run=False, today=date(2032, 1, 1))
    assert list(Purchase.objects.values_list("pk", flat=True)) == [kept.pk]
    apply_retention(dry_run=False, today=date(2032, 12, 31))
    assert Purchase.objects.filter(pk=kept.pk).exists()
    apply_retention(dry_run=False, today=date(2033, 1, 1))
    assert not Purchase.objects.exists()


def test_retention_and_kept_until_agree_on_every_day_of_a_year(june_studio):
    today = date(2033, 1, 1)
    cutoff = bookkeeping.last_purchase_day_to_delete(today, studio=june_studio)
    day = date(2025, 1, 1)
    while day < date(2027, 1, 1):
        expired = bookkeeping.kept_until(day, studio=june_studio) < today
        assert expired == (day <= cutoff), day
        day += timedelta(days=1)


def test_the_erasure_preview_shows_the_date_of_the_newest_purchase(buyer):
    line = next(line for line in erasure_preview(buyer) if line.kept_until)
    assert line.kept_until == date(2032, 12, 31)


def test_the_customers_own_page_says_until_when_purchases_are_kept(client, buyer):
    session = client.session
    session[SESSION_KEY] = {
        "customer": buyer.pk,
        "scope": FULL,
        "until": (timezone.now() + timedelta(minutes=10)).isoformat(),
    }
    session.save()
    page = client.get("/rights/my-data/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "31.12.2032" in page


def test_the_access_report_names_the_period_and_the_date(buyer):
    from django.utils import translation

    with translation.override("en"):
        report = build_access_report(customer=buyer)
        label = str(Retention.BOOKKEEPING.label)
    purchases = next(s for s in report["sections"] if s["table"] == "customers.purchase")
    assert "6 years from the end of the calendar year" in purchases["retention"]
    assert "30 June" in purchases["retention"]
    assert "12/31/2032" in purchases["retention"]
    period = next(
        line["period"] for line in report["information"]["retention"] if line["what"] == label
    )
    assert period.startswith("6 years from the end of the calendar year in which")


def test_the_notice_states_the_period_with_the_studios_financial_year(june_studio):
    from django.utils import translation

    with translation.override("fi"):
        text = retention_text(Retention.BOOKKEEPING, studio=june_studio)
    assert "6 vuotta" in text and "30.6." in text


def _settings_form(month: str, day: str) -> dict[str, object]:
    return {
        "controller_name": "Joogastudio Esimerkki",
        "business_id": "",
        "street_address": "Kuusitie 1",
        "postal_code": "11100",
        "city": "Riihimäki",
        "email": "studio@example.fi",
        "phone": "",
        "contact_person": "Olga Omistaja",
        "purposes": ["customer_relationship"],
        "booking_calendar": "Varaa heti",
        "customer_retention_years": "3",
        "existing_customer_months": "12",
        "financial_year_end_month": month,
        "financial_year_end_day": day,
    }


@pytest.mark.parametrize(("month", "day"), [("2", "29"), ("2", "30"), ("4", "31"), ("11", "31")])
def test_the_settings_refuse_a_financial_year_end_that_not_every_year_has(
    client, owner, month, day
):
    studio = StudioSettings.load()
    client.force_login(owner)
    response = client.post(
        f"/admin/consent/studiosettings/{studio.pk}/change/",
        _settings_form(month, day),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "the financial year must end on a day that every year has" in response.content.decode()
    studio.refresh_from_db()
    assert (studio.financial_year_end_month, studio.financial_year_end_day) == (12, 31)


def test_the_settings_accept_the_end_of_february_and_of_june(client, owner):
    studio = StudioSettings.load()
    client.force_login(owner)
    for month, day in (("2", "28"), ("6", "30")):
        response = client.post(
            f"/admin/consent/studiosettings/{studio.pk}/change/", _settings_form(month, day)
        )
        assert response.status_code == 302
    studio.refresh_from_db()
    assert (studio.financial_year_end_month, studio.financial_year_end_day) == (6, 30)


def test_a_setting_saved_before_the_check_keeps_purchases_longer_not_shorter():
    studio = _financial_year_ends(2, 30)
    # Read as 28 February: a purchase of 29.2.2028 falls in the next financial year.
    assert bookkeeping.kept_until(date(2028, 2, 28), studio=studio) == date(2034, 12, 31)
    assert bookkeeping.kept_until(date(2028, 2, 29), studio=studio) == date(2035, 12, 31)


def test_the_published_notice_states_the_studios_financial_year(client):
    from consent.records.notice import current_notice_number, publish_notice

    studio = StudioSettings.load()
    studio.controller_name = "Studio Esimerkki Oy"
    studio.email = "studio@example.fi"
    studio.save()
    publish_notice()
    first = current_notice_number()
    page = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "6 years from the end of the calendar year" in page and "31 December" in page

    june = _financial_year_ends(6, 30)
    publish_notice(studio=june)
    assert current_notice_number() == first + 1, "a new financial year is a new version"
    page = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "30 June" in page and "31 December" not in page
    # The earlier version still says what it said when it was published.
    old = client.get(f"/privacy/?version={first}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "31 December" in old
