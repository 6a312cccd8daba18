"""Keeping secrets out of the logs: the tokens of emailed links are redacted from every
logged path (security.md: "tokens never reach the access log")."""

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

# Paths whose last segment is a secret token.
_TOKEN_PATH = re.compile(
    r"(/(?:rights/verify|rights/report|rights/confirm-email|marketing/unsubscribe|"
    r"marketing/confirm)/)[^/\s?\"']+"
)


def redact(text: str) -> str:
    return _TOKEN_PATH.sub(r"\1[token]", text)


class RedactTokensFilter(logging.Filter):
    """For Django's loggers: `Not Found: /rights/verify/<token>/` loses the token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


class GunicornLogger(Logger):
    """gunicorn's access log, with tokens redacted from the request line and path."""

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        # Every atom: the path also appears as environ atoms ({raw_uri}e, {path_info}e...).
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
