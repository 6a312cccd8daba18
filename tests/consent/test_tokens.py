"""Emailed links: reuse, expiry, tampering and another person's link all fail."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consent.acts import requests
from consent.mail.links import TokenError, TokenProblem, issue_token, peek_token, use_token
from consent.models import LinkToken, RightsRequest
from tests.concurrency import at_once

pytestmark = pytest.mark.django_db


@pytest.fixture
def rights_request(customer):
    return RightsRequest.objects.create(
        request_type="access", email=customer.email, customer=customer, due_on=timezone.localdate()
    )


def test_only_the_hash_of_a_link_is_stored(rights_request):
    raw = issue_token(request=rights_request, purpose=LinkToken.Purpose.VERIFY_REQUEST)
    stored = LinkToken.objects.get()
    assert raw not in stored.token_hash and len(stored.token_hash) == 64


def test_a_link_works_once(rights_request):
    raw = issue_token(request=rights_request, purpose=LinkToken.Purpose.VERIFY_REQUEST)
    use_token(raw, purpose=LinkToken.Purpose.VERIFY_REQUEST)
    with pytest.raises(TokenError) as e:
        use_token(raw, purpose=LinkToken.Purpose.VERIFY_REQUEST)
    assert e.value.problem == TokenProblem.USED


def test_an_expired_link_fails(rights_request):
    raw = issue_token(request=rights_request, purpose=LinkToken.Purpose.VERIFY_REQUEST)
    LinkToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(TokenError) as e:
        peek_token(raw, purpose=LinkToken.Purpose.VERIFY_REQUEST)
    assert e.value.problem == TokenProblem.EXPIRED


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t + "x",
        lambda t: "",
        lambda t: "x" * 500,
    ],
)
def test_a_tampered_link_fails(rights_request, tamper):
    raw = issue_token(request=rights_request, purpose=LinkToken.Purpose.VERIFY_REQUEST)
    with pytest.raises(TokenError) as e:
        use_token(tamper(raw), purpose=LinkToken.Purpose.VERIFY_REQUEST)
    assert e.value.problem == TokenProblem.INVALID


def test_a_link_for_one_purpose_does_not_work_for_another(rights_request):
    raw = issue_token(request=rights_request, purpose=LinkToken.Purpose.CONFIRM_EMAIL)
    with pytest.raises(TokenError):
        use_token(raw, purpose=LinkToken.Purpose.VERIFY_REQUEST)


def test_another_persons_link_opens_only_that_persons_request(client, customer):
    other = customer.__class__.objects.create(
        first_name="Toinen", last_name="Henkilö", email="toinen@example.fi"
    )
    requests.submit_request(email=customer.email, request_type="access", language="fi")
    requests.submit_request(email=other.email, request_type="access", language="fi")
    mine, theirs = RightsRequest.objects.order_by("pk")
    raw = issue_token(request=theirs, purpose=LinkToken.Purpose.VERIFY_REQUEST)
    client.post(f"/rights/verify/{raw}/")
    page = client.get("/rights/my-data/").content.decode()
    assert "toinen@example.fi" in page
    assert customer.email not in page
    mine.refresh_from_db()
    assert mine.status == RightsRequest.Status.RECEIVED


@pytest.mark.django_db(transaction=True)
def test_the_same_link_posted_twice_at_once_changes_state_once(customer):
    requests.submit_request(email=customer.email, request_type="objection", language="fi")
    request = RightsRequest.objects.get()
    raw = issue_token(request=request, purpose=LinkToken.Purpose.VERIFY_REQUEST)

    def follow_link() -> str:
        try:
            requests.verify_request(raw_token=raw)
        except TokenError as error:
            return error.problem.value
        return "verified"

    outcomes = at_once(follow_link, timeout=30)
    assert sorted(outcomes) == ["used", "verified"]
    # The objection was recorded once: one event per purpose and channel.
    assert customer.consent_events.count() == 8
