"""Bench-only URLconf: the project's URLs plus /bench/bare/, a bare view to compare against."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    """The least a Django view can do: the whole middleware stack, no template, no query."""
    return HttpResponse(b"ok\n", content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("bench/bare/", bare, name="bench_bare"),
    path("", include("rekisteri.urls")),
]
