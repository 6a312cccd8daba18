"""The week's calendar in the admin and the iCalendar feed at its secret address."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent.models import AuditEntry
from customers import calendar
from customers.models import CalendarFeed, Course, CourseSession, Customer, Enrollment

pytestmark = pytest.mark.django_db

CALENDAR = "/admin/customers/coursesession/calendar/"
REGENERATE = "/admin/customers/coursesession/calendar/feed/"


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def monday() -> date:
    today = timezone.localdate()
    return today - timedelta(days=today.weekday())


def make_sessions(count: int, *, name: str = "Jooga", place: str = "Sali 1") -> Course:
    """A course with `count` sessions spread over this week, each with one participant."""
    first = monday()
    course = Course.objects.create(
        name=name,
        starts_at=local(first, 7),
        ends_at=local(first + timedelta(days=6), 22),
        place=place,
        capacity=20,
    )
    for i in range(count):
        day = first + timedelta(days=i % 7)
        CourseSession.objects.create(
            course=course,
            starts_at=local(day, 7 + i // 7, 0) + timedelta(minutes=i % 7),
            ends_at=local(day, 8 + i // 7, 0),
        )
    customer = Customer.objects.create(
        first_name="Aino", last_name="Salainen", email=f"aino.salainen.{course.pk}@example.fi"
    )
    Enrollment.objects.create(customer=customer, course=course)
    return course


def test_the_week_lists_its_sessions_day_by_day(client, staff):
    course = make_sessions(3, name="Aamujooga", place="Sali 3")
    client.force_login(staff)
    response = client.get(CALENDAR, HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    week = monday().isocalendar()[1]
    assert f"Week {week}," in body
    assert body.count("Aamujooga") == 3
    assert "1 / 20 enrolled" in body
    session = course.sessions.first()
    assert f"/admin/customers/coursesession/{session.pk}/attendance/" in body
    next_monday = monday() + timedelta(weeks=1)
    year, number, _day = next_monday.isocalendar()
    assert f'href="?week={year}-W{number:02d}"' in body
    assert "(today)" in body


def test_another_week_and_a_week_that_is_not_one(client, staff):
    make_sessions(2, name="Tämän viikon tunti")
    client.force_login(staff)
    later = monday() + timedelta(weeks=3)
    year, number, _day = later.isocalendar()
    body = client.get(
        f"{CALENDAR}?week={year}-W{number:02d}", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Tämän viikon tunti" not in body
    assert "No sessions this week." in body
    response = client.get(f"{CALENDAR}?week=2025-W99", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert "is not a week" in body
    assert "Tämän viikon tunti" in body  # this week instead


def test_the_week_costs_the_same_queries_for_few_and_many_sessions(client, staff):
    client.force_login(staff)
    make_sessions(2)
    client.get(CALENDAR)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(CALENDAR).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    make_sessions(40, name="Toinen")
    assert count() == few


def test_the_owner_makes_an_address_and_the_feed_lists_the_sessions(client, owner, settings):
    settings.SITE_URL = "https://rekisteri.studio.example"
    course = make_sessions(2, name="Yin, jooga; ilta", place="Sali 2")
    client.force_login(owner)
    body = client.get(CALENDAR, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The calendar has no address yet." in body
    response = client.post(REGENERATE, {"week": "2025-W20"})
    assert response.status_code == 302 and response["Location"].endswith("?week=2025-W20")
    feed = CalendarFeed.objects.get()
    body = client.get(CALENDAR, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    url = re.search(r'id="feed-url" value="([^"]+)"', body).group(1)
    assert url == f"https://rekisteri.studio.example/calendar/{feed.token}.ics"
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.CHANGE, user=owner, detail_key="calendar_feed_replaced"
    ).exists()

    client.logout()  # calendar apps do not log in
    response = client.get(f"/calendar/{feed.token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == 2
    assert "SUMMARY:Yin\\, jooga\\; ilta" in text
    assert "LOCATION:Sali 2" in text
    first = course.sessions.order_by("starts_at").first()
    stamp = first.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{stamp}" in text
    assert f"UID:session-{first.pk}@rekisteri.studio.example" in text
    # Nobody's name, address or email, ever.
    for private in ("Aino", "Salainen", "example.fi"):
        assert private not in text


def test_a_wrong_or_replaced_token_is_404(client, owner):
    make_sessions(1)
    old = calendar.regenerate_feed(actor=owner)
    assert client.get(f"/calendar/{old.token}.ics").status_code == 200
    assert client.get(f"/calendar/{old.token[:-1]}x.ics").status_code == 404
    assert client.get("/calendar/.ics").status_code == 404
    new = calendar.regenerate_feed(actor=owner)
    assert new.token != old.token and len(new.token) >= 40
    assert client.get(f"/calendar/{old.token}.ics").status_code == 404
    assert client.get(f"/calendar/{new.token}.ics").status_code == 200
    assert client.post(f"/calendar/{new.token}.ics").status_code == 405


def test_no_feed_at_all_is_404(client):
    assert client.get("/calendar/anything.ics").status_code == 404


def test_staff_see_the_address_but_cannot_replace_it(client, staff, owner):
    feed = calendar.regenerate_feed(actor=owner)
    client.force_login(staff)
    body = client.get(CALENDAR, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert feed.token in body
    assert REGENERATE not in body
    assert client.post(REGENERATE).status_code == 403
    assert CalendarFeed.objects.get().token == feed.token


def test_long_lines_are_folded_at_75_octets():
    course = Course.objects.create(
        name="Äänimaljarentoutus ja palauttava jooga " * 3,
        starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(hours=1),
        capacity=5,
    )
    session = CourseSession.objects.create(
        course=course, starts_at=course.starts_at, ends_at=course.ends_at
    )
    text = calendar.ics([session])
    lines = text.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "")
    assert f"SUMMARY:{course.name}" in unfolded
