"""Lawful by default (#10): the general right to object, no health data through the public
form or the owner's notes, the consent's own words in the ledger, every email naming the
studio, messages in the person's language."""

import re
from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from consent.acts import requests
from consent.marketing.permissions import consent_wording
from consent.models import ConsentEvent, OutboxEmail, RightsRequest, StudioSettings

pytestmark = pytest.mark.django_db


def test_the_general_objection_asks_for_the_persons_reasons(client, customer):
    page = client.get("/rights/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'value="objection_other"' in page
    empty = client.post(
        "/rights/",
        {"email": customer.email, "request_type": "objection_other", "message": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert empty.status_code == 400 and "which use of your data" in empty.content.decode()
    assert not RightsRequest.objects.exists()
    given = client.post(
        "/rights/",
        {
            "email": customer.email,
            "request_type": "objection_other",
            "message": "En halua, että nimeni näkyy ryhmän osallistujalistalla.",
        },
    )
    assert given.status_code == 302
    assert RightsRequest.objects.get().request_type == "objection_other"


def test_the_public_form_refuses_health_information_until_confirmed(client, customer):
    data = {
        "email": customer.email,
        "request_type": "erasure",
        "message": "Polveni leikattiin, en voi enää tulla tunneille.",
    }
    refused = client.post("/rights/", data, HTTP_ACCEPT_LANGUAGE="en")
    body = refused.content.decode()
    assert refused.status_code == 400 and "health information" in body
    assert 'name="confirm_not_health_data"' in body and not RightsRequest.objects.exists()
    accepted = client.post("/rights/", {**data, "confirm_not_health_data": "on"})
    assert accepted.status_code == 302 and RightsRequest.objects.count() == 1


def test_the_owners_notes_on_a_request_hold_no_health_information(owner, customer):
    request = RightsRequest.objects.create(
        request_type="access", status="verified", customer=customer, due_on=date.today()
    )
    with pytest.raises(ValidationError) as error:
        requests.extend_request(
            request=request, reason="Asiakas on raskaana, ei kiirettä", actor=owner
        )
    assert "reason" in error.value.error_dict
    with pytest.raises(ValidationError):
        requests.record_request(
            request_type="access",
            channel="phone",
            customer=customer,
            email="",
            message="Soitti sairaalasta, diabeetikko",
            identity_check="Tuttu ääni",
            received_on=date.today(),
            actor=owner,
        )
    requests.complete_request(request=request, actor=owner, outcome="Raportti annettu paperilla")
    request.refresh_from_db()
    assert request.status == "completed"


def test_a_consent_on_the_own_page_keeps_the_words_of_its_switch(client, customer):
    session = client.session
    from datetime import timedelta

    from django.utils import timezone

    session["rights_customer"] = {
        "customer": customer.pk,
        "scope": "full",
        "until": (timezone.now() + timedelta(minutes=5)).isoformat(),
    }
    session.save()
    page = client.get("/rights/my-data/").content.decode()
    wording = consent_wording("newsletter", "sms")
    assert wording.split(".")[0] in page
    client.post("/rights/my-data/", {"action": "give", "purpose": "newsletter", "channel": "sms"})
    event = ConsentEvent.objects.get(action="given")
    assert event.wording == wording and event.source == "own_page"


def test_every_email_names_the_studio_and_how_to_reach_it(customer):
    StudioSettings.objects.filter(pk=StudioSettings.load().pk).update(
        controller_name="Joogastudio Esimerkki Oy",
        street_address="Kuusitie 1",
        postal_code="11100",
        city="Riihimäki",
        email="studio@example.fi",
    )
    requests.submit_request(email="vieras@example.fi", request_type="access", language="en")
    body = OutboxEmail.objects.get().body_text
    assert "Joogastudio Esimerkki Oy" in body and "Kuusitie 1, 11100 Riihimäki" in body
    assert "studio@example.fi" in body and "/privacy/" in body


def test_messages_go_in_the_persons_language(owner, customer, django_capture_on_commit_callbacks):
    customer.language = "en"
    customer.save()
    from consent.acts import restriction

    restriction.restrict(customer=customer, actor=owner)
    with django_capture_on_commit_callbacks(execute=True):
        restriction.lift_restriction(customer=customer, actor=owner)
        recorded = requests.record_request(
            request_type="access",
            channel="letter",
            customer=customer,
            email="",
            message="",
            identity_check="Kirje omalla allekirjoituksella",
            received_on=date.today(),
            actor=owner,
        )
    assert recorded.language == "en"
    assert re.search(r"restriction|restrict", mail.outbox[0].subject + mail.outbox[0].body, re.I)
