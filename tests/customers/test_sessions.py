"""Course sessions: entered one by one or made from a weekly rule, on the course's dates."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from consent.models import AuditEntry
from customers import participants, sessions
from customers.models import Course, CourseSession, Customer, Enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in English (their Finnish is checked by the catalog test)."""
    with translation.override("en"):
        yield


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def spring_course() -> Course:
    """Tuesdays 17:30-18:45 from 3 March to 28 April 2026 (summer time begins on 29 March)."""
    return Course.objects.create(
        name="Pilates kevät",
        starts_at=local(date(2026, 3, 3), 17, 30),
        ends_at=local(date(2026, 4, 28), 18, 45),
        place="Sali 1",
        capacity=8,
        price=Decimal("110.00"),
    )


def test_a_session_outside_the_courses_dates_is_refused(spring_course):
    session = CourseSession(
        course=spring_course,
        starts_at=local(date(2026, 5, 5), 17, 30),
        ends_at=local(date(2026, 5, 5), 18, 45),
    )
    with pytest.raises(ValidationError) as error:
        session.full_clean()
    assert "outside the course's dates (03.03.2026–28.04.2026)" in str(error.value)
    session.starts_at = local(date(2026, 3, 10), 17, 30)
    session.ends_at = local(date(2026, 3, 10), 17, 0)
    with pytest.raises(ValidationError, match="cannot end before it starts"):
        session.full_clean()


def test_a_weekly_rule_makes_every_session_at_the_same_local_time(spring_course):
    made = sessions.generate_weekly_sessions(
        course=spring_course,
        weekdays=[1],
        starts=time(17, 30),
        ends=time(18, 45),
        first=date(2026, 3, 3),
        last=date(2026, 4, 28),
    )
    assert (made.created, made.existing) == (9, 0)
    found = list(spring_course.sessions.order_by("starts_at"))
    assert [timezone.localtime(s.starts_at).strftime("%d.%m. %H:%M") for s in found][:5] == [
        "03.03. 17:30",
        "10.03. 17:30",
        "17.03. 17:30",
        "24.03. 17:30",
        "31.03. 17:30",  # after the change to summer time, still 17:30 in Helsinki
    ]
    assert all(timezone.localtime(s.ends_at).time() == time(18, 45) for s in found)

    # Run again with Thursdays added: the Tuesdays stay, the Thursdays are new.
    made = sessions.generate_weekly_sessions(
        course=spring_course,
        weekdays=[1, 3],
        starts=time(17, 30),
        ends=time(18, 45),
        first=date(2026, 3, 3),
        last=date(2026, 4, 28),
    )
    assert (made.created, made.existing) == (8, 9)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"weekdays": []}, "at least one weekday"),
        ({"ends": time(17, 0)}, "end after it starts"),
        ({"last": date(2026, 5, 12)}, "within the course's dates"),
        ({"first": date(2026, 4, 28), "last": date(2026, 3, 3)}, "cannot be before the first"),
        ({"weekdays": [6], "first": date(2026, 3, 3), "last": date(2026, 3, 6)}, "None of"),
    ],
)
def test_a_bad_rule_is_explained_and_saves_nothing(spring_course, rule, message):
    arguments = {
        "weekdays": [1],
        "starts": time(17, 30),
        "ends": time(18, 45),
        "first": date(2026, 3, 3),
        "last": date(2026, 4, 28),
        **rule,
    }
    with pytest.raises(ValidationError, match=message):
        sessions.generate_weekly_sessions(course=spring_course, **arguments)
    assert not CourseSession.objects.exists()


def test_the_printable_list_has_a_box_per_session(client, staff, spring_course):
    customer = Customer.objects.create(first_name="Aino", last_name="Esimerkki")
    Enrollment.objects.create(customer=customer, course=spring_course)
    # Without sessions: one box a week from the start to the end.
    assert len(participants.session_dates(spring_course)) == 9
    sessions.generate_weekly_sessions(
        course=spring_course,
        weekdays=[1, 3],
        starts=time(17, 30),
        ends=time(18, 45),
        first=date(2026, 3, 3),
        last=date(2026, 4, 28),
    )
    dates = participants.session_dates(spring_course)
    assert len(dates) == 17
    assert dates[:2] == [date(2026, 3, 3), date(2026, 3, 5)]
    client.force_login(staff)
    body = client.get(
        f"/admin/customers/course/{spring_course.pk}/participants/print/"
    ).content.decode()
    assert body.count('<td class="box"') == 17
    assert "5.3." in body


def test_the_owner_makes_sessions_from_the_course_page(client, owner, spring_course):
    client.force_login(owner)
    page = client.get(
        f"/admin/customers/course/{spring_course.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    generate = f"/admin/customers/course/{spring_course.pk}/sessions/generate/"
    assert generate in page
    assert f"/admin/customers/coursesession/add/?course={spring_course.pk}" in page
    assert "No sessions yet" in page

    form = client.get(generate, HTTP_ACCEPT_LANGUAGE="en")
    assert form.status_code == 200
    initial = form.context["form"].initial
    assert initial["weekdays"] == [1] and initial["starts"] == time(17, 30)
    response = client.post(
        generate,
        {
            "weekdays": ["1"],
            "starts": "17:30",
            "ends": "18:45",
            "first": "2026-03-03",
            "last": "2026-04-28",
        },
    )
    assert response.status_code == 302
    assert spring_course.sessions.count() == 9
    entry = AuditEntry.objects.get(detail_key="sessions_generated")
    assert entry.detail_params == {"count": 9} and entry.object_id == str(spring_course.pk)
    assert entry.detail == "9 sessions were created."
    page = client.get(
        f"/admin/customers/course/{spring_course.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    first = spring_course.sessions.order_by("starts_at").first()
    assert f"/admin/customers/coursesession/{first.pk}/attendance/" in page
    assert "03.03.2026 17:30" in page

    response = client.post(
        generate,
        {
            "weekdays": ["1"],
            "starts": "17:30",
            "ends": "18:45",
            "first": "2026-03-03",
            "last": "2026-06-30",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "within the course&#x27;s dates" in response.content.decode()
    assert spring_course.sessions.count() == 9


def test_staff_cannot_make_sessions(client, staff, spring_course):
    client.force_login(staff)
    generate = f"/admin/customers/course/{spring_course.pk}/sessions/generate/"
    assert client.get(generate).status_code == 403
    response = client.post(
        generate,
        {"weekdays": ["1"], "starts": "17:30", "ends": "18:45", "first": "2026-03-03",
         "last": "2026-04-28"},
    )  # fmt: skip
    assert response.status_code == 403
    assert not CourseSession.objects.exists()
    page = client.get(f"/admin/customers/course/{spring_course.pk}/change/").content.decode()
    assert generate not in page


def test_adding_one_session_starts_from_the_courses_time(client, owner, spring_course):
    client.force_login(owner)
    form = client.get(f"/admin/customers/coursesession/add/?course={spring_course.pk}")
    initial = form.context["adminform"].form.initial
    assert timezone.localtime(initial["starts_at"]).time() == time(17, 30)
    assert timezone.localtime(initial["ends_at"]).time() == time(18, 45)
    response = client.post(
        "/admin/customers/coursesession/add/",
        {
            "course": spring_course.pk,
            "starts_at_0": "05.05.2026",
            "starts_at_1": "17:30",
            "ends_at_0": "05.05.2026",
            "ends_at_1": "18:45",
        },
        HTTP_ACCEPT_LANGUAGE="fi",
    )
    assert response.status_code == 200  # outside the course: refused, in Finnish
    assert not CourseSession.objects.exists()
    response = client.post(
        "/admin/customers/coursesession/add/",
        {
            "course": spring_course.pk,
            "starts_at_0": "07.04.2026",
            "starts_at_1": "17:30",
            "ends_at_0": "07.04.2026",
            "ends_at_1": "18:45",
        },
    )
    assert response.status_code == 302
    assert CourseSession.objects.get().course == spring_course


def test_a_session_with_attendance_cannot_be_deleted_by_mistake(spring_course):
    from django.db.models import ProtectedError

    from customers.models import Attendance

    session = CourseSession.objects.create(
        course=spring_course,
        starts_at=local(date(2026, 3, 3), 17, 30),
        ends_at=local(date(2026, 3, 3), 18, 45),
    )
    customer = Customer.objects.create(first_name="Aino", last_name="Esimerkki")
    enrollment = Enrollment.objects.create(customer=customer, course=spring_course)
    Attendance.objects.create(session=session, enrollment=enrollment)
    with pytest.raises(ProtectedError):
        session.delete()


def test_the_session_list_costs_the_same_queries_for_few_and_many(client, owner, spring_course):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(owner)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/admin/customers/coursesession/").status_code == 200
        return len(ctx.captured_queries)

    sessions.generate_weekly_sessions(
        course=spring_course, weekdays=[1], starts=time(17, 30), ends=time(18, 45),
        first=date(2026, 3, 3), last=date(2026, 3, 10),
    )  # fmt: skip
    count()
    few = count()
    sessions.generate_weekly_sessions(
        course=spring_course, weekdays=[0, 1, 2, 3, 4, 5, 6], starts=time(17, 30),
        ends=time(18, 45), first=date(2026, 3, 3), last=date(2026, 4, 28),
    )  # fmt: skip
    assert count() == few
