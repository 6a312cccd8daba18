"""The project's admin site: sign-in with an optional (or required) second factor.

INSTALLED_APPS names `rekisteri.admin.AdminConfig` instead of "django.contrib.admin", so
`admin.site` (where every app registers its models) is a `RekisteriAdminSite`:

- its login form asks for an authentication code too; a user with a confirmed device
  (authenticator app or backup codes, django-otp) must give one;
- a user with a confirmed device whose session was not verified by a code (for example a
  session from before enrolment) is treated as not logged in to the admin;
- with OTP_REQUIRED on, a user without a device is sent to the enrolment page (/admin/2fa/)
  after the password and can open nothing else until enrolled.

Users without a device and OTP_REQUIRED off sign in with username and password as before.
Nothing here imports models at module level: the app registry loads this module first.
"""

from typing import Any

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.functional import SimpleLazyObject


def has_confirmed_device(user: Any) -> bool:
    from django_otp import user_has_device

    return bool(getattr(user, "is_authenticated", False)) and user_has_device(user)


def is_verified(user: Any) -> bool:
    """Whether this session's user gave a code (OTPMiddleware sets `is_verified`)."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def must_enrol(user: Any) -> bool:
    """OTP_REQUIRED is on and the user has no confirmed device yet."""
    return bool(settings.OTP_REQUIRED) and not has_confirmed_device(user)


class RekisteriAdminSite(AdminSite):
    login_template = "admin/login.html"

    @property
    def login_form(self) -> type:  # type: ignore[override]
        from rekisteri.otp import SigninForm

        return SigninForm

    def has_permission(self, request: HttpRequest) -> bool:
        # Asked twice on every admin page (the view's guard, the page's context), and the
        # second factor's devices are two queries: answered once per request and user (a
        # login or logout in the request makes a new user, asked afresh).
        user = request.user
        known = getattr(request, "_rekisteri_admin_permission", None)
        if known is not None and known[0] is user:
            return bool(known[1])
        allowed = self._has_permission(request)
        request._rekisteri_admin_permission = (user, allowed)  # type: ignore[attr-defined]
        return allowed

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        # The sidebar's apps and models (a permission check for each) are listed only when
        # a page shows the sidebar; the access report's page does not (issue 12).
        request._rekisteri_lazy_app_list = True  # type: ignore[attr-defined]
        try:
            return super().each_context(request)
        finally:
            del request._rekisteri_lazy_app_list  # type: ignore[attr-defined]

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> Any:
        if getattr(request, "_rekisteri_lazy_app_list", False):
            return SimpleLazyObject(lambda: AdminSite.get_app_list(self, request, app_label))
        return super().get_app_list(request, app_label)

    def _has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        user = request.user
        # A verified session has a confirmed device of this user's (django-otp checks
        # both when it loads the session's device): the devices need not be asked for.
        if is_verified(user):
            return True
        if has_confirmed_device(user):
            return False
        return not must_enrol(user)

    def may_enrol(self, request: HttpRequest) -> bool:
        """The enrolment page: any active staff user, verified if already enrolled."""
        if not super().has_permission(request):
            return False
        user = request.user
        return is_verified(user) or not has_confirmed_device(user)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        response = super().login(request, extra_context)
        user = request.user
        if (
            getattr(user, "is_authenticated", False)
            and user.is_active
            and user.is_staff
            and must_enrol(user)
        ):
            return redirect("admin:2fa")
        return response

    def get_urls(self) -> list:
        from rekisteri.otp import enrolment_view

        return [path("2fa/", enrolment_view(self), name="2fa"), *super().get_urls()]


class AdminConfig(DjangoAdminConfig):
    default_site = "rekisteri.admin.RekisteriAdminSite"

    def ready(self) -> None:
        super().ready()
        # Devices are managed on the enrolment page only: django-otp's own admin pages
        # would show every user's secrets to whoever may view them.
        from django.contrib import admin
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        for model in (TOTPDevice, StaticDevice):
            if admin.site.is_registered(model):
                admin.site.unregister(model)
