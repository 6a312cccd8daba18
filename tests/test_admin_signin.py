"""Admin sign-in (docs/security.md, "Accounts"): the login throttle (django-axes), the second
factor (django-otp: an authenticator app and backup codes) and the password length."""

import base64
import re
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
ENROL = "/admin/2fa/"


def _login(client: Client, username: str, password: str = PASSWORD, **extra: str):
    data = {"username": username, "password": password, "next": "/admin/", **extra}
    return client.post(LOGIN, data)


def _logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def _ip(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def _fail(client: Client, username: str, times: int = 5) -> None:
    for _ in range(times):
        response = _login(client, username, "wrong password")
        assert response.status_code in (200, 429)


# The login throttle -------------------------------------------------------------------------


def test_five_wrong_passwords_lock_that_username_from_that_address(owner, staff):
    attacker = _ip("198.51.100.7")
    _fail(attacker, owner.username)
    response = _login(attacker, owner.username)  # the right password, too late
    assert response.status_code == 429
    text = response.content.decode()
    assert "15" in text and 'href="/admin/login/"' in text
    assert "_auth_user_id" not in attacker.session

    # The same username from another address, and another username from the same address.
    assert _logged_in(_login(_ip("203.0.113.20"), owner.username))
    assert _logged_in(_login(attacker, staff.username))


def test_the_lockout_ends_after_the_cool_off(owner):
    client = _ip("198.51.100.7")
    _fail(client, owner.username)
    assert _login(client, owner.username).status_code == 429
    AccessAttempt.objects.update(attempt_time=time_ago(minutes=16))
    assert _logged_in(_login(client, owner.username))
    assert not AccessAttempt.objects.exists()  # a success resets the count


def test_a_success_resets_the_count(owner):
    client = _ip("198.51.100.7")
    _fail(client, owner.username, times=4)
    assert _logged_in(_login(client, owner.username))
    client.logout()
    _fail(client, owner.username, times=4)
    assert _logged_in(_login(client, owner.username))


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(owner, settings):
    settings.TRUSTED_PROXY = False
    client = _ip("198.51.100.7")
    for n in range(5):
        _login(client, owner.username, "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    # A new made-up address does not get around the lock.
    response = client.post(
        LOGIN,
        {"username": owner.username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_behind_the_trusted_proxy_the_address_it_appended_counts(owner, settings):
    settings.TRUSTED_PROXY = True
    proxy = _ip("10.0.0.2")  # every request arrives from the proxy

    def post(forwarded: str, attempt: str = "wrong"):
        return proxy.post(
            LOGIN,
            {"username": owner.username, "password": attempt, "next": "/admin/"},
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    # The client made up the left entries; the proxy appended the real one on the right.
    for n in range(5):
        post(f"1.2.3.{n}, 198.51.100.7")
    assert post("5.5.5.5, 198.51.100.7", PASSWORD).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    # Another client behind the same proxy is not locked.
    assert _logged_in(post("198.51.100.8", PASSWORD))


def time_ago(**delta: int):
    from django.utils import timezone

    return timezone.now() - timedelta(**delta)


# The second factor ----------------------------------------------------------------------------


def _code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def _enrol(client: Client, user: User) -> list[str]:
    """Enrol through the page; returns the backup codes it shows."""
    response = client.get(ENROL)
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(ENROL, {"action": "confirm", "token": _code(device)})
    assert response.status_code == 200
    return re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())


def test_the_enrolment_page_shows_a_qr_code_and_the_secret(client, owner):
    client.force_login(owner)
    response = client.get(ENROL)
    assert response.status_code == 200
    text = response.content.decode()
    device = TOTPDevice.objects.get(user=owner)
    assert not device.confirmed
    assert "<svg" in text
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert secret in text.replace(" ", "")
    # A reload shows the same device, not a new one.
    client.get(ENROL)
    assert TOTPDevice.objects.filter(user=owner).count() == 1


def test_a_wrong_code_does_not_confirm(client, owner):
    client.force_login(owner)
    client.get(ENROL)
    response = client.post(ENROL, {"action": "confirm", "token": "000000"})
    assert response.status_code == 200
    assert not TOTPDevice.objects.get(user=owner).confirmed


def test_confirming_shows_ten_backup_codes_once(client, owner):
    client.force_login(owner)
    codes = _enrol(client, owner)
    assert TOTPDevice.objects.get(user=owner).confirmed
    assert len(codes) == 10 and len(set(codes)) == 10
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(codes)
    # The session that confirmed is verified: the admin stays open.
    assert client.get("/admin/").status_code == 200
    # The codes are not shown again.
    response = client.get(ENROL)
    assert response.status_code == 200
    assert not any(code in response.content.decode() for code in codes)


def test_after_enrolment_the_password_alone_is_not_enough(client, owner):
    client.force_login(owner)
    codes = _enrol(client, owner)
    device = TOTPDevice.objects.get(user=owner)
    client.logout()

    response = _login(client, owner.username)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    response = _login(client, owner.username, otp_token="123456")
    assert response.status_code == 200 and "_auth_user_id" not in client.session

    # django-otp makes a device wait (1 s, 2 s, 4 s...) after a wrong code; skip the wait.
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    device.throttle_reset()
    assert _logged_in(_login(client, owner.username, otp_token=_code(device, steps_ahead=1)))
    assert client.get("/admin/").status_code == 200
    client.logout()

    # A backup code works, once.
    assert _logged_in(_login(client, owner.username, otp_token=codes[0]))
    client.logout()
    assert _login(client, owner.username, otp_token=codes[0]).status_code == 200
    assert "_auth_user_id" not in client.session
    assert StaticToken.objects.count() == 9


def test_an_enrolled_owner_whose_session_is_not_verified_cannot_use_the_admin(client, owner):
    client.force_login(owner)
    _enrol(client, owner)
    client.logout()
    client.force_login(owner)  # a session without a code
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client.get("/admin/customers/customer/").status_code == 302
    # Nor remove the second factor without it.
    response = client.post(ENROL, {"action": "remove", "password": PASSWORD})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=owner, confirmed=True).exists()


def test_users_without_a_device_log_in_with_the_password_alone(client, staff):
    assert _logged_in(_login(client, staff.username))
    assert client.get("/admin/").status_code == 200


def test_new_backup_codes_and_removal_need_the_password(client, owner):
    client.force_login(owner)
    old = _enrol(client, owner)
    response = client.post(ENROL, {"action": "regenerate", "password": "wrong"})
    assert response.status_code == 200
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(old)
    response = client.post(ENROL, {"action": "regenerate", "password": PASSWORD})
    new = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)

    client.post(ENROL, {"action": "remove", "password": "wrong"})
    assert TOTPDevice.objects.filter(user=owner).exists()
    response = client.post(ENROL, {"action": "remove", "password": PASSWORD})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=owner).exists()
    assert not StaticToken.objects.exists()
    client.logout()
    assert _logged_in(_login(client, owner.username))


def test_otp_required_sends_a_user_without_a_device_to_the_enrolment(client, staff, settings):
    settings.OTP_REQUIRED = True
    response = _login(client, staff.username)
    assert response.status_code == 302 and response["Location"] == ENROL
    # Nothing else opens until enrolled.
    response = client.get("/admin/customers/customer/")
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == ENROL
    assert client.get(ENROL).status_code == 200
    _enrol(client, staff)
    assert client.get("/admin/customers/customer/").status_code == 200


def test_the_enrolment_page_is_for_logged_in_staff_only(client):
    response = client.get(ENROL)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


# Passwords ------------------------------------------------------------------------------------


def test_an_eleven_character_password_is_refused(owner):
    with pytest.raises(ValidationError):
        validate_password("kTq9#vLm2Wz")  # 11 characters
    validate_password("kTq9#vLm2Wzx")  # 12 are enough
    form = AdminUserCreationForm(
        data={
            "username": "uusi",
            "password1": "kTq9#vLm2Wz",
            "password2": "kTq9#vLm2Wz",
            "usable_password": "true",
        }
    )
    assert not form.is_valid()
    assert "password2" in form.errors


def test_the_admin_refuses_an_eleven_character_password(client, owner):
    client.force_login(owner)
    response = client.post(
        "/admin/auth/user/add/",
        {
            "username": "uusi",
            "password1": "kTq9#vLm2Wz",
            "password2": "kTq9#vLm2Wz",
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="uusi").exists()


def test_wrong_codes_count_towards_the_lockout(client, owner):
    client.force_login(owner)
    device_codes = _enrol(client, owner)
    client.logout()
    attacker = _ip("198.51.100.7")
    for _ in range(5):
        _login(attacker, owner.username, otp_token="zzzzzzzz")
    assert _login(attacker, owner.username, otp_token=device_codes[0]).status_code == 429


# Where the sign-in lands -------------------------------------------------------------------


@pytest.mark.parametrize(
    "unsafe",
    [
        "https://evil.example.com/",
        "//evil.example.com",
        "//evil.example.com/admin/",
        "https:///evil.example.com",
        "javascript:alert(1)",
        "",
    ],
)
def test_an_unsafe_next_lands_on_the_admin_front_page(client, staff, unsafe):
    response = _login(client, staff.username, next=unsafe)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get(response["Location"]).status_code == 200


def test_a_safe_next_is_followed(client, staff):
    response = _login(client, staff.username, next="/admin/customers/customer/?q=Aino")
    assert response.status_code == 302
    assert response["Location"] == "/admin/customers/customer/?q=Aino"


def test_an_enrolled_owner_with_an_unsafe_next_lands_on_the_front_page(client, owner):
    client.force_login(owner)
    _enrol(client, owner)
    client.logout()
    device = TOTPDevice.objects.get(user=owner)
    response = _login(
        client, owner.username, otp_token=_code(device, steps_ahead=1), next="//evil.example.com"
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_an_admin_page_checks_the_second_factor_once(client, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(owner)
    codes = _enrol(client, owner)
    client.logout()
    assert _logged_in(_login(client, owner.username, otp_token=codes[0]))
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/customers/customer/").status_code == 200
    devices = [q for q in queries.captured_queries if "otp_" in q["sql"]]
    # The session's device, read once; a verified session needs no look at the others.
    assert len(devices) == 1
    assert '"user_id" =' not in devices[0]["sql"]  # the device by its id, not the user's list
    # Signed out, the next request is asked afresh and refused.
    client.logout()
    assert client.get("/admin/customers/customer/").status_code == 302
