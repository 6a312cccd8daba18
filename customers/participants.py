"""Course participant lists: the minimised printable list and the CSV export (P2, R2)."""

from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from customers.models import Course, Enrollment
from rekisteri import spreadsheets

# A paper list has at most this many attendance boxes per row.
MAX_ATTENDANCE_BOXES = 12


def active_enrollments(course: Course) -> QuerySet[Enrollment]:
    """The course's participants (cancelled enrolments left out), by name."""
    return (
        course.enrollments.exclude(status=Enrollment.Status.CANCELLED)
        .select_related("customer")
        .order_by("customer__last_name", "customer__first_name", "pk")
    )


def session_dates(course: Course) -> list:
    """The attendance boxes: the dates of the course's sessions, all of them; for a course
    without sessions, one date a week from its start to its end (at most 12)."""
    sessions = course.sessions.order_by("starts_at", "pk").values_list("starts_at", flat=True)
    if held := [timezone.localtime(moment).date() for moment in sessions]:
        return held
    start = timezone.localtime(course.starts_at).date()
    end = timezone.localtime(course.ends_at).date()
    dates: list[date] = []
    day = start
    while day <= end and len(dates) < MAX_ATTENDANCE_BOXES:
        dates.append(day)
        day += timedelta(days=7)
    return dates


def printable_list(course: Course) -> dict[str, Any]:
    """What the paper list shows: names and attendance boxes only, no contact details.

    The studios promise no paper copies of the register, so the printout carries only
    what a teacher needs in the room.
    """
    return {
        "course": course,
        "names": [e.customer.full_name for e in active_enrollments(course)],
        "dates": session_dates(course),
    }


def csv_response(course: Course) -> HttpResponse:
    """The participant list as CSV for a spreadsheet (the app's one CSV dialect)."""
    filename = f"{slugify(course.name) or 'course'}-{timezone.localtime(course.starts_at):%Y-%m-%d}"
    header = [
        _("last name"),
        _("first name"),
        _("email"),
        _("phone"),
        _("status"),
        _("time of enrolment"),
    ]
    rows = (
        (
            e.customer.last_name,
            e.customer.first_name,
            e.customer.email,
            e.customer.phone,
            e.get_status_display(),
            f"{timezone.localtime(e.enrolled_at):%d.%m.%Y}",
        )
        for e in active_enrollments(course)
    )
    return spreadsheets.csv_response(f"{filename}.csv", [header, *rows])
