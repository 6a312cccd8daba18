"""Emails go out in the person's language: the language of their sign-up, of their
verified request, or of their last choice (issue 10 §1)."""

import re

import pytest
from django.core import mail

from consent.acts.restriction import lift_restriction, restrict
from consent.marketing.signup import request_subscription
from customers.models import Customer

pytestmark = pytest.mark.django_db


def _confirm_subscription(client, email, language, capture):
    with capture(execute=True):
        request_subscription(email=email, name="Sara Tilaaja", language=language)
    path = re.search(r"https?://[^/]+(/marketing/confirm/[^/\s]+/)", mail.outbox[-1].body)
    client.post(path.group(1))


def test_a_new_subscriber_is_written_to_in_the_language_of_the_sign_up(
    client, django_capture_on_commit_callbacks
):
    _confirm_subscription(client, "sara@example.fi", "en", django_capture_on_commit_callbacks)
    assert Customer.objects.get(email="sara@example.fi").language == "en"


def test_a_customer_who_signs_up_in_english_is_written_to_in_english(
    client, customer, django_capture_on_commit_callbacks
):
    assert customer.language == "fi"
    _confirm_subscription(client, customer.email, "en", django_capture_on_commit_callbacks)
    customer.refresh_from_db()
    assert customer.language == "en"


def test_a_request_verified_in_english_makes_later_emails_english(
    client, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/rights/",
            {"email": customer.email, "request_type": "access", "message": "", "website": ""},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    link = re.search(r"https?://\S+(/rights/verify/[^/\s]+/)", mail.outbox[-1].body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link, HTTP_ACCEPT_LANGUAGE="en")
    customer.refresh_from_db()
    assert customer.language == "en"

    # A later email that is not an answer to that request: the restriction being lifted.
    restrict(customer=customer, actor=None)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lift_restriction(customer=customer, actor=None)
    assert "restriction" in mail.outbox[-1].body.lower()
    assert "rajoitus" not in mail.outbox[-1].body.lower()


def test_an_unknown_language_code_changes_nothing(customer):
    customer.remember_language("xx")
    customer.refresh_from_db()
    assert customer.language == "fi"
