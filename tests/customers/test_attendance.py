"""Attendance per session: the list at the door, what saving it changes, and where it shows."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from consent.acts.access import build_access_report
from consent.acts.erasure import erase_customer
from consent.models import AuditEntry
from customers import attendance
from customers.models import Attendance, Course, CourseSession, Customer, Enrollment

pytestmark = pytest.mark.django_db


def local(day, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def studio_course() -> Course:
    """A weekly evening course that began two weeks ago and meets today too."""
    today = timezone.localdate()
    return Course.objects.create(
        name="Vinyasa ilta",
        starts_at=local(today - timedelta(weeks=2), 18),
        ends_at=local(today + timedelta(weeks=4), 19),
        place="Sali 2",
        capacity=10,
        price=Decimal("90.00"),
    )


@pytest.fixture
def today_session(studio_course: Course) -> CourseSession:
    today = timezone.localdate()
    return CourseSession.objects.create(
        course=studio_course, starts_at=local(today, 18), ends_at=local(today, 19)
    )


def enrol(course: Course, count: int, *, start: int = 0) -> list[Enrollment]:
    people = []
    for i in range(start, start + count):
        customer = Customer.objects.create(
            first_name=f"Osallistuja{i:03d}",
            last_name=f"Sukunimi{i:03d}",
            email=f"osallistuja{i}@example.fi",
            last_activity_at=timezone.now() - timedelta(days=400),
        )
        people.append(Enrollment.objects.create(customer=customer, course=course))
    # Enrolling was activity too; start the people as long inactive.
    Customer.objects.filter(enrollments__in=people).update(
        last_activity_at=timezone.now() - timedelta(days=400)
    )
    return people


def url(session: CourseSession) -> str:
    return f"/admin/customers/coursesession/{session.pk}/attendance/"


# The service


def test_saving_the_list_records_everyone_listed_present_or_absent(today_session, staff):
    people = enrol(today_session.course, 4)
    saved = attendance.record_attendance(
        session=today_session,
        listed=[e.pk for e in people],
        present=[people[0].pk, people[2].pk],
        actor=staff,
    )
    assert (saved.present, saved.absent, saved.changed) == (2, 2, 4)
    rows = dict(Attendance.objects.values_list("enrollment_id", "present"))
    assert rows == {
        people[0].pk: True,
        people[1].pk: False,
        people[2].pk: True,
        people[3].pk: False,
    }
    assert set(Attendance.objects.values_list("recorded_by", flat=True)) == {staff.pk}


def test_presence_makes_the_enrolment_attended_and_only_its_own_undo_reverts_it(today_session):
    first, second, legacy = enrol(today_session.course, 3)
    Enrollment.objects.filter(pk=legacy.pk).update(status=Enrollment.Status.ATTENDED)
    listed = [first.pk, second.pk, legacy.pk]
    attendance.record_attendance(session=today_session, listed=listed, present=[first.pk])
    statuses = dict(Enrollment.objects.values_list("pk", "status"))
    assert statuses[first.pk] == "attended"
    assert statuses[second.pk] == "enrolled"
    # Marked by hand before sessions existed: not present today, but still attended.
    assert statuses[legacy.pk] == "attended"

    # A mistaken tick taken back: the enrolment is as it was.
    attendance.record_attendance(session=today_session, listed=listed, present=[])
    statuses = dict(Enrollment.objects.values_list("pk", "status"))
    assert statuses[first.pk] == "enrolled"
    assert statuses[legacy.pk] == "attended"


def test_presence_moves_the_last_activity_to_the_session_never_into_the_future(studio_course):
    today = timezone.localdate()
    earlier = CourseSession.objects.create(
        course=studio_course,
        starts_at=local(today - timedelta(weeks=1), 18),
        ends_at=local(today - timedelta(weeks=1), 19),
    )
    (person,) = enrol(studio_course, 1)
    attendance.record_attendance(session=earlier, listed=[person.pk], present=[person.pk])
    person.customer.refresh_from_db()
    assert person.customer.last_activity_at == earlier.starts_at

    # Today's session, later this day: counts as activity now, not at its start.
    later = CourseSession.objects.create(
        course=studio_course,
        starts_at=timezone.now() + timedelta(minutes=30),
        ends_at=timezone.now() + timedelta(minutes=90),
    )
    if timezone.localtime(later.starts_at).date() != today:
        pytest.skip("too close to midnight for a session later today")
    before = timezone.now()
    attendance.record_attendance(session=later, listed=[person.pk], present=[person.pk])
    person.customer.refresh_from_db()
    assert before <= person.customer.last_activity_at <= timezone.now()


def test_someone_not_enrolled_on_the_course_is_refused_and_nothing_saved(today_session):
    people = enrol(today_session.course, 2)
    elsewhere = Course.objects.create(
        name="Muu kurssi",
        starts_at=today_session.course.starts_at,
        ends_at=today_session.course.ends_at,
        capacity=5,
    )
    (stranger,) = enrol(elsewhere, 1, start=50)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        attendance.record_attendance(
            session=today_session,
            listed=[people[0].pk, stranger.pk],
            present=[people[0].pk, stranger.pk],
        )
    assert error.value.code == "not_enrolled"
    assert "Nothing was saved" in " ".join(error.value.messages)
    assert not Attendance.objects.exists()
    assert Enrollment.objects.get(pk=people[0].pk).status == "enrolled"


def test_a_cancelled_enrolment_is_refused_by_name(today_session):
    (person,) = enrol(today_session.course, 1)
    person.status = Enrollment.Status.CANCELLED
    person.cancelled_at = timezone.now()
    person.save()
    with pytest.raises(ValidationError) as error:
        attendance.record_attendance(session=today_session, listed=[person.pk], present=[person.pk])
    assert person.customer.full_name in error.value.messages[0]
    assert not Attendance.objects.exists()


def test_a_session_still_to_come_cannot_have_attendance(studio_course):
    tomorrow = timezone.localdate() + timedelta(days=1)
    session = CourseSession.objects.create(
        course=studio_course, starts_at=local(tomorrow, 18), ends_at=local(tomorrow, 19)
    )
    (person,) = enrol(studio_course, 1)
    with pytest.raises(ValidationError) as error:
        attendance.record_attendance(session=session, listed=[person.pk], present=[person.pk])
    assert error.value.code == "future"
    assert not Attendance.objects.exists()


def test_someone_enrolled_after_the_list_was_opened_is_not_marked_absent(today_session):
    first, later = enrol(today_session.course, 2)
    attendance.record_attendance(session=today_session, listed=[first.pk], present=[first.pk])
    assert not Attendance.objects.filter(enrollment=later).exists()


def test_the_model_refuses_attendance_of_someone_not_on_the_course(today_session):
    other = Course.objects.create(
        name="Muu", starts_at=timezone.now(), ends_at=timezone.now(), capacity=3
    )
    (stranger,) = enrol(other, 1)
    with pytest.raises(ValidationError):
        Attendance(session=today_session, enrollment=stranger).full_clean()


# The page at the door


def test_staff_tick_and_save_in_one_go(client, staff, today_session):
    people = enrol(today_session.course, 5)
    client.force_login(staff)
    page = client.get(url(today_session), HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert page.status_code == 200
    for person in people:
        assert f'<label class="tap" for="present-{person.pk}">' in body
        assert f'id="present-{person.pk}"' in body
    assert "Save attendance" in body
    response = client.post(
        url(today_session),
        {"listed": [p.pk for p in people], "present": [people[1].pk, people[3].pk]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302 and response["Location"] == url(today_session)
    page = client.get(url(today_session), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Attendance saved: 2 present, 3 absent." in page
    assert f'value="{people[1].pk}" id="present-{people[1].pk}" checked' in page
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.CHANGE).latest("pk")
    assert entry.user == staff and entry.detail_key == "attendance_saved"
    assert entry.detail_params == {"present": 2, "absent": 3}
    assert entry.detail == "Attendance saved: 2 present, 3 absent."
    with translation.override("fi"):
        assert entry.detail_text == "Läsnäolot tallennettu: 2 paikalla, 3 poissa."


def test_a_bad_save_says_why_in_the_users_language_and_keeps_the_ticks(
    client, staff, today_session
):
    people = enrol(today_session.course, 2)
    other = Course.objects.create(
        name="Muu", starts_at=timezone.now(), ends_at=timezone.now(), capacity=3
    )
    (stranger,) = enrol(other, 1, start=9)
    client.force_login(staff)
    response = client.post(
        url(today_session),
        {"listed": [people[0].pk, stranger.pk], "present": [people[0].pk, stranger.pk]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "is not enrolled on this course" in body
    assert f'value="{people[0].pk}" id="present-{people[0].pk}" checked' in body
    assert not Attendance.objects.exists()
    response = client.post(url(today_session), {"listed": ["x"]}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "could not be read" in response.content.decode()


def test_a_future_session_shows_the_names_but_no_form(client, staff, studio_course):
    tomorrow = timezone.localdate() + timedelta(days=1)
    session = CourseSession.objects.create(
        course=studio_course, starts_at=local(tomorrow, 18), ends_at=local(tomorrow, 19)
    )
    (person,) = enrol(studio_course, 1)
    client.force_login(staff)
    body = client.get(url(session), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert person.customer.full_name in body
    assert 'type="checkbox"' not in body
    assert "on the day of the session or later" in body


def test_the_page_costs_the_same_queries_for_5_and_60_participants(
    client, staff, today_session, django_assert_max_num_queries
):
    client.force_login(staff)
    enrol(today_session.course, 5)
    client.get(url(today_session))  # the session and permissions settle

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url(today_session)).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    today_session.course.capacity = 100
    today_session.course.save()
    enrol(today_session.course, 55, start=5)
    people = list(today_session.course.enrollments.values_list("pk", flat=True))
    attendance.record_attendance(session=today_session, listed=people, present=people[::2])
    assert count() == small
    with django_assert_max_num_queries(small):
        client.get(url(today_session))


def test_anonymous_visitors_are_sent_to_the_login(client, today_session):
    response = client.get(url(today_session))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_user_without_attendance_rights_cannot_save(client, today_session, django_user_model):
    people = enrol(today_session.course, 1)
    viewer = django_user_model.objects.create_user("katsoja", password="x" * 20, is_staff=True)
    client.force_login(viewer)
    assert client.get(url(today_session)).status_code == 403
    response = client.post(url(today_session), {"listed": [people[0].pk], "present": []})
    assert response.status_code == 403
    assert not Attendance.objects.exists()


# Where attendance shows


def test_the_access_report_lists_the_persons_attendance(today_session):
    (person,) = enrol(today_session.course, 1)
    attendance.record_attendance(session=today_session, listed=[person.pk], present=[person.pk])
    report = build_access_report(customer=person.customer)
    section = next(s for s in report["sections"] if s["table"] == "customers.attendance")
    assert len(section["rows"]) == 1
    row = section["rows"][0]
    assert row["present"] is True
    assert "Vinyasa ilta" in row["session"]
    assert "recorded_by" not in row  # the staff member is not the customer's data


def test_erasure_deletes_the_attendance_and_counts_it(today_session, owner):
    (person,) = enrol(today_session.course, 1)
    attendance.record_attendance(session=today_session, listed=[person.pk], present=[person.pk])
    result = erase_customer(customer=person.customer, actor=owner)
    counts = getattr(result, "counts", result)
    assert not Attendance.objects.exists()
    assert counts[str(Attendance._meta.verbose_name_plural)] == 1, counts
    # The session itself is the studio's schedule: it stays.
    assert CourseSession.objects.filter(pk=today_session.pk).exists()


def test_the_customers_attendance_page(client, staff, studio_course, today_session):
    today = timezone.localdate()
    earlier = CourseSession.objects.create(
        course=studio_course,
        starts_at=local(today - timedelta(weeks=1), 18),
        ends_at=local(today - timedelta(weeks=1), 19),
    )
    CourseSession.objects.create(
        course=studio_course,
        starts_at=local(today + timedelta(weeks=1), 18),
        ends_at=local(today + timedelta(weeks=1), 19),
    )
    (person,) = enrol(studio_course, 1)
    attendance.record_attendance(session=earlier, listed=[person.pk], present=[person.pk])
    client.force_login(staff)
    response = client.get(
        f"/admin/customers/coursesession/participant/{person.customer.pk}/",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Present at 1 of 2 sessions so far." in body  # next week's is not held yet
    assert "not recorded" in body
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.VIEW,
        customer=person.customer,
        user=staff,
        detail_key="attendance_viewed",
    ).exists()


def test_the_customer_page_offers_the_quick_actions(client, staff, customer):
    client.force_login(staff)
    body = client.get(
        f"/admin/customers/customer/{customer.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert f"/admin/customers/course/enrol/{customer.pk}/" in body
    assert f"/admin/customers/interaction/add/?customer={customer.pk}&amp;kind=complaint" in body
    assert f"/admin/customers/interaction/add/?customer={customer.pk}&amp;kind=email" in body
    assert f"/admin/customers/coursesession/participant/{customer.pk}/" in body
    form = (
        client.get(f"/admin/customers/interaction/add/?customer={customer.pk}&kind=complaint")
        .context["adminform"]
        .form
    )
    assert str(form.initial["customer"]) == str(customer.pk)
    assert form.initial["kind"] == "complaint"


def test_enrolling_from_the_customer_page(client, staff, customer, studio_course):
    client.force_login(staff)
    enrol_url = f"/admin/customers/course/enrol/{customer.pk}/"
    page = client.get(enrol_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Vinyasa ilta" in page and "0 / 10 places taken" in page
    response = client.post(enrol_url, {"course": studio_course.pk})
    assert response.status_code == 302
    assert response["Location"] == f"/admin/customers/customer/{customer.pk}/change/"
    assert Enrollment.objects.filter(customer=customer, course=studio_course).exists()

    # Twice is refused, with the reason, and nothing more is saved.
    response = client.post(enrol_url, {"course": studio_course.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "already enrolled" in response.content.decode()
    assert Enrollment.objects.filter(customer=customer).count() == 1


def test_enrolling_in_a_full_course_or_a_restricted_customer_is_refused(
    client, staff, customer, studio_course
):
    studio_course.capacity = 1
    studio_course.save()
    enrol(studio_course, 1)
    client.force_login(staff)
    enrol_url = f"/admin/customers/course/enrol/{customer.pk}/"
    response = client.post(enrol_url, {"course": studio_course.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "is full" in response.content.decode()
    studio_course.capacity = 5
    studio_course.save()
    Customer.objects.filter(pk=customer.pk).update(restricted_at=timezone.now())
    response = client.post(enrol_url, {"course": studio_course.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "restricted" in response.content.decode()
    assert not Enrollment.objects.filter(customer=customer).exists()
