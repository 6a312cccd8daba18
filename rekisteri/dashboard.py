"""The admin's front page: the studio at a glance, in a fixed number of queries.

Today's and this week's sessions, attendance per week, new customers per month by
origin, who may be emailed a newsletter and on what basis, and the duties (rights
requests due, breaches whose 72 hours run, emails that failed, the background jobs).
Every panel is one query (the newsletter figure is the count the background worker keeps,
rekisteri.jobs.newsletter_count), however many rows the register holds; each is shown
only to a user who may see what it counts.
Charts are drawn here as SVG geometry for the template: no script, the strict CSP stays.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Min, Q
from django.db.models.functions import TruncWeek
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from customers.models import Attendance, Customer
from customers.sessions import at, local_day, sessions_between, week_start

WEEKS = 12
MONTHS = 12
# Breaches listed on the front page at most (the breach log has them all).
BREACHES_SHOWN = 5

# Chart geometry, in SVG user units: drawn at 360 wide, a phone's width, so that its text
# is read at its own size there, and scaled up on wider screens.
WIDTH, HEIGHT = 360, 190
LEFT, RIGHT, TOP, BOTTOM = 6, 6, 18, 24


@dataclass
class Column:
    label: str
    title: str
    values: list[int]
    x: float = 0
    width: float = 0
    segments: list[dict[str, Any]] = field(default_factory=list)
    total_y: float = 0

    @property
    def total(self) -> int:
        return sum(self.values)

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass
class Chart:
    """A column chart (stacked when there are several series), with its figures."""

    id: str
    title: str
    summary: str
    columns: list[Column]
    series: list[str]
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM
    label_y: float = HEIGHT - 8

    @property
    def stacked(self) -> bool:
        return len(self.series) > 1

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The figures as table rows: one per column, with a value per series and a total."""
        return [{"label": c.title, "values": c.values, "total": c.total} for c in self.columns]


def column_chart(
    *, id: str, title: str, summary: str, columns: Sequence[Column], series: Sequence[str]
) -> Chart:
    """Lay out `columns` (each a value per series) as bars scaled to the largest total."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(columns), 1)
    largest = max((c.total for c in columns), default=0) or 1
    for i, column in enumerate(columns):
        column.width = round(slot * 0.7, 1)
        column.x = round(LEFT + i * slot + (slot - column.width) / 2, 1)
        bottom = float(HEIGHT - BOTTOM)
        for number, value in enumerate(column.values):
            if not value:
                continue
            height = value / largest * plot_height
            bottom -= height
            column.segments.append(
                {
                    "series": number,
                    "name": series[number] if number < len(series) else "",
                    "y": round(bottom, 1),
                    "height": round(height, 1),
                    "value": value,
                }
            )
        column.total_y = round(bottom - 4, 1)
    return Chart(id=id, title=title, summary=summary, columns=list(columns), series=list(series))


# The panels


def week_sessions(today: date) -> dict[str, Any]:
    """Today's sessions and the rest of this week's, with enrolled / capacity (one query)."""
    monday = week_start(today)
    found = list(sessions_between(monday, monday + timedelta(days=6)))
    return {
        "today": [s for s in found if local_day(s.starts_at) == today],
        "week": found,
        "monday": monday,
        "sunday": monday + timedelta(days=6),
    }


def attendance_chart(today: date) -> Chart:
    """People present per week, the last WEEKS weeks (this one included), one query."""
    first = week_start(today) - timedelta(weeks=WEEKS - 1)
    counts = {
        _local_date(row["week"]): row["n"]
        for row in Attendance.objects.filter(
            present=True,
            session__starts_at__gte=at(first, time.min),
            session__starts_at__lt=at(week_start(today) + timedelta(weeks=1), time.min),
        )
        .annotate(week=TruncWeek("session__starts_at"))
        .order_by()
        .values("week")
        .annotate(n=Count("pk"))
    }
    mondays = [first + timedelta(weeks=i) for i in range(WEEKS)]
    columns = [
        Column(
            label=str(monday.isocalendar()[1]),
            title=_("week %(week)d (%(day)s)")
            % {"week": monday.isocalendar()[1], "day": f"{monday:%d.%m.}"},
            values=[counts.get(monday, 0)],
        )
        for monday in mondays
    ]
    values = [c.total for c in columns]
    summary = _(
        "Attendance per week over the last %(weeks)d weeks: %(total)d in all, at most "
        "%(most)d in a week; %(now)d this week."
    ) % {"weeks": WEEKS, "total": sum(values), "most": max(values), "now": values[-1]}
    return column_chart(
        id="attendance-chart",
        title=_("Attendance per week"),
        summary=summary,
        columns=columns,
        series=[_("present")],
    )


def new_customers_chart(today: date) -> Chart:
    """New customers per month by origin, the last MONTHS months, one query."""
    months = []
    year, month = today.year, today.month
    for _i in range(MONTHS):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    origins = list(Customer.Origin)
    # Each month counted between its bounds, by origin: plain comparisons on the
    # created_at index. Truncating each row's time to its month instead is a Python
    # function per row on SQLite (160 ms for a year of 20,000 new customers).
    after = (months[-1] + timedelta(days=32)).replace(day=1)  # next month's first day
    bounds = [at(m, time.min) for m in months] + [at(after, time.min)]
    per_month = {
        f"m{i}": Count("pk", filter=Q(created_at__gte=bounds[i], created_at__lt=bounds[i + 1]))
        for i in range(MONTHS)
    }
    counts: dict[tuple[date, str], int] = {}
    for row in (
        Customer.objects.filter(created_at__gte=bounds[0], created_at__lt=bounds[-1])
        .order_by()
        .values("origin")
        .annotate(**per_month)
    ):
        for i, month_start in enumerate(months):
            if row[f"m{i}"]:
                counts[(month_start, row["origin"])] = row[f"m{i}"]
    # Only the origins seen in the period: six series where two are used is noise.
    used = {origin for (_month, origin) in counts}
    origins = [o for o in origins if o.value in used] or origins[:1]
    columns = [
        Column(
            label=str(m.month),
            title=date_format(m, "YEAR_MONTH_FORMAT"),
            values=[counts.get((m, o.value), 0) for o in origins],
        )
        for m in months
    ]
    totals = [c.total for c in columns]
    by_origin = {str(o.label): sum(c.values[i] for c in columns) for i, o in enumerate(origins)}
    commonest = max(by_origin, key=lambda k: by_origin[k]) if sum(totals) else ""
    summary = _(
        "New customers over the last %(months)d months: %(total)d in all, %(now)d this month."
    ) % {"months": MONTHS, "total": sum(totals), "now": totals[-1]}
    if commonest:
        summary += " " + _("Most came through: %(origin)s (%(count)d).") % {
            "origin": commonest,
            "count": by_origin[commonest],
        }
    return column_chart(
        id="customers-chart",
        title=_("New customers per month, by origin"),
        summary=summary,
        columns=columns,
        series=[str(o.label) for o in origins],
    )


def newsletter_audience() -> dict[str, Any]:
    """How many may be emailed a newsletter, and on what basis, as the background worker
    last counted it (rekisteri.jobs.newsletter_count, every 10 minutes): one query, where
    counting the audience itself takes a second at 100,000 customers. `counted_at` is
    None before the first count."""
    from consent.marketing.permissions import BASIS_LABELS
    from rekisteri.jobs import NEWSLETTER_COUNT
    from rekisteri.models import JobRun

    result = (
        JobRun.objects.filter(name=NEWSLETTER_COUNT).values_list("result", flat=True).first()
    ) or {}
    counted_at = result.get("counted_at")
    return {
        "count": result.get("count", 0),
        "bases": [(BASIS_LABELS.get(k, k), n) for k, n in result.get("bases", {}).items()],
        "counted_at": datetime.fromisoformat(counted_at) if counted_at else None,
    }


def breaches_due(now: datetime) -> dict[str, Any]:
    """Breaches awaiting notification of the Ombudsman (their 72 hours run, GDPR Art.
    33(1)), and among them the overdue ones, by the breach log's one rule
    (BreachQuerySet.awaiting_notification, .with_overdue): one query."""
    from consent.models import Breach

    found = list(
        Breach.objects.awaiting_notification()
        .with_overdue(now)
        .order_by("discovered_at", "pk")
        .only("pk", "discovered_at", "description")
    )
    items = []
    for breach in found:
        hours = (breach.notify_by - now).total_seconds() / 3600
        items.append({"breach": breach, "overdue": breach.is_overdue, "hours": abs(int(hours))})
    overdue = [item for item in items if item["overdue"]]
    return {
        "items": items[:BREACHES_SHOWN],
        "count": len(items),
        "overdue": overdue[:BREACHES_SHOWN],
        "overdue_count": len(overdue),
    }


def failing_emails() -> dict[str, Any]:
    """Emails that could not be sent yet (tried at least once), and those given up: one
    aggregate query."""
    from consent.models import OutboxEmail

    return OutboxEmail.objects.filter(sent_at__isnull=True, attempts__gt=0).aggregate(
        count=Count("pk"),
        since=Min("created_at"),
        gave_up=Count("pk", filter=Q(failed_at__isnull=False)),
    )


# The jobs' names as the owner reads them.
JOB_NAMES = {
    "retention": _lazy("Retention (daily)"),
    "prune": _lazy("Removing spent links and sessions (hourly)"),
    "backup": _lazy("Nightly backup"),
    "owner_digest": _lazy("Digest of deadlines (daily)"),
    "alerts": _lazy("Alerts: breaches, failed emails, missed jobs"),
    "intake_selftest": _lazy("Test of the studio's mailbox (daily)"),
    "newsletter_count": _lazy("Counting the newsletter's audience (every 10 minutes)"),
}
# The worker writes its heartbeat every minute; older than this, it is not running.
WORKER_SILENT = timedelta(minutes=5)
# A web request the worker has not answered in this long is shown as waiting.
UNANSWERED_AFTER = timedelta(minutes=5)


def job_runs() -> list[dict[str, Any]]:
    """The background jobs' last runs (one query): dicts of name, last_run (an aware
    datetime or None), ok (bool or None before the first run) and detail."""
    from rekisteri.models import JobRun
    from rekisteri.worker import HEARTBEAT

    return [
        {
            "name": JOB_NAMES.get(run.name, run.name),
            "last_run": run.finished_at,
            "ok": run.ok,
            "detail": run.detail,
            "late": run.next_run_at < timezone.now() - timedelta(hours=2),
        }
        for run in JobRun.objects.exclude(name=HEARTBEAT).order_by("name")
    ]


def operations(now: datetime) -> dict[str, Any]:
    """Whether the background worker runs, how many web requests wait for its answer, when
    the studio's mailbox test last went through, and whether every visitor seems to come
    from one address (a proxy the app does not trust): four small queries."""
    from consent.mail.notify import last_selftest_sent
    from consent.mail.ratelimit import single_client_warning
    from consent.models import RightsRequest
    from rekisteri.models import JobRun
    from rekisteri.worker import HEARTBEAT

    beat = JobRun.objects.filter(name=HEARTBEAT).values_list("finished_at", flat=True).first()
    return {
        "worker_seen": beat,
        "worker_silent": beat is None or now - beat > WORKER_SILENT,
        # The worker answers them within seconds; more than a moment's wait means it is not.
        "unanswered": RightsRequest.objects.filter(
            answered_at__isnull=True, received_at__lt=now - UNANSWERED_AFTER
        ).count(),
        "selftest": last_selftest_sent(),
        "proxy_warning": single_client_warning(),
    }


def studio_setup() -> dict[str, Any]:
    """What the owner must still fill in before the privacy notice is published (the
    controller's name and contact details, GDPR Art. 13(1)(a)), and the processors whose
    transfer safeguard must be chosen again (Chapter V): two small queries."""
    from consent.models import Recipient, StudioSettings

    studio = StudioSettings.load()
    return {
        "missing": [str(m) for m in studio.missing_for_notice()],
        "recipients_to_review": Recipient.objects.filter(needs_review=True).count(),
        "settings_url": reverse("admin:consent_studiosettings_change", args=[studio.pk]),
    }


def _local_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def dashboard(request: HttpRequest) -> dict[str, Any]:
    """The front page's panels that `request.user` may see."""
    user = request.user
    today = timezone.localdate()
    now = timezone.now()
    context: dict[str, Any] = {"today": today}
    if user.has_perm("consent.change_studiosettings"):
        context["setup"] = studio_setup()
    if user.has_perm("customers.view_coursesession"):
        context["sessions"] = week_sessions(today)
        context["can_take_attendance"] = user.has_perm("customers.view_attendance")
    if user.has_perm("customers.view_attendance"):
        context["attendance_chart"] = attendance_chart(today)
    if user.has_perm("customers.view_customer"):
        context["customers_chart"] = new_customers_chart(today)
    if user.has_perm("consent.view_newsletter"):
        context["newsletter"] = newsletter_audience()
    duties = False
    if user.has_perm("consent.view_breach"):
        context["breaches"] = breaches_due(now)
        duties = True
    if user.has_perm("consent.view_outboxemail"):
        context["emails"] = failing_emails()
        duties = True
    if user.has_perm("consent.view_rightsrequest"):
        duties = True
    context["duties"] = duties
    context["jobs"] = job_runs() if duties else []
    context["operations"] = operations(now) if duties else None
    return context
