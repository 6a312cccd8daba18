"""Logs an operator can read: one format, and the tokens of emailed links never in them, nor
in the console email of a local run, nor in the server errors mailed to ADMINS."""

import io
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.servers.basehttp import WSGIRequestHandler
from django.test import Client, override_settings
from gunicorn.config import Config

from rekisteri.logging import (
    AdminEmailHandler,
    Formatter,
    GunicornLogger,
    RedactTokensFilter,
    redact,
)
from rekisteri.mail import ConsoleEmailBackend

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "s3cr3t-T0ken_value"
# `<time> <LEVEL> <logger>: <message>`, the time in ISO 8601 with milliseconds and offset.
LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d (\w+) ([\w.]+): (.*)$")


@contextmanager
def console() -> Iterator[io.StringIO]:
    """What the configured console handler (settings.LOGGING) writes, instead of stderr."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and isinstance(h.formatter, Formatter)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        if previous is not None:
            handler.setStream(previous)


# Redaction --------------------------------------------------------------------------------


def test_token_paths_are_redacted_and_others_left_alone():
    assert redact(f"GET /rights/verify/{TOKEN}/ HTTP/1.1") == "GET /rights/verify/[...]/ HTTP/1.1"
    for link in (
        f"/rights/report/{TOKEN}/",
        f"/rights/confirm-email/{TOKEN}/",
        f"/marketing/confirm/{TOKEN}/",
        f"/marketing/unsubscribe/{TOKEN}/",
        f"https://rekisteri.example.fi/marketing/unsubscribe/{TOKEN}/?utm=x",
    ):
        assert TOKEN not in redact(link), link
    # A link that lost its trailing slash still reaches the server (and is redirected).
    assert redact(f"GET /rights/verify/{TOKEN} HTTP/1.1") == "GET /rights/verify/[...] HTTP/1.1"
    assert redact(f'"/rights/verify/{TOKEN}?a=1"') == '"/rights/verify/[...]?a=1"'
    # Django's Resolver404 names the path without its leading slash.
    assert redact(f"{{'path': 'rights/verify/{TOKEN}'}}") == "{'path': 'rights/verify/[...]'}"
    assert redact(f"x rights/report/{TOKEN}/ y") == "x rights/report/[...]/ y"
    for harmless in ("/rights/my-data/", "/rights/", "GET /admin/ HTTP/1.1", "a/b c", ""):
        assert redact(harmless) == harmless
    # Redacting twice changes nothing more.
    once = redact(f"/rights/verify/{TOKEN} and /rights/verify/{TOKEN}/")
    assert redact(once) == once


def test_djangos_request_log_loses_the_token():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        (f"/rights/verify/{TOKEN}/",),
        None,
    )
    RedactTokensFilter().filter(record)
    assert TOKEN not in record.getMessage()


def test_a_logged_link_is_redacted_in_the_formatted_line():
    with console() as output:
        logging.getLogger("consent.test").warning(
            "Sent %s to %s", f"https://rekisteri.example.fi/rights/verify/{TOKEN}/", "someone"
        )
    line = output.getvalue().strip()
    assert TOKEN not in line
    match = LINE.match(line)
    assert match, line
    assert match.groups() == (
        "WARNING",
        "consent.test",
        "Sent https://rekisteri.example.fi/rights/verify/[...]/ to someone",
    )


def test_a_traceback_loses_the_token_too():
    with console() as output:
        try:
            raise ValueError(f"no such link /rights/report/{TOKEN}/")
        except ValueError:
            logging.getLogger("consent.test").exception("Failed at %s", f"/rights/report/{TOKEN}/")
    text = output.getvalue()
    assert "Traceback (most recent call last)" in text
    assert "ValueError: no such link /rights/report/[...]/" in text
    assert TOKEN not in text


def test_runservers_request_log_loses_the_token():
    # runserver's handler logs each request to django.server, which Django's defaults print
    # with a handler of its own; here it goes through the redacting one.
    assert logging.getLogger("django.server").handlers == []
    assert logging.getLogger("django").handlers == []
    server = SimpleNamespace(request=None, log_date_time_string=lambda: "now")
    with console() as output:
        WSGIRequestHandler.log_message(
            server, '"%s" %s %s', f"GET /rights/verify/{TOKEN}/ HTTP/1.1", "200", "1234"
        )
        WSGIRequestHandler.log_message(
            server, '"%s" %s %s', f"GET /rights/verify/{TOKEN} HTTP/1.1", "301", "0"
        )
    lines = output.getvalue().splitlines()
    assert TOKEN not in output.getvalue()
    assert [LINE.match(line).groups() for line in lines] == [  # type: ignore[union-attr]
        ("INFO", "django.server", '"GET /rights/verify/[...]/ HTTP/1.1" 200 1234'),
        ("INFO", "django.server", '"GET /rights/verify/[...] HTTP/1.1" 301 0'),
    ]


# gunicorn ---------------------------------------------------------------------------------


def test_gunicorns_access_log_loses_the_token():
    logger = GunicornLogger(Config())
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"/rights/verify/{TOKEN}/",
        "PATH_INFO": f"/rights/verify/{TOKEN}/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    req = SimpleNamespace(
        headers=[],
        method="POST",
        path=f"/rights/verify/{TOKEN}/",
        query="",
        version=(1, 1),
        uri=f"/rights/verify/{TOKEN}/",
    )
    resp = SimpleNamespace(status="302 Found", response_length=0, sent=0, headers=[])
    atoms = logger.atoms(resp, req, environ, SimpleNamespace(seconds=0, microseconds=1000))
    assert all(TOKEN not in str(value) for value in atoms.values())


def test_gunicorns_error_log_has_the_apps_format_and_no_token():
    logger = GunicornLogger(Config())
    handlers = [h for h in logger.error_log.handlers if getattr(h, "_gunicorn", False)]
    assert len(handlers) == 1
    record = logger.error_log.makeRecord(
        "gunicorn.error",
        logging.ERROR,
        __file__,
        1,
        "Error handling request %s",
        (f"/rights/verify/{TOKEN}/",),
        None,
    )
    assert handlers[0].filter(record)
    line = handlers[0].format(record)
    assert LINE.match(line).groups() == (  # type: ignore[union-attr]
        "ERROR",
        "gunicorn.error",
        "Error handling request /rights/verify/[...]/",
    )
    # A configuration reload makes the handler anew, formatted the same way.
    logger.setup(Config())
    handlers = [h for h in logger.error_log.handlers if getattr(h, "_gunicorn", False)]
    assert len(handlers) == 1 and isinstance(handlers[0].formatter, Formatter)


# The console email of a local run ---------------------------------------------------------


def _email_with_links() -> EmailMultiAlternatives:
    link = f"http://127.0.0.1:8000/rights/verify/{TOKEN}/"
    unsubscribe = f"http://127.0.0.1:8000/marketing/unsubscribe/{TOKEN}/"
    message = EmailMultiAlternatives(
        subject="Vahvista pyyntösi",
        body=f"Hei,\n\nvahvista pyyntö: {link}\n",
        from_email="rekisteri@localhost",
        to=["asiakas@example.fi"],
        headers={"List-Unsubscribe": f"<{unsubscribe}>"},
    )
    # A long line: the HTML part is sent quoted-printable, which would break a pattern that
    # ran over the encoded text only.
    html = f'<p>{"x" * 1200}</p><p><a href="{link}">Vahvista</a></p>'
    message.attach_alternative(html, "text/html")
    return message


@override_settings(DEBUG=True)
def test_the_debug_console_email_shows_no_token_and_names_the_whole_message(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    stream = io.StringIO()
    message = _email_with_links()
    assert ConsoleEmailBackend(stream=stream).send_messages([message]) == 1
    shown = stream.getvalue()
    assert TOKEN not in shown
    assert "/rights/verify/[...]/" in shown
    assert "List-Unsubscribe: <http://127.0.0.1:8000/marketing/unsubscribe/[...]/>" in shown
    # The message itself is left as it was.
    assert TOKEN in message.body
    files = list((tmp_path / "mail").iterdir())
    assert len(files) == 1
    assert str(files[0]) in shown
    assert oct(files[0].stat().st_mode & 0o777) == "0o600"
    assert oct((tmp_path / "mail").stat().st_mode & 0o777) == "0o700"
    # The text part, as a developer reads it to follow the link.
    assert f"vahvista pyyntö: http://127.0.0.1:8000/rights/verify/{TOKEN}/" in files[0].read_text()


@override_settings(DEBUG=False)
def test_without_debug_the_console_email_keeps_nothing(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    stream = io.StringIO()
    ConsoleEmailBackend(stream=stream).send_messages([_email_with_links()])
    assert TOKEN not in stream.getvalue()
    assert "/rights/verify/[...]/" in stream.getvalue()
    assert not (tmp_path / "mail").exists()


def _manage(tmp_path: Path, code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "SUPPRESSION_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    # Said out loud: a developer's .env (which `make run` writes) must not decide.
    clean.update({"DATA_DIR": str(tmp_path / "data"), "DEBUG": "true", **env})
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_make_runs_console_email_is_the_redacting_one(tmp_path):
    result = _manage(
        tmp_path,
        "from django.core.mail import send_mail; "
        f"send_mail('Hei', 'Linkki: http://127.0.0.1:8000/rights/verify/{TOKEN}/', "
        "'rekisteri@localhost', ['asiakas@example.fi'])",
        EMAIL_URL="consolemail://",
    )
    assert result.returncode == 0, result.stderr
    assert TOKEN not in result.stdout + result.stderr
    assert "Linkki: http://127.0.0.1:8000/rights/verify/[...]/" in result.stdout
    (kept,) = (tmp_path / "data" / "mail").iterdir()
    assert str(kept) in result.stdout
    assert f"/rights/verify/{TOKEN}/" in kept.read_text()


def test_admins_come_from_a_comma_separated_list(tmp_path):
    code = "from django.conf import settings; print(settings.ADMINS)"
    result = _manage(tmp_path, code, ADMINS=" ops@studio.fi, owner@studio.fi ,")
    assert result.returncode == 0, result.stderr
    assert "[('ops@studio.fi', 'ops@studio.fi'), ('owner@studio.fi', 'owner@studio.fi')]" in (
        result.stdout
    )
    result = _manage(tmp_path, code, ADMINS="Ops Team <ops@studio.fi>;owner")
    assert result.returncode != 0
    assert "ADMINS takes email addresses only" in result.stderr
    result = _manage(tmp_path, code, ADMINS="")
    assert "[]" in result.stdout


# Server errors mailed to ADMINS -----------------------------------------------------------


@pytest.fixture
def admins(settings) -> Iterator[None]:
    settings.ADMINS = [("ops@studio.fi", "ops@studio.fi")]
    (handler,) = (
        h for h in logging.getLogger("django.request").handlers if isinstance(h, AdminEmailHandler)
    )
    handler._sent_at.clear()
    yield
    handler._sent_at.clear()


@pytest.mark.django_db
@pytest.mark.urls("tests.urls_error")
def test_a_server_error_is_mailed_to_admins_without_token_or_posted_data(admins):
    client = Client(raise_request_exception=False)
    with console() as output:
        response = client.post(
            f"/rights/verify/{TOKEN}/",
            {"email": "maija.meikalainen@example.fi", "message": "Allergia: pähkinät"},
        )
    assert response.status_code == 500
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["ops@studio.fi"]
    assert email.subject == "[rekisteri] ERROR: Internal Server Error: /rights/verify/[...]/"
    assert not getattr(email, "alternatives", [])  # no HTML report
    body = email.body
    for secret in (TOKEN, "maija.meikalainen", "Allergia", "pähkinät"):
        assert secret not in body, secret
    assert "Request: POST /rights/verify/[...]/" in body
    assert "Traceback (most recent call last)" in body
    assert "tests/urls_error.py" in body
    first = LINE.match(body.splitlines()[0])
    assert first and first.groups() == (
        "ERROR",
        "django.request",
        "Internal Server Error: /rights/verify/[...]/",
    )
    assert re.search(r"^ValueError$", body, re.MULTILINE)
    # The server's own log keeps the message (it stays on the server), without the token.
    log = output.getvalue()
    assert TOKEN not in log
    assert "ValueError: Could not handle maija.meikalainen@example.fi at /rights/verify/[...]/" in (
        log
    )


@pytest.mark.django_db
@pytest.mark.urls("tests.urls_error")
def test_the_same_error_is_mailed_once_in_a_while(admins):
    client = Client(raise_request_exception=False)
    for _ in range(3):
        # The database "away": the polite 503, logged by django.request as an error.
        assert client.get(f"/rights/report/{TOKEN}/").status_code == 503
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "[rekisteri] ERROR: Service Unavailable: /rights/report/[...]/"
    assert client.post(f"/rights/verify/{TOKEN}/").status_code == 500
    assert len(mail.outbox) == 2


@pytest.mark.django_db
@pytest.mark.urls("tests.urls_error")
def test_no_admins_no_email(settings):
    settings.ADMINS = []
    assert Client(raise_request_exception=False).post(f"/rights/verify/{TOKEN}/").status_code == 500
    assert mail.outbox == []


def test_the_admin_email_uses_a_short_timeout():
    handler = AdminEmailHandler()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend"):
        assert handler.connection().timeout == AdminEmailHandler.timeout <= 5


def test_the_calendar_feeds_secret_address_is_redacted_too():
    from consent.mail.links import redact_links

    line = "GET /calendar/Zk3pQ9secretTOKEN42.ics HTTP/1.1"
    assert "Zk3pQ9secretTOKEN42" not in redact_links(line)
