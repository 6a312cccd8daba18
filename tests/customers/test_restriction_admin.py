"""Restriction of processing (GDPR Art. 18) as a state the admin shows and keeps: a
restricted customer's page is read-only apart from lifting the restriction, and nothing new
is recorded for them through any admin form."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent.acts import restriction
from consent.models import AuditEntry
from customers.models import Course, Customer, Enrollment, Interaction, Purchase

pytestmark = pytest.mark.django_db

CUSTOMERS = "/admin/customers/customer/"


@pytest.fixture
def as_owner(client, owner):
    client.force_login(owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def restricted(customer_with_history):
    restriction.restrict(customer=customer_with_history, actor=None)
    customer_with_history.refresh_from_db()
    return customer_with_history


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def _inputs(body: str) -> set[str]:
    """The names of the visible inputs of the customer's form (not the lift button's)."""
    form = body[body.index('id="customer_form"') :]
    tags = re.findall(r"<(?:input|select|textarea)\b[^>]*>", form)
    return {
        re.search(r'\bname="([^"]+)"', tag).group(1)
        for tag in tags
        if 'type="hidden"' not in tag and "name=" in tag
    }


def test_a_restricted_customers_page_is_read_only_and_says_why(as_owner, restricted):
    body = as_owner.get(f"{CUSTOMERS}{restricted.pk}/change/").content.decode()
    assert '<span class="restricted-badge">Processing restricted</span>' in body
    day = f"{timezone.localtime(restricted.restricted_at):%-d.%-m.%Y}"
    assert f"restricted the processing of their data on {day}" in body
    # No field, no inline row, nothing to add or delete: only the management form remains.
    assert _inputs(body) == set()
    for inline in ("enrollments", "purchases", "interactions"):  # no row can be added
        assert f'name="{inline}-MAX_NUM_FORMS" value="0"' in body
    assert "-DELETE" not in body
    assert 'name="_save"' not in body
    # The data is still there to read.
    assert "Esimerkkikatu 1 A 2" in body and "Sali oli kylmä" in body
    # The ways to add something for the customer are gone from the page.
    assert "Enrol in a course" not in body and "Record a complaint" not in body
    # Lifting it is offered, with what it means for the customer.
    assert f"{CUSTOMERS}{restricted.pk}/lift-restriction/" in body
    assert "The customer is told by email before the restriction is lifted." in body


def test_an_unrestricted_customers_page_stays_editable(as_owner, customer_with_history):
    body = as_owner.get(f"{CUSTOMERS}{customer_with_history.pk}/change/").content.decode()
    assert {"first_name", "email", "notes", "enrollments-0-status"} <= _inputs(body)
    assert "restriction-notice" not in body and "lift-restriction" not in body
    assert "Enrol in a course" in body


def test_staff_see_the_restriction_but_cannot_lift_it(client, staff, restricted):
    client.force_login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(f"{CUSTOMERS}{restricted.pk}/change/").content.decode()
    assert '<span class="restricted-badge">Processing restricted</span>' in body
    assert "Only the owner can lift the restriction." in body
    assert "lift-restriction" not in body
    assert client.post(f"{CUSTOMERS}{restricted.pk}/lift-restriction/").status_code == 403
    restricted.refresh_from_db()
    assert restricted.restricted_at is not None


def test_a_change_posted_for_a_restricted_customer_saves_nothing(as_owner, restricted):
    from tests.customers.test_admin import _customer_form

    response = as_owner.post(
        f"{CUSTOMERS}{restricted.pk}/change/",
        _customer_form(first_name="Muutettu", email=restricted.email),
        follow=True,
    )
    assert response.status_code == 200
    assert "restricted at their request" in _messages(response)
    restricted.refresh_from_db()
    assert restricted.first_name == "Aino"


def test_lifting_from_the_page_tells_the_customer_then_opens_the_page(
    as_owner, owner, restricted, django_capture_on_commit_callbacks
):
    url = f"{CUSTOMERS}{restricted.pk}/lift-restriction/"
    assert as_owner.get(url).status_code == 405  # a link followed changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = as_owner.post(url, follow=True)
    assert "The restriction was lifted for 1 customer." in _messages(response)
    restricted.refresh_from_db()
    assert restricted.restricted_at is None
    (message,) = mail.outbox
    assert message.to == [restricted.email]
    assert AuditEntry.objects.filter(action="lift_restriction", user=owner).count() == 1
    body = response.content.decode()
    assert "restriction-notice" not in body and 'name="first_name"' in body


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_shows_the_state_and_filters_by_it(as_owner, restricted):
    Customer.objects.create(first_name="Bertta", last_name="Toinen")
    one = _queries(as_owner, CUSTOMERS)
    for i in range(20):
        restriction.restrict(
            customer=Customer.objects.create(first_name=f"Rajattu{i}", last_name="Muu"),
            actor=None,
        )
    assert _queries(as_owner, CUSTOMERS) == one  # the state costs no query per row
    Customer.objects.filter(last_name="Muu").delete()
    body = as_owner.get(CUSTOMERS).content.decode()
    day = f"{timezone.localtime(restricted.restricted_at):%d.%m.%Y}"
    assert f'<strong class="restricted-badge">restricted since {day}</strong>' in body
    assert body.count("restricted-badge") == 1
    only = as_owner.get(f"{CUSTOMERS}?processing=restricted").content.decode()
    assert "Esimerkki" in only and "Toinen" not in only
    others = as_owner.get(f"{CUSTOMERS}?processing=normal").content.decode()
    assert "Toinen" in others and "Esimerkki" not in others


def test_nothing_new_is_added_for_a_restricted_customer_from_any_admin_form(
    as_owner, restricted, course
):
    purchases, interactions = Purchase.objects.count(), Interaction.objects.count()
    response = as_owner.post(
        "/admin/customers/purchase/add/",
        {
            "customer": restricted.pk,
            "description": "Kymppikortti",
            "amount": "100.00",
            "purchased_on": timezone.localdate().isoformat(),
            "status": "paid",
        },
    )
    assert response.status_code == 200
    assert "restricted at their request" in response.content.decode()
    assert Purchase.objects.count() == purchases

    now = timezone.localtime()
    response = as_owner.post(
        "/admin/customers/interaction/add/",
        {
            "customer": restricted.pk,
            "kind": "email",
            "direction": "outgoing",
            "occurred_at_0": f"{now:%Y-%m-%d}",
            "occurred_at_1": f"{now:%H:%M:%S}",
            "subject": "Tarjous",
            "text": "",
            "resolution": "",
        },
    )
    assert response.status_code == 200
    assert "restricted at their request" in response.content.decode()
    assert Interaction.objects.count() == interactions

    # A participant added on the course's page.
    other_course = Course.objects.create(
        name="Yin-jooga",
        starts_at=course.starts_at + timedelta(days=1),
        ends_at=course.ends_at + timedelta(days=1),
        capacity=5,
        price=Decimal("50.00"),
    )
    start = timezone.localtime(other_course.starts_at)
    end = timezone.localtime(other_course.ends_at)
    response = as_owner.post(
        f"/admin/customers/course/{other_course.pk}/change/",
        {
            "name": other_course.name,
            "description": "",
            "starts_at_0": f"{start:%Y-%m-%d}",
            "starts_at_1": f"{start:%H:%M:%S}",
            "ends_at_0": f"{end:%Y-%m-%d}",
            "ends_at_1": f"{end:%H:%M:%S}",
            "place": "",
            "capacity": "5",
            "price": "50.00",
            "enrollments-TOTAL_FORMS": "1",
            "enrollments-INITIAL_FORMS": "0",
            "enrollments-MIN_NUM_FORMS": "0",
            "enrollments-MAX_NUM_FORMS": "1000",
            "enrollments-0-customer": restricted.pk,
            "enrollments-0-status": "enrolled",
            "enrollments-0-enrolled_at_0": f"{timezone.localtime():%Y-%m-%d}",
            "enrollments-0-enrolled_at_1": f"{timezone.localtime():%H:%M:%S}",
        },
    )
    assert response.status_code == 200
    assert "restricted at their request" in response.content.decode()
    assert not Enrollment.objects.filter(course=other_course).exists()


def test_after_lifting_the_same_purchase_is_accepted(as_owner, restricted):
    restriction.lift_restriction(customer=restricted, actor=None)
    response = as_owner.post(
        "/admin/customers/purchase/add/",
        {
            "customer": restricted.pk,
            "description": "Kymppikortti",
            "amount": "100.00",
            "purchased_on": timezone.localdate().isoformat(),
            "status": "paid",
        },
    )
    assert response.status_code == 302
    assert restricted.purchases.filter(description="Kymppikortti").exists()
