"""The console email backend (`consolemail://`, the default of a local `make run`) without the
tokens of emailed links: what a terminal shows ends up in scrollback, screen shares and bug
reports, and the tokens are redacted from every log (rekisteri/logging.py).

To let a developer still follow a link while trying the app, with DEBUG on each message is
also written whole, working links included, to a file under DATA_DIR/mail/ (readable by its
owner only; the data directory is git-ignored), and the console names that file. With DEBUG
off nothing is written: the console shows the message with its tokens redacted, and that is
all.
"""

import copy
import os
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.console import EmailBackend
from django.core.mail.message import (
    EmailAlternative,
    EmailAttachment,
    EmailMessage,
    EmailMultiAlternatives,
)

from rekisteri.logging import redact


def _redacted(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


def redacted_copy(message: EmailMessage) -> EmailMessage:
    """A copy of `message` whose subject, headers, text, HTML and text attachments have lost
    the tokens of their links; `message` itself is left as it is."""
    clone = copy.copy(message)
    clone.subject = redact(str(message.subject))
    clone.body = _redacted(message.body)
    clone.extra_headers = {name: _redacted(value) for name, value in message.extra_headers.items()}
    if isinstance(message, EmailMultiAlternatives) and isinstance(clone, EmailMultiAlternatives):
        clone.alternatives = [
            EmailAlternative(_redacted(content), mimetype)
            for content, mimetype in message.alternatives
        ]
    clone.attachments = [
        attachment
        if not isinstance(attachment, tuple)
        else EmailAttachment(attachment[0], _redacted(attachment[1]), attachment[2])
        for attachment in message.attachments
    ]
    return clone


def keep_whole(message: EmailMessage) -> Path:
    """Write `message` as it would be sent to a new file under DATA_DIR/mail/ (mode 0600)."""
    folder = Path(settings.DATA_DIR) / "mail"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}.eml"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(message.message().as_bytes())
    return path


class ConsoleEmailBackend(EmailBackend):
    """Django's console backend, writing each message with the tokens of its links redacted
    (and, with DEBUG on, naming the file that holds it whole)."""

    def write_message(self, message: EmailMessage) -> None:
        shown = redacted_copy(message).message()
        charset = shown.get_charset()
        text = shown.as_bytes().decode(charset.get_output_charset() if charset else "utf-8")
        # Once more over the whole text: a header or part the copy did not reach.
        self.stream.write(f"{redact(text)}\n")
        if settings.DEBUG:
            path = keep_whole(message)
            self.stream.write(
                "[Link tokens are redacted above. The whole message, with working links, is in "
                f"{path} (written with DEBUG on only).]\n"
            )
        self.stream.write("-" * 79)
        self.stream.write("\n")
