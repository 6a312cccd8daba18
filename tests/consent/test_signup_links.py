"""Newsletter sign-up links are like the rights links: random, stored hashed, single-use,
for one purpose; an address on the suppression list is asked for consent again; a person
erased earlier who signs up again is reachable by email, not by phone."""

import re

import pytest
from django.core import mail

from consent.acts.erasure import erase_customer
from consent.acts.objection import record_objection
from consent.mail.suppression import is_suppressed, suppress
from consent.marketing.audience import audience_people
from consent.marketing.signup import request_subscription
from consent.models import ConsentEvent, LinkToken, Suppression
from customers.models import Customer

pytestmark = pytest.mark.django_db


def _signup(email, django_capture_on_commit_callbacks, name="Sara Tilaaja") -> str:
    with django_capture_on_commit_callbacks(execute=True):
        request_subscription(email=email, name=name, language="fi")
    return re.search(r"https?://[^/]+(/marketing/confirm/[^/\s]+/)", mail.outbox[-1].body).group(1)


def test_the_link_holds_no_readable_address_and_is_stored_hashed(
    django_capture_on_commit_callbacks,
):
    path = _signup("sara@example.fi", django_capture_on_commit_callbacks)
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert "sara" not in token and len(token) >= 40
    link = LinkToken.objects.get()
    assert link.token_hash != token and token not in link.token_hash
    assert not Customer.objects.exists(), "nothing about the person until confirmed"


def test_the_link_works_once(client, django_capture_on_commit_callbacks):
    path = _signup("sara@example.fi", django_capture_on_commit_callbacks)
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 200
    customer = Customer.objects.get(email="sara@example.fi")
    assert customer.first_name == "Sara" and customer.origin == "web_registration"
    replay = client.post(path)
    assert replay.status_code == 410
    assert ConsentEvent.objects.filter(customer=customer, action="given").count() == 1


def test_a_forged_or_other_purpose_link_changes_nothing(client, customer):
    from consent.mail.links import issue_token
    from consent.models import RightsRequest

    request = RightsRequest.objects.create(
        request_type="access", customer=customer, email=customer.email, due_on="2030-01-01"
    )
    verify = issue_token(request=request, purpose=LinkToken.Purpose.VERIFY_REQUEST)
    assert client.post(f"/marketing/confirm/{verify}/").status_code == 404
    assert client.post("/marketing/confirm/not-a-real-token/").status_code == 404
    assert not ConsentEvent.objects.exists()


def test_a_suppressed_address_is_asked_for_consent_again(
    client, customer, django_capture_on_commit_callbacks
):
    record_objection(customer=customer, source="own_page", actor=None)
    path = _signup(customer.email, django_capture_on_commit_callbacks)
    page = client.get(path)
    assert page.status_code == 200 and 'name="consent"' in page.content.decode()
    # The button alone is not enough: nothing is revived.
    assert client.post(path).status_code == 400
    assert is_suppressed(email=customer.email)
    assert customer not in list(audience_people(purpose="newsletter", channel="email"))
    # Ticked again: the new consent counts, for email only.
    assert client.post(path, {"consent": "on"}).status_code == 200
    assert not is_suppressed(email=customer.email) and is_suppressed(phone=customer.phone)
    assert customer in list(audience_people(purpose="newsletter", channel="email"))
    assert customer not in list(audience_people(purpose="newsletter", channel="sms"))


def test_an_erased_person_who_signs_up_again_is_reachable_by_email(
    client, owner, customer, django_capture_on_commit_callbacks
):
    email, phone = customer.email, customer.phone
    erase_customer(customer=customer, actor=owner)
    path = _signup(email, django_capture_on_commit_callbacks)
    client.post(path, {"consent": "on"})
    back = Customer.objects.get(email=email)
    assert back in list(audience_people(purpose="newsletter", channel="email"))
    assert Suppression.objects.filter(reason="erasure").count() == 1  # the phone's
    assert is_suppressed(phone=phone)
    suppress(email=email, reason=Suppression.Reason.OBJECTION)
    assert back not in list(audience_people(purpose="newsletter", channel="email"))
