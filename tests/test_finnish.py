"""Finnish that reads as Finnish (issue 10 §6): the admin's own words, the roles, the
emails and the customer's page, checked where people read them."""

import re

import pytest
from django.core import mail
from django.utils import timezone

from consent.acts.requests import extend_request
from consent.marketing.signup import request_subscription
from consent.models import RightsRequest, StudioSettings

pytestmark = pytest.mark.django_db


def test_the_admin_index_table_headers_are_finnish(client, owner):
    client.force_login(owner)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "Model name" not in page and "Add link" not in page
    assert "Lisäyslinkki" in page


def test_the_roles_are_named_in_the_readers_language(client, owner):
    client.force_login(owner)
    page = client.get(
        f"/admin/auth/user/{owner.pk}/change/", HTTP_ACCEPT_LANGUAGE="fi"
    ).content.decode()
    assert ">Omistaja<" in page and ">Henkilökunta<" in page
    assert ">Owner<" not in page
    groups = client.get("/admin/auth/group/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Owner" in groups


def test_a_change_page_title_reads_as_finnish(client, owner, customer):
    client.force_login(owner)
    page = client.get(
        f"/admin/customers/customer/{customer.pk}/change/", HTTP_ACCEPT_LANGUAGE="fi"
    ).content.decode()
    assert "Muokkaa: asiakas" in page
    assert "Muokkaa asiakas<" not in page


def test_the_sign_up_email_names_the_studio_in_a_plain_sentence(
    django_capture_on_commit_callbacks,
):
    studio = StudioSettings.load()
    studio.controller_name = "Joogastudio Esimerkki Oy"
    studio.save()
    with django_capture_on_commit_callbacks(execute=True):
        request_subscription(email="sara@example.fi", name="Sara", language="fi")
    body = mail.outbox[-1].body
    assert "uutiskirje, jota lähettää Joogastudio Esimerkki Oy" in body
    assert "toivottavasti" not in body


def test_the_extension_email_subject_starts_with_a_word(
    customer, owner, django_capture_on_commit_callbacks
):
    request = RightsRequest.objects.create(
        request_type="access",
        status="verified",
        customer=customer,
        email=customer.email,
        received_at=timezone.now(),
        due_on=timezone.localdate(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        extend_request(request=request, reason="Pyyntö on laaja.", actor=owner)
    subject = mail.outbox[-1].subject
    assert subject == subject.strip() and re.match(r"\w", subject)
    assert subject == "Tietosuojapyyntösi käsittely kestää pidempään"


def test_the_own_page_says_each_permission_in_one_phrase(client, customer):
    from consent.mail.links import issue_token
    from consent.models import LinkToken

    request = RightsRequest.objects.create(
        request_type="access",
        status="received",
        customer=customer,
        email=customer.email,
        due_on=timezone.localdate(),
    )
    raw = issue_token(request=request, purpose=LinkToken.Purpose.VERIFY_REQUEST)
    client.post(f"/rights/verify/{raw}/")
    page = client.get("/rights/my-data/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "sallittu, kunnes kiellät" in page  # post: legitimate interest
    assert "ei sallittu ilman suostumustasi" in page  # email: consent needed
    assert "sallittu (" not in page


def test_the_studio_settings_page_is_titled_as_finnish(client, owner):
    client.force_login(owner)
    page = client.get("/admin/consent/studiosettings/", HTTP_ACCEPT_LANGUAGE="fi", follow=True)
    assert "Muokkaa studion asetuksia" in page.content.decode()


def test_a_read_only_page_title_reads_as_finnish(client, staff, customer):
    client.force_login(staff)
    customer.restricted_at = timezone.now()
    customer.save(update_fields=["restricted_at"])
    page = client.get(
        f"/admin/customers/customer/{customer.pk}/change/", HTTP_ACCEPT_LANGUAGE="fi"
    ).content.decode()
    assert "Näytä: asiakas" in page
