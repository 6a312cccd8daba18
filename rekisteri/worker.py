"""The background worker: it answers the web form's data requests, sends the outbox and
runs the scheduled jobs (R32).

Why a small worker of our own and not a task queue: the work that comes from requests is
already in tables (the requests not yet answered, the outbox's email), and the rest is a
handful of jobs on a clock. All are taken with a conditional UPDATE that only one process
can win, which works the same on SQLite (the default, no server) and PostgreSQL, so two
workers (two containers on one database) never answer a request twice, send an email twice
nor run a job twice. Nothing more is stored than the requests and the outbox already hold
and one row per job (rekisteri.models.JobRun): no task arguments, so no personal data in a
queue.

A job that dies midway (the worker killed) keeps its lease until it runs out; then another
worker, or the same one restarted, runs it again. Every job is written so that running it
twice has the effect of running it once.
"""

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from types import FrameType
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone

from consent.acts import requests
from consent.mail import outbox
from rekisteri.models import JobRun

logger = logging.getLogger(__name__)

# The worker writes this "job" every minute it runs: the front page tells from it whether a
# worker is running at all.
HEARTBEAT = "worker"
HEARTBEAT_EVERY = timedelta(minutes=1)
# After a failed run, try again this soon (or at the next scheduled time, if sooner).
RETRY_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], str]  # does the work; returns a line for the record
    next_after: Callable[[datetime], datetime]  # when it is due next, after a run at `now`
    lease: timedelta
    enabled: Callable[[], bool] = lambda: True


def daily_at(hour: int, minute: int = 0) -> Callable[[datetime], datetime]:
    """The next local `hour:minute` after `now`."""

    def next_after(now: datetime) -> datetime:
        local = timezone.localtime(now)
        moment = timezone.make_aware(datetime.combine(local.date(), time(hour, minute)))
        return moment if moment > now else moment + timedelta(days=1)

    return next_after


def every(interval: timedelta) -> Callable[[datetime], datetime]:
    def next_after(now: datetime) -> datetime:
        return now + interval

    return next_after


def jobs() -> list[Job]:
    """The schedule (the times are local)."""
    from rekisteri import jobs as work

    return [
        Job("retention", work.retention, daily_at(3, 15), lease=timedelta(hours=2)),
        Job("prune", work.prune, every(timedelta(hours=1)), lease=timedelta(minutes=30)),
        Job(
            "backup",
            work.backup,
            daily_at(2, 30),
            lease=timedelta(hours=2),
            enabled=lambda: bool(settings.BACKUP_NIGHTLY),
        ),
        Job("owner_digest", work.owner_digest, daily_at(7, 0), lease=timedelta(minutes=30)),
        Job("alerts", work.alerts, every(timedelta(minutes=15)), lease=timedelta(minutes=30)),
        Job("intake_selftest", work.intake_selftest, daily_at(9, 0), lease=timedelta(hours=1)),
        Job(
            work.NEWSLETTER_COUNT,
            work.newsletter_count,
            every(timedelta(minutes=10)),
            lease=timedelta(minutes=30),
        ),
    ]


def _take(name: str, *, now: datetime, lease: timedelta) -> bool:
    """Take a due job; True for exactly one of several workers trying at once."""
    JobRun.objects.get_or_create(name=name, defaults={"next_run_at": now})
    return (
        JobRun.objects.filter(name=name, next_run_at__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + lease, started_at=now)
        == 1
    )


def run_job(job: Job, *, now: datetime | None = None) -> bool | None:
    """Run `job` if it is due and no other worker has it: True when it ran and succeeded,
    False when it failed, None when it was not run."""
    now = now or timezone.now()
    if not job.enabled() or not _take(job.name, now=now, lease=job.lease):
        return None
    try:
        detail = job.run()
    except Exception as error:  # noqa: BLE001 - a failed job is recorded, the worker goes on
        logger.exception("The job %s failed", job.name)
        finished = timezone.now()
        JobRun.objects.filter(name=job.name).update(
            lease_until=None,
            finished_at=finished,
            ok=False,
            detail=f"{error.__class__.__name__}: {error}"[:500],
            next_run_at=min(job.next_after(now), finished + RETRY_AFTER),
        )
        return False
    finished = timezone.now()
    run = JobRun.objects.get(name=job.name)
    JobRun.objects.filter(name=job.name).update(
        lease_until=None,
        finished_at=finished,
        last_ok_at=finished,
        ok=True,
        detail=(detail or "")[:500],
        runs=run.runs + 1,
        next_run_at=job.next_after(now),
    )
    logger.info("The job %s ran: %s", job.name, detail)
    return True


def run_due_jobs(*, now: datetime | None = None) -> dict[str, bool | None]:
    return {job.name: run_job(job, now=now) for job in jobs()}


def heartbeat(*, now: datetime | None = None) -> None:
    now = now or timezone.now()
    updated = JobRun.objects.filter(name=HEARTBEAT).update(finished_at=now, ok=True)
    if not updated:
        JobRun.objects.get_or_create(
            name=HEARTBEAT, defaults={"finished_at": now, "ok": True, "next_run_at": now}
        )


def one_round(*, batch: int = 50) -> int:
    """Answer the web requests that came in, send what is due in the outbox and run the
    jobs that are due; how much it handled (0: nothing was waiting)."""
    answered = requests.answer_submitted(limit=batch)
    sent = outbox.send_due(limit=batch)
    run_due_jobs()
    return answered + sum(sent.values())


class Worker:
    """The loop: a round, then a short sleep unless there was more to do. SIGTERM or
    SIGINT (Ctrl-C) ends it after the message or job at hand."""

    def __init__(self, *, poll_seconds: float) -> None:
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()

    def stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        logger.info("The worker stops.")
        self.stopping.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run(self, *, rounds: int | None = None) -> None:
        logger.info("The worker starts: outbox every %.1f s, jobs on schedule.", self.poll_seconds)
        warn_if_behind_an_unknown_proxy()
        last_beat: datetime | None = None
        done = 0
        while not self.stopping.is_set():
            close_old_connections()
            now = timezone.now()
            try:
                if last_beat is None or now - last_beat >= HEARTBEAT_EVERY:
                    heartbeat(now=now)
                    last_beat = now
                handled = one_round()
            except Exception:  # noqa: BLE001 - the database may be away a moment
                logger.exception("A worker round failed; trying again shortly.")
                handled = 0
            done += 1
            if rounds is not None and done >= rounds:
                break
            if not handled:
                self.stopping.wait(self.poll_seconds)


def warn_if_behind_an_unknown_proxy() -> None:
    """Logged at start-up (and shown on the admin's front page): every public request of
    the last day came from one address, so the app probably sits behind a proxy it does
    not trust, and the per-client rate limit is one limit for everybody."""
    from consent.mail.ratelimit import single_client_warning

    try:
        if single_client_warning():
            logger.warning(
                "Every request of the last day came from one address while TRUSTED_PROXY is "
                "off: behind a reverse proxy, set TRUSTED_PROXY=true (and the proxy's address "
                "in FORWARDED_ALLOW_IPS), or all visitors share one rate limit."
            )
    except DatabaseError:
        logger.warning("Could not check the clients' addresses.", exc_info=True)


def run_in_transaction(work: Callable[[], Any]) -> Any:
    """For jobs whose whole effect is in the database: all of it or none."""
    with transaction.atomic():
        return work()
