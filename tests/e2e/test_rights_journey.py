"""In real Chromium, through a real SMTP server: a customer asks for their data and its
erasure, and the owner carries the erasure out in the admin."""

import json
import re
from pathlib import Path

import pytest

from consent.models import RightsRequest
from customers.models import Customer, Purchase
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://\S+?(/rights/verify/[^/\s]+/)")


def test_a_customer_gets_their_data_and_is_erased_the_same_day(
    browser_page, live_server, smtp_server, settings, owner, customer_with_history
):
    page = browser_page
    base = live_server.url
    settings.SITE_URL = base
    customer = customer_with_history

    # The form, on a phone, in Finnish.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{base}/rights/")
    page.fill("input[name=email]", customer.email)
    page.check("input[name=request_type][value=access]")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/rights/sent/")

    # The email arrives through SMTP with a link to continue.
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == customer.email
    path = LINK.search(smtp_server.text(message)).group(1)

    # Opening the link changes nothing until the button is pressed.
    page.goto(base + path)
    assert RightsRequest.objects.get().status == RightsRequest.Status.RECEIVED
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/rights/my-data/")
    assert "Esimerkkikatu 1 A 2" in page.content()

    # The machine-readable copy.
    with page.expect_download() as download:
        page.click("a[href$='download.json']")
    report = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert report["person"]["email"] == customer.email

    # Erasure asked for on the customer's own page; the owner is told at once.
    page.click("form:has(input[name=action][value=erasure]) button")
    page.wait_for_url(f"{base}/rights/my-data/")
    erasure = RightsRequest.objects.get(request_type=RightsRequest.Type.ERASURE)
    # The owner heard of the access request and, marked urgent, of the erasure.
    to_owner = [m for m in smtp_server.wait_for(3) if m["To"] == owner.email]
    assert len(to_owner) == 2
    assert "/admin/consent/rightsrequest/" in smtp_server.text(to_owner[-1])

    # The owner previews and erases in the admin.
    owner_page = page.context.browser.new_page(locale="fi-FI")
    owner_page.goto(f"{base}/admin/")
    owner_page.fill("#id_username", owner.username)
    owner_page.fill("#id_password", PASSWORD)
    owner_page.click("input[type=submit]")
    owner_page.wait_for_selector("#user-tools")
    owner_page.goto(f"{base}/admin/consent/rightsrequest/{erasure.pk}/erase/")
    assert "31.12." in owner_page.content()  # purchases kept for bookkeeping until...
    owner_page.click("input[type=submit].default")
    owner_page.wait_for_selector(".messagelist .success")
    owner_page.close()

    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert Purchase.objects.get().customer is None

    # The customer receives the completion email, and their page is closed.
    completion = smtp_server.wait_for(4)[3]
    assert completion["To"] == customer.email
    assert "poistettu" in smtp_server.text(completion)
    page.goto(f"{base}/rights/my-data/")
    page.wait_for_url(f"{base}/rights/")
