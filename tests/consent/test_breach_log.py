"""The breach log (GDPR Art. 33-34, R26): the facts of Art. 33(3), a decision on telling the
Ombudsman for every risk, the reasons for a late notification, the customers told of a
high risk (with a draft message), no record ever deleted, an overdue breach on the front
page and in the owner's mail."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent.models import Breach, Disclosure, OutboxEmail, RecordKept, StudioSettings
from consent.records.breaches import customer_notice, default_contact_point
from rekisteri import jobs
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

FACTS: dict[str, Any] = {
    "description": "Kannettava tietokone varastettiin autosta",
    "subject_categories": ["customers"],
    "affected_count": 40,
    "data_categories": ["identity", "contact"],
    "data_affected": "Asiakaslista: nimet ja puhelinnumerot",
    "records_count": 40,
    "consequences": "Asiakkaat voivat saada huijausviestejä",
    "measures": "Kone lukittiin etänä; rikosilmoitus tehty",
    "contact_point": "Olga Omistaja, tietosuoja@example.fi",
}


def _breach(*, hours_ago: float = 1, **fields: Any) -> Breach:
    """A breach with every fact of Art. 33(3) filled in, not saved."""
    values = {**FACTS, "risk": Breach.Risk.RISK, **fields}
    return Breach(discovered_at=timezone.now() - timedelta(hours=hours_ago), **values)


def _errors(breach: Breach) -> dict[str, list[str]]:
    try:
        breach.full_clean()
    except ValidationError as error:
        return error.message_dict
    return {}


@pytest.fixture
def root(db: None) -> User:
    return User.objects.create_superuser("root", "root@studio.example.fi", PASSWORD)


# The facts of Art. 33(3)


def test_the_facts_of_article_33_3_are_required():
    breach = Breach(description="Väärä vastaanottaja", risk=Breach.Risk.UNLIKELY)
    breach.not_notified_reason = "Viesti poistettiin lukematta."
    errors = _errors(breach)
    for name in (
        "subject_categories",
        "affected_count",
        "data_categories",
        "records_count",
        "consequences",
        "measures",
        "contact_point",
    ):
        assert name in errors, name
    assert _errors(_breach(risk=Breach.Risk.UNLIKELY, not_notified_reason="Lukematta.")) == {}


def test_categories_come_from_their_lists():
    errors = _errors(_breach(subject_categories=["aliens"], data_categories=["health"]))
    assert errors["subject_categories"] == ["Valitse luettelosta."]
    assert errors["data_categories"] == ["Valitse luettelosta."]


# Telling the Ombudsman (Art. 33(1))


def test_an_unlikely_risk_needs_the_reason_for_not_notifying_at_once():
    breach = _breach(risk=Breach.Risk.UNLIKELY)
    assert list(_errors(breach)) == ["not_notified_reason"]
    breach.not_notified_reason = "Viesti poistettiin heti lukematta."
    assert _errors(breach) == {}
    assert _errors(_breach(risk=Breach.Risk.UNLIKELY, ombudsman_notified_at=timezone.now())) == {}


@pytest.mark.parametrize("risk", [Breach.Risk.RISK, Breach.Risk.HIGH])
def test_a_risk_is_recorded_at_once_and_decided_within_72_hours(risk):
    told = {"customers_notified_at": timezone.now()} if risk == Breach.Risk.HIGH else {}
    # Recorded the moment the studio becomes aware: the 72 hours are still running.
    assert _errors(_breach(risk=risk, hours_ago=1)) == {}
    # After them, either the time of the notification or the reason for not notifying.
    late = _breach(risk=risk, hours_ago=73, **told)
    assert list(_errors(late)) == ["ombudsman_notified_at"]
    late.not_notified_reason = "Tiedot olivat salattuja; riski arvioitiin uudelleen."
    assert _errors(late) == {}
    notified = _breach(
        risk=risk, hours_ago=73, ombudsman_notified_at=timezone.now() - timedelta(hours=5), **told
    )
    assert _errors(notified) == {}


def test_a_notification_after_72_hours_needs_the_reasons_for_the_delay():
    aware = timezone.now() - timedelta(hours=100)
    on_time = _breach(hours_ago=100, ombudsman_notified_at=aware + timedelta(hours=71))
    assert _errors(on_time) == {}
    late = _breach(hours_ago=100, ombudsman_notified_at=aware + timedelta(hours=73))
    assert list(_errors(late)) == ["late_reason"]
    late.late_reason = "Loukkaus selvisi kokonaan vasta toisena päivänä."
    assert _errors(late) == {}


def test_notification_times_are_after_becoming_aware_and_not_in_the_future():
    before = _breach(hours_ago=5, ombudsman_notified_at=timezone.now() - timedelta(hours=6))
    assert "ombudsman_notified_at" in _errors(before)
    future = _breach(customers_notified_at=timezone.now() + timedelta(days=1))
    assert "customers_notified_at" in _errors(future)


# Telling the customers of a high risk (Art. 34)


def test_a_high_risk_means_telling_the_customers_or_a_ground_of_article_34_3():
    notified = timezone.now() - timedelta(hours=2)
    breach = _breach(risk=Breach.Risk.HIGH, hours_ago=80, ombudsman_notified_at=notified)
    breach.late_reason = "Viikonloppu."
    assert list(_errors(breach)) == ["customers_notified_at"]
    breach.customers_exemption = Breach.Exemption.PROTECTED
    assert list(_errors(breach)) == ["customers_exemption_detail"]
    breach.customers_exemption = ""
    breach.customers_exemption_detail = "Kone oli salattu."
    assert set(_errors(breach)) == {"customers_exemption", "customers_notified_at"}
    breach.customers_exemption = Breach.Exemption.PROTECTED
    assert _errors(breach) == {}
    breach.customers_exemption, breach.customers_exemption_detail = "", ""
    breach.customers_notified_at = notified
    assert _errors(breach) == {}


def test_the_draft_to_the_customers_tells_what_article_34_2_asks_in_finnish_and_english():
    StudioSettings.objects.update_or_create(pk=1, defaults={"controller_name": "Studio Esim Oy"})
    breach = _breach(risk=Breach.Risk.HIGH)
    breach.save()
    finnish = customer_notice(breach, language="fi")
    english = customer_notice(breach, language="en")
    for draft in (finnish, english):
        for fact in ("description", "data_affected", "consequences", "measures", "contact_point"):
            assert FACTS[fact] in draft.body, (draft.language, fact)
        assert "Studio Esim Oy" in draft.body and "Studio Esim Oy" in draft.subject
        assert "tietosuoja.fi" in draft.body
    assert "Mitä tapahtui" in finnish.body and "Nimi" in finnish.body
    assert "tietosuojavaltuutetulle" in finnish.body
    assert "What happened" in english.body and "Contact details" in english.body
    assert "Data Protection Ombudsman" in english.body


def test_the_contact_point_defaults_to_the_studios_person_and_address(client, owner):
    StudioSettings.load()
    StudioSettings.objects.update(contact_person="Olga Omistaja", email="studio@example.fi")
    assert default_contact_point() == "Olga Omistaja, studio@example.fi"
    client.force_login(owner)
    page = client.get("/admin/consent/breach/add/").content.decode()
    assert 'value="Olga Omistaja, studio@example.fi"' in page


# The admin


def _form(**fields: Any) -> dict[str, Any]:
    aware = timezone.localtime(fields.pop("discovered_at", timezone.now() - timedelta(hours=1)))
    data: dict[str, Any] = {
        **FACTS,
        "risk": "risk",
        "discovered_at_0": aware.strftime("%Y-%m-%d"),
        "discovered_at_1": aware.strftime("%H:%M:%S"),
        "ombudsman_notified_at_0": "",
        "ombudsman_notified_at_1": "",
        "customers_notified_at_0": "",
        "customers_notified_at_1": "",
        "late_reason": "",
        "not_notified_reason": "",
        "customers_exemption": "",
        "customers_exemption_detail": "",
    }
    for name in ("ombudsman_notified_at", "customers_notified_at"):
        when = fields.pop(name, None)
        if when is not None:
            local = timezone.localtime(when)
            data[f"{name}_0"], data[f"{name}_1"] = local.strftime("%Y-%m-%d %H:%M:%S").split()
    data.update(fields)
    return data


def _post(client, **fields: Any) -> tuple[int, str]:
    response = client.post("/admin/consent/breach/add/", _form(**fields), HTTP_ACCEPT_LANGUAGE="en")
    return response.status_code, response.content.decode()


def test_the_owner_records_a_breach_in_the_admin(client, owner):
    client.force_login(owner)
    status, _page = _post(client)
    assert status == 302
    breach = Breach.objects.get()
    assert breach.recorded_by == owner
    assert breach.subject_categories == ["customers"]
    assert breach.data_categories == ["identity", "contact"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"consequences": "", "subject_categories": []}, "This field is required."),
        (
            {"risk": "unlikely"},
            "Say why the Data Protection Ombudsman is not notified",
        ),
        (
            {"discovered_at": timezone.now() - timedelta(hours=80)},
            "The 72 hours from becoming aware of the breach are over",
        ),
        (
            {
                "discovered_at": timezone.now() - timedelta(hours=100),
                "ombudsman_notified_at": timezone.now() - timedelta(hours=10),
            },
            "give the reasons for the delay (GDPR Art. 33(1))",
        ),
        (
            {
                "risk": "high",
                "discovered_at": timezone.now() - timedelta(hours=80),
                "ombudsman_notified_at": timezone.now() - timedelta(hours=10),
                "late_reason": "Viikonloppu.",
            },
            "A high risk to people means telling the affected customers",
        ),
        (
            {"risk": "high", "customers_exemption": "protected"},
            "Explain how the ground applies.",
        ),
    ],
)
def test_the_admin_refuses_an_incomplete_breach_with_the_reason(client, owner, fields, message):
    client.force_login(owner)
    status, page = _post(client, **fields)
    assert status == 200
    assert message in page
    assert not Breach.objects.exists()


def test_the_admin_errors_are_in_finnish(client, owner):
    client.force_login(owner)
    data = _form(discovered_at=timezone.now() - timedelta(hours=80))
    page = client.post(
        "/admin/consent/breach/add/", data, HTTP_ACCEPT_LANGUAGE="fi"
    ).content.decode()
    assert "tietosuojavaltuutetulle" in page and "72 tuntia" in page


def test_the_change_page_shows_the_draft_for_a_high_risk_only(client, owner):
    high = _breach(risk=Breach.Risk.HIGH)
    high.save()
    low = _breach()
    low.save()
    client.force_login(owner)
    page = client.get(
        f"/admin/consent/breach/{high.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'id="customer-notice-fi" lang="fi"' in page
    assert 'id="customer-notice-en" lang="en"' in page
    assert "Mitä tapahtui" in page and "What happened" in page
    page = client.get(
        f"/admin/consent/breach/{low.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "customer-notice-fi" not in page
    assert "Needed only for a high risk to people." in page


def test_staff_cannot_see_the_breach_log(client, staff):
    client.force_login(staff)
    assert client.get("/admin/consent/breach/").status_code == 403


# No deletion, by anyone


@pytest.fixture
def records(customer) -> tuple[Breach, Disclosure]:
    breach = _breach()
    breach.save()
    breach.affected_customers.add(customer)
    disclosure = Disclosure.objects.create(
        customer=customer, recipient="Poliisi", data="Nimi", ground=Disclosure.Ground.LAW
    )
    return breach, disclosure


@pytest.mark.parametrize("who", ["owner", "root"])
def test_nobody_deletes_a_breach_or_a_disclosure_in_the_admin(client, records, request, who):
    breach, disclosure = records
    client.force_login(request.getfixturevalue(who))
    for model, record in (("breach", breach), ("disclosure", disclosure)):
        assert client.get(f"/admin/consent/{model}/{record.pk}/delete/").status_code == 403
        assert (
            client.post(f"/admin/consent/{model}/{record.pk}/delete/", {"post": "yes"}).status_code
            == 403
        )
        changelist = client.get(f"/admin/consent/{model}/")
        assert "delete_selected" not in changelist.content.decode()
        response = client.post(
            f"/admin/consent/{model}/",
            {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"},
        )
        assert response.status_code in (200, 302)
    assert Breach.objects.filter(pk=breach.pk).exists()
    assert Disclosure.objects.filter(pk=disclosure.pk).exists()


def test_nobody_deletes_a_breach_or_a_disclosure_through_the_orm(records, customer):
    breach, disclosure = records
    for attempt in (
        breach.delete,
        disclosure.delete,
        Breach.objects.all().delete,
        Disclosure.objects.filter(pk=disclosure.pk).delete,
        customer.disclosures.all().delete,
        customer.breaches.all().delete,
    ):
        with pytest.raises(RecordKept):
            attempt()
    assert Breach.objects.count() == 1 and Disclosure.objects.count() == 1


def test_deleting_a_customer_or_a_user_leaves_the_records(records, customer, owner):
    breach, disclosure = records
    Breach.objects.filter(pk=breach.pk).update(recorded_by=owner)
    customer.delete()
    owner.delete()
    breach.refresh_from_db()
    disclosure.refresh_from_db()
    assert disclosure.customer is None and breach.recorded_by is None
    assert not breach.affected_customers.exists()


def test_only_retention_deletes_a_breach_record_after_its_five_years():
    from consent.acts.retention import apply_retention

    old = _breach(hours_ago=24 * (5 * 366 + 1), not_notified_reason="Vanha.")
    old.save()
    recent = _breach(hours_ago=24 * (4 * 365), not_notified_reason="Uudempi.")
    recent.save()
    result = apply_retention(dry_run=False)
    assert result.counts["breach records deleted"] == 1
    assert list(Breach.objects.values_list("pk", flat=True)) == [recent.pk]


# The overdue breach: the front page and the owner's mail


def _saved(*, hours_ago: float, **fields: Any) -> Breach:
    breach = _breach(hours_ago=hours_ago, **fields)
    breach.save()
    return breach


def test_the_same_rule_says_which_breach_is_overdue():
    now = timezone.now()
    overdue = _saved(hours_ago=73)
    _saved(hours_ago=71)  # its 72 hours still run
    _saved(hours_ago=80, ombudsman_notified_at=now, late_reason="Myöhässä.")
    _saved(hours_ago=80, not_notified_reason="Riski arvioitiin uudelleen.")
    _saved(hours_ago=80, risk=Breach.Risk.UNLIKELY, not_notified_reason="Ei riskiä.")
    assert list(Breach.objects.overdue(now)) == [overdue]
    flagged = {b.pk: b.is_overdue for b in Breach.objects.with_overdue(now)}
    assert [pk for pk, is_overdue in flagged.items() if is_overdue] == [overdue.pk]
    assert Breach.objects.awaiting_notification().count() == 2


def test_an_overdue_breach_stands_out_on_the_front_page(client, owner):
    breach = _saved(hours_ago=80, description="Varastettu kannettava")
    client.force_login(owner)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="breach-alert"' in page
    alert = page[
        page.index('id="breach-alert"') : page.index("</section>", page.index('id="breach-alert"'))
    ]
    assert "A data breach is overdue" in alert
    assert f'href="/admin/consent/breach/{breach.pk}/change/"' in alert
    assert "overdue by 8 hours" in alert
    # The alert comes before every other panel.
    assert page.index('id="breach-alert"') < page.index('class="studio-glance"')


def test_no_alert_once_the_ombudsman_is_notified_or_within_the_72_hours(client, owner):
    breach = _saved(hours_ago=80)
    client.force_login(owner)
    Breach.objects.filter(pk=breach.pk).update(
        ombudsman_notified_at=timezone.now(), late_reason="Viikonloppu."
    )
    _saved(hours_ago=10)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="breach-alert"' not in page
    assert "61 hours left to report it" in page or "62 hours left to report it" in page


def test_staff_see_no_breach_on_the_front_page(client, staff):
    _saved(hours_ago=80)
    client.force_login(staff)
    assert 'id="breach-alert"' not in client.get("/admin/").content.decode()


def test_the_front_page_costs_the_same_queries_with_one_overdue_breach_or_many(client, owner):
    client.force_login(owner)
    _saved(hours_ago=80)
    client.get("/admin/")  # the session and permissions settle

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/admin/").status_code == 200
        return len(ctx.captured_queries)

    one = queries()
    for hours in range(81, 101):
        _saved(hours_ago=hours)
    assert queries() == one
    body = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "21 data breaches are overdue" in body


def test_the_owner_is_mailed_a_day_before_and_again_once_overdue(owner, settings):
    settings.LANGUAGE_CODE = "en"
    breach = _saved(hours_ago=60)
    _saved(hours_ago=80, ombudsman_notified_at=timezone.now(), late_reason="Myöhässä.")
    jobs.alerts()
    jobs.alerts()
    subjects = list(
        OutboxEmail.objects.filter(kind=OutboxEmail.Kind.OWNER).values_list("subject", flat=True)
    )
    assert subjects == ["A data breach: less than a day left to tell the Data Protection Ombudsman"]
    Breach.objects.filter(pk=breach.pk).update(discovered_at=timezone.now() - timedelta(hours=73))
    jobs.alerts()
    jobs.alerts()
    subjects = list(
        OutboxEmail.objects.filter(kind=OutboxEmail.Kind.OWNER)
        .order_by("pk")
        .values_list("subject", flat=True)
    )
    assert subjects[1:] == [
        "A data breach: the 72 hours to tell the Data Protection Ombudsman are over"
    ]
