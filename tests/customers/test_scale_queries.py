"""Pages cost the same number of queries however many rows they could show (issue 12):
queries are counted, not timed (times are measured in bench/scale.py)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent.models import ConsentEvent
from customers.models import (
    Attendance,
    Course,
    CourseSession,
    Customer,
    Enrollment,
    Interaction,
    Purchase,
)

pytestmark = pytest.mark.django_db


def _courses(n: int, name: str = "Kurssi") -> list[Course]:
    now = timezone.now()
    return Course.objects.bulk_create(
        Course(
            name=f"{name} {i}",
            starts_at=now - timedelta(days=i),
            ends_at=now + timedelta(days=30),
            capacity=50,
            price=Decimal("10"),
        )
        for i in range(n)
    )


def _history(customer: Customer, courses: list[Course], rows: int) -> None:
    now = timezone.now()
    Enrollment.objects.bulk_create(
        Enrollment(customer=customer, course=courses[i % len(courses)], enrolled_at=now)
        for i in range(min(rows, len(courses)))
    )
    Purchase.objects.bulk_create(
        Purchase(
            customer=customer,
            course=courses[i % len(courses)],
            description=f"Kortti {i}",
            amount=Decimal("10"),
            purchased_on=date.today() - timedelta(days=i),
        )
        for i in range(rows)
    )
    Interaction.objects.bulk_create(
        Interaction(
            customer=customer,
            kind=Interaction.Kind.FEEDBACK,
            direction=Interaction.Direction.INCOMING,
            occurred_at=now - timedelta(hours=i),
            subject=f"Palaute {i}",
            text="Kiva tunti.",
        )
        for i in range(rows)
    )
    ConsentEvent.objects.bulk_create(
        ConsentEvent(
            customer=customer,
            purpose=ConsentEvent.Purpose.NEWSLETTER,
            channel=ConsentEvent.Channel.EMAIL,
            action=ConsentEvent.Action.GIVEN if i % 2 else ConsentEvent.Action.WITHDRAWN,
            source=ConsentEvent.Source.ADMIN,
            wording="Paperilomake",
            at=now - timedelta(hours=i),
        )
        for i in range(rows)
    )


def _queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_a_customer_page_costs_the_same_with_many_rows_and_courses(client, owner):
    client.force_login(owner)
    few = Customer.objects.create(first_name="Eino", last_name="Vähä", email="eino@example.fi")
    _history(few, _courses(2), rows=2)
    many = Customer.objects.create(first_name="Aino", last_name="Paljo", email="aino@example.fi")
    _history(many, _courses(150), rows=150)
    _courses(100, name="Muu kurssi")

    _queries(client, f"/admin/customers/customer/{few.pk}/change/")  # one-time caches
    small, _page = _queries(client, f"/admin/customers/customer/{few.pk}/change/")
    large, page = _queries(client, f"/admin/customers/customer/{many.pk}/change/")
    assert large == small
    # No select of every course: the course is picked by typing (autocomplete).
    assert "Muu kurssi" not in page
    # The newest rows, and a way to all of them.
    assert page.count('name="enrollments-') and "?customer__id__exact=" in page
    assert 'id="id_purchases-10-' not in page and 'id="id_purchases-9-' in page  # ten newest
    # A message is a whole stacked form: the five newest.
    assert 'id="id_interactions-5-' not in page and 'id="id_interactions-4-' in page


def test_the_customer_page_links_to_all_of_a_long_history(client, owner):
    client.force_login(owner)
    many = Customer.objects.create(first_name="Aino", last_name="Paljo", email="aino@example.fi")
    other = Customer.objects.create(first_name="Eino", last_name="Muu", email="eino@example.fi")
    courses = _courses(30)
    _history(many, courses, rows=30)
    _history(other, courses, rows=2)
    page = client.get(f"/admin/customers/customer/{many.pk}/change/").content.decode()
    links = {
        "/admin/customers/purchase/": "Kortti 29",
        "/admin/customers/interaction/": "Palaute 29",
        "/admin/consent/consentevent/": None,
        f"/admin/customers/coursesession/participant/{many.pk}/": "Kurssi 0",
    }
    for path, oldest in links.items():
        url = path + (f"?customer__id__exact={many.pk}" if path.count("/") == 4 else "")
        assert f'href="{url}"' in page.replace("&amp;", "&"), url
        listed = client.get(url)
        assert listed.status_code == 200, url
        if oldest:
            assert oldest in listed.content.decode(), url
    purchases = client.get(f"/admin/customers/purchase/?customer__id__exact={other.pk}")
    assert (
        "Kortti 1" in purchases.content.decode() and "Kortti 29" not in purchases.content.decode()
    )


def _short_and_long_history() -> tuple[Customer, Customer]:
    """A customer with 2 rows in each table and one with 60, attendance included (a session
    is named by its course, read with it)."""
    few = Customer.objects.create(first_name="Eino", last_name="Vähä", email="eino@example.fi")
    _history(few, _courses(2), rows=2)
    many = Customer.objects.create(first_name="Aino", last_name="Paljo", email="aino@example.fi")
    _history(many, _courses(60, name="Toinen"), rows=60)
    for customer in (few, many):
        for enrollment in Enrollment.objects.filter(customer=customer).select_related("course"):
            start = timezone.now() - timedelta(days=1)
            session = CourseSession.objects.create(
                course=enrollment.course, starts_at=start, ends_at=start + timedelta(hours=1)
            )
            Attendance.objects.create(session=session, enrollment=enrollment)
    return few, many


def test_the_access_report_reads_each_table_once(client, owner):
    from consent.acts.access import Use, access_report
    from consent.records.bookkeeping import kept_until
    from customers.inventory import personal_rules

    few, many = _short_and_long_history()
    tables = len({rule.model for rule in personal_rules()})

    def report(customer: Customer) -> dict:
        return access_report(customer=customer, actor=owner, use=Use.VIEW)

    report(few)  # one-time caches
    with CaptureQueriesContext(connection) as small:
        report(few)
    with CaptureQueriesContext(connection) as large:
        found = report(many)
    assert len(large) == len(small)
    # Each table once, the studio settings, the recipients and the act's audit entry.
    assert len(large) <= tables + 3, [q["sql"][:80] for q in large.captured_queries]
    # The day the newest purchase is kept until comes from the purchases already read.
    (purchases,) = [s for s in found["sections"] if s["table"] == "customers.purchase"]
    newest = Purchase.objects.filter(customer=many).order_by("-purchased_on")[0].purchased_on
    assert f"{kept_until(newest):%-d.%-m.%Y}" in purchases["retention"]
    (attendance,) = [s for s in found["sections"] if s["table"] == "customers.attendance"]
    assert len(attendance["rows"]) == 60
    assert attendance["rows"][0]["session"].startswith("Toinen ")


def _own_page(client, customer: Customer) -> None:
    from consent.acts.erasure import SESSION_KEY
    from consent.views.common import FULL

    session = client.session
    session[SESSION_KEY] = {
        "customer": customer.pk,
        "scope": FULL,
        "until": (timezone.now() + timedelta(minutes=10)).isoformat(),
    }
    session.save()


def test_the_customers_own_page_and_copy_cost_the_same_for_a_long_history(client):
    few, many = _short_and_long_history()
    for path in (
        "/rights/my-data/",
        "/rights/my-data/download.json",
        "/rights/my-data/download.csv",
    ):
        counts = []
        for customer in (few, few, many):
            _own_page(client, customer)
            counts.append(_queries(client, path)[0])
        assert counts[1] == counts[2], path


def test_the_booking_import_checks_the_suppression_list_in_one_batch():
    from consent.mail.suppression import erasure_times, suppress, suppressed_addresses
    from customers import importing

    suppress(email="h3@example.fi", reason="objection")

    def suppression_queries(rows: int) -> int:
        lines = ["Nimi;Sähköposti;Palvelu;Aika"] + [
            f"Henkilö {i};h{i}@example.fi;Jooga;1.2.2026 18:00" for i in range(rows)
        ]
        parsed = importing.read_bookings("\n".join(lines).encode())
        with CaptureQueriesContext(connection) as captured:
            preview = importing.preview(
                parsed, suppressed_addresses=suppressed_addresses, erasures=erasure_times
            )
        assert preview.suppressed == 1
        return sum("consent_suppression" in q["sql"] for q in captured.captured_queries)

    assert suppression_queries(10) == suppression_queries(200) == 2


def test_a_link_whose_model_only_names_itself_as_an_object_is_read_with_its_row(monkeypatch):
    # A model without NAME_FIELDS (a future link) is read as objects, its row joined in:
    # the same names, still one query per table.
    from consent.acts.access import build_access_report

    customer = Customer.objects.create(first_name="Eino", last_name="Vähä", email="e@example.fi")
    _history(customer, _courses(3, name="Kolmas"), rows=3)

    def names(found: dict) -> list[str]:
        (section,) = [s for s in found["sections"] if s["table"] == "customers.enrollment"]
        return [row["course"] for row in section["rows"]]

    build_access_report(customer=customer)  # one-time caches (the studio settings' row)
    with CaptureQueriesContext(connection) as as_values:
        by_values = names(build_access_report(customer=customer))
    monkeypatch.delattr(Course, "NAME_FIELDS")
    with CaptureQueriesContext(connection) as as_objects:
        by_objects = names(build_access_report(customer=customer))
    assert by_objects == by_values and by_values[0].startswith("Kolmas ")
    assert len(as_objects) == len(as_values)
