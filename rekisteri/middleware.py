"""Middleware of the project as a whole."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY as AUTH_USER_KEY
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from rekisteri.views import healthz

# Where SessionLifetimeMiddleware keeps the session's start (seconds since the epoch).
SESSION_STARTED_KEY = "_session_started_at"


class HealthCheckMiddleware:
    """Answer /healthz before host validation and the HTTPS redirect.

    The container's health check calls http://127.0.0.1:8000/healthz from inside the
    container: that Host is not in ALLOWED_HOSTS and the request is not HTTPS.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)


class SessionLifetimeMiddleware:
    """End every session SESSION_MAX_HOURS after it began, however active it has been.

    The idle timeout (SESSION_COOKIE_AGE renewed on every request) ends a session nobody
    uses; this ends one that is used all the time, for example on a shared computer. The
    clock starts when a session first holds data and starts again at each login. An
    expired session is flushed (a logged-in user is logged out, which the audit trail
    records); the admin then sends the user to its login page like any anonymous visitor.
    Goes after AuthenticationMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        started = session.get(SESSION_STARTED_KEY)
        if isinstance(started, int | float) and (
            time.time() - started > settings.SESSION_MAX_HOURS * 3600
        ):
            logout(request)  # flushes the session, for anonymous sessions too
        user_before = session.get(AUTH_USER_KEY)

        response = self.get_response(request)

        session = request.session
        user_after = session.get(AUTH_USER_KEY)
        new_login = user_after is not None and user_after != user_before
        unstamped = not isinstance(session.get(SESSION_STARTED_KEY), int | float)
        if new_login or (unstamped and list(session.keys())):
            session[SESSION_STARTED_KEY] = int(time.time())
        return response
