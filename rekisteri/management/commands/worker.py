"""Run the background worker: send the outbox, run the scheduled jobs."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rekisteri.worker import Worker, jobs, one_round


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _(
            "Answer the web form's data requests and send queued email within seconds "
            "(retrying failures with growing pauses), and run the scheduled jobs: retention "
            "daily, pruning hourly, the owner's digest and alerts, the test of the studio's "
            "mailbox, the newsletter's count for the front page every 10 minutes, and the "
            "nightly backup when BACKUP_NIGHTLY is on. Several workers may run at once: no "
            "request is answered twice, no email sent twice, no job run twice. Ctrl-C or "
            "SIGTERM stops it after the message at hand."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help=_("One round (send what is due, run the jobs that are due) and stop."),
        )
        parser.add_argument(
            "--poll",
            type=float,
            default=None,
            help=_("Seconds between looks at the outbox when idle (WORKER_POLL_SECONDS)."),
        )

    def handle(self, *args: Any, once: bool, poll: float | None, **options: Any) -> None:
        if once:
            handled = one_round()
            self.stdout.write(
                ngettext(
                    "One round: %(count)s email handled; jobs checked.",
                    "One round: %(count)s emails handled; jobs checked.",
                    handled,
                )
                % {"count": handled}
            )
            return
        names = ", ".join(job.name for job in jobs() if job.enabled())
        self.stdout.write(
            _("The worker runs (jobs: %(names)s). Ctrl-C stops it.") % {"names": names}
        )
        worker = Worker(poll_seconds=poll or settings.WORKER_POLL_SECONDS)
        worker.install_signal_handlers()
        worker.run()
