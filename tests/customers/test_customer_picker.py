"""The admin's customer pickers (enrolment, purchase, message, request...): opened with
nothing typed they show the customers met most recently, in a bounded number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Customer

pytestmark = pytest.mark.django_db

PICKERS = [
    ("customers", "purchase", "customer"),
    ("customers", "interaction", "customer"),
    ("customers", "enrollment", "customer"),  # the participants of a course
    ("consent", "rightsrequest", "customer"),
]


def _customers(n: int, *, first: int = 0) -> list[Customer]:
    """n customers, the later ones active more recently."""
    now = timezone.now()
    made = []
    for i in range(first, first + n):
        c = Customer.objects.create(
            first_name=f"Etu{i:03}", last_name=f"Suku{i:03}", email=f"a{i}@example.fi"
        )
        Customer.objects.filter(pk=c.pk).update(last_activity_at=now - timedelta(days=1000 - i))
        made.append(c)
    return made


def _pick(client, app: str, model: str, field: str, term: str = "") -> tuple[list[str], list]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            "/admin/autocomplete/",
            {"app_label": app, "model_name": model, "field_name": field, "term": term},
        )
    assert response.status_code == 200, response.content
    return [r["text"] for r in response.json()["results"]], queries.captured_queries


@pytest.mark.parametrize(("app", "model", "field"), PICKERS)
def test_an_opened_picker_shows_the_most_recent_customers_first(client, owner, app, model, field):
    client.force_login(owner)
    _customers(25)
    # An old customer who was active yesterday comes before the rest.
    old = Customer.objects.get(first_name="Etu000")
    Customer.objects.filter(pk=old.pk).update(last_activity_at=timezone.now())
    names, _queries = _pick(client, app, model, field)
    assert len(names) == 20  # one page
    assert names[0] == "Etu000 Suku000"
    assert names[1:4] == ["Etu024 Suku024", "Etu023 Suku023", "Etu022 Suku022"]
    assert "Etu005 Suku005" not in names  # the least recent are on the next page


def test_typing_still_searches_by_name_email_and_phone(client, owner):
    client.force_login(owner)
    _customers(5)
    Customer.objects.create(first_name="Aino", last_name="Esimerkki", phone="+358401234567")
    names, _ = _pick(client, "customers", "purchase", "customer", "esimerkki")
    assert names == ["Aino Esimerkki"]
    names, _ = _pick(client, "customers", "purchase", "customer", "040 123 4567")
    assert names == ["Aino Esimerkki"]


def test_the_picker_costs_the_same_queries_for_5_and_500_customers(client, owner):
    client.force_login(owner)
    _customers(5)
    _, at_5 = _pick(client, "customers", "purchase", "customer")
    Customer.objects.bulk_create(
        Customer(first_name=f"Monta{i}", last_name="Asiakasta", email=f"m{i}@example.fi")
        for i in range(495)
    )
    names, at_500 = _pick(client, "customers", "purchase", "customer")
    # The session, the user, their second factor and permissions, then a count and one page.
    assert len(at_500) == len(at_5) <= 12
    assert len(names) == 20
    (page,) = [
        q["sql"] for q in at_500 if 'FROM "customers_customer"' in q["sql"] and "LIMIT" in q["sql"]
    ]
    assert 'ORDER BY "customers_customer"."last_activity_at" DESC' in page


def test_the_customer_list_keeps_its_order_by_name(client, owner):
    client.force_login(owner)
    _customers(3)
    body = client.get("/admin/customers/customer/").content.decode()
    assert body.index("Suku000") < body.index("Suku001") < body.index("Suku002")
