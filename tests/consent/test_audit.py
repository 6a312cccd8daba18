"""The audit trail (R23): who viewed, changed, exported or erased which customer; logins."""

import pytest

from consent.acts.erasure import erase_customer
from consent.models import AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


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
    assert entry.customer == customer and "last name" in entry.detail.lower()
    assert "Muutettu" not in entry.detail


def test_exporting_participants_writes_an_entry(client, owner, course):
    client.force_login(owner)
    client.get(f"/admin/customers/course/{course.pk}/participants/csv/")
    assert AuditEntry.objects.filter(
        action="export", user=owner, object_type="customers.Course"
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
    erase_customer(customer=customer, actor=owner)
    view = AuditEntry.objects.get(action="view")
    assert view.customer is None and view.object_id == ""
    erase = AuditEntry.objects.get(action="erase")
    assert erase.user == owner and erase.customer is None
    assert "Aino" not in erase.detail and "example.fi" not in erase.detail
