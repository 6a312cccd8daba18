"""Each admin user's language: chosen once, remembered everywhere; until then the browser's,
or else the studio's."""

import pytest
from django.test import Client

from customers.models import AdminPreference
from rekisteri.preferences import SESSION_KEY
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def lang(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize(
    ("browser", "studio", "expected"),
    [
        ("en-GB,en;q=0.9", "fi", "en"),  # the browser's language, as a first default
        ("fi-FI", "en", "fi"),
        ("de-DE,de;q=0.9", "fi", "fi"),  # neither of ours: the studio's
        ("de-DE,de;q=0.9", "en", "en"),
    ],
)
def test_a_user_who_has_not_chosen_gets_the_browsers_language_or_the_studios(
    client, staff, settings, browser, studio, expected
):
    settings.LANGUAGE_CODE = studio
    client.force_login(staff)
    assert lang(client.get("/admin/", HTTP_ACCEPT_LANGUAGE=browser)) == expected
    assert not AdminPreference.objects.exists()


def test_the_choice_is_remembered_and_wins_over_the_browser_on_another_device(client, staff):
    client.force_login(staff)
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/admin/"}, HTTP_ACCEPT_LANGUAGE="fi"
    )
    assert response.status_code == 302
    assert AdminPreference.objects.get(user=staff).language == "en"

    # Another phone: no language cookie, a Finnish browser, a real login.
    phone = Client(HTTP_ACCEPT_LANGUAGE="fi-FI")
    login = phone.get("/admin/login/")
    assert lang(login) == "fi"  # before login the browser's language is all there is
    response = phone.post(
        "/admin/login/?next=/admin/",
        {"username": staff.username, "password": PASSWORD, "otp_token": ""},
    )
    assert response.status_code == 302
    assert phone.session[SESSION_KEY] == "en"
    assert lang(phone.get("/admin/")) == "en"
    assert lang(phone.get("/admin/customers/customer/")) == "en"

    # Choosing again replaces the choice.
    phone.post("/i18n/setlang/", {"language": "fi", "next": "/admin/"})
    assert AdminPreference.objects.get(user=staff).language == "fi"
    assert lang(phone.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")) == "fi"


def test_the_choice_costs_no_query_on_an_admin_page(client, staff, django_assert_num_queries):
    AdminPreference.objects.create(user=staff, language="en")
    client.force_login(staff)
    client.get("/admin/customers/customer/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/admin/customers/customer/", HTTP_ACCEPT_LANGUAGE="fi")
    assert lang(response) == "en"
    assert not any("customers_adminpreference" in q["sql"] for q in ctx.captured_queries)


def test_visitors_and_unknown_languages_leave_no_preference(client, staff):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.force_login(staff)
    client.post("/i18n/setlang/", {"language": "sv", "next": "/admin/"})
    assert not AdminPreference.objects.exists()


def test_the_public_pages_keep_to_the_visitors_browser(client, staff):
    AdminPreference.objects.create(user=staff, language="en")
    client.force_login(staff)
    assert lang(client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="fi")) == "fi"
