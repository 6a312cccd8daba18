"""A polite 503 when the database is away (restarting, unreachable), instead of a 500.

Nothing is lost: a request that could not be stored was not accepted, and the page says
so and asks to try again in a moment. The next request reconnects (CONN_HEALTH_CHECKS).
"""

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("The database is unavailable: %s", exception)
        try:
            body: str = render_to_string("503.html", request=None)
        except Exception:  # noqa: BLE001 - the page must come out even if templates fail
            body = "<h1>503 Service Unavailable</h1>"
        response = HttpResponse(body, status=503)
        response["Retry-After"] = "30"
        return response
