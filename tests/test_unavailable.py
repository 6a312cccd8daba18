"""When the database is away, pages answer a polite, translated 503, not a 500."""

from unittest import mock

import pytest
from django.db import OperationalError


@pytest.mark.django_db
def test_a_form_post_gets_a_503_while_the_database_is_down(client):
    with mock.patch(
        "consent.acts.requests.submit_request",
        side_effect=OperationalError("server closed the connection"),
    ):
        response = client.post(
            "/rights/",
            {"email": "a@example.fi", "request_type": "access"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "try again" in response.content.decode()


@pytest.mark.django_db
def test_other_errors_are_not_hidden_as_503(client):
    with (
        mock.patch("consent.acts.requests.submit_request", side_effect=ValueError("a bug")),
        pytest.raises(ValueError),
    ):
        client.post("/rights/", {"email": "a@example.fi", "request_type": "access"})
