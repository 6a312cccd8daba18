"""Every CSV the app writes is in one dialect (semicolons, UTF-8 with a byte-order mark, as
Finnish Excel opens it) and no cell of it runs as a spreadsheet formula."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from consent.acts import requests
from consent.models import RightsRequest
from consent.records import deadlines
from customers.models import Enrollment
from rekisteri.spreadsheets import safe_cell

pytestmark = pytest.mark.django_db

FORMULAS = ('=HYPERLINK("http://example.fi")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)")


def _cells(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    decoded = text.decode("utf-8")
    assert decoded.startswith("\ufeff"), "a byte-order mark, for Excel"
    rows = list(csv.reader(io.StringIO(decoded[1:]), delimiter=";"))
    assert len(rows) > 1 and all(len(row) > 1 for row in rows), "semicolon-separated"
    return rows


def _assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or cell[1:].isdigit(), cell


@pytest.fixture
def hostile(customer, course):
    customer.first_name, customer.last_name = FORMULAS[0], FORMULAS[1]
    customer.city = FORMULAS[2]
    customer.street_address = FORMULAS[3]
    customer.save()
    Enrollment.objects.create(customer=customer, course=course)
    return customer


def test_the_helper_neutralises_formulas_and_leaves_numbers():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("\tx") == "'\tx"
    assert safe_cell("+358401234567") == "+358401234567"
    assert safe_cell("-12,50") == "-12,50"
    assert safe_cell(None) == ""


def test_every_csv_writer_neutralises_formulas(client, owner, hostile, course):
    client.force_login(owner)
    request = RightsRequest.objects.create(
        request_type="access",
        status="verified",
        email=hostile.email,
        customer=hostile,
        due_on=deadlines.due_date(timezone.localdate()),
    )
    downloads = [
        f"/admin/customers/course/{course.pk}/participants/csv/",
        f"/admin/consent/rightsrequest/{request.pk}/report/csv/",
        "/admin/consent/newsletter/audience.csv?purpose=newsletter&channel=post",
    ]
    for url in downloads:
        rows = _cells(client.get(url))
        assert any(FORMULAS[0] in cell for row in rows for cell in row), url
        _assert_no_formula(rows)
    # The customer's own copy, after confirming a request.
    client.logout()
    requests.start_request(customer=hostile, request_type="access", language="fi")
    session = client.session
    session["rights_customer"] = {
        "customer": hostile.pk,
        "scope": "full",
        "until": (timezone.now() + timedelta(minutes=5)).isoformat(),
    }
    session.save()
    rows = _cells(client.get("/rights/my-data/download.csv"))
    _assert_no_formula(rows)
