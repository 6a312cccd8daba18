"""Each admin user's own language: remembered when they choose it, applied in the admin.

The order, for a signed-in user in the admin:

1. the language the user chose with the admin's language switch (stored per user, so it
   follows them to another browser or phone);
2. until they have chosen one, what the browser asks for (LocaleMiddleware: the language
   cookie, then Accept-Language), as a first default;
3. when the browser asks for neither of the admin's languages, the studio's language
   (LANGUAGE_CODE), which new users therefore start in.

The choice is read once per login and kept in the session, so that an admin page costs
no extra query.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation

from customers.models import AdminPreference

SESSION_KEY = "_admin_language"


def supported(language: str) -> bool:
    return language in dict(settings.LANGUAGES)


def chosen_language(user: Any) -> str:
    """The language the user chose, or "" when they have not chosen one."""
    found = AdminPreference.objects.filter(user=user).values_list("language", flat=True).first()
    return found if found and supported(found) else ""


def remember_language(*, user: Any, language: str) -> None:
    if not supported(language):
        raise ValueError(f"not one of the admin's languages: {language!r}")
    AdminPreference.objects.update_or_create(user=user, defaults={"language": language})


@receiver(user_logged_in, dispatch_uid="rekisteri-admin-language")
def _read_at_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_KEY] = chosen_language(user)


class AdminLanguageMiddleware:
    """Speak the signed-in user's chosen language in the admin, and remember the language
    they choose with the language switch. Goes after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated and user.is_staff
        if signed_in and request.path_info.startswith(reverse("admin:index")):
            language = request.session.get(SESSION_KEY)
            if language is None:
                language = chosen_language(user)
                request.session[SESSION_KEY] = language
            if language and supported(language):
                translation.activate(language)
                request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if (
            signed_in
            and request.method == "POST"
            and request.path_info == reverse("set_language")
            and response.status_code in (302, 204)
        ):
            language = request.POST.get("language", "")
            if supported(language):
                remember_language(user=user, language=language)
                request.session[SESSION_KEY] = language
        return response
