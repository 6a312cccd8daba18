"""The legal acts (consent/acts/): each writes its own audit entry with its actor, and
owns its whole effect whichever path calls it."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from consent.acts import access, erasure, objection, rectification, requests, restriction
from consent.acts.consent import record_consent
from consent.acts.retention import apply_retention
from consent.mail.links import issue_token
from consent.mail.outbox import queue_email, send_pending
from consent.models import AuditEntry, ConsentEvent, LinkToken, OutboxEmail, RightsRequest
from consent.records import deadlines
from customers.models import Customer

pytestmark = pytest.mark.django_db

A = AuditEntry.Action
Type, Status = RightsRequest.Type, RightsRequest.Status


def _open_request(customer, request_type=Type.ACCESS, **fields):
    fields.setdefault("email", customer.email)
    return RightsRequest.objects.create(
        request_type=request_type,
        status=Status.VERIFIED,
        customer=customer,
        verified_at=timezone.now(),
        due_on=deadlines.due_date(timezone.localdate()),
        **fields,
    )


def _entry(action):
    return AuditEntry.objects.filter(action=action).latest("pk")


def _detail(action):
    """The latest entry's detail: its key and parameters, and its words in English."""
    entry = _entry(action)
    with translation.override("en"):
        return entry.detail_key, entry.detail_params, entry.detail_text


# Every act leaves its own entry, naming who did it -------------------------------------


def test_each_request_act_writes_its_entry_with_its_actor(owner, customer):
    recorded = requests.record_request(
        request_type=Type.ACCESS,
        channel=RightsRequest.Channel.LETTER,
        customer=customer,
        email="",
        message="",
        identity_check="Tuttu asiakas, kirje omalla allekirjoituksella",
        received_on=date.today(),
        actor=owner,
    )
    assert _entry(A.REQUEST).user == owner
    assert _detail(A.REQUEST) == (
        "request_channel",
        {"type": "access", "channel": "letter"},
        "Request type: Access to one's data; channel: Letter",
    )
    requests.extend_request(request=recorded, reason="Paljon aineistoa", actor=owner)
    assert _entry(A.EXTEND).user == owner
    requests.release_report(request=recorded, actor=owner)
    assert _entry(A.RELEASE).user == owner and _entry(A.COMPLETE).user == owner

    refused = _open_request(customer, Type.RECTIFICATION)
    requests.refuse_request(request=refused, reason="Tieto on oikein", actor=owner)
    assert _entry(A.REFUSE).user == owner and _entry(A.REFUSE).object_id == str(refused.pk)
    completed = _open_request(customer, Type.PORTABILITY)
    requests.complete_request(request=completed, actor=owner, outcome="Annettu paperilla")
    assert _entry(A.COMPLETE).object_id == str(completed.pk)


def test_each_act_on_the_person_writes_its_entry_with_its_actor(owner, staff, customer):
    restriction.restrict(customer=customer, actor=owner)
    assert _entry(A.RESTRICT).user == owner and _entry(A.RESTRICT).customer == customer
    restriction.lift_restriction(customer=customer, actor=owner)
    assert _entry(A.LIFT_RESTRICTION).user == owner
    record_consent(
        customer=customer,
        purpose="newsletter",
        channel="post",
        action="given",
        source="admin",
        wording="Rastitti paperilomakkeen kohdan",
        actor=staff,
    )
    assert _entry(A.CONSENT).user == staff
    assert _detail(A.CONSENT) == (
        "consent",
        {"purpose": "newsletter", "channel": "post", "action": "given", "source": "admin"},
        "Newsletter and offers, Post: Given (Recorded by the studio)",
    )
    rectification.rectify_contact_details(
        customer=customer, changes={"city": "Espoo", "postal_code": "02100"}
    )
    assert _entry(A.RECTIFY).user is None
    assert _detail(A.RECTIFY) == (
        "fields",
        {"fields": ["postal_code", "city"]},
        "Fields: postal code, city",
    )
    access.access_report(customer=customer, actor=owner, use=access.Use.VIEW)
    assert _entry(A.VIEW).user == owner and _entry(A.VIEW).customer == customer
    assert _detail(A.VIEW) == ("access_report", {"use": "view"}, "Access report, viewed on a page")
    access.access_report(customer=customer, actor=owner, use=access.Use.CSV)
    assert _entry(A.EXPORT).user == owner
    assert _detail(A.EXPORT)[:2] == ("access_report", {"use": "csv"})
    access.access_report(customer=customer, actor=None, use=access.Use.VIEW, own_page=True)
    assert _detail(A.VIEW) == (
        "access_report_own_page",
        {"use": "view"},
        "Access report, viewed on a page, by the customer on their own page",
    )
    objection.record_objection(customer=customer, source="admin", actor=owner)
    assert _entry(A.OBJECT).user == owner
    assert _detail(A.OBJECT) == (
        "objection",
        {"source": "admin"},
        "Source: Recorded by the studio",
    )
    erasure.erase_customer(customer=customer, actor=owner)
    entry = _entry(A.ERASE)
    assert entry.user == owner and entry.customer is None
    key, params, text = _detail(A.ERASE)
    assert key == "erased" and ["customers.Customer", 1] in params["tables"]
    assert text.startswith("Erased or detached from the person: ") and "customers: 1" in text
    with translation.override("fi"):
        assert "asiakkaat: 1" in _entry(A.ERASE).detail_text


def test_the_web_form_and_the_own_page_write_the_request_type(customer):
    requests.submit_request(email=customer.email, request_type=Type.ERASURE, language="fi")
    assert _detail(A.REQUEST)[:2] == ("request", {"type": "erasure"})
    requests.start_request(customer=customer, request_type=Type.PORTABILITY, language="fi")
    assert _detail(A.REQUEST) == (
        "request",
        {"type": "portability"},
        "Request type: A machine-readable copy",
    )
    with translation.override("fi"):
        assert _entry(A.REQUEST).detail_text == "Pyynnön laji: Koneluettava kopio"


def test_retention_writes_its_entry(owner, customer):
    Customer.objects.filter(pk=customer.pk).update(
        last_activity_at=timezone.now() - timedelta(days=365 * 4)
    )
    apply_retention(dry_run=False, actor=owner)
    assert _entry(A.RETENTION).user == owner
    assert _detail(A.RETENTION) == (
        "retention",
        {"kinds": [["relationship", 1]]},
        "Removed past their retention period: Customer data: 1",
    )
    assert _entry(A.RETENTION).detail == "Removed past their retention period: Customer data: 1"


# Erasure owns its whole effect --------------------------------------------------------


def test_erasure_succeeds_whatever_state_the_persons_requests_are_in(owner, customer):
    for status in Status:
        fields = {"status": status}
        if status == Status.EXTENDED:
            fields |= {"extended_at": timezone.now(), "extension_reason": "Laaja pyyntö"}
        if status == Status.REFUSED:
            fields |= {"closed_at": timezone.now(), "refusal_reason": "Toistuva pyyntö"}
        if status == Status.COMPLETED:
            fields |= {"closed_at": timezone.now()}
        RightsRequest.objects.create(
            request_type=Type.ACCESS,
            email=customer.email,
            customer=customer,
            due_on=timezone.localdate(),
            **fields,
        )
    result = erasure.erase_customer(customer=customer, actor=owner)
    assert not Customer.objects.filter(pk=customer.pk).exists()
    # Received, verified, in progress and extended: all four closed by the erasure.
    assert result.requests_closed == 4
    assert not RightsRequest.objects.filter(status__in=RightsRequest.OPEN_STATUSES).exists()
    assert set(
        RightsRequest.objects.exclude(extension_reason="").values_list(
            "extension_reason", flat=True
        )
    ) == {"[–]"}
    assert not RightsRequest.objects.filter(refusal_reason="Toistuva pyyntö").exists()
    assert not RightsRequest.objects.exclude(email="").exists()


def test_erasure_from_the_admin_action_closes_the_open_request_and_tells_the_person(
    owner, customer, django_capture_on_commit_callbacks
):
    erasure_request = _open_request(customer, Type.ERASURE)
    access_request = _open_request(customer, Type.ACCESS)
    with django_capture_on_commit_callbacks(execute=True):
        result = erasure.erase_customer(customer=customer, actor=owner)
    assert result.requests_closed == 2 and result.told == "aino.esimerkki@example.fi"
    for closed in (erasure_request, access_request):
        closed.refresh_from_db()
        assert closed.status == Status.COMPLETED and closed.customer is None
    assert erasure_request.outcome.startswith("Erased") or "Poistettu" in erasure_request.outcome
    assert [m.to for m in mail.outbox] == [["aino.esimerkki@example.fi"]]
    # The last message is deleted once it has gone.
    assert not OutboxEmail.objects.exists()


def test_asking_for_erasure_twice_opens_one_request(customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = requests.start_request(customer=customer, request_type=Type.ERASURE, language="fi")
        again = requests.start_request(customer=customer, request_type=Type.ERASURE, language="fi")
    assert again.pk == first.pk
    assert RightsRequest.objects.filter(request_type=Type.ERASURE).count() == 1


def test_a_second_web_request_for_the_same_thing_is_closed_as_a_duplicate(customer):
    first = _open_request(customer, Type.ERASURE)
    web = RightsRequest.objects.create(
        request_type=Type.ERASURE, email=customer.email, customer=customer, due_on=date.today()
    )
    raw = issue_token(request=web, purpose=LinkToken.Purpose.VERIFY_REQUEST)
    assert requests.verify_request(raw_token=raw).pk == first.pk
    web.refresh_from_db()
    assert web.status == Status.COMPLETED and f"#{first.pk}" in web.outcome


def test_erasure_removes_mail_to_every_address_the_person_used(owner, customer):
    request = _open_request(customer, Type.ACCESS, email="vanha.osoite@example.fi")
    queue_email(
        to="Vanha.Osoite@example.fi",
        template="rights_extended",
        context={"request": request},
        language="fi",
    )
    queue_email(
        to="someone.else@example.fi",
        template="rights_extended",
        context={"request": request},
        language="fi",
        request=request,
    )
    queue_email(
        to="stranger@example.fi",
        template="rights_nothing_held",
        context={"request": request},
        language="fi",
    )
    erasure.erase_customer(customer=customer, actor=owner)
    left = set(OutboxEmail.objects.values_list("to", flat=True))
    # The erasure's own last message to the person, and a stranger's mail.
    assert left == {"aino.esimerkki@example.fi", "stranger@example.fi"}


# Personal data only to the verified person ---------------------------------------------


def test_the_report_goes_to_the_customers_current_address_only(
    client, owner, customer, django_capture_on_commit_callbacks
):
    request = _open_request(customer, Type.ACCESS)
    Customer.objects.filter(pk=customer.pk).update(email="uusi.osoite@example.fi")
    request.refresh_from_db()
    client.force_login(owner)
    page = client.get(f"/admin/consent/rightsrequest/{request.pk}/change/").content.decode()
    assert "uusi.osoite@example.fi" in page and "aino.esimerkki@example.fi" in page
    with django_capture_on_commit_callbacks(execute=True):
        requests.release_report(request=request, actor=owner)
    assert [m.to for m in mail.outbox] == [["uusi.osoite@example.fi"]]


def test_a_report_link_opens_the_report_not_the_page_that_changes_data(
    client, owner, customer, django_capture_on_commit_callbacks
):
    request = _open_request(customer, Type.ACCESS)
    with django_capture_on_commit_callbacks(execute=True):
        requests.release_report(request=request, actor=owner)
    path = re.search(r"https?://[^/]+(/rights/report/[^/\s]+/)", mail.outbox[-1].body).group(1)
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == "/rights/report/"
    page = client.get("/rights/report/").content.decode()
    assert customer.street_address in page and 'name="action"' not in page
    assert client.get("/rights/my-data/")["Location"] == "/rights/report/"
    assert client.get("/rights/my-data/download.json").status_code == 200
    assert client.post("/rights/my-data/", {"action": "erasure"}).status_code == 302
    assert not RightsRequest.objects.filter(request_type=Type.ERASURE).exists()


def test_a_report_link_stops_working_when_the_address_changes(
    client, owner, customer, django_capture_on_commit_callbacks
):
    request = _open_request(customer, Type.ACCESS)
    with django_capture_on_commit_callbacks(execute=True):
        requests.release_report(request=request, actor=owner)
    path = re.search(r"https?://[^/]+(/rights/report/[^/\s]+/)", mail.outbox[-1].body).group(1)
    Customer.objects.filter(pk=customer.pk).update(email="uusi.osoite@example.fi")
    assert client.post(path).status_code == 404


def test_no_usable_link_rests_in_the_outbox_once_delivered(
    client, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        requests.submit_request(email=customer.email, request_type=Type.ACCESS, language="fi")
    sent = OutboxEmail.objects.get()
    assert sent.sent_at is not None
    link = re.search(r"/rights/verify/[^/\s]+/", mail.outbox[-1].body).group(0)
    assert link not in sent.body_text and link not in sent.body_html
    assert "/rights/verify/[...]/" in sent.body_text
    # The link itself still works from the inbox it went to.
    assert client.get(link).status_code == 200


def test_staff_cannot_change_a_customers_email_without_the_new_address_confirming(
    client, staff, customer, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    page = client.get(f"/admin/customers/customer/{customer.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields
    }
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data |= {management.add_prefix(k): v for k, v in management.initial.items()}
    data |= {"email": "henkilokunnan@example.fi", "confirm_not_health_data": ""}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/customers/customer/{customer.pk}/change/", data)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.email == "aino.esimerkki@example.fi"
    assert mail.outbox[-1].to == ["henkilokunnan@example.fi"]
    link = re.search(r"/rights/confirm-email/[^/\s]+/", mail.outbox[-1].body).group(0)
    client.logout()
    client.post(link)
    customer.refresh_from_db()
    assert customer.email == "henkilokunnan@example.fi"
    assert _detail(A.RECTIFY) == ("fields", {"fields": ["email"]}, "Fields: email")


def test_a_customer_corrects_only_the_fields_declared_correctable(customer):
    changed = rectification.rectify_contact_details(
        customer=customer,
        changes={"city": "Vantaa", "notes": "ei kuulu tänne", "origin": "staff"},
    )
    customer.refresh_from_db()
    assert changed == ["city"] and customer.city == "Vantaa"
    assert customer.notes == "" and customer.origin == Customer.Origin.COURSE_ENROLMENT
    assert "notes" not in rectification.CORRECTABLE_FIELDS


def test_send_pending_sends_and_erased_persons_mail_is_gone(owner, customer):
    request = _open_request(customer, Type.ACCESS)
    queue_email(
        to=customer.email,
        template="rights_extended",
        context={"request": request},
        language="fi",
        customer=customer,
        request=request,
    )
    erasure.erase_customer(customer=customer, actor=owner)
    send_pending()
    assert all("Aino" not in m.body for m in mail.outbox)
    assert ConsentEvent.objects.count() == 0
