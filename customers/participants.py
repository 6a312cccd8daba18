"""Course participant lists: the minimised printable list and the CSV export (P2, R2)."""

import csv
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from customers.models import Course, Enrollment

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
    """One date a week from the start to the end of the course, for the attendance boxes."""
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


def _csv_safe(value: str) -> str:
    # A spreadsheet runs a cell starting with = + - @ as a formula; phone numbers in
    # E.164 ("+358…") are plain numbers and left as they are.
    if value[:1] in ("=", "@", "\t", "\r") or (value[:1] in ("+", "-") and not value[1:].isdigit()):
        return "'" + value
    return value


def csv_response(course: Course) -> HttpResponse:
    """The participant list as CSV for a spreadsheet (semicolons and a BOM, as Finnish Excel
    expects)."""
    filename = f"{slugify(course.name) or 'course'}-{timezone.localtime(course.starts_at):%Y-%m-%d}"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("last name"),
            _("first name"),
            _("email"),
            _("phone"),
            _("status"),
            _("time of enrolment"),
        ]
    )
    for e in active_enrollments(course):
        c = e.customer
        writer.writerow(
            [
                _csv_safe(value)
                for value in (
                    c.last_name,
                    c.first_name,
                    c.email,
                    c.phone,
                    e.get_status_display(),
                    f"{timezone.localtime(e.enrolled_at):%d.%m.%Y}",
                )
            ]
        )
    return response
