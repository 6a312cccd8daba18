"""Logs an operator can read, and that keep secrets.

Every line has one format, `<time> <LEVEL> <logger>: <message>`, the time in ISO 8601 with
its UTC offset. The tokens of emailed links (consent.mail.links) are redacted from every
message, traceback and access-log line (security.md: "tokens never reach the access log, the
application log, or a stored email body"), and the server errors mailed to ADMINS carry
neither a token nor anything a visitor sent.
The configuration is settings.LOGGING; gunicorn's own logs come through GunicornLogger.
"""

import logging
import re
import threading
import time
import traceback
from copy import copy
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.log import AdminEmailHandler as DjangoAdminEmailHandler
from gunicorn.glogging import Logger

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# A word of a log line: a path or a URL ends at whitespace, a quote or its query string.
_WORD = re.compile(r"[^\s\"'<>?#]+")


def redact(text: str) -> str:
    """`text` with the token of every emailed link replaced (consent.mail.links.redact_links),
    also in a path that lost its trailing slash (`GET /rights/verify/<token> HTTP/1.1`, which
    Django answers with a redirect to the slashed path) or has no leading one (Django's
    Resolver404 message: `'path': 'rights/verify/<token>'`)."""
    from django.apps import apps

    if not apps.ready:
        # Before the apps are loaded nothing has been served, so no message holds a link
        # (gunicorn's master process never loads them); and the links' paths, which come
        # from the URLconf, are not known yet.
        return text
    from consent.mail.links import redact_links

    def word(match: re.Match[str]) -> str:
        found = match.group(0)
        if "/" not in found:
            return found
        head = "" if found.startswith("/") else "/"
        tail = "" if found.endswith("/") else "/"
        redacted = redact_links(f"{head}{found}{tail}")
        return redacted[len(head) : len(redacted) - len(tail)]

    return _WORD.sub(word, redact_links(text))


WITHHELD = "(message withheld: the tokens of emailed links could not be redacted from it)"


class RedactTokensFilter(logging.Filter):
    """On every handler: the message (with its arguments), the traceback and the stack of a
    record lose the tokens of emailed links. `Not Found: /rights/verify/<token>/` and
    runserver's `"GET /rights/verify/<token>/ HTTP/1.1" 200` both become `.../[...]/`.

    The record's message is formatted here once, and its arguments dropped: an argument
    that is not a string (a request, an exception) may print a token too."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            try:
                message = record.getMessage()
            except Exception:  # noqa: BLE001 - arguments that do not fit the format
                message = f"{record.msg} {record.args!r}"
            record.msg, record.args = redact(message), None
            if record.exc_info and not record.exc_text:
                # What the formatter would write; it uses exc_text once set.
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = redact(record.exc_text)
            if record.stack_info:
                record.stack_info = redact(record.stack_info)
        except Exception:  # noqa: BLE001 - a log call must never fail, nor leak a token
            record.msg, record.args = WITHHELD, None
            record.exc_info = record.exc_text = record.stack_info = None
        return True


class Formatter(logging.Formatter):
    """FORMAT, with the time as `2025-01-31T14:05:09.123+02:00` (local time, offset given)."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        if datefmt:
            return super().formatTime(record, datefmt)
        moment = datetime.fromtimestamp(record.created).astimezone()
        return moment.isoformat(timespec="milliseconds")


def _traceback_without_messages(error: BaseException) -> str:
    """The traceback of `error` and of the exceptions it was raised from, each ending in the
    exception's type only: an exception's message may quote what a visitor typed."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    parts = []
    for exception in reversed(chain):
        kind = type(exception)
        name = kind.__qualname__
        if kind.__module__ not in ("builtins", "__main__"):
            name = f"{kind.__module__}.{name}"
        frames = "".join(traceback.format_tb(exception.__traceback__))
        parts.append(f"Traceback (most recent call last):\n{frames}{name}\n")
    return "\nand then:\n\n".join(parts)


class AdminEmailHandler(DjangoAdminEmailHandler):
    """Server errors mailed to settings.ADMINS (on django.request, level ERROR), made safe to
    leave the server: the email holds the log line (time, level, path), the request's method
    and path, and the traceback with the exception types, and nothing else. Django's own
    report would add the request's parameters, headers and cookies, the local variables of
    each frame and the exception's message, any of which may hold a customer's personal
    data or a link token; the server's log keeps the message. Tokens are redacted from the
    subject and the body.

    The email is sent by the failing request itself, so the mail server gets a short
    timeout (`timeout` seconds per step), and one kind of error (its status, exception type
    and the line that raised it) is mailed at most once every `repeat_seconds` by each
    server process: a broken page, or a database that is away, fills no mailbox and does
    not make every visitor wait for the mail server.
    """

    timeout = 5
    repeat_seconds = 10 * 60

    def __init__(
        self, include_html: bool = False, email_backend: str | None = None, **kwargs: Any
    ) -> None:
        # Never an HTML report: it is Django's whole technical page.
        super().__init__(include_html=False, email_backend=email_backend, **kwargs)
        self._sent_at: dict[tuple[Any, ...], float] = {}
        self._sent_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if not settings.ADMINS:
            return
        try:
            if not self._first_in_a_while(record):
                return
            subject = self.format_subject(redact(f"{record.levelname}: {record.getMessage()}"))
            self.send_mail(subject, redact(self._body(record)), fail_silently=True)
        except Exception:  # noqa: BLE001 - logging's way: report on stderr, go on
            self.handleError(record)

    def connection(self) -> Any:
        from django.core.mail import get_connection

        return get_connection(backend=self.email_backend, fail_silently=True, timeout=self.timeout)

    def _first_in_a_while(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        where = None
        if error is not None and error.__traceback__ is not None:
            last = traceback.extract_tb(error.__traceback__)[-1]
            where = (last.filename, last.lineno)
        kind = (record.name, getattr(record, "status_code", None), type(error), where)
        now = time.monotonic()
        with self._sent_lock:
            sent_at = self._sent_at.get(kind)
            if sent_at is not None and now - sent_at < self.repeat_seconds:
                return False
            self._sent_at[kind] = now
        return True

    def _body(self, record: logging.LogRecord) -> str:
        line = copy(record)
        line.exc_info = line.exc_text = line.stack_info = None
        lines = [self.format(line), ""]
        request = getattr(record, "request", None)
        if request is not None:
            lines.append(f"Request: {request.method} {request.path}")
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            lines += ["", _traceback_without_messages(error)]
        lines += [
            "",
            "Left out here, as they may hold personal data: the exception's message (it is in "
            "the server's log), the request's parameters, headers and cookies, and the local "
            "variables. The same error is mailed again after "
            f"{self.repeat_seconds // 60} minutes at the earliest.",
        ]
        return "\n".join(lines)


class GunicornLogger(Logger):
    """gunicorn's logs: the access log with tokens redacted from the request line and path,
    and the error log in the app's format (FORMAT), tokens redacted too (gunicorn writes
    `Error handling request /rights/verify/<token>/` there)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # The handlers gunicorn made just now for --error-logfile (made anew on a reload).
        for handler in self.error_log.handlers:
            if getattr(handler, "_gunicorn", False):
                handler.setFormatter(Formatter(FORMAT))
                handler.addFilter(RedactTokensFilter())

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        # Every atom: the path also appears as environ atoms ({raw_uri}e, {path_info}e...).
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
