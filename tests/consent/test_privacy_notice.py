"""The privacy notice and the record of processing, generated from the settings and the
inventory (R20, R21)."""

import pytest
from django.core.exceptions import ValidationError

from consent.models import Disclosure, NoticeVersion, Recipient, StudioSettings
from consent.records import notice
from customers.inventory import Category, Erasure, FieldRule, rule_for

pytestmark = pytest.mark.django_db

# GDPR Art. 13(1)-(2) and 14(2)(f): what every notice must say, with words that show it.
ART_13_CHECKLIST = {
    "fi": [
        "Rekisterinpitäjä",
        "Studio Esimerkki Oy",
        "1234567-8",
        "studio@example.fi",
        "Rekisteriasioista vastaava",
        "Käyttötarkoitukset ja oikeusperusteet",
        "tietosuoja-asetuksen 6 artiklan 1 kohdan c alakohta",
        "kirjanpitolaki",
        "Mistä tiedot saadaan",
        "Varaa heti",
        "Vastaanottajat ja käsittelijät",
        "Mailer Inc",
        "EU:n ja ETA:n ulkopuolelle",
        "EU-US Data Privacy Framework",
        "Kuinka kauan tietoja säilytetään",
        "/rights/",
        "tietosuojavaltuutetulle",
        "Onko tietojen antaminen pakollista",
        "automaattisia päätöksiä",
    ],
    "en": [
        "Controller",
        "Studio Esimerkki Oy",
        "1234567-8",
        "studio@example.fi",
        "Contact person for the register",
        "Purposes and legal bases",
        "Art. 6(1)(c)",
        "Accounting Act",
        "Where the data comes from",
        "Varaa heti",
        "Recipients and processors",
        "Mailer Inc",
        "outside the EU and the EEA",
        "EU-US Data Privacy Framework",
        "How long data is kept",
        "/rights/",
        "Data Protection Ombudsman",
        "Is providing data required",
        "No automated decisions",
    ],
}


@pytest.fixture
def studio():
    studio = StudioSettings.load()
    studio.controller_name = "Studio Esimerkki Oy"
    studio.business_id = "1234567-8"
    studio.email = "studio@example.fi"
    studio.contact_person = "Olga Omistaja"
    studio.save()
    Recipient.objects.create(
        name="Mailer Inc",
        purpose="Sähköpostin lähetys",
        country="US",
        safeguard="EU-US Data Privacy Framework",
    )
    return studio


@pytest.mark.parametrize("language", ["fi", "en"])
def test_the_notice_has_every_item_article_13_asks_for(client, studio, language):
    notice.publish_notice()
    page = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    missing = [item for item in ART_13_CHECKLIST[language] if item not in page]
    assert missing == []


def test_every_category_of_the_inventory_is_in_the_notice(client, studio):
    page = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Disclosures to authorities or others" in page


def test_a_field_added_to_the_inventory_adds_its_category_to_the_notice(
    client, studio, monkeypatch
):
    fields = rule_for(Disclosure).fields
    for name, field in list(fields.items()):
        if field.category == Category.DISCLOSURE:
            monkeypatch.delitem(fields, name)
    assert Category.DISCLOSURE.value not in notice.notice_content()["categories"]
    monkeypatch.setitem(fields, "recipient", FieldRule(Category.DISCLOSURE, Erasure.KEEP))
    assert Category.DISCLOSURE.value in notice.notice_content()["categories"]


def test_a_change_publishes_a_new_version_and_the_old_one_stays_readable(client, studio):
    first = notice.publish_notice()
    assert notice.publish_notice() == first  # nothing changed, no new version
    studio.controller_name = "Studio Uusi Nimi Oy"
    studio.save()
    second = notice.publish_notice()
    assert second.number == first.number + 1
    old = client.get(
        f"/privacy/?version={first.number}", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Studio Esimerkki Oy" in old and "earlier version" in old
    new = client.get("/privacy/").content.decode()
    assert "Studio Uusi Nimi Oy" in new


@pytest.mark.parametrize(("version", "status"), [("abc", 400), ("999", 404), ("-1", 400)])
def test_a_bad_version_gets_a_clear_page_not_a_500(client, studio, version, status):
    notice.publish_notice()
    assert client.get(f"/privacy/?version={version}").status_code == status


def test_a_transfer_outside_the_eea_needs_a_safeguard():
    with pytest.raises(ValidationError) as e:
        Recipient(name="Cloud Co", purpose="Varmuuskopiot", country="us").full_clean()
    assert "safeguard" in e.value.message_dict
    Recipient(name="Pilvi Oy", purpose="Varmuuskopiot", country="fi").full_clean()


def test_the_owner_edits_the_settings_in_the_admin_and_a_new_version_is_published(
    client, owner, studio, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    assert client.get("/admin/consent/studiosettings/").status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/consent/studiosettings/{studio.pk}/change/",
            {
                "controller_name": "Joogastudio Esimerkki",
                "business_id": "",
                "street_address": "Kuusitie 1",
                "postal_code": "11100",
                "city": "Riihimäki",
                "email": "studio@example.fi",
                "phone": "",
                "contact_person": "Olga Omistaja",
                "purposes": ["customer_relationship", "marketing"],
                "booking_calendar": "Varaa heti",
                "customer_retention_years": "3",
                "existing_customer_months": "12",
                "financial_year_end_month": "12",
                "financial_year_end_day": "31",
            },
        )
    assert response.status_code == 302
    latest = NoticeVersion.objects.order_by("-number").first()
    assert latest.content["controller"]["name"] == "Joogastudio Esimerkki"
    assert latest.content["purposes"] == ["customer_relationship", "marketing"]


def test_the_owner_adds_a_recipient_outside_the_eea_only_with_a_safeguard(client, owner, studio):
    client.force_login(owner)
    data = {
        "name": "Cloud Co",
        "purpose": "Backups",
        "country": "US",
        "safeguard": "",
        "is_processor": "on",
    }
    response = client.post("/admin/consent/recipient/add/", data)
    assert response.status_code == 200
    assert not Recipient.objects.filter(name="Cloud Co").exists()


def test_the_record_of_processing_is_the_owners(client, owner, staff, studio):
    client.force_login(owner)
    page = client.get(
        "/admin/consent/studiosettings/record-of-processing/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 200
    body = page.content.decode()
    for item in (
        "Studio Esimerkki Oy",
        "Categories of data subjects",
        "Mailer Inc",
        "Security measures",
        "Accounting Act",
    ):
        assert item in body
    client.force_login(staff)
    assert client.get("/admin/consent/studiosettings/record-of-processing/").status_code == 403
    assert client.get(f"/admin/consent/studiosettings/{studio.pk}/change/").status_code == 403


def test_a_consent_records_the_notice_version_in_force_which_stays_readable(
    client, studio, customer
):
    from consent.acts.objection import record_objection
    from consent.models import ConsentEvent

    first = notice.publish_notice()
    record_objection(customer=customer, source=ConsentEvent.Source.OWN_PAGE, actor=None)
    event = ConsentEvent.objects.filter(customer=customer).first()
    assert event.notice_version == first.number
    studio.controller_name = "Toinen Nimi Oy"
    studio.save()
    assert notice.publish_notice().number == first.number + 1
    page = client.get(f"/privacy/?version={event.notice_version}").content.decode()
    # The notice as published; the page's header names the studio as it is called today.
    text = page[page.index('<article class="notice">') : page.index("</article>")]
    assert "Studio Esimerkki Oy" in text and "Toinen Nimi Oy" not in text
