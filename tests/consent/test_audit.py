"""The audit trail (R23): who viewed, changed, exported or erased which customer; logins."""

from typing import get_args

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from consent.acts import rectification
from consent.acts.erasure import erase_customer
from consent.models import AuditEntry
from consent.records import audit
from consent.records.audit import Action, Detail
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LIST = "/admin/consent/auditentry/"


def test_viewing_a_customers_page_writes_an_entry(client, staff, customer):
    client.force_login(staff)
    client.get(f"/admin/customers/customer/{customer.pk}/change/")
    entry = AuditEntry.objects.get(action="view")
    assert (entry.user, entry.customer) == (staff, customer)


def test_changing_a_customer_names_the_fields_not_their_values(client, owner, customer):
    client.force_login(owner)
    page = client.get(f"/admin/customers/customer/{customer.pk}/change/")
    data = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None}
    data.update(
        {
            "first_name": "Aino",
            "last_name": "Muutettu",
            "confirm_not_health_data": "False",
            **{
                f"{p}-{k}": v
                for p in ("enrollments", "purchases", "interactions", "consent_events")
                for k, v in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
            },
        }
    )
    response = client.post(f"/admin/customers/customer/{customer.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(action="change")
    assert entry.customer == customer and entry.detail_key == "fields"
    # Stored fields, by name; the form's own confirmation box is no data.
    fields = entry.detail_params["fields"]
    assert "last_name" in fields and "confirm_not_health_data" not in fields
    assert entry.detail.startswith("Fields: ") and "last name" in entry.detail
    assert "Muutettu" not in entry.detail and "Muutettu" not in str(entry.detail_params)
    with translation.override("fi"):
        assert entry.detail_text.startswith("Kentät: ") and "sukunimi" in entry.detail_text


def test_exporting_participants_writes_an_entry(client, owner, course):
    client.force_login(owner)
    client.get(f"/admin/customers/course/{course.pk}/participants/csv/")
    assert AuditEntry.objects.filter(
        action="export",
        user=owner,
        object_type="customers.Course",
        detail_key="participant_list_csv",
        detail="Participant list as CSV",
    ).exists()


def test_logins_and_failed_logins_are_recorded(client, owner):
    client.post("/admin/login/", {"username": owner.username, "password": "wrong"})
    client.post("/admin/login/", {"username": owner.username, "password": PASSWORD})
    actions = list(AuditEntry.objects.order_by("at", "pk").values_list("action", "username"))
    assert actions == [("login_failed", owner.username), ("login", owner.username)]


def test_nobody_not_even_the_owner_changes_or_deletes_entries_in_the_admin(client, owner, customer):
    client.force_login(owner)
    client.get(f"/admin/customers/customer/{customer.pk}/change/")
    entry = AuditEntry.objects.get(action="view")
    assert client.get("/admin/consent/auditentry/").status_code == 200
    assert client.get("/admin/consent/auditentry/add/").status_code == 403
    assert (
        client.post(f"/admin/consent/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    page = client.get(f"/admin/consent/auditentry/{entry.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    with pytest.raises(ValueError):
        entry.save()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_staff_cannot_read_the_audit_trail(client, staff):
    client.force_login(staff)
    assert client.get("/admin/consent/auditentry/").status_code == 403


def test_the_owner_filters_by_customer_and_by_user(client, owner, staff, customer):
    client.force_login(staff)
    client.get(f"/admin/customers/customer/{customer.pk}/change/")
    client.force_login(owner)
    page = client.get(
        "/admin/consent/auditentry/", {"customer__id__exact": customer.pk}
    ).content.decode()
    assert "sami" in page
    page = client.get("/admin/consent/auditentry/", {"user__id__exact": owner.pk, "action": "view"})
    assert "result_list" not in page.content.decode() or "sami" not in page.content.decode()


def test_entries_about_an_erased_customer_keep_no_identity(client, owner, customer):
    client.force_login(owner)
    client.get(f"/admin/customers/customer/{customer.pk}/change/")
    rectification.rectify_contact_details(customer=customer, changes={"city": "Espoo"})
    erase_customer(customer=customer, actor=owner)
    view = AuditEntry.objects.get(action="view")
    assert view.customer is None and view.object_id == ""
    corrected = AuditEntry.objects.get(action="rectify")
    assert (corrected.detail, corrected.detail_key, corrected.detail_params) == ("", "", {})
    assert corrected.detail_text == ""
    erase = AuditEntry.objects.get(action="erase")
    assert erase.user == owner and erase.customer is None
    assert "Aino" not in erase.detail and "example.fi" not in erase.detail


# The details read in the reader's language ----------------------------------------------


def test_an_entry_reads_in_the_language_of_whoever_reads_it(client, owner, customer):
    with translation.override("fi"):  # written while the studio's Finnish is in use
        entry = audit.record(
            Action.REQUEST,
            user=owner,
            customer=customer,
            detail=Detail("request_channel", type="erasure", channel="letter"),
        )
    assert entry.detail == "Request type: Erasure; channel: Letter"  # for the database
    client.force_login(owner)
    for url in (LIST, f"{LIST}{entry.pk}/change/"):
        finnish = client.get(url, HTTP_ACCEPT_LANGUAGE="fi").content.decode()
        assert "Pyynnön laji: Tietojen poistaminen; kanava: Kirje" in finnish
        assert "Request type" not in finnish
        english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Request type: Erasure; channel: Letter" in english
        assert "Pyynnön laji" not in english


def test_field_names_read_as_the_fields_labels_of_the_entrys_object(client, owner, customer):
    audit.record(
        Action.CHANGE,
        user=owner,
        obj=customer,
        detail=Detail("fields", fields=["city", "customers.Enrollment.status", "shoe_size"]),
    )
    client.force_login(owner)
    english = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Fields: city, status (enrolment), shoe_size" in english
    finnish = client.get(LIST, HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "Kentät: postitoimipaikka, tila (ilmoittautuminen), shoe_size" in finnish


def test_entries_written_before_details_had_keys_still_show(client, owner, customer):
    AuditEntry.objects.create(action=Action.VIEW, customer=customer, detail="access report: view")
    AuditEntry.objects.create(
        action=Action.CHANGE, detail="old words", detail_key="no_such_key", detail_params={}
    )
    client.force_login(owner)
    for language in ("fi", "en"):
        page = client.get(LIST, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert "access report: view" in page and "old words" in page


def test_the_stored_english_keeps_the_cap_and_the_page_shows_it_whole(client, owner):
    name = "rekisteri-" + "x" * 300 + ".sqlite3"
    entry = audit.record(
        Action.RESTORE,
        detail=Detail(
            "restore",
            backup=name,
            erased=1,
            suppressions=2,
            objections=0,
            consents=0,
            restrictions=1,
        ),
    )
    assert len(entry.detail) == 300 and entry.detail.startswith("Restored from rekisteri-xxx")
    with translation.override("fi"):
        text = entry.detail_text
    assert text.endswith(
        "1 asiakkaan poisto, 2 markkinointikieltolistan merkintää, 0 kieltoa, "
        "0 suostumustapahtumaa, 1 käsittelyn rajoitus"
    )
    assert name in text


def _write_entries(count, *, user, customer):
    details = [
        Detail("fields", fields=["last_name", "city", "customers.Enrollment.status"]),
        Detail("request_channel", type="erasure", channel="letter"),
        Detail("erased", tables=[["customers.Customer", 1], ["emails", 2]]),
        Detail("retention", kinds=[["audit", 3]]),
        Detail(
            "consent", purpose="newsletter", channel="sms", action="withdrawn", source="unsubscribe"
        ),
    ]
    for i in range(count):
        audit.record(Action.CHANGE, user=user, obj=customer, detail=details[i % len(details)])


def test_the_audit_trail_costs_the_same_queries_however_long(
    client, owner, staff, customer, django_assert_max_num_queries
):
    client.force_login(owner)
    _write_entries(5, user=staff, customer=customer)
    client.get(LIST)  # the session and permissions settle
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST, HTTP_ACCEPT_LANGUAGE="fi").status_code == 200
    _write_entries(45, user=staff, customer=customer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(LIST, HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert page.count("Kentät: sukunimi, postitoimipaikka, tila (ilmoittautuminen)") == 10
    assert page.count("Poistettu säilytysajan päätyttyä: Tapahtumaloki: 3") == 10


# The registry ---------------------------------------------------------------------------

SAMPLES = {
    "fields": {"fields": ["first_name", "city"]},
    "request": {"type": "access"},
    "request_channel": {"type": "erasure", "channel": "letter"},
    "consent": {"purpose": "newsletter", "channel": "email", "action": "given", "source": "admin"},
    "objection": {"source": "own_page"},
    "access_report": {"use": "csv"},
    "access_report_own_page": {"use": "view"},
    "newsletter_queued": {"count": 1},
    "marketing_audience": {"purpose": "research", "channel": "sms", "count": 5},
    "erased": {"tables": [["customers.Customer", 1], ["sessions", 1]]},
    "retention": {"kinds": [["relationship", 1], ["audit", 5]]},
    "restore": {
        "backup": "rekisteri.sqlite3",
        "erased": 1,
        "suppressions": 2,
        "objections": 0,
        "consents": 3,
        "restrictions": 1,
    },
    "bookings_imported": {
        "way": "command",
        "new": 1,
        "updated": 2,
        "duplicate": 0,
        "invalid": 1,
        "customers_created": 1,
        "customers_updated": 2,
        "courses_created": 1,
        "enrollments_created": 8,
        "suppressed": 0,
    },
    "participant_list_csv": {},
    "attendance_saved": {"present": 2, "absent": 3},
    "attendance_viewed": {},
    "calendar_feed_replaced": {},
    "sessions_generated": {"count": 3},
}


def test_every_detail_reads_in_finnish_and_in_english():
    assert set(SAMPLES) == set(audit.MESSAGES) == set(get_args(audit.DetailKey))
    for key, params in SAMPLES.items():
        detail = Detail(key, **params)
        with translation.override("en"):
            english = detail.text(object_type="customers.Customer")
        with translation.override("fi"):
            finnish = detail.text(object_type="customers.Customer")
        assert english and finnish and english != finnish, key
        assert "%(" not in english + finnish, key


def test_a_detail_takes_exactly_its_messages_parameters():
    with pytest.raises(TypeError, match="count"):
        Detail("newsletter_queued")
    with pytest.raises(TypeError, match="extra"):
        Detail("newsletter_queued", count=1, extra="x")
    with pytest.raises(TypeError):
        Detail("newsletter_queued", count=object())
