"""The customer's side: the request form, the emailed link and the customer's own page."""

import json
import re

import pytest
from django.core import mail
from django.utils import timezone

from consent.mail.suppression import is_suppressed
from consent.models import ConsentEvent, OutboxEmail, RightsRequest
from customers.models import Customer

pytestmark = pytest.mark.django_db


def _ask(client, email, request_type="access", **extra):
    return client.post(
        "/rights/",
        {"email": email, "request_type": request_type, "message": "", "website": "", **extra},
        follow=True,
    )


def _without_csrf(content: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", content.decode())


def _link_from_last_email() -> str:
    return re.search(
        r"https?://\S+/rights/(?:verify|report|confirm-email)/[^/\s]+/", mail.outbox[-1].body
    ).group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


@pytest.fixture
def verified(client, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, customer.email)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_path(_link_from_last_email()))
    return client


def test_the_form_works_in_finnish_and_english(client):
    page = client.get("/rights/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert 'lang="fi"' in page and "Sähköpostiosoitteesi" in page
    page = client.get("/rights/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in page and "Your email address" in page


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(
    client, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = _ask(client, customer.email)
    with django_capture_on_commit_callbacks(execute=True):
        unknown = _ask(client, "ei.asiakas@example.fi")
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    # Byte for byte, but for the CSRF token, which is masked anew on every page.
    assert _without_csrf(known.content) == _without_csrf(unknown.content)
    # One email each: a link for the known address, "nothing held" for the other.
    assert [m.to for m in mail.outbox] == [[customer.email], ["ei.asiakas@example.fi"]]
    assert "/rights/verify/" in mail.outbox[0].body
    assert "/rights/verify/" not in mail.outbox[1].body
    assert RightsRequest.objects.get(email="ei.asiakas@example.fi").status == "completed"


def test_links_in_emails_come_from_site_url_not_from_the_host_header(
    client, customer, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://rekisteri.example.fi"
    settings.ALLOWED_HOSTS = ["evil.example.com", "testserver"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/rights/",
            {"email": customer.email, "request_type": "access"},
            HTTP_HOST="evil.example.com",
        )
    assert _link_from_last_email().startswith("https://rekisteri.example.fi/rights/verify/")


@pytest.mark.parametrize(
    "data",
    [
        {"email": "not-an-address", "request_type": "access"},
        {"email": "a@example.fi", "request_type": "delete_everything"},
        {"email": "a@example.fi"},
        {"email": "a@example.fi", "request_type": "access", "message": "x" * 2001},
        {"email": "a" * 300 + "@example.fi", "request_type": "access"},
    ],
)
def test_bad_input_gets_a_translated_message_and_a_400(client, data):
    response = client.post("/rights/", data, HTTP_ACCEPT_LANGUAGE="fi")
    assert response.status_code == 400
    assert "Tarkista lomake" in response.content.decode()
    assert RightsRequest.objects.count() == 0


def test_a_filled_honeypot_is_answered_as_usual_and_ignored(client, customer):
    response = _ask(client, customer.email, website="http://spam.example.com")
    assert response.status_code == 200
    assert RightsRequest.objects.count() == 0


def test_too_many_requests_get_a_polite_429(client, settings):
    settings.RIGHTS_LIMIT_PER_EMAIL = 2
    for _ in range(2):
        assert _ask(client, "sama@example.fi").status_code == 200
    response = _ask(client, "sama@example.fi")
    assert response.status_code == 429
    assert RightsRequest.objects.count() == 2


def test_the_link_shows_a_button_and_only_the_post_verifies(
    client, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, customer.email, "erasure")
    path = _path(_link_from_last_email())
    page = client.get(path)
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert page["Referrer-Policy"] == "strict-origin"
    assert RightsRequest.objects.get().status == "received"
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == "/rights/my-data/"
    request = RightsRequest.objects.get()
    assert request.status == "verified" and request.customer == customer


def test_a_used_or_forged_link_gets_a_clear_page(
    client, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, customer.email)
    path = _path(_link_from_last_email())
    client.post(path)
    used = client.post(path, HTTP_ACCEPT_LANGUAGE="fi")
    assert used.status_code == 410 and "käytetty" in used.content.decode()
    forged = client.get("/rights/verify/forged-token-value/", HTTP_ACCEPT_LANGUAGE="en")
    assert forged.status_code == 404 and "not valid" in forged.content.decode()


def test_an_erasure_request_tells_the_owner_at_once(
    client, customer, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, customer.email, "erasure")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_path(_link_from_last_email()))
    to_owner = [m for m in mail.outbox if m.to == [owner.email]]
    assert len(to_owner) == 1
    assert "/admin/consent/rightsrequest/" in to_owner[0].body


def test_my_data_shows_everything_held(verified, customer_with_history):
    page = verified.get("/rights/my-data/").content.decode()
    for text in (
        "Aino",
        "Esimerkkikatu 1 A 2",
        "+358401234567",
        "Hatha-jooga alkeet",
        "K-1001",
        "Sali oli kylmä",
        "Kiitos kurssista",
    ):
        assert text in page


def test_my_data_counts_the_audit_entries_about_the_customer(verified, customer_with_history):
    from consent.models import AuditEntry

    verified.get("/rights/my-data/")  # a look is itself logged
    held = AuditEntry.objects.filter(customer=customer_with_history).count()
    assert held >= 2

    page = verified.get("/rights/my-data/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()

    assert f"<p>{held} merkintää</p>" in page
    assert '<dl class="record">\n    \n  </dl>' not in page  # no empty record per entry


def test_my_data_downloads_json_and_csv(verified, customer_with_history):
    response = verified.get("/rights/my-data/download.json")
    assert response["Content-Disposition"].startswith("attachment")
    report = json.loads(response.content)
    assert report["person"]["email"] == customer_with_history.email
    tables = {s["table"]: s["rows"] for s in report["sections"]}
    assert len(tables["customers.purchase"]) == 1
    assert len(tables["customers.interaction"]) == 2
    csv_text = verified.get("/rights/my-data/download.csv").content.decode("utf-8-sig")
    assert "Esimerkkikatu 1 A 2" in csv_text


def test_my_data_without_verification_sends_the_visitor_to_the_form(client, customer):
    response = client.get("/rights/my-data/")
    assert response.status_code == 302 and response["Location"] == "/rights/"
    assert client.get("/rights/my-data/download.json")["Location"] == "/rights/"


def test_the_customer_corrects_their_details_and_it_is_logged(verified, customer):
    response = verified.post(
        "/rights/my-data/",
        {
            "action": "contact",
            "first_name": "Aino",
            "last_name": "Korjattu",
            "phone": "050 111 2222",
            "street_address": "Uusikatu 2",
            "postal_code": "00200",
            "city": "Helsinki",
            "country": "FI",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.last_name, customer.phone) == ("Korjattu", "+358501112222")
    log = RightsRequest.objects.filter(request_type="rectification").get()
    assert (
        log.status == "completed"
        and "sukunimi" in log.outcome.lower()
        or "last name" in log.outcome
    )


def test_a_bad_correction_is_refused_with_a_message_and_nothing_changes(verified, customer):
    response = verified.post(
        "/rights/my-data/",
        {
            "action": "contact",
            "first_name": "Aino",
            "last_name": "X",
            "postal_code": "123",
            "country": "FI",
        },
        HTTP_ACCEPT_LANGUAGE="fi",
    )
    assert response.status_code == 400
    assert "viisi numeroa" in response.content.decode()
    customer.refresh_from_db()
    assert customer.last_name == "Esimerkki"


def test_a_new_email_is_confirmed_by_a_link_sent_to_it_first(
    verified, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        verified.post("/rights/my-data/", {"action": "email", "new_email": "Aino.Uusi@Example.fi"})
    assert mail.outbox[-1].to == ["aino.uusi@example.fi"]
    customer.refresh_from_db()
    assert customer.email == "aino.esimerkki@example.fi"
    path = _path(_link_from_last_email())
    assert verified.get(path).status_code == 200
    assert verified.post(path).status_code == 200
    customer.refresh_from_db()
    assert customer.email == "aino.uusi@example.fi"


def test_an_objection_takes_effect_at_once_on_every_channel(verified, customer):
    verified.post("/rights/my-data/", {"action": "object"})
    events = ConsentEvent.objects.filter(customer=customer, action="objected")
    assert {(e.purpose, e.channel) for e in events} == {
        (p, c) for p in ConsentEvent.Purpose for c in ConsentEvent.Channel
    }
    assert is_suppressed(email=customer.email) and is_suppressed(phone=customer.phone)
    assert (
        "Olet kieltänyt suoramarkkinoinnin"
        in verified.get("/rights/my-data/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    )


def test_asking_for_restriction_restricts_at_once(verified, customer):
    verified.post("/rights/my-data/", {"action": "restriction"})
    customer.refresh_from_db()
    assert customer.restricted_at is not None


def test_asking_for_erasure_explains_what_is_kept_and_queues_the_request(
    verified, customer_with_history
):
    page = verified.get("/rights/my-data/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    year = customer_with_history.purchases.get().purchased_on.year + 6
    assert f"31.12.{year}" in page
    verified.post("/rights/my-data/", {"action": "erasure"})
    assert RightsRequest.objects.filter(request_type="erasure", status="verified").exists()
    assert Customer.objects.filter(pk=customer_with_history.pk).exists()


def test_an_unknown_action_is_a_400_not_a_500(verified):
    assert verified.post("/rights/my-data/", {"action": "drop tables"}).status_code == 400


def test_a_failed_send_keeps_the_request_and_the_email_for_a_retry(
    client, customer, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.consent.failing_backend.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(client, customer.email)
    assert response.status_code == 200
    assert RightsRequest.objects.count() == 1
    waiting = OutboxEmail.objects.get()
    assert waiting.sent_at is None and waiting.attempts == 1 and "refused" in waiting.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core.management import call_command

    call_command("send_outbox")  # not yet: it waits a minute before the next try
    waiting.refresh_from_db()
    assert waiting.sent_at is None and waiting.next_attempt_at > timezone.now()
    OutboxEmail.objects.update(next_attempt_at=timezone.now())
    call_command("send_outbox")
    waiting.refresh_from_db()
    assert waiting.sent_at is not None
    assert mail.outbox[-1].to == [customer.email]


def test_a_database_failure_after_the_commit_does_not_fail_the_saved_request(
    client, customer, django_capture_on_commit_callbacks
):
    from unittest import mock

    from django.db import OperationalError

    real_update = OutboxEmail.objects.filter(pk=0).update.__func__

    def flaky_update(queryset, **fields):
        if "sent_at" in fields:
            raise OperationalError("terminating connection due to administrator command")
        return real_update(queryset, **fields)

    with (
        mock.patch("django.db.models.query.QuerySet.update", flaky_update),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = _ask(client, customer.email)
    assert response.status_code == 200
    assert RightsRequest.objects.count() == 1
    assert len(mail.outbox) == 1
