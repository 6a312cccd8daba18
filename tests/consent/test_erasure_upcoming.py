"""Erasure and the courses still to come (issue 14, item 4): the customer is told before
confirming that their places in courses not yet ended will be cancelled, and the owner is
told which courses lose a participant."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from consent.acts import requests
from customers.models import Course, Enrollment

pytestmark = pytest.mark.django_db

QUEUE = "/admin/consent/rightsrequest/"


@pytest.fixture
def past_course(customer_with_history):
    start = timezone.now() - timedelta(days=120)
    course = Course.objects.create(
        name="Syksyn lavatanssit", starts_at=start, ends_at=start + timedelta(days=30), capacity=9
    )
    Enrollment.objects.create(customer=customer_with_history, course=course)
    return course


@pytest.fixture
def own_page(client, customer_with_history, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/rights/",
            {
                "email": customer_with_history.email,
                "request_type": "access",
                "message": "",
                "website": "",
            },
        )
    link = re.search(r"https?://\S+/rights/verify/[^/\s]+/", mail.outbox[-1].body).group(0)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/" + link.split("/", 3)[3])
    return client


def test_the_customer_is_told_before_confirming_which_places_are_cancelled(
    own_page, customer_with_history, course, past_course
):
    page = own_page.get("/rights/my-data/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    erase = page[page.index('id="erase"') : page.index('name="action" value="erasure"')]
    assert "Your places in these courses, which have not ended yet, will be cancelled:" in erase
    assert str(course) in erase
    assert past_course.name not in erase  # over already: nothing to cancel


def test_the_owner_sees_and_is_told_which_courses_lose_a_participant(
    client, owner, customer_with_history, course, past_course, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    rr = requests.record_request(
        request_type="erasure",
        channel="phone",
        customer=customer_with_history,
        email="",
        message="",
        identity_check="Known customer, called from her own number.",
        received_on=timezone.localdate(),
        actor=owner,
    )
    page = client.get(f"{QUEUE}{rr.pk}/erase/").content.decode()
    assert "are cancelled: the courses lose a participant." in page
    assert str(course) in page and past_course.name not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{QUEUE}{rr.pk}/erase/", follow=True)
    told = " ".join(str(m) for m in response.context["messages"])
    assert f"These courses lost a participant: {course}." in told
    assert past_course.name not in told
    assert course.seats_taken() == 0


def test_the_customer_list_erasure_names_the_courses_too(
    client, owner, customer_with_history, course, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    selected = {"action": "erase_selected", "_selected_action": [customer_with_history.pk]}
    page = client.post("/admin/customers/customer/", selected).content.decode()
    assert f"Places cancelled in courses not yet ended: {course}" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/customers/customer/", {**selected, "post": "yes"}, follow=True
        )
    told = " ".join(str(m) for m in response.context["messages"])
    assert f"These courses lost a participant: {course}." in told
