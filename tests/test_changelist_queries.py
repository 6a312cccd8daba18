"""Every list in the admin makes the same number of queries for 5 rows as for 50
(issue 12): nothing is read once per row. Times at 100,000 customers are measured in
bench/scale.py; here the queries are counted."""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent.models import (
    AuditEntry,
    Breach,
    ConsentEvent,
    Disclosure,
    Newsletter,
    NoticeVersion,
    OutboxEmail,
    Recipient,
    RightsRequest,
    Suppression,
)
from customers.models import Course, CourseSession, Customer, Interaction, Purchase

pytestmark = pytest.mark.django_db


def _customers(n: int, start: int) -> list[Customer]:
    return Customer.objects.bulk_create(
        Customer(first_name=f"Aino{i}", last_name=f"Esim{i}", email=f"a{i}@example.fi")
        for i in range(start, start + n)
    )


def _course(i: int) -> Course:
    now = timezone.now()
    return Course.objects.create(
        name=f"Kurssi {i}", starts_at=now, ends_at=now + timedelta(days=30), capacity=10
    )


def customers(n: int, start: int) -> None:
    _customers(n, start)


def courses(n: int, start: int) -> None:
    for i in range(start, start + n):
        _course(i)


def sessions(n: int, start: int) -> None:
    course = _course(start)
    now = timezone.now()
    CourseSession.objects.bulk_create(
        CourseSession(
            course=course,
            starts_at=now + timedelta(hours=i),
            ends_at=now + timedelta(hours=i, minutes=50),
        )
        for i in range(n)
    )


def purchases(n: int, start: int) -> None:
    course = _course(start)
    Purchase.objects.bulk_create(
        Purchase(
            customer=c,
            course=course,
            description=f"Kortti {c.pk}",
            amount=Decimal("10"),
            purchased_on=date.today(),
        )
        for c in _customers(n, start)
    )


def interactions(n: int, start: int) -> None:
    Interaction.objects.bulk_create(
        Interaction(
            customer=c,
            kind=Interaction.Kind.FEEDBACK,
            direction=Interaction.Direction.INCOMING,
            occurred_at=timezone.now(),
            subject="Palaute",
            text="Kiva.",
        )
        for c in _customers(n, start)
    )


def consent_events(n: int, start: int) -> None:
    ConsentEvent.objects.bulk_create(
        ConsentEvent(
            customer=c,
            purpose=ConsentEvent.Purpose.NEWSLETTER,
            channel=ConsentEvent.Channel.EMAIL,
            action=ConsentEvent.Action.GIVEN,
            source=ConsentEvent.Source.ADMIN,
            wording="Paperilomake",
            recorded_by=User.objects.first(),
        )
        for c in _customers(n, start)
    )


def requests(n: int, start: int) -> None:
    RightsRequest.objects.bulk_create(
        RightsRequest(
            request_type="access",
            status="verified",
            customer=c,
            email=c.email,
            received_at=timezone.now(),
            due_on=date.today() + timedelta(days=20),
        )
        for c in _customers(n, start)
    )


def outbox(n: int, start: int) -> None:
    OutboxEmail.objects.bulk_create(
        OutboxEmail(to=c.email, subject="Hei", body_text="Hei", customer=c)
        for c in _customers(n, start)
    )


def newsletters(n: int, start: int) -> None:
    Newsletter.objects.bulk_create(
        Newsletter(subject=f"Uutiskirje {i}", body="Uutisia.", created_by=User.objects.first())
        for i in range(start, start + n)
    )


def suppressions(n: int, start: int) -> None:
    Suppression.objects.bulk_create(
        Suppression(value_hash=f"{i:064x}", reason=Suppression.Reason.OBJECTION)
        for i in range(start, start + n)
    )


def recipients(n: int, start: int) -> None:
    Recipient.objects.bulk_create(
        Recipient(name=f"Palvelu {i}", purpose="Varmuuskopiot", country="FI")
        for i in range(start, start + n)
    )


def notice_versions(n: int, start: int) -> None:
    NoticeVersion.objects.bulk_create(
        NoticeVersion(number=i + 1, content={}) for i in range(start, start + n)
    )


def disclosures(n: int, start: int) -> None:
    Disclosure.objects.bulk_create(
        Disclosure(customer=c, recipient="Poliisi", data="Nimi", ground="law")
        for c in _customers(n, start)
    )


def breaches(n: int, start: int) -> None:
    Breach.objects.bulk_create(
        Breach(description=f"Kadonnut lista {i}", risk=Breach.Risk.UNLIKELY)
        for i in range(start, start + n)
    )


def audit_entries(n: int, start: int) -> None:
    AuditEntry.objects.bulk_create(
        AuditEntry(action="view", user=User.objects.first(), customer=c)
        for c in _customers(n, start)
    )


def users(n: int, start: int) -> None:
    User.objects.bulk_create(
        User(username=f"kayttaja{i}", is_staff=True) for i in range(start, start + n)
    )


LISTS: dict[str, Callable[[int, int], None]] = {
    "customers/customer/": customers,
    "customers/course/": courses,
    "customers/coursesession/": sessions,
    "customers/purchase/": purchases,
    "customers/interaction/": interactions,
    "consent/consentevent/": consent_events,
    "consent/rightsrequest/": requests,
    "consent/outboxemail/": outbox,
    "consent/newsletter/": newsletters,
    "consent/suppression/": suppressions,
    "consent/recipient/": recipients,
    "consent/noticeversion/": notice_versions,
    "consent/disclosure/": disclosures,
    "consent/breach/": breaches,
    "consent/auditentry/": audit_entries,
    "auth/user/": users,
}


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("path", list(LISTS))
def test_a_list_costs_the_same_for_5_rows_as_for_50(client, owner, path):
    client.force_login(owner)
    url = f"/admin/{path}"
    LISTS[path](5, 0)
    client.get(url)  # one-time caches (content types, settings row)
    few = _count(client, url)
    LISTS[path](45, 1000)
    assert _count(client, url) == few
