"""The owner's side of data-subject rights in the admin: the queue, its acts, the customer
list's erasure and restriction, and the consent models' read-only pages."""

import json
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.html import escape

from consent.acts import requests, restriction
from consent.acts.access import build_access_report
from consent.acts.erasure import erasure_preview
from consent.mail.outbox import send_pending
from consent.models import (
    ConsentEvent,
    LinkToken,
    OutboxEmail,
    Recipient,
    RecipientTask,
    RightsRequest,
    Suppression,
)
from consent.records import deadlines
from customers.models import Customer, Purchase

pytestmark = pytest.mark.django_db

QUEUE = "/admin/consent/rightsrequest/"


@pytest.fixture
def as_owner(client, owner):
    """The owner's browser, in English so that the assertions read the source strings."""
    client.force_login(owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def as_staff(client, staff):
    client.force_login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _request(customer, *, kind="access", due_in=20, status="verified", **fields):
    today = timezone.localdate()
    return RightsRequest.objects.create(
        request_type=kind,
        status=status,
        channel=fields.pop("channel", "web"),
        customer=customer,
        email=customer.email if customer else fields.pop("email", ""),
        received_at=timezone.now() - timedelta(days=30 - due_in),
        due_on=today + timedelta(days=due_in),
        **fields,
    )


def _recorded(customer, owner, kind="access"):
    return requests.record_request(
        request_type=kind,
        channel="phone",
        customer=customer,
        email="",
        message="",
        identity_check="Known customer, called from her own number.",
        received_on=timezone.localdate() - timedelta(days=3),
        actor=owner,
    )


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


# The queue and the index ------------------------------------------------------------------


def test_the_queue_lists_requests_with_days_left_and_marks_an_overdue_one(as_owner, customer):
    _request(customer, kind="erasure", due_in=-3)
    _request(None, kind="access", due_in=12, email="tuntematon@example.fi", channel="letter")
    body = _page(as_owner.get(QUEUE))
    assert "Aino Esimerkki" in body
    assert "tuntematon@example.fi" in body
    assert 'class="overdue open-complaint">overdue by 3 days</strong>' in body
    assert "due in 12 days" in body
    assert body.index("Aino Esimerkki") < body.index("tuntematon@example.fi")  # by due date


def test_the_queue_shows_the_owners_requests_and_keeps_unconfirmed_ones_behind_a_filter(
    as_owner, owner, customer
):
    from consent.acts.requests import submit_request

    other = Customer.objects.create(first_name="Bertta", last_name="Toinen", email="b@example.fi")
    verified = _request(customer, kind="erasure", due_in=3)
    # Recorded from a letter by the owner, from someone the register does not know.
    letter = requests.record_request(
        request_type="access",
        channel="letter",
        customer=None,
        email="kirje@example.fi",
        message="",
        identity_check="Signed letter, address matches.",
        received_on=timezone.localdate(),
        actor=owner,
    )
    assert letter.status == "received"
    unconfirmed = submit_request(email=other.email, request_type="access", language="fi")
    assert unconfirmed.status == "received"

    body = _page(as_owner.get(QUEUE))
    assert f"{QUEUE}{verified.pk}/change/" in body and f"{QUEUE}{letter.pk}/change/" in body
    assert f"{QUEUE}{unconfirmed.pk}/change/" not in body
    assert "Web requests not yet confirmed by the customer" in body  # the way to the rest

    waiting = _page(as_owner.get(QUEUE, {"confirmation": "awaiting"}))
    assert f"{QUEUE}{unconfirmed.pk}/change/" in waiting
    assert f"{QUEUE}{verified.pk}/change/" not in waiting
    everything = _page(as_owner.get(QUEUE, {"confirmation": "all"}))
    assert all(f"{QUEUE}{rr.pk}/change/" in everything for rr in (verified, letter, unconfirmed))

    # Nor is an unconfirmed request on the front page's list of what is due.
    RightsRequest.objects.filter(pk=unconfirmed.pk).update(due_on=timezone.localdate())
    assert unconfirmed not in list(deadlines.due_soon())
    assert verified in list(deadlines.due_soon())
    index = _page(as_owner.get("/admin/"))
    assert f"{QUEUE}{unconfirmed.pk}/change/" not in index

    # Once the customer follows the link, the request is the owner's.
    from consent.mail.links import issue_token

    raw = issue_token(request=unconfirmed, purpose="verify_request")
    requests.verify_request(raw_token=raw)
    assert f"{QUEUE}{unconfirmed.pk}/change/" in _page(as_owner.get(QUEUE))


def test_retention_removes_only_unconfirmed_web_requests_whose_link_expired(owner, customer):
    from consent.acts.requests import submit_request
    from consent.acts.retention import apply_retention

    letter = _recorded(None, owner)
    expired = submit_request(email=customer.email, request_type="access", language="fi")
    LinkToken.objects.filter(request=expired).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    result = apply_retention(dry_run=False)
    assert result.counts["unconfirmed web requests deleted"] == 1
    assert not RightsRequest.objects.filter(pk=expired.pk).exists()
    assert RightsRequest.objects.filter(pk=letter.pk).exists()


def test_the_queue_filters_by_deadline_and_finds_by_name(as_owner, customer):
    other = Customer.objects.create(first_name="Bertta", last_name="Toinen", email="b@example.fi")
    _request(customer, due_in=-1)
    _request(other, due_in=25)
    overdue = _page(as_owner.get(QUEUE, {"deadline": "overdue"}))
    assert "Aino Esimerkki" in overdue and "Bertta Toinen" not in overdue
    found = _page(as_owner.get(QUEUE, {"q": "Toinen"}))
    assert "Bertta Toinen" in found and "Aino Esimerkki" not in found


def test_the_admin_index_shows_what_is_due_to_the_owner_and_not_to_staff(
    as_owner, owner, staff, customer
):
    overdue = _request(customer, kind="erasure", due_in=-2)
    soon = _request(None, kind="access", due_in=5, email="pian@example.fi")
    _request(None, kind="access", due_in=25, email="myohemmin@example.fi")
    _request(None, kind="access", due_in=-9, email="valmis@example.fi", status="completed")
    body = _page(as_owner.get("/admin/"))
    assert "2 open requests are overdue or due within 7 days." in body
    assert f"/admin/consent/rightsrequest/{overdue.pk}/change/" in body
    assert f"/admin/consent/rightsrequest/{soon.pk}/change/" in body
    assert "overdue by 2 days" in body and "due in 5 days" in body
    assert "myohemmin@example.fi" not in body and "valmis@example.fi" not in body
    as_owner.force_login(staff)
    body = _page(as_owner.get("/admin/"))
    assert "Data protection requests to answer" not in body
    assert "pian@example.fi" not in body


def test_the_index_says_when_nothing_is_due(as_owner):
    body = _page(as_owner.get("/admin/"))
    assert "Nothing is overdue or due within 7 days." in body


def test_staff_cannot_reach_the_queue_nor_the_rights_pages(as_staff, customer, course):
    access = _request(customer, kind="access")
    erasure = _request(customer, kind="erasure")
    urls = [
        QUEUE,
        f"{QUEUE}add/",
        f"{QUEUE}{access.pk}/change/",
        f"{QUEUE}{access.pk}/report/",
        f"{QUEUE}{access.pk}/report/json/",
        f"{QUEUE}{access.pk}/report/csv/",
        f"{QUEUE}{access.pk}/release/",
        f"{QUEUE}{access.pk}/extend/",
        f"{QUEUE}{access.pk}/refuse/",
        f"{QUEUE}{access.pk}/complete/",
        f"{QUEUE}{erasure.pk}/erase/",
        "/admin/consent/outboxemail/",
        "/admin/consent/suppression/",
        "/admin/consent/auditentry/",
        # (Staff may read the consent ledger and record paper consents into it.)
    ]
    for url in urls:
        assert as_staff.get(url).status_code == 403, url
    assert as_staff.post(f"{QUEUE}{erasure.pk}/erase/").status_code == 403
    assert Customer.objects.filter(pk=customer.pk).exists()
    page = _page(as_staff.get("/admin/customers/customer/"))
    assert "erase_selected" not in page and "lift_restriction" not in page


def test_the_list_page_costs_the_same_queries_for_5_and_50_requests(as_owner):
    def fill(n):
        first = Customer.objects.count()
        for i in range(first, first + n):
            c = Customer.objects.create(
                first_name=f"Etu{i}", last_name=f"Suku{i}", email=f"pyytaja{i}@example.fi"
            )
            _request(c, kind="access" if i % 2 else "erasure", due_in=i % 40 - 10)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            _page(as_owner.get(QUEUE))
        return len(ctx.captured_queries)

    fill(5)
    at_5 = count()
    fill(45)
    assert count() == at_5


def test_nobody_deletes_a_request(as_owner, customer):
    rr = _request(customer)
    assert as_owner.get(f"{QUEUE}{rr.pk}/delete/").status_code == 403
    assert "delete_selected" not in _page(as_owner.get(QUEUE))


# Recording a request made on paper, by phone or in person ---------------------------------


def _record_form(**overrides):
    data = {
        "request_type": "access",
        "channel": "phone",
        "customer": "",
        "email": "",
        "message": "Soitti ja pyysi tietonsa.",
        "identity_check": "",
        "received_on": timezone.localdate().isoformat(),
    }
    data.update(overrides)
    return data


def test_recording_a_phone_request_without_identity_check_is_refused(as_owner, customer):
    response = as_owner.post(f"{QUEUE}add/", _record_form(customer=customer.pk))
    body = _page(response)
    assert "Say how the person&#x27;s identity was checked." in body
    assert not RightsRequest.objects.exists()


def test_the_web_channel_is_not_offered_for_a_recorded_request(as_owner):
    body = _page(as_owner.get(f"{QUEUE}add/"))
    assert 'value="phone"' in body and 'value="web"' not in body
    response = as_owner.post(f"{QUEUE}add/", _record_form(channel="web", identity_check="x"))
    assert response.status_code == 200
    assert not RightsRequest.objects.exists()


def test_a_phone_request_is_recorded_through_the_service(as_owner, owner, customer):
    received = timezone.localdate() - timedelta(days=2)
    response = as_owner.post(
        f"{QUEUE}add/",
        _record_form(
            customer=customer.pk,
            identity_check="Known customer, in person at the studio.",
            received_on=received.isoformat(),
        ),
    )
    assert response.status_code == 302
    rr = RightsRequest.objects.get()
    assert rr.channel == "phone" and rr.customer == customer and rr.recorded_by == owner
    assert rr.email == customer.email and rr.status == "verified"
    assert rr.due_on == deadlines.due_date(received)
    page = _page(as_owner.get(response["Location"]))
    assert "The request was recorded" in page
    assert "View report" in page  # the owner acts through buttons on the request's page


# The request's page and its acts ----------------------------------------------------------


def test_the_request_page_is_read_only_and_offers_the_acts_of_its_type(as_owner, customer, owner):
    access = _recorded(customer, owner, "access")
    body = _page(as_owner.get(f"{QUEUE}{access.pk}/change/"))
    assert 'name="request_type"' not in body and 'name="email"' not in body
    for label in ("View report", "Download JSON", "Download CSV", "Release to the customer"):
        assert label in body
    assert "Complete" in body and "Extend" in body and "Refuse" in body
    assert "Preview erasure" not in body
    erasure = _recorded(customer, owner, "erasure")
    body = _page(as_owner.get(f"{QUEUE}{erasure.pk}/change/"))
    assert "Preview erasure" in body and "View report" not in body
    assert f"{QUEUE}{erasure.pk}/complete/" not in body


def test_a_request_without_a_customer_shows_that_nothing_is_held(as_owner):
    rr = _request(None, email="tuntematon@example.fi", status="received")
    body = _page(as_owner.get(f"{QUEUE}{rr.pk}/change/"))
    assert "the register holds nothing for this person" in body
    assert "View report" not in body
    response = as_owner.get(f"{QUEUE}{rr.pk}/report/", follow=True)
    assert "the register holds nothing for it" in _messages(response)


def test_extending_without_a_reason_shows_an_error_and_changes_nothing(
    as_owner, owner, customer, django_capture_on_commit_callbacks
):
    rr = _recorded(customer, owner)
    due = rr.due_on
    with django_capture_on_commit_callbacks(execute=True):
        response = as_owner.post(f"{QUEUE}{rr.pk}/extend/", {"reason": "   "})
    assert "Give the reason for the extension." in _page(response)
    rr.refresh_from_db()
    assert rr.due_on == due and rr.status == "verified" and rr.extended_at is None
    assert mail.outbox == []


def test_extending_with_a_reason_moves_the_due_date_by_two_months_and_tells_the_customer(
    as_owner, owner, customer, django_capture_on_commit_callbacks
):
    rr = _recorded(customer, owner)
    received = timezone.localdate(rr.received_at)
    assert "two months" in _page(as_owner.get(f"{QUEUE}{rr.pk}/extend/"))
    with django_capture_on_commit_callbacks(execute=True):
        response = as_owner.post(
            f"{QUEUE}{rr.pk}/extend/",
            {"reason": "Tiedot on haettava arkistosta."},
            follow=True,
        )
    assert "The deadline was extended" in _messages(response)
    rr.refresh_from_db()
    assert rr.status == "extended"
    assert rr.due_on == deadlines.add_months(deadlines.due_date(received), 2)
    (message,) = mail.outbox
    assert message.to == [customer.email]
    assert "Tiedot on haettava arkistosta." in message.body
    assert rr.due_on.strftime("%-d.%-m.%Y") in message.body
    # Once only: the button is gone, and a second try is refused without a 500.
    assert f"{QUEUE}{rr.pk}/extend/" not in _page(as_owner.get(f"{QUEUE}{rr.pk}/change/"))
    response = as_owner.post(f"{QUEUE}{rr.pk}/extend/", {"reason": "Vielä"}, follow=True)
    assert "extended once already" in _messages(response)


def test_refusing_tells_the_customer_of_the_right_to_complain(
    as_owner, owner, customer, django_capture_on_commit_callbacks
):
    rr = _recorded(customer, owner, "rectification")
    body = _page(as_owner.get(f"{QUEUE}{rr.pk}/refuse/"))
    assert "Data Protection Ombudsman" in body
    with django_capture_on_commit_callbacks(execute=True):
        response = as_owner.post(f"{QUEUE}{rr.pk}/refuse/", {"reason": ""})
    assert "Give the reason for the refusal." in _page(response)
    assert RightsRequest.objects.get(pk=rr.pk).status == "verified"
    with django_capture_on_commit_callbacks(execute=True):
        as_owner.post(f"{QUEUE}{rr.pk}/refuse/", {"reason": "Tiedot ovat jo oikein."})
    rr.refresh_from_db()
    assert rr.status == "refused" and rr.refusal_reason == "Tiedot ovat jo oikein."
    (message,) = mail.outbox
    assert message.to == [customer.email]
    assert "Tiedot ovat jo oikein." in message.body
    assert "tietosuoja.fi" in message.body  # the Data Protection Ombudsman


def test_acting_on_a_closed_request_is_an_error_message_not_a_crash(as_owner, owner, customer):
    rr = _recorded(customer, owner)
    requests.complete_request(request=rr, actor=owner)
    response = as_owner.post(f"{QUEUE}{rr.pk}/refuse/", {"reason": "Myöhässä"}, follow=True)
    assert response.status_code == 200
    assert "This request is closed already." in _messages(response)
    assert RightsRequest.objects.get(pk=rr.pk).status == "completed"


def test_completing_with_an_outcome_tells_the_customer_and_lists_recipients_to_tell(
    as_owner, owner, customer, django_capture_on_commit_callbacks
):
    Recipient.objects.create(name="Ajanvarauskalenteri Oy", purpose="Ajanvaraus")
    rr = _recorded(customer, owner, "rectification")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_owner.post(
            f"{QUEUE}{rr.pk}/complete/", {"outcome": "Osoite korjattu."}, follow=True
        )
    assert "The request was completed" in _messages(response)
    rr.refresh_from_db()
    assert rr.status == "completed" and rr.outcome == "Osoite korjattu."
    (message,) = mail.outbox
    assert "Osoite korjattu." in message.body
    # The to-do: tick that the booking calendar was told.
    task = RecipientTask.objects.get()
    body = _page(as_owner.get(f"{QUEUE}{rr.pk}/change/"))
    assert "Ajanvarauskalenteri Oy" in body
    response = as_owner.post(
        f"{QUEUE}{rr.pk}/change/",
        {
            "recipient_tasks-TOTAL_FORMS": "1",
            "recipient_tasks-INITIAL_FORMS": "1",
            "recipient_tasks-MIN_NUM_FORMS": "0",
            "recipient_tasks-MAX_NUM_FORMS": "1000",
            "recipient_tasks-0-id": str(task.pk),
            "recipient_tasks-0-request": str(rr.pk),
            "recipient_tasks-0-told": "on",
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None
    rr.refresh_from_db()
    assert rr.outcome == "Osoite korjattu."  # the request itself is untouched


def test_an_erasure_request_cannot_be_completed_by_hand(as_owner, owner, customer):
    rr = _recorded(customer, owner, "erasure")
    response = as_owner.post(f"{QUEUE}{rr.pk}/complete/", {"outcome": ""}, follow=True)
    assert "completed by carrying it out" in _messages(response)
    assert Customer.objects.filter(pk=customer.pk).exists()


# Access and portability --------------------------------------------------------------------


def test_the_report_page_shows_every_section_and_the_art_15_information(
    as_owner, owner, customer_with_history
):
    rr = _recorded(customer_with_history, owner, "access")
    body = _page(as_owner.get(f"{QUEUE}{rr.pk}/report/"))
    with translation.override("en"):
        report = build_access_report(customer=customer_with_history)
    for section in report["sections"]:
        assert escape(section["title"]) in body, section["title"]
        for field in section["fields"]:
            assert escape(field["label"]) in body, field["label"]
    for value in ("Sali oli kylmä", "Kiitos kurssista", "K-1001", "Hatha-jooga alkeet"):
        assert value in body
    assert "Data Protection Ombudsman" in body
    assert "GDPR Art. 15" in body
    assert "css/print.css" in body
    assert 'class="breadcrumbs"' in body


def test_the_json_copy_parses_and_holds_the_customer(as_owner, owner, customer_with_history):
    rr = _recorded(customer_with_history, owner, "portability")
    response = as_owner.get(f"{QUEUE}{rr.pk}/report/json/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["person"]["email"] == customer_with_history.email
    assert any(section["rows"] for section in data["sections"])


def test_the_csv_copy_has_a_row_per_field(as_owner, owner, customer_with_history):
    rr = _recorded(customer_with_history, owner, "portability")
    response = as_owner.get(f"{QUEUE}{rr.pk}/report/csv/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "aino.esimerkki@example.fi" in text and "K-1001" in text


def test_releasing_the_report_sends_the_customer_a_link_and_closes_the_request(
    as_owner, owner, customer_with_history, django_capture_on_commit_callbacks
):
    rr = _recorded(customer_with_history, owner, "access")
    assert as_owner.get(f"{QUEUE}{rr.pk}/release/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = as_owner.post(f"{QUEUE}{rr.pk}/release/", follow=True)
    assert "The report was released" in _messages(response)
    rr.refresh_from_db()
    assert rr.status == "completed"
    (message,) = mail.outbox
    assert message.to == [customer_with_history.email]
    assert "/rights/report/" in message.body


# Erasure ------------------------------------------------------------------------------------


def test_the_erasure_preview_lists_what_is_deleted_and_what_is_kept_until_when(
    as_owner, owner, customer_with_history
):
    rr = _recorded(customer_with_history, owner, "erasure")
    body = _page(as_owner.get(f"{QUEUE}{rr.pk}/erase/"))
    year = Purchase.objects.get().purchased_on.year + 6
    assert f"kept for bookkeeping until 31.12.{year}" in body
    assert "1336/1997" in body  # why
    with translation.override("en"):
        lines = erasure_preview(customer_with_history)
    for line in lines:
        assert f"<td>{escape(line.title)}</td>\n      <td>{line.count}</td>" in body
    deleted = [line for line in lines if line.action == "delete"]
    assert len(deleted) >= 3  # the customer, the enrolment, the interactions
    assert body.count("<strong>deleted</strong>") == len(deleted)
    assert "Yes, erase the customer" in body
    assert Customer.objects.filter(pk=customer_with_history.pk).exists()  # GET changes nothing


def test_confirming_the_erasure_erases_the_customer_and_tells_them(
    as_owner, owner, customer_with_history, django_capture_on_commit_callbacks
):
    customer = customer_with_history
    rr = _recorded(customer, owner, "erasure")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_owner.post(f"{QUEUE}{rr.pk}/erase/", follow=True)
    assert "The customer was erased" in _messages(response)
    assert not Customer.objects.filter(pk=customer.pk).exists()
    purchase = Purchase.objects.get()
    assert purchase.customer is None and purchase.reference == "K-1001"
    rr.refresh_from_db()
    assert rr.status == "completed" and rr.customer is None
    (message,) = mail.outbox
    assert message.to == ["aino.esimerkki@example.fi"]
    assert "erased" in message.body or "poistettu" in message.body
    body = _page(as_owner.get(f"{QUEUE}{rr.pk}/change/"))
    assert "Aino" not in body


# The customer list: erasure and restriction -----------------------------------------------


def test_the_customer_list_erase_action_previews_then_erases(
    as_owner, customer_with_history, django_capture_on_commit_callbacks
):
    customer = customer_with_history
    other = Customer.objects.create(first_name="Bertta", last_name="Toinen")
    selected = {"action": "erase_selected", "_selected_action": [customer.pk, other.pk]}
    body = _page(as_owner.post("/admin/customers/customer/", selected))
    year = Purchase.objects.get().purchased_on.year + 6
    assert "Aino Esimerkki" in body and "Bertta Toinen" in body
    assert f"kept for bookkeeping until 31.12.{year}" in body
    assert "Yes, erase these 2 customers" in body
    assert Customer.objects.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = as_owner.post(
            "/admin/customers/customer/", {**selected, "post": "yes"}, follow=True
        )
    assert "2 customers were erased." in _messages(response)
    assert not Customer.objects.exists()
    assert Purchase.objects.get().customer is None
    assert Suppression.objects.filter(reason="erasure").exists()


def test_the_customer_list_points_to_an_open_erasure_request(as_owner, owner, customer):
    rr = _recorded(customer, owner, "erasure")
    body = _page(
        as_owner.post(
            "/admin/customers/customer/",
            {"action": "erase_selected", "_selected_action": [customer.pk]},
        )
    )
    assert f"{QUEUE}{rr.pk}/erase/" in body


def _restriction_shown(client, customer) -> str:
    body = _page(client.get(f"/admin/customers/customer/{customer.pk}/change/"))
    assert "Restriction of processing" in body
    found = re.search(r'field-restricted_at.*?<div class="readonly">(.*?)</div>', body, re.S)
    return found.group(1).strip()


def test_the_customer_page_shows_the_restriction(as_owner, customer):
    assert _restriction_shown(as_owner, customer) == "-"
    restriction.restrict(customer=customer, actor=None)
    customer.refresh_from_db()
    shown = _restriction_shown(as_owner, customer)
    assert str(timezone.localtime(customer.restricted_at).year) in shown


def test_lifting_a_restriction_tells_the_customer_and_clears_it(
    as_owner, customer, django_capture_on_commit_callbacks
):
    restriction.restrict(customer=customer, actor=None)
    unrestricted = Customer.objects.create(first_name="Bertta", last_name="Toinen")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_owner.post(
            "/admin/customers/customer/",
            {"action": "lift_restriction", "_selected_action": [customer.pk, unrestricted.pk]},
            follow=True,
        )
    assert "The restriction was lifted for 1 customer." in _messages(response)
    customer.refresh_from_db()
    assert customer.restricted_at is None
    (message,) = mail.outbox
    assert message.to == [customer.email]


# The other consent models -----------------------------------------------------------------


def test_the_outbox_is_read_only_and_sends_again(
    as_owner, customer, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "tests.consent.failing_backend.EmailBackend"
    restriction.restrict(customer=customer, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert restriction.lift_restriction(customer=customer, actor=None)
    email = OutboxEmail.objects.get()
    assert email.sent_at is None and email.last_error
    body = _page(as_owner.get("/admin/consent/outboxemail/"))
    assert customer.email in body and "send_again" in body
    assert as_owner.get("/admin/consent/outboxemail/add/").status_code == 403
    # Given up after the last try: "send again" makes it due at once, for the worker.
    OutboxEmail.objects.filter(pk=email.pk).update(
        failed_at=timezone.now(), next_attempt_at=timezone.now() + timedelta(hours=6)
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = as_owner.post(
        "/admin/consent/outboxemail/",
        {"action": "send_again", "_selected_action": [email.pk]},
        follow=True,
    )
    assert "1" in _messages(response) and not mail.outbox  # the page never waits for SMTP
    send_pending()
    email.refresh_from_db()
    assert email.sent_at is not None and email.failed_at is None
    assert len(mail.outbox) == 1


def test_consent_events_and_the_suppression_list_cannot_be_edited(as_owner, customer):
    event = ConsentEvent.objects.create(
        customer=customer, purpose="newsletter", channel="email", action="given", source="admin"
    )
    entry = Suppression.objects.create(value_hash="a" * 64, reason="objection")
    assert as_owner.get("/admin/consent/consentevent/add/").status_code == 403
    assert as_owner.get(f"/admin/consent/consentevent/{event.pk}/delete/").status_code == 403
    page = _page(as_owner.get(f"/admin/consent/consentevent/{event.pk}/change/"))
    assert 'name="purpose"' not in page
    assert as_owner.get("/admin/consent/suppression/add/").status_code == 403
    assert as_owner.get(f"/admin/consent/suppression/{entry.pk}/delete/").status_code == 403
    index = _page(as_owner.get("/admin/consent/"))
    assert "/admin/consent/linktoken/" not in index
    assert "/admin/consent/ratelimithit/" not in index
    assert "/admin/consent/recipient/" in index
    assert as_owner.get("/admin/consent/recipient/add/").status_code == 200


def test_an_erasure_request_gets_no_report_released(as_owner, owner, customer):
    rr = _recorded(customer, owner, "erasure")
    response = as_owner.post(f"{QUEUE}{rr.pk}/release/", follow=True)
    assert "Only an access or copy request gets a report." in _messages(response)
    assert RightsRequest.objects.get(pk=rr.pk).status == "verified"
    access = _recorded(customer, owner, "access")
    body = _page(as_owner.get(f"{QUEUE}{access.pk}/erase/"))
    assert "This is not an erasure request" in body and "Yes, erase" not in body
    response = as_owner.post(f"{QUEUE}{access.pk}/erase/", follow=True)
    assert "This is not an erasure request." in _messages(response)
    assert Customer.objects.filter(pk=customer.pk).exists()
