"""Send the emails still waiting in the outbox (after a failed send)."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from consent.mail.outbox import send_pending


class Command(BaseCommand):
    help = (
        "Retry every unsent email in the outbox. With --loop SECONDS keeps retrying at that "
        "interval (for a container's side job); a message is given up after 20 attempts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=int, default=0, metavar="SECONDS")

    def handle(self, *args: Any, loop: int, **options: Any) -> None:
        while True:
            sent, failed = send_pending()
            self.stdout.write(f"Outbox: {sent} sent, {failed} still failing.")
            if not loop:
                return
            time.sleep(loop)
