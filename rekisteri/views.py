"""Views of the project as a whole: the front page, the health check, the CSRF failure page."""

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers a query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        # No manual close: Django marks the connection as failed, and at the end of the
        # request closes it if it is unusable, so the next check reconnects.
        logger.warning("Health check: the database does not answer", exc_info=True)
        return JsonResponse({"status": "unavailable", "database": False}, status=503)
    return JsonResponse({"status": "ok", "database": True})


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A failed CSRF check (CSRF_FAILURE_VIEW): say what to do, in the visitor's language.

    The reason is Django's technical one ("CSRF cookie not set."); it goes to the log
    (django.security.csrf), not to the page.
    """
    return render(request, "403_csrf.html", status=403)
