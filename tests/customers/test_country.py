"""The country of a customer: typed as a name in Finnish, Swedish or English or as a
two-letter code, stored as the code, on the customer's own page and in the admin alike."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation

from customers.fields import country_code, normalise_country, validate_country
from customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Suomi", "FI"),
        ("Finland", "FI"),
        ("  suomi ", "FI"),
        ("fi", "FI"),
        ("Ruotsi", "SE"),
        ("Sverige", "SE"),
        ("SWEDEN", "SE"),
        ("Viro", "EE"),
        ("Estland", "EE"),
        ("Ahvenanmaa", "AX"),
        ("Aland", "AX"),
        ("Iso-Britannia", "GB"),
        ("iso britannia", "GB"),
        ("UK", "GB"),
        ("Yhdysvallat", "US"),
        ("Bosnia and Herzegovina", "BA"),
        ("Bosnia ja Hertsegovina", "BA"),
        ("Itävalta", "AT"),
        ("Saksa", "DE"),
        ("Tyskland", "DE"),
    ],
)
def test_a_country_is_read_by_its_name_or_code(typed, code):
    assert country_code(typed) == code
    assert normalise_country(typed) == code


@pytest.mark.parametrize("typed", ["Narnia", "XX", "Suomi Ruotsi", "F1"])
def test_what_is_not_a_country_is_refused_with_its_own_words(typed):
    assert country_code(typed) is None
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            validate_country(normalise_country(typed))
        assert f"“{typed}” is not a country we know" in refused.value.messages[0]


def test_the_model_reads_a_name_on_every_path():
    customer = Customer(first_name="Sara", last_name="Svensson", country="Ruotsi")
    customer.full_clean()
    assert customer.country == "SE"
    customer.country = "Atlantis"
    with pytest.raises(ValidationError) as refused:
        customer.full_clean()
    assert list(refused.value.message_dict) == ["country"]
    assert len(refused.value.message_dict["country"]) == 1


# On the customer's own page -------------------------------------------------------------


@pytest.fixture
def own_page(client, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/rights/",
            {"email": customer.email, "request_type": "access", "message": "", "website": ""},
        )
    link = re.search(r"https?://\S+/rights/verify/[^/\s]+/", mail.outbox[-1].body).group(0)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/" + link.split("/", 3)[3])
    return client


def _correct(client, country: str, language: str = "fi"):
    return client.post(
        "/rights/my-data/",
        {
            "action": "contact",
            "first_name": "Aino",
            "last_name": "Esimerkki",
            "phone": "040 123 4567",
            "street_address": "Storgatan 1",
            "postal_code": "",
            "city": "Tukholma",
            "country": country,
        },
        HTTP_ACCEPT_LANGUAGE=language,
    )


@pytest.mark.parametrize(
    ("typed", "code"), [("Ruotsi", "SE"), (" sverige ", "SE"), ("Sweden", "SE"), ("se", "SE")]
)
def test_the_customer_types_the_country_by_name_on_their_page(own_page, customer, typed, code):
    page = own_page.get("/rights/my-data/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "Maan nimi tai sen kaksikirjaiminen koodi" in page  # the hint is there
    assert _correct(own_page, typed).status_code == 302
    customer.refresh_from_db()
    assert customer.country == code


def test_an_unknown_country_gets_the_form_back_with_a_translated_reason(own_page, customer):
    response = _correct(own_page, "Narnia")
    assert response.status_code == 400
    page = response.content.decode()
    assert "ei ole tuntemamme maa" in page
    assert 'value="Narnia"' in page  # what was typed stays, to be corrected
    assert "Maan nimi tai sen kaksikirjaiminen koodi" in page
    response = _correct(own_page, "Narnia", language="en")
    assert "“Narnia” is not a country we know" in response.content.decode()
    customer.refresh_from_db()
    assert customer.country == "FI" and customer.street_address == "Esimerkkikatu 1 A 2"


# In the admin ----------------------------------------------------------------------------


def test_the_admin_takes_a_country_name_too(client, owner):
    from tests.customers.test_admin import _customer_form

    client.force_login(owner)
    response = client.post(
        "/admin/customers/customer/add/",
        _customer_form(email="sara@example.fi", country="Ruotsi", postal_code="11455"),
    )
    assert response.status_code == 302
    assert Customer.objects.get(email="sara@example.fi").country == "SE"
    response = client.post(
        "/admin/customers/customer/add/",
        _customer_form(email="x@example.fi", country="Narnia"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "is not a country we know" in response.content.decode()
    assert not Customer.objects.filter(email="x@example.fi").exists()
