"""Standing people and tools for the tests: an owner, a staff member, a customer, a browser."""

import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.db import connection
from django.utils import timezone, translation

from customers.models import (
    Attendance,
    Course,
    CourseSession,
    Customer,
    Enrollment,
    Interaction,
    Purchase,
)
from rekisteri.roles import OWNER, STAFF

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PASSWORD = "correct-horse-battery-staple"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Tests for one database run in that database's pass only (deselected, not skipped).
    vendor = connection.vendor
    keep, drop = [], []
    for item in items:
        if (item.get_closest_marker("postgresql_only") and vendor != "postgresql") or (
            item.get_closest_marker("sqlite_only") and vendor != "sqlite"
        ):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True)
def _no_language_left_active() -> Iterator[None]:
    """Each test starts as a fresh process does, with no language activated (so
    LANGUAGE_CODE rules): a request with an Accept-Language header leaves its language
    active in the thread, which would otherwise leak into the next test."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache, as a fresh server process does: the studio's
    name and the public pages' fragments (issue 12) are not carried over from another
    test's database."""
    cache.clear()
    yield
    cache.clear()


def _user(username: str, role: str) -> User:
    user = User.objects.create_user(
        username=username,
        email=f"{username}@studio.example.fi",
        password=PASSWORD,
        is_staff=True,
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def owner(db: None) -> User:
    return _user("olga", OWNER)


@pytest.fixture
def staff(db: None) -> User:
    return _user("sami", STAFF)


@pytest.fixture
def course(db: None) -> Course:
    start = timezone.now().replace(hour=18, minute=0, second=0, microsecond=0)
    return Course.objects.create(
        name="Hatha-jooga alkeet",
        description="Rauhallinen alkeiskurssi.",
        starts_at=start,
        ends_at=start + timedelta(weeks=7, hours=1),
        place="Sali 1",
        capacity=12,
        price=Decimal("120.00"),
    )


@pytest.fixture
def customer(db: None) -> Customer:
    return Customer.objects.create(
        first_name="Aino",
        last_name="Esimerkki",
        email="aino.esimerkki@example.fi",
        phone="+358401234567",
        street_address="Esimerkkikatu 1 A 2",
        postal_code="00100",
        city="Helsinki",
        origin=Customer.Origin.COURSE_ENROLMENT,
    )


@pytest.fixture
def customer_with_history(customer: Customer, course: Course, staff: User) -> Customer:
    """A customer with a row in every table of the register."""
    enrollment = Enrollment.objects.create(customer=customer, course=course)
    # The course meets weekly, eight times; she was at the first session.
    first, *_rest = CourseSession.objects.bulk_create(
        CourseSession(
            course=course,
            starts_at=course.starts_at + timedelta(weeks=week),
            ends_at=course.starts_at + timedelta(weeks=week, hours=1),
        )
        for week in range(8)
    )
    Attendance.objects.create(session=first, enrollment=enrollment, recorded_by=staff)
    Purchase.objects.create(
        customer=customer,
        course=course,
        description="Hatha-jooga alkeet, kurssimaksu",
        amount=Decimal("120.00"),
        reference="K-1001",
    )
    Interaction.objects.create(
        customer=customer,
        kind=Interaction.Kind.FEEDBACK,
        subject="Kiitos kurssista",
        text="Opettaja oli mahtava.",
        recorded_by=staff,
    )
    Interaction.objects.create(
        customer=customer,
        kind=Interaction.Kind.COMPLAINT,
        subject="Sali oli kylmä",
        text="Salin lämpötila oli liian matala.",
    )
    return customer


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The system's Chromium; in CI its absence fails the run instead of skipping."""
    found = shutil.which(CHROMIUM) or shutil.which("chromium")
    if found:
        return found
    message = (
        "Browser tests need Chromium at /usr/bin/chromium: install it with "
        "`sudo apt-get install chromium` (or set CHROMIUM_PATH)."
    )
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture
def browser_page(chromium_path: str, live_server: object) -> Iterator[object]:
    """A Playwright page in real Chromium, in Finnish, at phone-friendly defaults."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make between browser steps are ordinary synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fi-FI", timezone_id="Europe/Helsinki")
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


class SmtpSink:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 15.0) -> list:
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"expected {count} emails, got {len(self.messages)}"
        return self.messages

    @staticmethod
    def text(message: object) -> str:
        part = message.get_body(preferencelist=("plain",))
        return part.get_content()


@pytest.fixture
def smtp_server(settings: object) -> Iterator[SmtpSink]:
    """Point the app's email at a real SMTP server on 127.0.0.1 for the test."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield sink
    finally:
        controller.stop()
