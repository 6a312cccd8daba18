"""The tokens of emailed links never reach the logs."""

import logging
from types import SimpleNamespace

from gunicorn.config import Config

from rekisteri.logging import GunicornLogger, RedactTokensFilter, redact

TOKEN = "s3cr3t-T0ken_value"


def test_token_paths_are_redacted_and_others_left_alone():
    assert redact(f"GET /rights/verify/{TOKEN}/ HTTP/1.1") == "GET /rights/verify/[token]/ HTTP/1.1"
    assert TOKEN not in redact(f"/rights/report/{TOKEN}/")
    assert TOKEN not in redact(f"/rights/confirm-email/{TOKEN}/")
    assert TOKEN not in redact(f"/marketing/unsubscribe/{TOKEN}/")
    assert redact("/rights/my-data/") == "/rights/my-data/"


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
