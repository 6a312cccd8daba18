"""Attendance per session: the list taken at the door, and what saving it changes.

Saving the list for a session writes one row per listed participant, present or not, in
one transaction. What follows from it:

- retention: each person present has their last activity moved to the session's start
  (never into the future, `Customer.record_activity`), so that a regular is not erased
  as inactive;
- the enrolment's status: "attended" once the person was present at a session of the
  course. The status existed before sessions did (the booking import sets it, and older
  enrolments were marked by hand), so it is only moved by what attendance changes: an
  enrolment becomes "attended" when someone is marked present, and goes back to
  "enrolled" only when this save removed its last presence.
"""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Attendance, CourseSession, Customer, Enrollment
from customers.sessions import at, local_day


@dataclass
class Line:
    """One participant on the session's list."""

    enrollment: Enrollment
    # None: attendance not taken for this person at this session.
    present: bool | None

    @property
    def name(self) -> str:
        return self.enrollment.customer.full_name


@dataclass
class Sheet:
    session: CourseSession
    lines: list[Line] = field(default_factory=list)

    @property
    def present_count(self) -> int:
        return sum(1 for line in self.lines if line.present)

    @property
    def taken(self) -> bool:
        return any(line.present is not None for line in self.lines)


@dataclass(frozen=True)
class Saved:
    present: int
    absent: int
    changed: int


def sheet(session: CourseSession) -> Sheet:
    """The session's participants by name, each with what was recorded (two queries)."""
    enrollments = (
        session.course.enrollments.exclude(status=Enrollment.Status.CANCELLED)
        .select_related("customer")
        .order_by("customer__last_name", "customer__first_name", "pk")
    )
    recorded = dict(session.attendances.values_list("enrollment_id", "present"))
    return Sheet(session, [Line(e, recorded.get(e.pk)) for e in enrollments])


def may_record(session: CourseSession, *, today: date | None = None) -> bool:
    """Attendance is taken on the day of the session or after it, never before."""
    return local_day(session.starts_at) <= (today or timezone.localdate())


def record_attendance(
    *,
    session: CourseSession,
    listed: Collection[int],
    present: Collection[int],
    actor: Any = None,
) -> Saved:
    """Record who of the `listed` enrolments were `present` at `session`, all or nothing.

    `listed` are the enrolments the list showed (someone enrolled after the page was
    opened is not marked absent); `present` must be among them. Raises ValidationError,
    with a message for the person at the door, for a session still to come or for someone
    who is not (or no longer) enrolled on the course.
    """
    listed, present = set(listed), set(present)
    if not may_record(session):
        raise ValidationError(
            _("Attendance can be recorded on the day of the session or later."), code="future"
        )
    if present - listed:
        raise ValidationError(
            _("Someone marked present is not on this session's list. Reload the page."),
            code="not_listed",
        )
    with transaction.atomic():
        enrollments = {
            e.pk: e
            for e in Enrollment.objects.select_for_update()
            .filter(pk__in=listed, course_id=session.course_id)
            .select_related("customer")
        }
        refused = [
            enrollments[pk].customer.full_name
            for pk in sorted(present)
            if pk in enrollments and enrollments[pk].status == Enrollment.Status.CANCELLED
        ]
        if refused or present - enrollments.keys():
            names = ", ".join(refused) or _("Someone marked present")
            raise ValidationError(
                _("%(names)s is not enrolled on this course. Nothing was saved.")
                % {"names": names},
                code="not_enrolled",
            )
        existing = {
            a.enrollment_id: a
            for a in Attendance.objects.filter(session=session, enrollment_id__in=enrollments)
        }
        now = timezone.now()
        actor = actor if getattr(actor, "pk", None) else None
        new, changed, lost = [], [], []
        for pk, enrollment in enrollments.items():
            if enrollment.status == Enrollment.Status.CANCELLED:
                continue
            is_present = pk in present
            row = existing.get(pk)
            if row is None:
                new.append(
                    Attendance(
                        session=session,
                        enrollment=enrollment,
                        present=is_present,
                        recorded_at=now,
                        recorded_by=actor,
                    )
                )
            elif row.present != is_present:
                if row.present:
                    lost.append(pk)
                row.present, row.recorded_at, row.recorded_by = is_present, now, actor
                changed.append(row)
        Attendance.objects.bulk_create(new)
        Attendance.objects.bulk_update(changed, ["present", "recorded_at", "recorded_by"])
        Enrollment.objects.filter(pk__in=present, status=Enrollment.Status.ENROLLED).update(
            status=Enrollment.Status.ATTENDED
        )
        if lost:
            still_present = Attendance.objects.filter(enrollment=OuterRef("pk"), present=True)
            Enrollment.objects.filter(pk__in=lost, status=Enrollment.Status.ATTENDED).exclude(
                Exists(still_present)
            ).update(status=Enrollment.Status.ENROLLED)
        for pk in sorted(present):
            enrollments[pk].customer.record_activity(session.starts_at)
    absent = sum(
        1
        for pk, e in enrollments.items()
        if pk not in present and e.status != Enrollment.Status.CANCELLED
    )
    return Saved(present=len(present), absent=absent, changed=len(new) + len(changed))


@dataclass
class CourseRecord:
    """One course of a customer, with the sessions held so far and their attendance."""

    enrollment: Enrollment
    sessions: list[tuple[CourseSession, bool | None]]

    @property
    def present_count(self) -> int:
        return sum(1 for _session, present in self.sessions if present)

    @property
    def held_count(self) -> int:
        return len(self.sessions)


def customer_attendance(customer: Customer) -> list[CourseRecord]:
    """The customer's courses, newest first, each with its sessions up to today and
    whether the customer was present at each (three queries)."""
    enrollments = list(customer.enrollments.select_related("course").order_by("-course__starts_at"))
    end_of_today = at(timezone.localdate(), time.max)
    sessions = CourseSession.objects.filter(
        course__in=[e.course_id for e in enrollments], starts_at__lte=end_of_today
    ).order_by("starts_at", "pk")
    by_course: dict[int, list[CourseSession]] = {}
    for s in sessions:
        by_course.setdefault(s.course_id, []).append(s)
    recorded = dict(
        Attendance.objects.filter(enrollment__customer=customer).values_list(
            "session_id", "present"
        )
    )
    return [
        CourseRecord(e, [(s, recorded.get(s.pk)) for s in by_course.get(e.course_id, [])])
        for e in enrollments
    ]
