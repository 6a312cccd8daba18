"""In real Chromium: the owner registers a customer, a course and an enrolment, then prints
the participant list."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import Course, Customer, Enrollment
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_registers_a_customer_enrols_them_and_prints_the_list(
    browser_page, live_server, owner
):
    page = browser_page
    base = live_server.url

    # Log in (the admin speaks Finnish by default).
    page.goto(f"{base}/admin/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    assert page.locator("html").get_attribute("lang") == "fi"

    # A new customer, with a phone number typed the Finnish way.
    page.goto(f"{base}/admin/customers/customer/add/")
    page.fill("#id_first_name", "Selja")
    page.fill("#id_last_name", "Testinen")
    page.fill("#id_email", "Selja.Testinen@example.fi")
    page.fill("#id_phone", "050-765 4321")
    page.fill("#id_street_address", "Koivukuja 5")
    page.fill("#id_postal_code", "80100")
    page.fill("#id_city", "Joensuu")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    customer = Customer.objects.get(last_name="Testinen")
    assert customer.phone == "+358507654321"
    assert customer.email == "selja.testinen@example.fi"

    # A new course.
    start = timezone.localtime() + timedelta(days=7)
    page.goto(f"{base}/admin/customers/course/add/")
    page.fill("#id_name", "Yin-jooga syksy")
    page.fill("#id_starts_at_0", start.strftime("%d.%m.%Y"))
    page.fill("#id_starts_at_1", "18.00")
    page.fill("#id_ends_at_0", (start + timedelta(weeks=5)).strftime("%d.%m.%Y"))
    page.fill("#id_ends_at_1", "19.15")
    page.fill("#id_place", "Sali 2")
    page.fill("#id_capacity", "10")
    page.fill("#id_price", "95")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    course = Course.objects.get(name="Yin-jooga syksy")

    # Enrol the customer from the course's participant list, finding her by name.
    page.click("#enrollments-group .add-row a")
    page.click("#enrollments-group tr.dynamic-enrollments .select2-selection")
    page.fill(".select2-search__field", "Testinen")
    page.click(".select2-results__option:has-text('Selja Testinen')")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert Enrollment.objects.filter(course=course, customer=customer).exists()

    # The printable list shows her name and nothing of her contact details.
    link = page.locator("a[href$='/participants/print/']")
    assert re.search("osallistujalista", link.inner_text(), re.IGNORECASE)
    page.goto(base + link.get_attribute("href"))
    body = page.locator("body").inner_text()
    assert "Selja Testinen" in body
    assert "050" not in body and "+358" not in body and "example.fi" not in body
    assert page.locator("td.box").count() >= 6  # six weekly attendance boxes
