"""Transfers outside the EU/EEA (GDPR Chapter V, R30): the safeguard is a known mechanism,
the Privacy Shield can never be saved, and Gmail is added with what Google states."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from consent.models import NoticeVersion, Recipient, StudioSettings
from consent.records import notice, recipients

pytestmark = pytest.mark.django_db

Safeguard = Recipient.Safeguard
ADD = "/admin/consent/recipient/add/"
GOOGLE = "/admin/consent/recipient/add-google/"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def studio():
    studio = StudioSettings.load()
    studio.controller_name = "Viva Esimerkki Oy"
    studio.email = "studio@example.fi"
    studio.save()
    return studio


def _errors(**fields) -> dict[str, list[str]]:
    recipient = Recipient(**{"name": "Pilvi Inc", "purpose": "Varmuuskopiot", **fields})
    with pytest.raises(ValidationError) as raised:
        recipient.full_clean()
    return raised.value.message_dict


def _valid(**fields) -> Recipient:
    recipient = Recipient(**{"name": "Pilvi Inc", "purpose": "Varmuuskopiot", **fields})
    recipient.full_clean()
    return recipient


# The model ---------------------------------------------------------------------------------


def test_a_transfer_outside_the_eea_needs_a_safeguard():
    assert "safeguard" in _errors(country="us")
    inside = _valid(country="fi", safeguard=Safeguard.SCC, scc_also=True)
    # Inside the EU/EEA no safeguard is needed, and none is kept to be shown.
    assert (inside.country, inside.safeguard, inside.scc_also) == ("FI", "", False)


@pytest.mark.parametrize("words", ["Privacy Shield", "EU-US privacy-shield", "PRIVACYSHIELD"])
def test_the_privacy_shield_cannot_be_saved_through_the_model(words):
    errors = _errors(country="US", safeguard=Safeguard.SCC, safeguard_note=words)
    assert "invalidated" in " ".join(errors["safeguard_note"])
    assert "safeguard" in _errors(country="US", safeguard="privacy_shield")


def test_the_database_refuses_any_safeguard_it_does_not_know():
    with pytest.raises(IntegrityError), transaction.atomic():
        Recipient.objects.create(
            name="Vanha Inc", purpose="Sähköposti", country="US", safeguard="Privacy Shield"
        )
    assert not Recipient.objects.exists()


def test_the_data_privacy_framework_is_for_certified_us_organisations_with_the_day_checked():
    assert "dpf_checked_on" in _errors(country="US", safeguard=Safeguard.DPF)
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert "dpf_checked_on" in _errors(
        country="US", safeguard=Safeguard.DPF, dpf_checked_on=tomorrow
    )
    assert "safeguard" in _errors(
        country="IN", safeguard=Safeguard.DPF, dpf_checked_on=date.today()
    )
    dpf = _valid(country="US", safeguard=Safeguard.DPF, dpf_checked_on=date(2026, 3, 2))
    assert dpf.dpf_checked_on == date(2026, 3, 2)
    # The day means nothing for another mechanism, and is not kept with it.
    scc = _valid(country="US", safeguard=Safeguard.SCC, dpf_checked_on=date(2026, 3, 2))
    assert scc.dpf_checked_on is None


def test_an_adequacy_decision_only_where_the_commission_made_one():
    assert _valid(country="JP", safeguard=Safeguard.ADEQUACY).safeguard == "adequacy"
    assert _valid(country="GB", safeguard=Safeguard.ADEQUACY).safeguard == "adequacy"
    assert "Data Privacy Framework" in " ".join(
        _errors(country="US", safeguard=Safeguard.ADEQUACY)["safeguard"]
    )
    assert "no adequacy decision" in " ".join(
        _errors(country="IN", safeguard=Safeguard.ADEQUACY)["safeguard"]
    )
    assert _valid(country="IN", safeguard=Safeguard.SCC).safeguard == "scc"
    assert _valid(country="IN", safeguard=Safeguard.BCR).safeguard == "bcr"


def test_a_valid_choice_clears_the_flag_the_migration_set():
    recipient = Recipient.objects.create(
        name="Vanha Inc", purpose="Sähköposti", country="US", needs_review=True
    )
    recipient.safeguard = Safeguard.SCC
    recipient.full_clean()
    recipient.save()
    recipient.refresh_from_db()
    assert recipient.needs_review is False


# The admin ---------------------------------------------------------------------------------


def _post(client, **fields):
    data = {
        "name": "Cloud Co",
        "purpose": "Backups",
        "country": "US",
        "is_processor": "on",
        "safeguard": "",
        "dpf_checked_on": "",
        "safeguard_note": "",
        **fields,
    }
    return client.post(ADD, data, HTTP_ACCEPT_LANGUAGE="en")


def test_the_owner_cannot_save_the_privacy_shield_in_the_admin(client, owner, studio):
    client.force_login(owner)
    response = _post(client)
    assert response.status_code == 200 and "needs a safeguard" in response.content.decode()
    response = _post(client, safeguard="privacy_shield")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    response = _post(client, safeguard="scc", safeguard_note="Privacy Shield -sertifikaatti")
    assert response.status_code == 200 and "invalidated" in response.content.decode()
    assert not Recipient.objects.exists()
    page = client.get(ADD, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Privacy Shield" not in page.split('name="safeguard"')[1].split("</select>")[0]


def test_a_valid_safeguard_is_saved_and_named_in_the_notice(
    client, owner, studio, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, safeguard="scc")
    assert response.status_code == 302
    assert Recipient.objects.get().safeguard == "scc"
    latest = NoticeVersion.objects.get()
    assert "The Commission&#x27;s standard contractual clauses" in latest.rendered["en"]


def test_the_country_of_a_processor_is_typed_by_its_name_as_well(client, owner, studio):
    client.force_login(owner)
    assert _post(client, name="Pilvi Oy", country="Ruotsi").status_code == 302
    assert Recipient.objects.get(name="Pilvi Oy").country == "SE"
    assert _post(client, country="Yhdysvallat", safeguard="scc").status_code == 302
    assert Recipient.objects.get(name="Cloud Co").country == "US"
    response = _post(client, name="Kuu Oy", country="Kuu")
    assert response.status_code == 200 and not Recipient.objects.filter(name="Kuu Oy").exists()


def test_the_owner_clears_the_flag_by_choosing_a_safeguard_in_the_admin(client, owner, studio):
    flagged = Recipient.objects.create(
        name="Vanha Posti Inc", purpose="Uutiskirje", country="US", needs_review=True
    )
    client.force_login(owner)
    response = client.post(
        f"/admin/consent/recipient/{flagged.pk}/change/",
        {"name": flagged.name, "purpose": "Uutiskirje", "country": "US", "safeguard": "scc"},
    )
    assert response.status_code == 302
    flagged.refresh_from_db()
    assert (flagged.safeguard, flagged.needs_review) == ("scc", False)


def test_a_flagged_recipient_asks_the_owner_to_choose_and_the_notice_does_not_pretend(
    client, owner, studio
):
    flagged = Recipient.objects.create(
        name="Vanha Posti Inc", purpose="Uutiskirje", country="US", needs_review=True
    )
    client.force_login(owner)
    page = client.get(
        f"/admin/consent/recipient/{flagged.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Check this transfer&#x27;s safeguard and save it" in page
    index = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 processor outside the EU/EEA needs its transfer safeguard chosen again" in index
    assert "needs_review__exact=1" in index
    notice_page = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Vanha Posti Inc (US): safeguard: the studio is checking the safeguard" in notice_page


# The guided entry for Google Workspace (Gmail) ---------------------------------------------


def test_the_recipient_list_offers_the_guided_entry_for_gmail(client, owner, studio):
    client.force_login(owner)
    page = client.get("/admin/consent/recipient/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert GOOGLE in page and "Add Google Workspace (Gmail)" in page


def test_the_guided_entry_adds_google_with_what_google_states(
    client, owner, studio, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    page = client.get(GOOGLE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "dataprivacyframework.gov/list" in page and "free consumer Gmail" in page
    checked = timezone.localdate() - timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            GOOGLE,
            {"workspace": "on", "dpf_checked_on": checked.isoformat()},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    google = Recipient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/consent/recipient/{google.pk}/change/"
    assert "Google Ireland Limited" in google.name and "Google LLC" in google.name
    assert google.country == "US" and google.outside_eea
    assert google.is_processor and google.purpose.startswith("Email")
    assert (google.safeguard, google.dpf_checked_on) == ("dpf", checked)
    assert google.scc_also and google.safeguard_note == "Google Cloud Data Processing Addendum"
    assert not google.needs_review
    text = NoticeVersion.objects.get().rendered["en"]
    assert "Google LLC" in text and "EU-US Data Privacy Framework" in text
    assert f"certification was checked on {checked:%-d.%-m.%Y}" in text
    assert "standard contractual clauses as well" in text


def test_the_guided_entry_needs_the_owners_own_checks(client, owner, studio):
    client.force_login(owner)
    tomorrow = timezone.localdate() + timedelta(days=1)
    for data in (
        {"dpf_checked_on": timezone.localdate().isoformat()},  # no Workspace agreement
        {"workspace": "on", "dpf_checked_on": ""},
        {"workspace": "on", "dpf_checked_on": "eilen"},
        {"workspace": "on", "dpf_checked_on": tomorrow.isoformat()},
    ):
        response = client.post(GOOGLE, data, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400, data
        assert "Please correct the errors below" in response.content.decode()
    assert not Recipient.objects.exists()


def test_the_guided_entry_adds_no_second_google(client, owner, studio):
    recipients.add_google_workspace(dpf_checked_on=timezone.localdate())
    client.force_login(owner)
    page = client.get(GOOGLE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "already has a Google recipient" in page
    response = client.post(
        GOOGLE, {"workspace": "on", "dpf_checked_on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 200 and Recipient.objects.count() == 1


def test_staff_cannot_add_a_processor(client, staff, studio):
    client.force_login(staff)
    assert client.get(GOOGLE).status_code == 403
    response = client.post(GOOGLE, {"workspace": "on", "dpf_checked_on": "2026-01-01"})
    assert response.status_code == 403 and not Recipient.objects.exists()


def test_a_guided_entry_before_the_settings_are_complete_publishes_nothing_yet():
    recipients.add_google_workspace(dpf_checked_on=timezone.localdate())
    assert notice.current_notice() is None
