"""The admin's front page: the studio at a glance, the same queries whatever the data size."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from consent.models import Breach, ConsentEvent, OutboxEmail, StudioSettings
from customers import attendance
from customers.models import Course, CourseSession, Customer, Enrollment
from rekisteri import dashboard
from rekisteri.jobs import NEWSLETTER_COUNT
from rekisteri.worker import jobs, run_job

pytestmark = pytest.mark.django_db


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def fill(count: int, *, tag: str) -> None:
    """`count` customers, each on a course with a session today and two earlier ones, present
    at all; every origin used; some with a newsletter consent."""
    today = timezone.localdate()
    origins = list(Customer.Origin)
    course = Course.objects.create(
        name=f"Kurssi {tag}",
        starts_at=local(today - timedelta(weeks=3), 9),
        ends_at=local(today + timedelta(weeks=3), 10),
        place="Sali",
        capacity=max(count, 1),
    )
    held = [
        CourseSession.objects.create(
            course=course,
            starts_at=local(today - timedelta(weeks=w), 9),
            ends_at=local(today - timedelta(weeks=w), 10),
        )
        for w in (2, 1, 0)
    ]
    enrolments = []
    for i in range(count):
        customer = Customer.objects.create(
            first_name=f"Etu{tag}{i}",
            last_name=f"Suku{tag}{i}",
            email=f"{tag}.{i}@example.fi",
            origin=origins[i % len(origins)],
            created_at=timezone.now() - timedelta(days=31 * (i % 5)),
        )
        if i % 2:
            ConsentEvent.objects.create(
                customer=customer,
                purpose=ConsentEvent.Purpose.NEWSLETTER,
                channel=ConsentEvent.Channel.EMAIL,
                action=ConsentEvent.Action.GIVEN,
                source=ConsentEvent.Source.ADMIN,
            )
        enrolments.append(Enrollment.objects.create(customer=customer, course=course))
    listed = [e.pk for e in enrolments]
    for session in held:
        attendance.record_attendance(session=session, listed=listed, present=listed)


def count_audience() -> None:
    """What the background worker does every 10 minutes: count the newsletter audience."""
    (job,) = [j for j in jobs() if j.name == NEWSLETTER_COUNT]
    from rekisteri.models import JobRun

    JobRun.objects.filter(name=NEWSLETTER_COUNT).update(next_run_at=timezone.now())
    assert run_job(job) is True


def front_page_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/admin/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_owner_sees_the_studio_at_a_glance(client, owner):
    fill(3, tag="a")
    Breach.objects.create(
        description="Kadonnut puhelin",
        data_affected="Nimet",
        risk=Breach.Risk.RISK,
        discovered_at=timezone.now() - timedelta(hours=80),
    )
    OutboxEmail.objects.create(to="x@example.fi", subject="S", body_text="B", attempts=2)
    client.force_login(owner)
    body = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Not counted yet: the background worker counts it" in body
    count_audience()
    body = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Today," in body and "Kurssi a" in body
    assert "3 / 3" in body  # enrolled / capacity
    assert "Attendance per week" in body
    assert "9 in all, at most 3 in a week; 3 this week." in body
    assert "New customers per month, by origin" in body
    # fill(3): made now, 31 and 62 days ago, each in a month of its own.
    assert "New customers over the last 12 months: 3 in all, 1 this month." in body
    assert '<svg viewBox="0 0 360 190" role="img"' in body
    assert "The figures as a table" in body
    assert "person may be emailed a newsletter." in body
    assert "on the basis of: consent" in body
    assert "the background worker counts again every 10 minutes." in body
    assert "Duties" in body
    assert "the 72 hours ran out 8 hours ago" in body
    assert "1 email could not be sent yet" in body


def test_the_front_page_costs_the_same_queries_at_any_size(
    client, owner, django_assert_max_num_queries
):
    client.force_login(owner)
    fill(2, tag="s")
    front_page_queries(client)  # the session and permissions settle
    small = front_page_queries(client)
    fill(40, tag="m")
    for _i in range(3):
        Breach.objects.create(description="x", data_affected="y", risk=Breach.Risk.HIGH)
        OutboxEmail.objects.create(to="x@example.fi", subject="S", body_text="B", attempts=1)
    assert front_page_queries(client) == small
    with django_assert_max_num_queries(small):
        client.get("/admin/")


def test_the_newsletter_figure_is_the_workers_count_read_in_one_query():
    """The front page shows the audience as the worker last counted it: reading it is one
    query however large the register, and a consent given since shows at the next count."""
    StudioSettings.load()  # made once, on first use
    fill(2, tag="p")
    count_audience()
    with CaptureQueriesContext(connection) as few:
        assert dashboard.newsletter_audience()["count"] == 1
    fill(20, tag="q")
    with CaptureQueriesContext(connection) as many:
        assert dashboard.newsletter_audience()["count"] == 1  # not counted again yet
    assert len(few.captured_queries) == len(many.captured_queries) == 1
    count_audience()
    found = dashboard.newsletter_audience()
    assert found["count"] == 11 and found["counted_at"] is not None
    with translation.override("en"):
        assert [(str(label), n) for label, n in found["bases"]] == [("consent", 11)]


def test_staff_see_the_sessions_but_not_the_owners_panels(client, staff):
    fill(2, tag="t")
    client.force_login(staff)
    body = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Kurssi t" in body and "Attendance per week" in body
    assert "newsletter" not in body.lower()
    assert "Duties" not in body


def test_chart_numbers_are_not_written_the_finnish_way():
    """SVG needs 12.5, never the Finnish 12,5, whatever the user's language."""
    fill(3, tag="f")
    with translation.override("fi"):
        chart = dashboard.attendance_chart(timezone.localdate())
        html = render_to_string("admin/dashboard/_chart.html", {"chart": chart})
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    for attribute in ('x="', 'y="', 'width="', 'height="'):
        for value in svg.split(attribute)[1:]:
            assert "," not in value.split('"', 1)[0]


def test_the_front_page_shows_the_worker_and_each_jobs_last_run(client, owner):
    from rekisteri import worker
    from rekisteri.models import JobRun

    client.force_login(owner)
    body = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The background worker is not running" in body
    worker.heartbeat()
    worker.run_due_jobs()
    JobRun.objects.filter(name="prune").update(ok=False, detail="OperationalError: disk full")
    body = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The background worker is not running" not in body
    assert "Retention (daily)" in body and "disk full" in body
    assert [j["ok"] for j in dashboard.job_runs() if "Retention" in str(j["name"])] == [True]
    assert "has not gone through yet" in body  # no studio email: the mailbox test waits


def test_an_empty_register_has_a_front_page_too(client, owner):
    client.force_login(owner)
    body = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No sessions today." in body
    assert "0 in all" in body


def test_the_front_page_tells_of_web_requests_the_worker_has_not_answered(client, owner, settings):
    from datetime import timedelta

    from consent.acts.requests import submit_request
    from consent.models import RightsRequest

    settings.RIGHTS_ANSWER_AT_ONCE = False  # the application's own path: the worker answers
    client.force_login(owner)
    for n in range(3):
        submit_request(email=f"odottaa{n}@example.fi", request_type="access", language="fi")
    # Just received: the worker answers within seconds, nothing to tell yet.
    body = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "have waited over five minutes" not in body
    RightsRequest.objects.filter(email__startswith="odottaa").exclude(
        email="odottaa2@example.fi"
    ).update(received_at=timezone.now() - timedelta(minutes=10))
    body = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 data requests from the web form have waited over five minutes" in body
