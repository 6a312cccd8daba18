"""The public pages carry the studio's name (the studio settings' controller), not the
software's: a customer knows the studio. "rekisteri" shows only until the owner names it."""

import re
import time
from unittest import mock

import pytest
from django.db import DatabaseError, connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from consent.models import StudioSettings
from rekisteri import context_processors

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["/", "/rights/", "/privacy/", "/marketing/subscribe/", "/no-such-page/"]


def _header_and_title(client, url: str) -> tuple[str, str]:
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    header = re.search(r'<a class="site-name" href="/">(.*?)</a>', body).group(1)
    title = re.search(r"<title>(.*?)</title>", body, re.S).group(1)
    return header, title


def _name_the_studio(name: str) -> None:
    StudioSettings.load()
    StudioSettings.objects.filter(pk=1).update(controller_name=name)


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_public_page_shows_the_studios_name_in_its_header_and_title(client, url):
    _name_the_studio("Joogastudio Aurinko Oy")
    header, title = _header_and_title(client, url)
    assert header == "Joogastudio Aurinko Oy"
    assert title.endswith(" – Joogastudio Aurinko Oy")
    assert "rekisteri" not in title


def test_until_the_owner_names_the_studio_the_pages_say_rekisteri(client):
    # No settings yet, and a public page does not create them.
    assert _header_and_title(client, "/rights/") == (
        "rekisteri",
        "Your data and your rights – rekisteri",
    )
    assert not StudioSettings.objects.exists()
    # The settings with the placeholder name ("Studio") are not named either.
    StudioSettings.load()
    assert _header_and_title(client, "/rights/")[0] == "rekisteri"


def test_the_name_is_read_once_a_minute_not_on_every_page(client, settings):
    _name_the_studio("Tanssikoulu Tahti")
    # The first page reads it, once for the header and the title together.
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/rights/").content.decode()
    assert body.count("Tanssikoulu Tahti") == 2
    assert len(queries) == 1
    assert "consent_studiosettings" in queries[0]["sql"]
    # The next public pages make no query at all for it (issue 12: GET /rights/ makes none).
    with CaptureQueriesContext(connection) as queries:
        assert "Tanssikoulu Tahti" in client.get("/rights/").content.decode()
        assert "Tanssikoulu Tahti" in client.get("/").content.decode()
    assert len(queries) == 0


def test_a_renamed_studio_shows_at_once_when_the_settings_are_saved(client):
    _name_the_studio("Tanssikoulu Tahti")
    assert _header_and_title(client, "/")[0] == "Tanssikoulu Tahti"
    studio = StudioSettings.load()
    studio.controller_name = "Tanssikoulu Tähti Oy"
    studio.save()
    assert _header_and_title(client, "/")[0] == "Tanssikoulu Tähti Oy"
    # Another server process, whose remembered name this save could not reach, reads it
    # again within a minute.
    StudioSettings.objects.filter(pk=1).update(controller_name="Tanssikoulu Tahti")
    assert _header_and_title(client, "/")[0] == "Tanssikoulu Tähti Oy"
    a_minute_later = time.time() + 61
    with mock.patch("django.core.cache.backends.locmem.time.time", return_value=a_minute_later):
        assert _header_and_title(client, "/")[0] == "Tanssikoulu Tahti"


def test_the_name_is_looked_up_once_per_request_and_not_on_admin_pages(client, owner):
    request = RequestFactory().get("/")
    with CaptureQueriesContext(connection) as queries:
        assert context_processors.studio_name(request) == "rekisteri"
        assert context_processors.studio_name(request) == "rekisteri"
    assert len(queries) == 1
    client.force_login(owner)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/customers/customer/").status_code == 200
    assert not any("controller_name" in q["sql"] for q in queries)


def test_a_database_that_does_not_answer_leaves_the_software_name(rf):
    with mock.patch.object(StudioSettings.objects, "filter", side_effect=DatabaseError("gone")):
        assert context_processors.studio_name(rf.get("/")) == "rekisteri"
