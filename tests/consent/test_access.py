"""The access report (R13): every row of every table about the person, from the inventory."""

import json

import pytest
from django.core.management import call_command
from django.utils import translation

from consent.acts.access import build_access_report, report_as_csv, rows_about
from customers.inventory import personal_rules

pytestmark = pytest.mark.django_db


def test_the_report_has_every_row_of_every_personal_table(customer_everywhere):
    report = build_access_report(customer=customer_everywhere)
    sections = {s["table"]: s for s in report["sections"]}
    for rule in personal_rules():
        section = sections[rule.model._meta.label_lower]
        assert len(section["rows"]) == rows_about(customer_everywhere, rule).count() >= 1


def test_the_report_shows_values_a_person_can_read(customer_everywhere):
    report = build_access_report(customer=customer_everywhere)
    customer_row = next(s for s in report["sections"] if s["table"] == "customers.customer")[
        "rows"
    ][0]
    assert customer_row["street_address"] == "Esimerkkikatu 1 A 2"
    assert customer_row["origin"] in ("Kurssi-ilmoittautuminen", "Course enrolment")
    purchase = next(s for s in report["sections"] if s["table"] == "customers.purchase")["rows"][0]
    assert purchase["amount"] == "120.00"
    # A choice is its label, in the reader's language.
    for language, paid in (("fi", "Maksettu"), ("en", "Paid")):
        with translation.override(language):
            report = build_access_report(customer=customer_everywhere)
        rows = next(s for s in report["sections"] if s["table"] == "customers.purchase")["rows"]
        assert rows[0]["status"] == paid, language


def test_the_report_carries_the_article_15_information(customer_everywhere):
    info = build_access_report(customer=customer_everywhere)["information"]
    for key in ("purposes", "categories", "recipients", "retention", "rights", "complaint"):
        assert key in info
    rights = " ".join(str(r) for r in info["rights"])
    assert len(info["rights"]) == 8
    # The general right to object (Art. 21(1)) and withdrawal of consent (Art. 7(3)) too.
    assert "21(1)" in rights or "21 artiklan 1 kohta" in rights
    assert "suostumuksesi" in rights or "withdraw a consent" in rights
    assert "tietosuoja.fi" in info["complaint"]


def test_the_report_is_valid_json_and_csv(customer_everywhere):
    report = build_access_report(customer=customer_everywhere)
    assert json.loads(json.dumps(report)) == report
    assert "Esimerkkikatu 1 A 2" in report_as_csv(report)


def test_the_export_command_prints_the_report(customer_everywhere, capsys):
    call_command("export_customer", "AINO.esimerkki@example.fi", "--format", "json")
    report = json.loads(capsys.readouterr().out)
    assert report["person"]["email"] == "aino.esimerkki@example.fi"
    call_command("export_customer", customer_everywhere.email, "--format", "html")
    assert "Esimerkkikatu 1 A 2" in capsys.readouterr().out
