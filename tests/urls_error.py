"""URLs for tests/test_logging.py (through @pytest.mark.urls): the project's, with two pages
at the paths of emailed links that fail, so that the errors mailed to ADMINS can be read."""

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from rekisteri.urls import urlpatterns as project_urlpatterns


@csrf_exempt
def fail(request: HttpRequest, token: str) -> HttpResponse:
    # The message quotes what was posted, as exception messages often do.
    raise ValueError(f"Could not handle {request.POST.get('email')} at {request.path}")


def database_away(request: HttpRequest, token: str) -> HttpResponse:
    # rekisteri.unavailable turns this into a 503, which django.request logs as an error.
    raise OperationalError("connection refused")


# Before the project's own: these paths win.
urlpatterns = [
    path("rights/verify/<str:token>/", fail),
    path("rights/report/<str:token>/", database_away),
    *project_urlpatterns,
]
