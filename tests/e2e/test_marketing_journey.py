"""In real Chromium, through a real SMTP server: sign up, confirm from the email, receive
the newsletter and unsubscribe from its link."""

import re

import pytest

from consent.mail.outbox import send_pending
from consent.marketing import audience, newsletters
from consent.models import ConsentEvent, Newsletter
from customers.models import Customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_confirm_and_unsubscribe(browser_page, live_server, smtp_server, settings, owner):
    page = browser_page
    base = live_server.url
    settings.SITE_URL = base
    page.set_viewport_size({"width": 360, "height": 740})

    page.goto(f"{base}/marketing/subscribe/")
    assert not page.is_checked("input[name=consent]")  # nothing pre-ticked
    page.fill("input[name=email]", "selja.tilaaja@example.fi")
    page.fill("input[name=name]", "Selja Tilaaja")
    page.check("input[name=consent]")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/marketing/subscribe/sent/")
    assert not Customer.objects.exists()

    (confirmation,) = smtp_server.wait_for(1)
    path = re.search(
        r"https?://[^/\s]+(/marketing/confirm/\S+?/)\s", smtp_server.text(confirmation)
    ).group(1)
    page.goto(base + path)
    page.click("main form button[type=submit]")
    page.wait_for_selector("h1")
    customer = Customer.objects.get(email="selja.tilaaja@example.fi")
    assert customer in list(audience.audience_people(purpose="newsletter", channel="email"))

    newsletter = Newsletter.objects.create(subject="Kevään kurssit", body="Tervetuloa joogaan!")
    newsletters.send_newsletter(newsletter=newsletter, actor=owner)
    send_pending(newsletter=newsletter)
    letter = smtp_server.wait_for(2)[1]
    assert letter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.search(r"<(.+)>", letter["List-Unsubscribe"]).group(1)
    assert link in smtp_server.text(letter)

    page.goto(link)
    assert not ConsentEvent.objects.filter(action="withdrawn").exists()  # a GET changes nothing
    page.click("main form button[type=submit]")
    page.wait_for_selector("h1")
    assert ConsentEvent.objects.filter(customer=customer, action="withdrawn").exists()
    assert customer not in list(audience.audience_people(purpose="newsletter", channel="email"))
