"""Send the emails that are due in the outbox now (the worker does this continuously)."""

from typing import Any

from django.core.management.base import BaseCommand

from consent.mail.outbox import Outcome, send_due


class Command(BaseCommand):
    help = (
        "Send the emails in the outbox that are due now: new ones, and failed ones whose "
        "pause before the next try has passed. The background worker (`manage.py worker`) "
        "does this every few seconds; this command is for a one-off run. Messages another "
        "sender is delivering at the same moment are left to it."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = send_due()
        self.stdout.write(
            f"Outbox: {done[Outcome.SENT]} sent, "
            f"{done[Outcome.FAILED]} failed (tried again later), "
            f"{done[Outcome.GAVE_UP]} given up, "
            f"{done[Outcome.TAKEN]} taken by another sender, "
            f"{done[Outcome.DROPPED]} no longer allowed (not sent)."
        )
