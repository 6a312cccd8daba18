"""/healthz: 200 when the database answers, 503 when it does not."""

from unittest import mock

import pytest
from django.db import OperationalError


@pytest.mark.django_db
def test_it_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}


@pytest.mark.django_db
def test_it_answers_503_when_the_database_does_not(client):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    # ...and it recovers without a restart.
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_it_needs_neither_a_known_host_nor_https(client, settings):
    settings.ALLOWED_HOSTS = ["studio.example.fi"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")
    assert response.status_code == 200
    # Every other path still checks the Host header.
    assert client.get("/", HTTP_HOST="10.0.0.5:8000").status_code == 400
