"""The second factor of the admin sign-in (django-otp): the login form and the enrolment page.

Enrolment (/admin/2fa/, for the logged-in user only): the page makes an unconfirmed TOTP
device and shows its QR code and secret; a correct code from the authenticator app confirms
it and shows 10 single-use backup codes once. An enrolled user may make new backup codes or
remove the second factor, each after typing the password again.
"""

import base64
from collections.abc import Callable
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from rekisteri.admin import must_enrol

BACKUP_CODES = 10
DEVICE_NAME = "default"


class SigninForm(AdminAuthenticationForm):
    """The admin login form with an authentication code, required of enrolled users."""

    otp_token = forms.CharField(
        label=_("Authentication code"),
        required=False,
        max_length=16,
        help_text=_(
            "If you have turned on two-factor authentication: the 6-digit code from your "
            "authenticator app, or one of your backup codes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"}
        ),
    )

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "otp_required": _("Enter the authentication code from your authenticator app."),
        "otp_invalid": _(
            "The authentication code is not correct. Check the code (it changes every 30 "
            "seconds) or use one of your backup codes."
        ),
    }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.get_user()
        if user is None or not user_has_device(user):
            return cleaned
        token = "".join((cleaned.get("otp_token") or "").split()).lower()
        if not token:
            self._otp_failed()
            raise forms.ValidationError(self.error_messages["otp_required"], code="otp_required")
        device = _match(user, token)
        if device is None:
            self._otp_failed()
            raise forms.ValidationError(self.error_messages["otp_invalid"], code="otp_invalid")
        # django_otp's user_logged_in handler keeps the device in the session: verified.
        user.otp_device = device  # type: ignore[attr-defined]
        return cleaned

    def _otp_failed(self) -> None:
        # A failed login like a wrong password: the audit trail records it and axes counts
        # it towards the lockout of this username and address.
        user_login_failed.send(
            sender=__name__,
            credentials={"username": self.cleaned_data.get("username", "")},
            request=self.request,
        )


def _match(user: Any, token: str) -> Any:
    """The device that accepts the code: the app's for 6 digits, else the backup codes.

    Only that kind of device is tried, so that a backup code does not count as a wrong app
    code (django-otp throttles a device after each wrong code).
    """
    app_code = token.isdigit() and len(token) == 6
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            if isinstance(device, TOTPDevice) == app_code and device.verify_token(token):
                return device
    return None


class CodeForm(forms.Form):
    token = forms.CharField(
        label=_("Code from the app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."), code="wrong_password")
        return password


def _confirmed_totp(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def _pending_totp(user: Any) -> TOTPDevice:
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def _new_backup_codes(user: Any) -> list[str]:
    """Replace the user's backup codes with BACKUP_CODES new ones; returns them."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=DEVICE_NAME, defaults={"confirmed": True}
    )
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _secret(device: TOTPDevice) -> str:
    """The secret in base32 in groups of four, for typing into an app by hand."""
    text = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG (no script, no style attribute: CSP-safe)."""
    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(scale=4, dark="#000", light="#fff", title=str(_("QR code")))


def enrolment_view(site: AdminSite) -> Callable[[HttpRequest], HttpResponse]:
    """The enrolment page, wrapped like an admin view but open to a user who must enrol."""

    @never_cache
    @csrf_protect
    def view(request: HttpRequest) -> HttpResponse:
        if not site.may_enrol(request):  # type: ignore[attr-defined]
            return redirect_to_login(
                request.get_full_path(), reverse("admin:login", current_app=site.name)
            )
        return _enrolment(site, request)

    return view


def _render(
    site: AdminSite, request: HttpRequest, template: str, context: dict[str, Any]
) -> TemplateResponse:
    context = {
        **site.each_context(request),
        "title": _("Two-factor authentication"),
        "must_enrol": must_enrol(request.user),
        **context,
    }
    return TemplateResponse(request, f"admin/2fa/{template}", context)


def _enrolment(site: AdminSite, request: HttpRequest) -> HttpResponse:
    user = request.user
    action = request.POST.get("action", "") if request.method == "POST" else ""

    if action == "logout":
        logout(request)
        return redirect("admin:login")

    confirmed = _confirmed_totp(user)
    if confirmed is None:
        device = _pending_totp(user)
        form = CodeForm(request.POST if action == "confirm" else None)
        if action == "confirm" and form.is_valid():
            token = "".join(form.cleaned_data["token"].split())
            if device.verify_token(token):
                with transaction.atomic():
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                    codes = _new_backup_codes(user)
                # This session gave a code: it is verified from now on.
                otp_login(request, device)
                messages.success(request, _("Two-factor authentication is now on."))
                return _render(site, request, "codes.html", {"codes": codes})
            form.add_error("token", _("The code is not correct. Try the newest code."))
        return _render(
            site,
            request,
            "enrol.html",
            {"form": form, "qr_svg": _qr_svg(device), "secret": _secret(device)},
        )

    # Enrolled, and verified in this session (site.may_enrol let the request in).
    password_form = PasswordForm(user, request.POST if action in ("regenerate", "remove") else None)
    if action in ("regenerate", "remove") and password_form.is_valid():
        if action == "regenerate":
            codes = _new_backup_codes(user)
            messages.success(request, _("New backup codes made; the old ones no longer work."))
            return _render(site, request, "codes.html", {"codes": codes})
        with transaction.atomic():
            TOTPDevice.objects.filter(user=user).delete()
            StaticDevice.objects.filter(user=user).delete()
        messages.success(request, _("Two-factor authentication is now off."))
        return redirect("admin:2fa")
    static = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return _render(
        site,
        request,
        "manage.html",
        {
            "form": password_form,
            "action": action,
            "device": confirmed,
            "codes_left": static.token_set.count() if static else 0,
        },
    )
