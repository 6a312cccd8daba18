"""Sessions and attendance in the admin: the list at the door, the week's calendar, a
customer's attendance, and the session tools of the course and customer pages.

Staff take attendance (the Staff role has view, add and change of attendance) and open the
calendar; the owner also creates sessions and replaces the calendar feed's address.
"""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from consent.records.audit import Action, AuditedAdmin, Detail, record
from customers import attendance, calendar, sessions
from customers.models import Course, CourseSession, Customer, Enrollment
from rekisteri import preferences  # noqa: F401 (reads each user's language at login)

WEEKDAYS = [
    (0, gettext_lazy("Monday")),
    (1, gettext_lazy("Tuesday")),
    (2, gettext_lazy("Wednesday")),
    (3, gettext_lazy("Thursday")),
    (4, gettext_lazy("Friday")),
    (5, gettext_lazy("Saturday")),
    (6, gettext_lazy("Sunday")),
]
SESSIONS = CourseSession._meta.verbose_name_plural
# The course page lists at most this many sessions; the session list has them all.
OVERVIEW_SESSIONS = 60


def _require(request: HttpRequest, *perms: str) -> None:
    if not request.user.has_perms(perms):
        raise PermissionDenied


def _context(request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
    return {
        **admin.site.each_context(request),
        "title": title,
        "opts": CourseSession._meta,
        **extra,
    }


# The session list and form


class CourseSessionForm(forms.ModelForm):
    class Meta:
        model = CourseSession
        fields = ("course", "starts_at", "ends_at")


@admin.register(CourseSession)
class CourseSessionAdmin(AuditedAdmin, admin.ModelAdmin):
    form = CourseSessionForm
    list_display = (
        "starts_at",
        "course",
        "place",
        "enrolled_of_capacity",
        "present_count",
        "attendance_link",
    )
    list_filter = (("course", admin.RelatedOnlyFieldListFilter), "starts_at")
    list_select_related = ("course",)
    search_fields = ("course__name", "course__place")
    date_hierarchy = "starts_at"
    autocomplete_fields = ("course",)
    fields = ("course", "starts_at", "ends_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return sessions.with_counts(super().get_queryset(request))

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial: dict[str, Any] = dict(super().get_changeform_initial_data(request))
        # "Add a session" on a course page: the course's usual time on a day of it.
        wanted = str(initial.get("course", ""))
        course = Course.objects.filter(pk=wanted).first() if wanted.isdigit() else None
        if course is not None:
            start = timezone.localtime(course.starts_at)
            end = timezone.localtime(course.ends_at)
            initial.setdefault("starts_at", start)
            initial.setdefault("ends_at", start.replace(hour=end.hour, minute=end.minute))
        return initial

    @admin.display(description=gettext_lazy("place"), ordering="course__place")
    def place(self, session: CourseSession) -> str:
        return session.course.place

    @admin.display(description=gettext_lazy("enrolled / capacity"))
    def enrolled_of_capacity(self, session: CourseSession) -> str:
        return f"{session.enrolled} / {session.course.capacity}"  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("present"))
    def present_count(self, session: CourseSession) -> str:
        if not session.recorded:  # type: ignore[attr-defined]
            return "–"
        return str(session.present)  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("attendance"))
    def attendance_link(self, session: CourseSession) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:customers_coursesession_attendance", args=[session.pk]),
            _("Take attendance"),
        )

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("calendar/", view(calendar_view), name="customers_coursesession_calendar"),
            path(
                "calendar/feed/",
                view(regenerate_feed_view),
                name="customers_coursesession_feed",
            ),
            path(
                "<int:pk>/attendance/",
                view(attendance_view),
                name="customers_coursesession_attendance",
            ),
            path(
                "participant/<int:customer_pk>/",
                view(participant_view),
                name="customers_coursesession_participant",
            ),
            *super().get_urls(),
        ]


# The list at the door


def _ids(values: list[str]) -> set[int] | None:
    try:
        return {int(v) for v in values}
    except ValueError:
        return None


def attendance_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One session's participants with a checkbox each, saved in one go."""
    _require(request, "customers.view_attendance")
    session = get_object_or_404(CourseSession.objects.select_related("course"), pk=pk)
    error = ""
    checked: set[int] | None = None
    status = 200
    if request.method == "POST":
        _require(request, "customers.add_attendance", "customers.change_attendance")
        listed = _ids(request.POST.getlist("listed"))
        present = _ids(request.POST.getlist("present"))
        if listed is None or present is None:
            error, status = _("The list could not be read. Reload the page and try again."), 400
        else:
            try:
                saved = attendance.record_attendance(
                    session=session, listed=listed, present=present, actor=request.user
                )
            except ValidationError as e:
                error, status, checked = " ".join(e.messages), 400, present
            else:
                record(
                    Action.CHANGE,
                    user=request.user,
                    obj=session,
                    detail=Detail("attendance_saved", present=saved.present, absent=saved.absent),
                )
                messages.success(
                    request,
                    _("Attendance saved: %(present)d present, %(absent)d absent.")
                    % {"present": saved.present, "absent": saved.absent},
                )
                return HttpResponseRedirect(request.path)
    sheet = attendance.sheet(session)
    lines = [
        {
            "pk": line.enrollment.pk,
            "name": line.name,
            "recorded": line.present,
            "checked": (line.enrollment.pk in checked) if checked is not None else line.present,
        }
        for line in sheet.lines
    ]
    course_sessions = session.course.sessions
    context = _context(
        request,
        session.course.name,
        session=session,
        lines=lines,
        enrolled=len(lines),
        taken=sheet.taken,
        present_count=sheet.present_count,
        can_record=attendance.may_record(session),
        can_save=request.user.has_perms(
            ("customers.add_attendance", "customers.change_attendance")
        ),
        error=error,
        previous=course_sessions.filter(starts_at__lt=session.starts_at)
        .order_by("-starts_at")
        .only("pk", "starts_at")
        .first(),
        next=course_sessions.filter(starts_at__gt=session.starts_at)
        .order_by("starts_at")
        .only("pk", "starts_at")
        .first(),
    )
    return TemplateResponse(
        request, "admin/customers/coursesession/attendance.html", context, status=status
    )


# The week's calendar and its feed


def _week_of(value: str) -> date | None:
    """The Monday of an ISO week written as 2025-W20; None when it is not one."""
    try:
        year, _w, week = value.partition("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        return None


def _week_param(monday: date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


def calendar_view(request: HttpRequest) -> HttpResponse:
    """The sessions of one week, day by day, with the address of the calendar feed."""
    _require(request, "customers.view_coursesession")
    today = timezone.localdate()
    wanted = request.GET.get("week", "")
    monday = _week_of(wanted) if wanted else sessions.week_start(today)
    if monday is None:
        messages.warning(
            request,
            _("%(week)s is not a week (write it as 2025-W20); this week is shown.")
            % {"week": wanted[:20]},
        )
        monday = sessions.week_start(today)
    sunday = monday + timedelta(days=6)
    found = list(sessions.sessions_between(monday, sunday))
    days = [
        {
            "date": day,
            "is_today": day == today,
            "sessions": [s for s in found if sessions.local_day(s.starts_at) == day],
        }
        for day in (monday + timedelta(days=i) for i in range(7))
    ]
    feed = calendar.current_feed() if request.user.has_perm("customers.view_calendarfeed") else None
    year, week, _day = monday.isocalendar()
    context = _context(
        request,
        _("Week %(week)d, %(first)s–%(last)s")
        % {"week": week, "first": f"{monday:%d.%m.}", "last": f"{sunday:%d.%m.%Y}"},
        days=days,
        session_count=len(found),
        previous_week=_week_param(monday - timedelta(days=7)),
        next_week=_week_param(monday + timedelta(days=7)),
        this_week=monday == sessions.week_start(today),
        week_param=_week_param(monday),
        can_see_feed=request.user.has_perm("customers.view_calendarfeed"),
        can_change_feed=request.user.has_perm("customers.change_calendarfeed"),
        feed=feed,
        feed_url=calendar.feed_url(feed) if feed else "",
    )
    return TemplateResponse(request, "admin/customers/coursesession/calendar.html", context)


def regenerate_feed_view(request: HttpRequest) -> HttpResponse:
    """Make a new secret address for the calendar feed (the old one stops working)."""
    _require(request, "customers.change_calendarfeed")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    feed = calendar.regenerate_feed(actor=request.user)
    record(Action.CHANGE, user=request.user, obj=feed, detail=Detail("calendar_feed_replaced"))
    messages.success(
        request,
        _(
            "The calendar has a new address. The old address no longer works: give the new "
            "one to everyone who should see the sessions."
        ),
    )
    url = reverse("admin:customers_coursesession_calendar")
    week = _week_of(request.POST.get("week", ""))
    return HttpResponseRedirect(f"{url}?{urlencode({'week': _week_param(week)})}" if week else url)


# A customer's attendance


def participant_view(request: HttpRequest, customer_pk: int) -> HttpResponse:
    """Every course of one customer with their attendance at each session held so far."""
    _require(request, "customers.view_customer", "customers.view_attendance")
    customer = get_object_or_404(Customer, pk=customer_pk)
    courses = attendance.customer_attendance(customer)
    record(Action.VIEW, user=request.user, obj=customer, detail=Detail("attendance_viewed"))
    context = _context(
        request,
        _("Attendance of %(name)s") % {"name": customer.full_name},
        customer=customer,
        courses=courses,
        customer_opts=Customer._meta,
    )
    return TemplateResponse(request, "admin/customers/coursesession/participant.html", context)


# The course page: its sessions, a weekly rule, and enrolling a customer


def sessions_overview(course: Course) -> str:
    """The course's sessions as links to their attendance lists, for the course page."""
    if course.pk is None:
        return _("Save the course first; then add its sessions.")
    found = list(
        sessions.with_counts(course.sessions.order_by("starts_at", "pk"))[: OVERVIEW_SESSIONS + 1]
    )
    if not found:
        return _("No sessions yet: generate them from a weekly rule or add them one by one.")
    items = format_html_join(
        "",
        '<li><a href="{}">{}</a> <span class="session-counts">{}</span></li>',
        (
            (
                reverse("admin:customers_coursesession_attendance", args=[s.pk]),
                f"{timezone.localtime(s.starts_at):%d.%m.%Y %H:%M}",
                _("%(present)d present") % {"present": s.present}  # type: ignore[attr-defined]
                if s.recorded  # type: ignore[attr-defined]
                else _("attendance not taken"),
            )
            for s in found[:OVERVIEW_SESSIONS]
        ),
    )
    more = ""
    if len(found) > OVERVIEW_SESSIONS:
        more = format_html(
            '<p><a href="{}?{}">{}</a></p>',
            reverse("admin:customers_coursesession_changelist"),
            urlencode({"course__id__exact": course.pk}),
            _("All sessions of the course"),
        )
    return format_html('<ul class="course-sessions">{}</ul>{}', items, more)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


class WeeklyRuleForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Weekdays"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    starts = forms.TimeField(label=gettext_lazy("Starts at"), widget=TimeInput())
    ends = forms.TimeField(label=gettext_lazy("Ends at"), widget=TimeInput())
    first = forms.DateField(label=gettext_lazy("First day"), widget=DateInput())
    last = forms.DateField(label=gettext_lazy("Last day"), widget=DateInput())

    @classmethod
    def initial_for(cls, course: Course) -> dict[str, Any]:
        start = timezone.localtime(course.starts_at)
        end = timezone.localtime(course.ends_at)
        return {
            "weekdays": [start.weekday()],
            "starts": start.time().replace(second=0, microsecond=0),
            "ends": end.time().replace(second=0, microsecond=0),
            "first": start.date(),
            "last": end.date(),
        }


def generate_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a course's sessions from a weekly rule (owner: needs to add sessions)."""
    _require(request, "customers.add_coursesession")
    course = get_object_or_404(Course, pk=pk)
    form = WeeklyRuleForm(
        request.POST if request.method == "POST" else None,
        initial=WeeklyRuleForm.initial_for(course),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = sessions.generate_weekly_sessions(
                course=course,
                weekdays=data["weekdays"],
                starts=data["starts"],
                ends=data["ends"],
                first=data["first"],
                last=data["last"],
            )
        except ValidationError as e:
            for message in e.messages:
                form.add_error(None, message)
        else:
            record(
                Action.ADD,
                user=request.user,
                obj=course,
                detail=Detail("sessions_generated", count=made.created),
            )
            text = ngettext(
                "%(count)d session was created.", "%(count)d sessions were created.", made.created
            ) % {"count": made.created}
            if made.existing:
                text += " " + ngettext(
                    "%(count)d already existed.", "%(count)d already existed.", made.existing
                ) % {"count": made.existing}
            messages.success(request, text)
            return HttpResponseRedirect(reverse("admin:customers_course_change", args=[course.pk]))
    context = {
        **admin.site.each_context(request),
        "title": _("Sessions of %(course)s from a weekly rule") % {"course": course.name},
        "opts": Course._meta,
        "course": course,
        "form": form,
    }
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(
        request, "admin/customers/coursesession/generate.html", context, status=status
    )


class CourseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _("%(course)s – %(taken)d / %(capacity)d places taken") % {
            "course": str(obj),
            "taken": obj.taken,
            "capacity": obj.capacity,
        }


class EnrolForm(forms.Form):
    course = CourseChoiceField(
        label=gettext_lazy("Course"),
        queryset=Course.objects.none(),
        empty_label=gettext_lazy("Choose a course"),
        widget=forms.Select(attrs={"aria-describedby": "course-help"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["course"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Course.objects.filter(ends_at__gte=timezone.now())
            .annotate(
                taken=Count(
                    "enrollments", filter=~Q(enrollments__status=Enrollment.Status.CANCELLED)
                )
            )
            .order_by("starts_at", "name")
        )


def enrol_view(request: HttpRequest, customer_pk: int) -> HttpResponse:
    """Enrol one customer in a course that has not ended, from the customer's page."""
    _require(request, "customers.view_customer", "customers.add_enrollment")
    customer = get_object_or_404(Customer, pk=customer_pk)
    form = EnrolForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        enrollment = Enrollment(customer=customer, course=form.cleaned_data["course"])
        try:
            enrollment.full_clean()
        except ValidationError as e:
            for message in e.messages:
                form.add_error(None, message)
        else:
            enrollment.save()
            customer_admin = admin.site._registry[Customer]
            customer_admin.log_change(
                request,
                customer,
                [
                    {
                        "added": {
                            "name": str(Enrollment._meta.verbose_name),
                            "object": str(enrollment),
                        }
                    }
                ],
            )
            messages.success(
                request,
                _("%(name)s was enrolled in %(course)s.")
                % {"name": customer.full_name, "course": enrollment.course},
            )
            return HttpResponseRedirect(
                reverse("admin:customers_customer_change", args=[customer.pk])
            )
    context = {
        **admin.site.each_context(request),
        "title": _("Enrol %(name)s in a course") % {"name": customer.full_name},
        "opts": Customer._meta,
        "original": customer,
        "form": form,
    }
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(
        request, "admin/customers/coursesession/enrol.html", context, status=status
    )


def course_urls(model_admin: admin.ModelAdmin) -> list[URLPattern]:
    """The session tools under the course admin, for CourseAdmin.get_urls."""
    view = model_admin.admin_site.admin_view
    return [
        path(
            "<int:pk>/sessions/generate/",
            view(generate_view),
            name="customers_course_sessions_generate",
        ),
        path(
            "enrol/<int:customer_pk>/",
            view(enrol_view),
            name="customers_course_enrol",
        ),
    ]
