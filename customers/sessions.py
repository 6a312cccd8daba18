"""Course sessions: generating them from a weekly rule, and reading a week of them."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Attendance, Course, CourseSession, Enrollment

# A weekly rule never makes more sessions than this at once (a typo in a year, not a course).
MAX_GENERATED = 200


@dataclass(frozen=True)
class Generated:
    created: int
    existing: int


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def at(day: date, clock: time) -> datetime:
    """`day` at `clock` in the studio's time zone (summer time handled by zoneinfo)."""
    return timezone.make_aware(datetime.combine(day, clock))


def course_days(course: Course) -> tuple[date, date]:
    """The first and last day of the course, in the studio's time zone."""
    return local_day(course.starts_at), local_day(course.ends_at)


def weekly_days(*, first: date, last: date, weekdays: Collection[int]) -> list[date]:
    """Every day from `first` to `last` (inclusive) whose weekday (Monday 0) is in `weekdays`."""
    days = []
    day = first
    while day <= last:
        if day.weekday() in weekdays:
            days.append(day)
        day += timedelta(days=1)
    return days


def generate_weekly_sessions(
    *,
    course: Course,
    weekdays: Collection[int],
    starts: time,
    ends: time,
    first: date,
    last: date,
) -> Generated:
    """Create the course's sessions on `weekdays` from `first` to `last`, `starts`-`ends`.

    All or nothing: a rule that reaches outside the course's dates, or that would make
    more than MAX_GENERATED sessions, saves nothing. Sessions the course already has at
    the same start are left as they are (the rule can be run again after a change).
    """
    course_first, course_last = course_days(course)
    errors = []
    if not weekdays:
        errors.append(_("Choose at least one weekday."))
    if ends <= starts:
        errors.append(_("A session must end after it starts."))
    if last < first:
        errors.append(_("The last day cannot be before the first."))
    if first < course_first or last > course_last:
        errors.append(
            _("The sessions must be within the course's dates (%(first)s–%(last)s).")
            % {"first": f"{course_first:%d.%m.%Y}", "last": f"{course_last:%d.%m.%Y}"}
        )
    if errors:
        raise ValidationError(errors)
    days = weekly_days(first=first, last=last, weekdays=weekdays)
    if not days:
        raise ValidationError(_("None of the chosen weekdays falls between these days."))
    if len(days) > MAX_GENERATED:
        raise ValidationError(
            _("The rule would make %(count)d sessions; at most %(max)d can be made at once.")
            % {"count": len(days), "max": MAX_GENERATED}
        )
    with transaction.atomic():
        taken = set(course.sessions.values_list("starts_at", flat=True))
        new = [
            CourseSession(course=course, starts_at=at(day, starts), ends_at=at(day, ends))
            for day in days
            if at(day, starts) not in taken
        ]
        CourseSession.objects.bulk_create(new)
    return Generated(created=len(new), existing=len(days) - len(new))


def with_counts(sessions: QuerySet[CourseSession]) -> QuerySet[CourseSession]:
    """Sessions with their course and three counts, in one query whatever their number:
    `enrolled` (the course's enrolments, cancelled ones left out), `present` and
    `recorded` (attendance rows; none means attendance was not taken)."""
    enrolled = (
        Enrollment.objects.filter(course=OuterRef("course"))
        .exclude(status=Enrollment.Status.CANCELLED)
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    recorded = (
        Attendance.objects.filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    present = recorded.filter(present=True)
    zero = Value(0, output_field=IntegerField())
    return sessions.select_related("course").annotate(
        enrolled=Coalesce(Subquery(enrolled, output_field=IntegerField()), zero),
        recorded=Coalesce(Subquery(recorded, output_field=IntegerField()), zero),
        present=Coalesce(Subquery(present, output_field=IntegerField()), zero),
    )


def week_start(day: date) -> date:
    """The Monday of `day`'s week (ISO weeks, as Finnish calendars count them)."""
    return day - timedelta(days=day.weekday())


def sessions_between(first: date, last: date) -> QuerySet[CourseSession]:
    """The sessions starting on the days `first`..`last` (local time), with their counts."""
    return with_counts(
        CourseSession.objects.filter(
            starts_at__gte=at(first, time.min),
            starts_at__lt=at(last + timedelta(days=1), time.min),
        ).order_by("starts_at", "course__name", "pk")
    )
