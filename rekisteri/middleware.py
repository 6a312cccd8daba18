"""Middleware of the project as a whole."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from rekisteri.views import healthz


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
