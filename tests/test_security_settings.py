"""Deployment security: the production settings, HTTPS, cookies, headers and the CSP, session
lifetimes, bad input, and the error pages (docs/security.md, "Deployment settings")."""

import json
import os
import secrets
import subprocess
import sys
import time
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.http import HttpRequest
from django.test import Client
from django.urls import path
from django.utils import timezone, translation

from consent.models import AuditEntry, OutboxEmail, RightsRequest
from customers.models import Course, Customer, Enrollment, Interaction, Purchase
from rekisteri.middleware import SESSION_STARTED_KEY
from rekisteri.urls import urlpatterns as project_urlpatterns
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent

# The policy, directive by directive.
CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def _csp(response: Any) -> dict[str, str]:
    """The Content-Security-Policy header as {directive: sources} (its order is free)."""
    directives = (d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";"))
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


def _boom(request: HttpRequest) -> None:
    raise RuntimeError("database password is hunter2")  # must never reach the page


# Used by the 500 test through @pytest.mark.urls: the project's URLs and one that fails.
urlpatterns = [path("boom/", _boom), *project_urlpatterns]


@pytest.fixture(autouse=True)
def _keep_the_language() -> Any:
    """A request activates its language in this thread; later tests expect the one before."""
    language = translation.get_language()
    yield
    translation.activate(language)


# Production settings, read in a separate process ------------------------------------------


# Variables of this process that would change the settings under test (the browser tests set
# DJANGO_ALLOW_ASYNC_UNSAFE, which the deploy check rightly refuses).
_NOT_INHERITED = (
    "SECRET_KEY",
    "SUPPRESSION_KEY",
    "DEBUG",
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "ALLOWED_HOSTS",
    "TRUSTED_PROXY",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def _manage(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECURE_", "HSTS_", "SESSION_", "DATA_UPLOAD_", "FILE_UPLOAD_"))
        and k not in _NOT_INHERITED
    }
    clean.update(
        {
            "DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": "sqlite:///:memory:",
            # Said out loud: a developer's .env (which `make run` writes) must not decide.
            "DEBUG": "false",
        }
    )
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "SUPPRESSION_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "rekisteri.example.fi",
}


# What the production environment above gives, setting by setting.
PRODUCTION_SETTINGS = {
    "SECURE_SSL_REDIRECT": True,
    "SECURE_PROXY_SSL_HEADER": None,
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": False,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "LANGUAGE_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "CSRF_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "__Host-sessionid",
    "CSRF_COOKIE_NAME": "__Host-csrftoken",
    "LANGUAGE_COOKIE_NAME": "__Host-language",
    "SESSION_COOKIE_AGE": 1800,
    "SESSION_SAVE_EVERY_REQUEST": True,
    "SESSION_MAX_HOURS": 12,
    "X_FRAME_OPTIONS": "DENY",
    "SECURE_CONTENT_TYPE_NOSNIFF": True,
    "SECURE_REFERRER_POLICY": "same-origin",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
    "DATA_UPLOAD_MAX_MEMORY_SIZE": 1048576,
    "DATA_UPLOAD_MAX_NUMBER_FIELDS": 5000,
    "FILE_UPLOAD_MAX_MEMORY_SIZE": 1048576,
    "SILENCED_SYSTEM_CHECKS": ["security.W021"],
}


def _settings_of(env: dict[str, str], tmp_path: Path) -> dict[str, Any]:
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {list(PRODUCTION_SETTINGS)!r}}}))"
    )
    result = _manage(["shell", "-c", code], env, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_deploy_check_passes_with_production_settings(tmp_path):
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    # The one silenced check is security.W021 (HSTS preload), explained in settings.py.
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_the_deploy_check_would_catch_a_weakened_setting(tmp_path):
    env = {**PRODUCTION, "SECURE_SSL_REDIRECT": "false"}
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout


def test_the_production_settings(tmp_path):
    assert _settings_of(PRODUCTION, tmp_path) == PRODUCTION_SETTINGS


def test_the_environment_changes_what_it_should(tmp_path):
    shown = _settings_of(
        {
            **PRODUCTION,
            "TRUSTED_PROXY": "true",
            "SECURE_SSL_REDIRECT": "false",
            "HSTS_SECONDS": "600",
            "HSTS_PRELOAD": "true",
            "SESSION_IDLE_MINUTES": "10",
            "SESSION_MAX_HOURS": "8",
        },
        tmp_path,
    )
    assert shown["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert shown["SECURE_SSL_REDIRECT"] is False
    assert shown["SECURE_HSTS_SECONDS"] == 600
    assert shown["SECURE_HSTS_PRELOAD"] is True
    assert shown["SILENCED_SYSTEM_CHECKS"] == []
    assert shown["SESSION_COOKIE_AGE"] == 600
    assert shown["SESSION_MAX_HOURS"] == 8


def test_a_local_debug_run_keeps_plain_cookies_and_http(tmp_path):
    shown = _settings_of({"DEBUG": "true"}, tmp_path)
    assert shown["SECURE_SSL_REDIRECT"] is False
    assert shown["SESSION_COOKIE_SECURE"] is shown["CSRF_COOKIE_SECURE"] is False
    assert (shown["SESSION_COOKIE_NAME"], shown["CSRF_COOKIE_NAME"]) == ("sessionid", "csrftoken")
    assert shown["LANGUAGE_COOKIE_NAME"] == "language"


# HTTPS, headers and cookies (the test settings are the production ones, minus the redirect) ---


@pytest.mark.django_db
def test_healthz_answers_plain_http_while_every_page_redirects_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    response = client.get("/rights/?x=1")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/rights/?x=1"
    # Over HTTPS the page is served, and browsers are told to stay on HTTPS for a year.
    response = client.get("/rights/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/rights/", "/admin/login/", "/no-such-page/"])
def test_every_page_sends_the_security_headers(client, url):
    response = client.get(url)
    assert _csp(response) == CSP
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_the_admin_gets_the_policy_too(client, owner, customer):
    client.force_login(owner)
    for url in ("/admin/", f"/admin/customers/customer/{customer.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 200
        assert _csp(response) == CSP


@pytest.mark.django_db
def test_pages_behind_emailed_links_keep_their_stricter_referrer_policy(client):
    response = client.get("/rights/verify/not-a-token/")
    assert response["Referrer-Policy"] == "strict-origin"
    assert _csp(response) == CSP


@pytest.mark.django_db
def test_an_unknown_host_gets_400_on_a_public_page(client):
    response = client.get("/rights/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    response = client.post("/rights/", {"email": "a@example.fi"}, HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert not RightsRequest.objects.exists()


def _cookie(response: Any, name: str) -> Any:
    assert name in response.cookies, f"{name} not set; got {list(response.cookies)}"
    return response.cookies[name]


@pytest.mark.django_db
def test_cookies_are_secure_host_only_and_samesite(client, owner):
    csrf = _cookie(client.get("/rights/"), "__Host-csrftoken")
    assert csrf["secure"] is True and csrf["samesite"] == "Lax"
    assert csrf["path"] == "/" and csrf["domain"] == ""

    language = _cookie(client.post("/i18n/setlang/", {"language": "en"}), "__Host-language")
    assert language["secure"] is True and language["httponly"] is True
    assert language["samesite"] == "Lax" and language["path"] == "/" and language["domain"] == ""

    client.force_login(owner)
    session = _cookie(client.get("/admin/"), "__Host-sessionid")
    assert session["secure"] is True and session["httponly"] is True
    assert session["samesite"] == "Lax" and session["path"] == "/" and session["domain"] == ""


# Sessions: idle timeout and absolute lifetime ------------------------------------------------


@pytest.mark.django_db
def test_a_session_lasts_30_idle_minutes_and_every_request_renews_it(client, owner):
    client.force_login(owner)
    first = _cookie(client.get("/admin/"), "__Host-sessionid")
    assert first["max-age"] == 1800
    assert client.session.get_expiry_age() == 1800
    # Every request sends the cookie again with a fresh 30 minutes, and moves the expiry
    # kept in the database.
    stored = Session.objects.get(session_key=client.session.session_key)
    Session.objects.filter(pk=stored.pk).update(expire_date=timezone.now() + timedelta(minutes=1))
    again = _cookie(client.get("/admin/"), "__Host-sessionid")
    assert again["max-age"] == 1800
    renewed = Session.objects.get(pk=stored.pk).expire_date
    assert renewed > timezone.now() + timedelta(minutes=29)


@pytest.mark.django_db
def test_a_session_idle_for_over_30_minutes_is_over(client, owner):
    client.force_login(owner)
    assert client.get("/admin/").status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"


def _start_session_at(client: Client, seconds_ago: float) -> None:
    session = client.session
    session[SESSION_STARTED_KEY] = int(time.time() - seconds_ago)
    session.save()


@pytest.mark.django_db
def test_a_session_started_13_hours_ago_is_logged_out_however_active(client, owner):
    client.force_login(owner)
    assert client.get("/admin/").status_code == 200
    assert isinstance(client.session[SESSION_STARTED_KEY], int)  # the clock started
    _start_session_at(client, 13 * 3600)
    response = client.get("/admin/customers/customer/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/customers/customer/"
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGOUT, user=owner).exists()
    # ...and stays logged out.
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_a_session_younger_than_12_hours_stays(client, owner):
    client.force_login(owner)
    client.get("/admin/")
    _start_session_at(client, 11 * 3600 + 59 * 60)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_logging_in_starts_the_clock_anew(client, owner):
    session = client.session
    session["something"] = "from before the login"
    session[SESSION_STARTED_KEY] = int(time.time() - 11.9 * 3600)
    session.save()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": owner.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session[SESSION_STARTED_KEY] >= int(time.time()) - 5
    _start_session_at(client, 11 * 3600)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_a_visitor_without_a_session_gets_none(client):
    response = client.get("/rights/")
    assert "__Host-sessionid" not in response.cookies
    assert not Session.objects.exists()


# Bad input --------------------------------------------------------------------------------


def _rights_post(**extra: str) -> dict[str, str]:
    return {"email": "aino@example.fi", "request_type": "access", "website": "", **extra}


@pytest.mark.django_db
def test_an_oversized_post_gets_400_and_stores_nothing(client, customer):
    data = _rights_post(email=customer.email, message="x" * (1024 * 1024 + 1))
    response = client.post("/rights/", data)
    assert response.status_code == 400
    assert not RightsRequest.objects.exists()
    assert not OutboxEmail.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_post_with_too_many_fields_gets_400_and_stores_nothing(client, customer):
    data = {**_rights_post(email=customer.email), **{f"f{i}": "1" for i in range(5001)}}
    response = client.post("/rights/", data)
    assert response.status_code == 400
    assert not RightsRequest.objects.exists()


class _Form(HTMLParser):
    """What a browser would post for one <form>: its fields with their current values."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or not a.get("name") and tag != "option":
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button", "file", "image"):
                return
            self.data.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.data.append((a["name"], ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            name, text = self.data[-1]
            self.data[-1] = (name, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            name, text = self.data[-1]
            self.data[-1] = (name, text.removeprefix("\n"))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [v for v, selected in self._options if selected] or [
                v for v, _ in self._options[:1]
            ]
            self.data.extend((self._select, v) for v in chosen)
            self._select = None


def _save_change_form(client: Client, url: str, form_id: str) -> tuple[int, Any]:
    parser = _Form(form_id)
    parser.feed(client.get(url).content.decode())
    data: dict[str, list[str]] = {}
    for name, value in parser.data:
        data.setdefault(name, []).append(value)
    data["_continue"] = ["1"]
    return sum(len(v) for v in data.values()), client.post(url, data)


@pytest.mark.django_db
def test_the_largest_admin_forms_still_fit_the_field_limit(client, owner, settings):
    """A big course's list of participants posts far more than Django's default 1000
    fields; the limit leaves room for it. A long-standing customer's page stays small."""
    customer = Customer.objects.create(first_name="Pitkä", last_name="Historia", email="p@h.fi")
    start = timezone.now() - timedelta(days=400)
    big = Course.objects.create(
        name="Avoin tunti", starts_at=start, ends_at=start + timedelta(hours=1), capacity=150
    )
    for i in range(40):
        course = Course.objects.create(
            name=f"Kurssi {i}", starts_at=start, ends_at=start + timedelta(hours=1), capacity=10
        )
        Enrollment.objects.create(customer=customer, course=course)
        Purchase.objects.create(
            customer=customer, course=course, description=f"Maksu {i}", amount=10
        )
        Interaction.objects.create(
            customer=customer, kind=Interaction.Kind.FEEDBACK, subject=f"Palaute {i}", text="Kiva."
        )
    for i in range(150):
        someone = Customer.objects.create(first_name="Osallistuja", last_name=str(i))
        Enrollment.objects.create(customer=someone, course=big)
    client.force_login(owner)

    fields, response = _save_change_form(
        client, f"/admin/customers/customer/{customer.pk}/change/", "customer_form"
    )
    # The customer's page holds the newest rows only (issue 12), so its form stays small
    # however long the history.
    assert fields < 1000
    assert response.status_code == 302, response.content.decode()[:2000]

    fields, response = _save_change_form(
        client, f"/admin/customers/course/{big.pk}/change/", "course_form"
    )
    assert 1000 < fields < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    assert response.status_code == 302, response.content.decode()[:2000]
    assert big.enrollments.count() == 150


# Error pages ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_csrf_failure_explains_what_to_do(customer):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/rights/", _rights_post(email=customer.email), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert 'lang="en"' in page
    assert "The form could not be sent" in page
    assert "Allow cookies for this site" in page
    assert "reload the page and try again" in page
    assert "CSRF" not in page  # Django's technical reason stays in the log
    assert not RightsRequest.objects.exists()
    # The page sets a new token, so that reloading the form and sending again works.
    assert "__Host-csrftoken" in response.cookies


@pytest.mark.django_db
def test_the_csrf_failure_page_is_in_finnish_by_default():
    response = Client(enforce_csrf_checks=True).post("/rights/", _rights_post())
    assert response.status_code == 403
    page = response.content.decode()
    # The page's own sentences are translated later; the Finnish site around them is here.
    assert 'lang="fi"' in page and "Tietosuojaseloste" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        # The page's own strings are checked in English; in Finnish, the site around it.
        ("en", ["Page not found", "There is no page at this address", "Privacy notice"]),
        ("fi", ["Tietosuojaseloste", "Siirry sisältöön"]),
    ],
)
def test_a_missing_page_gets_a_translated_404_that_leaks_nothing(client, language, expected):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    page = response.content.decode()
    assert f'lang="{language}"' in page
    for text in expected:
        assert text in page
    for leak in ("Traceback", "urlpatterns", "URLconf", "rekisteri.urls", "DEBUG", "Django"):
        assert leak not in page


@pytest.mark.django_db
@pytest.mark.urls("tests.test_security_settings")
def test_an_error_gets_a_plain_500_that_leaks_nothing(caplog):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    for leak in ("hunter2", "RuntimeError", "Traceback", "boom", "DEBUG"):
        assert leak not in page
    assert _csp(response) == CSP


# The policy in a real browser -------------------------------------------------------------

# Every CSP violation the page reports, from the first script on (Playwright's init scripts
# run before the page's own and are not subject to the policy).
RECORD_VIOLATIONS_JS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile
    + ":" + e.lineNumber);
});
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_admin_and_the_public_pages_work_under_the_policy(
    browser_page, live_server, owner, customer, course
):
    page = browser_page
    base = live_server.url
    page.add_init_script(RECORD_VIOLATIONS_JS)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(str(e)))
    violations: list[str] = []

    def visit(url: str) -> None:
        page.goto(base + url)
        collect()

    def collect() -> None:
        violations.extend(page.evaluate("window.__cspViolations.splice(0)"))

    for url in ("/", "/rights/", "/privacy/"):
        visit(url)

    visit("/admin/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    collect()

    # The date and time widgets: the calendar and the clock open and fill the fields.
    visit("/admin/customers/course/add/")
    page.click("#calendarlink0")
    page.wait_for_selector("#calendarbox0", state="visible")
    page.click("#calendarbox0 .calendar-shortcuts a >> nth=1")  # today
    assert page.input_value("#id_starts_at_0") != ""
    page.click("#clocklink0")
    page.wait_for_selector("#clockbox0", state="visible")
    page.click("#clockbox0 .timelist a >> nth=0")
    assert page.input_value("#id_starts_at_1") != ""
    collect()

    # The autocomplete (select2) on a course's participants.
    visit(f"/admin/customers/course/{course.pk}/change/")
    page.click("#enrollments-group .add-row a")
    page.click("#enrollments-group tr.dynamic-enrollments .select2-selection")
    page.fill(".select2-search__field", customer.last_name)
    page.wait_for_selector(f".select2-results__option:has-text('{customer.last_name}')")
    collect()

    # The change list's actions (select all) and the collapsible navigation.
    visit("/admin/customers/customer/")
    page.click("#action-toggle")
    assert page.is_checked("input.action-select")
    page.click("#toggle-nav-sidebar")
    collect()

    # Other pages with widgets of their own (SelectFilter2, multiple autocomplete, date).
    for url in (
        f"/admin/customers/customer/{customer.pk}/change/",
        f"/admin/auth/user/{owner.pk}/change/",
        "/admin/consent/breach/add/",
        "/admin/consent/rightsrequest/add/",
        "/admin/consent/studiosettings/",
        "/admin/consent/studiosettings/record-of-processing/",
        "/admin/consent/auditentry/",
        f"/admin/customers/course/{course.pk}/participants/print/",
    ):
        visit(url)
    assert violations == []
    assert [m for m in console if "Content Security Policy" in m] == []
