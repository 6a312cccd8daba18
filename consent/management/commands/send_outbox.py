"""Send the emails that are due in the outbox now (the worker does this continuously)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from consent.acts.requests import answer_submitted
from consent.mail.outbox import Outcome, send_due


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _(
            "Send the emails in the outbox that are due now: new ones, and failed ones whose "
            "pause before the next try has passed. Requests from the web form that have not "
            "had their first email yet get it first. The background worker (`manage.py worker`) "
            "does this every few seconds; this command is for a one-off run. Messages another "
            "sender is delivering at the same moment are left to it."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The web form's requests waiting for their first email get it first.
        answered = answer_submitted(limit=None)
        if answered:
            self.stdout.write(_("Data requests answered: %(count)s.") % {"count": answered})
        done = send_due()
        self.stdout.write(
            _(
                "Outbox: %(sent)s sent, %(failed)s failed (tried again later), %(gave_up)s "
                "given up, %(taken)s taken by another sender, %(dropped)s no longer allowed "
                "(not sent)."
            )
            % {
                "sent": done[Outcome.SENT],
                "failed": done[Outcome.FAILED],
                "gave_up": done[Outcome.GAVE_UP],
                "taken": done[Outcome.TAKEN],
                "dropped": done[Outcome.DROPPED],
            }
        )
