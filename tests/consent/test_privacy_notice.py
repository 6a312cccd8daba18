"""The privacy notice and the record of processing, generated from the settings and the
inventory (R20, R21, R29; GDPR Art. 13-14 and 30)."""

import re
from dataclasses import replace

import pytest
from django.utils import translation
from django.utils.html import escape

from consent.models import Disclosure, NoticeVersion, Recipient, StudioSettings
from consent.records import notice, processing
from customers.inventory import (
    RETENTION_RULES,
    Category,
    Erasure,
    FieldRule,
    Retention,
    retention_rule,
    rule_for,
)

pytestmark = pytest.mark.django_db

# GDPR Art. 13(1)-(2) and 14(1)(d), 14(2)(f): what every notice must say, with words that
# show it. (The same list, item by item with its source, is in the README's privacy section.)
ART_13_CHECKLIST = {
    "fi": [
        "Rekisterinpitäjä",  # 13(1)(a)
        "Studio Esimerkki Oy",
        "1234567-8",
        "studio@example.fi",
        "Rekisteriasioista vastaava",  # 13(1)(b): no DPO, a contact person
        "Käyttötarkoitukset ja oikeusperusteet",  # 13(1)(c)
        "tietosuoja-asetuksen 6 artiklan 1 kohdan c alakohta",
        "kirjanpitolaki",
        "Voit vastustaa tätä käyttöä",  # 13(1)(d): legitimate interests, objectable
        "Suoramarkkinointi",
        "Mistä tiedot saadaan",  # 14(2)(f)
        "Varaa heti",
        "puhelinnumero",  # 14(1)(d): what the booking calendar brings
        "Vastaanottajat ja käsittelijät",  # 13(1)(e)
        "Mailer Inc",
        "EU:n ja ETA:n ulkopuolelle",  # 13(1)(f)
        "EU-US Data Privacy Framework",
        "kopion",  # 13(1)(f): where to get a copy of the safeguards
        "Kuinka kauan tietoja säilytetään",  # 13(2)(a)
        "21 artiklan 1 kohta",  # 13(2)(b): the general right to object
        "ei vaikuta",  # 13(2)(c): withdrawal does not affect earlier processing
        "/rights/",
        "tietosuojavaltuutet",  # 13(2)(d)
        "Onko tietojen antaminen pakollista",  # 13(2)(e)
        "automaattisia päätöksiä",  # 13(2)(f)
        "Emme tallenna terveystietoja",
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
        "You may object to this use",
        "Direct marketing",
        "Where the data comes from",
        "Varaa heti",
        "phone number",
        "Recipients and processors",
        "Mailer Inc",
        "outside the EU and the EEA",
        "EU-US Data Privacy Framework",
        "a copy of the safeguards",
        "How long data is kept",
        "Art. 21(1)",
        "does not affect the lawfulness",
        "/rights/",
        "Data Protection Ombudsman",
        "Is providing data required",
        "No automated decisions",
        "We do not store health data and instruct our staff not to",
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
        safeguard=Recipient.Safeguard.DPF,
        dpf_checked_on="2026-03-02",
    )
    return studio


def _page(client, url="/privacy/", language="en") -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def _section(page: str, number: int) -> str:
    """The text of the notice's section `number` (from its heading to the next one)."""
    match = re.search(rf"<h2>{number}\. .*?(?=<h2>|</article>)", page, re.S)
    assert match, f"no section {number}"
    return match.group(0)


@pytest.mark.parametrize("language", ["fi", "en"])
def test_the_notice_has_every_item_article_13_asks_for(client, studio, language):
    notice.publish_notice()
    page = _page(client, language=language)
    missing = [item for item in ART_13_CHECKLIST[language] if item not in page]
    assert missing == []


def test_every_category_of_the_inventory_is_in_the_notice(client, studio):
    assert "Disclosures to authorities or others" in _page(client)


def test_a_field_added_to_the_inventory_adds_its_category_to_the_notice(
    client, studio, monkeypatch
):
    fields = rule_for(Disclosure).fields
    for name, field in list(fields.items()):
        if field.category == Category.DISCLOSURE:
            monkeypatch.delitem(fields, name)
    assert Category.DISCLOSURE.value not in processing.facts()["categories"]
    monkeypatch.setitem(fields, "recipient", FieldRule(Category.DISCLOSURE, Erasure.KEEP))
    assert Category.DISCLOSURE.value in processing.facts()["categories"]


def test_a_change_publishes_a_new_version_and_the_old_one_stays_readable(client, studio):
    first = notice.publish_notice()
    assert notice.publish_notice() == first  # nothing changed, no new version
    studio.controller_name = "Studio Uusi Nimi Oy"
    studio.save()
    second = notice.publish_notice()
    assert second.number == first.number + 1
    old = _page(client, f"/privacy/?version={first.number}")
    assert "Studio Esimerkki Oy" in old and "earlier version" in old
    assert "Studio Uusi Nimi Oy" in _page(client, language="fi")


@pytest.mark.parametrize(("version", "status"), [("abc", 400), ("999", 404), ("-1", 400)])
def test_a_bad_version_gets_a_clear_page_not_a_500(client, studio, version, status):
    notice.publish_notice()
    assert client.get(f"/privacy/?version={version}").status_code == status


# Retention: one source, every line named ------------------------------------------------


def _retention_items(page: str) -> list[str]:
    return re.findall(r"<li>(.*?)</li>", _section(page, 8), re.S)


@pytest.mark.parametrize("language", ["fi", "en"])
def test_every_retention_line_names_its_category(client, studio, language):
    with translation.override(language):
        labels = [escape(str(kind.label)) for kind in processing.CUSTOMER_RETENTION]
    items = _retention_items(_page(client, language=language))
    assert len(items) == len(processing.CUSTOMER_RETENTION)
    for item, label in zip(items, labels, strict=True):
        assert item.startswith(f"<strong>{label}</strong>: ")


@pytest.mark.parametrize(
    "kind", [Retention.AUDIT, Retention.CONSENT_EVIDENCE, Retention.SUPPRESSION]
)
def test_the_audit_trail_the_consent_evidence_and_the_ban_list_are_listed_with_their_periods(
    client, studio, kind
):
    page = _page(client)
    rule = retention_rule(kind)
    years = studio.customer_retention_years if rule.setting else None
    line = f"<strong>{escape(str(kind.label))}</strong>: {escape(rule.period_text(years=years))}"
    assert line in _section(page, 8)


def test_the_period_the_owner_chooses_is_the_one_in_the_notice(client, studio):
    studio.customer_retention_years = 5
    studio.save()
    section = _section(_page(client), 8)
    assert "5 years from the customer&#x27;s last activity" in section
    assert "3 years from the customer&#x27;s last activity" not in section


def test_a_changed_retention_rule_changes_the_notice_and_the_access_report(
    client, studio, customer, monkeypatch
):
    from consent.acts.access import build_access_report

    first = notice.publish_notice()
    rules = dict(RETENTION_RULES)
    monkeypatch.setitem(RETENTION_RULES, Retention.AUDIT, replace(rules[Retention.AUDIT], years=7))
    page = _page(client)
    assert "7 years from the event" in _section(page, 8)
    # The wording changed with no change of settings: the notice in force is a new version,
    # and the one published before still says what it said.
    assert NoticeVersion.objects.order_by("-number").first().number == first.number + 1
    assert "2 years from the event" in _page(client, f"/privacy/?version={first.number}")
    with translation.override("en"):
        report = build_access_report(customer=customer)
    periods = {line["what"]: line["period"] for line in report["information"]["retention"]}
    assert periods["The audit trail"] == "7 years from the event"


def test_the_notice_and_the_access_report_say_the_same(client, studio, customer):
    from consent.acts.access import build_access_report

    studio.existing_customer_marketing = True
    studio.save()
    with translation.override("en"):
        report = build_access_report(customer=customer)["information"]
        said = notice.readable(processing.facts())
    for key in ("purposes", "marketing", "sources", "retention", "rights", "transfers"):
        assert report[key] == said[key], key
    page = _page(client)
    for line in report["retention"]:
        assert escape(line["period"]) in page
    for purpose in report["purposes"]:
        assert escape(purpose["basis"]) in page
    for source in report["sources"]:
        assert escape(source) in page


# The basis of marketing on each channel, the sources, the rights ---------------------------


def _marketing(page: str) -> dict[str, str]:
    block = re.search(r"<h3>Direct marketing</h3>\s*<ul>(.*?)</ul>", page, re.S)
    assert block
    return dict(re.findall(r"<li><strong>(.*?)</strong>: (.*?)</li>", block.group(1), re.S))


def test_email_and_sms_marketing_rest_on_consent_unless_the_owner_turned_the_exception_on(
    client, studio
):
    channels = _marketing(_page(client))
    assert set(channels) == {"Email", "Text message", "Post", "Phone"}
    for channel in ("Email", "Text message"):
        assert "consent" in channels[channel] and "§200(1)" in channels[channel]
        assert "§200(2)" not in channels[channel]
    for channel in ("Post", "Phone"):
        assert "Art. 6(1)(f)" in channels[channel] and "recital 47" in channels[channel]
        assert "until you refuse" in channels[channel]
    studio.existing_customer_marketing = True
    studio.existing_customer_months = 18
    studio.save()
    channels = _marketing(_page(client))
    for channel in ("Email", "Text message"):
        assert "§200(2)" in channels[channel] and "last 18 months" in channels[channel]
    assert "§200(2)" not in channels["Post"]


def test_the_notice_names_what_the_booking_calendar_brings(client, studio):
    sources = _section(_page(client), 5)
    assert "Varaa heti" in sources
    for item in ("name", "email address", "phone number", "the booked service"):
        assert item in sources
    studio.booking_calendar = ""
    studio.save()
    sources = _section(_page(client), 5)
    assert "booking calendar" not in sources and "You, directly" in sources


def test_the_rights_include_the_general_objection_and_withdrawal_without_effect_on_the_past(
    client, studio
):
    rights = _section(_page(client), 9)
    assert "on grounds of your own situation" in rights and "legitimate interests" in rights
    assert "Art. 21(1)" in rights and "Art. 21(2)-(3)" in rights
    assert "does not affect the lawfulness of what was done with the consent before" in rights
    purposes = _section(_page(client), 3)
    # Each purpose resting on legitimate interests says it may be objected to.
    assert purposes.count("You may object to this use") == len(processing.LEGITIMATE_INTEREST)


def test_the_notice_promises_no_health_data_as_an_instruction_not_a_technical_guarantee(
    client, studio
):
    page = _page(client)
    assert "We do not store health data and instruct our staff not to record it" in page
    assert "refuse" not in _section(page, 13)


# Frozen versions --------------------------------------------------------------------------


def test_a_version_shows_what_was_published_after_the_apps_wording_changes(
    client, studio, monkeypatch
):
    first = notice.publish_notice()
    assert set(first.rendered) == {"fi", "en"}
    basis = processing.LEGAL_BASES[StudioSettings.Purpose.BOOKING]
    monkeypatch.setitem(
        processing.LEGAL_BASES, StudioSettings.Purpose.BOOKING, "a brand-new wording"
    )
    old = _page(client, f"/privacy/?version={first.number}")
    assert escape(str(basis)) in old and "a brand-new wording" not in old
    for language in ("fi", "en"):
        frozen = _page(client, f"/privacy/?version={first.number}", language)
        assert first.rendered[language] in frozen
    # The notice in force says what the app says now, as a new version.
    assert "a brand-new wording" in _page(client)
    assert NoticeVersion.objects.count() == 2


def test_a_version_published_before_texts_were_kept_is_rendered_with_todays_wording(client, studio):
    first = notice.publish_notice()
    NoticeVersion.objects.filter(pk=first.pk).update(rendered={})
    page = _page(client, f"/privacy/?version={first.number}")
    assert "Studio Esimerkki Oy" in page and "Art. 21(1)" in page


def test_the_notice_page_costs_the_same_queries_however_many_versions_and_processors(
    client, studio, django_assert_max_num_queries
):
    first = notice.publish_notice()
    for number in range(2, 40):
        NoticeVersion.objects.create(number=number, content=first.content, rendered={})
    for number in range(20):
        Recipient.objects.create(name=f"Käsittelijä {number} Oy", purpose="Kirjanpito")
    notice.publish_notice()
    with django_assert_max_num_queries(5):
        assert "Käsittelijä 19 Oy" in _page(client)
    with django_assert_max_num_queries(4):
        _page(client, f"/privacy/?version={first.number}")


# The placeholder controller ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [("fi", "valmisteilla"), ("en", "being prepared")],
)
def test_no_notice_is_published_under_the_placeholder_controller(client, language, words):
    page = _page(client, language=language)
    assert words in page
    assert "/rights/" in page
    assert not NoticeVersion.objects.exists()
    with pytest.raises(notice.NoticeNotReady):
        notice.publish_notice()
    assert notice.current_notice() is None


def test_until_the_notice_is_ready_the_page_says_how_to_reach_the_studio_if_known(client):
    studio = StudioSettings.load()
    studio.phone = "040 123 4567"
    studio.save()
    page = _page(client)
    assert "being prepared" in page and "040 123 4567" in page
    assert not NoticeVersion.objects.exists()
    # A name and a postal address are enough to publish.
    studio.controller_name = "Viva Esimerkki Oy"
    studio.street_address, studio.postal_code, studio.city = "Kuusitie 1", "80100", "Joensuu"
    studio.save()
    page = _page(client)
    assert "being prepared" not in page and "Viva Esimerkki Oy" in page
    assert NoticeVersion.objects.count() == 1


def test_saving_incomplete_settings_says_why_nothing_was_published(
    client, owner, django_capture_on_commit_callbacks
):
    studio = StudioSettings.load()
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/consent/studiosettings/{studio.pk}/change/",
            {**_SETTINGS, "controller_name": "Studio", "email": ""},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert "The privacy notice is not published until" in response.content.decode()
    assert not NoticeVersion.objects.exists()


def test_the_admin_front_page_asks_the_owner_to_complete_the_settings(client, owner, staff):
    client.force_login(owner)
    page = _page(client, "/admin/")
    assert "Complete the studio settings" in page
    assert "/admin/consent/studiosettings/1/change/" in page
    assert "the studio&#x27;s name (the controller)" in page
    client.force_login(staff)
    assert "Complete the studio settings" not in _page(client, "/admin/")
    studio = StudioSettings.load()
    studio.controller_name, studio.email = "Studio Esimerkki Oy", "studio@example.fi"
    studio.save()
    client.force_login(owner)
    assert "Complete the studio settings" not in _page(client, "/admin/")


# The owner's admin ------------------------------------------------------------------------

_SETTINGS = {
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
}


def test_the_owner_edits_the_settings_in_the_admin_and_a_new_version_is_published(
    client, owner, studio, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    assert client.get("/admin/consent/studiosettings/").status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/consent/studiosettings/{studio.pk}/change/", _SETTINGS)
    assert response.status_code == 302
    latest = NoticeVersion.objects.order_by("-number").first()
    assert latest.content["controller"]["name"] == "Joogastudio Esimerkki"
    assert latest.content["purposes"] == ["customer_relationship", "marketing"]
    assert "Joogastudio Esimerkki" in latest.rendered["fi"]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            [
                "Categories of data subjects",
                "The staff's own data",
                "User accounts",
                "Second-factor devices",
                "Failed sign-ins",
                "Sessions",
                "Audit entries",
                "Security measures",
                "Accounting Act",
                "until the person refuses",  # the record speaks of the person, not to them
            ],
        ),
        (
            "fi",
            [
                "Rekisteröityjen ryhmät",
                "Henkilökunnan omat tiedot",
                "Käyttäjätilit",
                "Kaksivaiheisen tunnistautumisen",
                "Epäonnistuneet kirjautumiset",
                "Istunnot",
                "Lokimerkinnät",
                "Turvatoimet",
                "kirjanpitolaki",
                "kunnes henkilö kieltää",
            ],
        ),
    ],
)
def test_the_record_of_processing_lists_the_staffs_data_in_the_chosen_language(
    client, owner, studio, language, words
):
    from customers.models import AdminPreference

    AdminPreference.objects.create(user=owner, language=language)
    client.force_login(owner)
    page = _page(client, "/admin/consent/studiosettings/record-of-processing/", "sv")
    assert f'lang="{language}"' in page
    missing = [w for w in words if w not in page]
    assert missing == []
    assert "your consent" not in page and "suostumuksesi" not in page
    assert "Studio Esimerkki Oy" in page and "Mailer Inc" in page
    with translation.override(language):
        for kind in (Retention.STAFF_ACCOUNTS, Retention.LOGIN_ATTEMPTS, Retention.AUDIT):
            assert escape(retention_rule(kind).period_text()) in page


def test_the_record_of_processing_is_the_owners(client, staff, studio):
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
    page = _page(client, f"/privacy/?version={event.notice_version}", "fi")
    # The notice as published; the page's header names the studio as it is called today.
    text = page[page.index('<article class="notice">') : page.index("</article>")]
    assert "Studio Esimerkki Oy" in text and "Toinen Nimi Oy" not in text


def test_before_the_first_notice_a_consent_cites_no_version(customer):
    from consent.acts.objection import record_objection
    from consent.models import ConsentEvent

    record_objection(customer=customer, source=ConsentEvent.Source.ADMIN, actor=None)
    assert set(ConsentEvent.objects.values_list("notice_version", flat=True)) == {None}
