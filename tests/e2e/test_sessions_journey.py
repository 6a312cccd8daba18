"""In real Chromium: a day at the studio. Staff take attendance at the door on a 360 px
phone; the owner sees it on the front page, in the week's calendar, in the calendar feed
and in the customer's access report; an Excel export imports like the CSV one. axe-core
(WCAG 2.1 A and AA) finds nothing on the new pages, in Finnish or in English.

Set A11Y_SCREENSHOTS to a folder to also save a screenshot of every page checked.
"""

import io
import os
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from consent.models import RightsRequest
from customers import importing
from customers.models import Attendance, Course, CourseSession, Customer, Enrollment
from customers.sessions import generate_weekly_sessions
from tests.conftest import CHROMIUM_ARGS, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
LOCALES = {"fi": "fi-FI", "en": "en-GB"}
WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
SAMPLE = Path(__file__).parent.parent / "customers" / "data" / "varaaheti_sample.csv"
# The smallest comfortable tap target (WCAG 2.5.5 asks 44 CSS pixels).
TAP = 44

axe = Axe()


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread (see tests/conftest.py).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def open_page(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """open_page(language, viewport=PHONE): a new signed-out page in a new context."""
    contexts = []

    def open_page(language: str, *, viewport: dict = PHONE, javascript: bool = True) -> Any:
        context = browser.new_context(
            base_url=live_server.url,
            locale=LOCALES[language],
            timezone_id="Europe/Helsinki",
            viewport=viewport,
            java_script_enabled=javascript,
        )
        contexts.append(context)
        context.set_default_timeout(15_000)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def login(page: Any, user: Any) -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def problems(page: Any, where: str, *, reflow: bool = True) -> list[str]:
    """axe-core's WCAG 2.1 AA violations on the page now shown, and sideways scrolling."""
    found = []
    if reflow:
        viewport = page.viewport_size
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > viewport["width"]:
            wide = page.evaluate(
                """(limit) => Array.from(document.querySelectorAll('body *'))
                    .filter(e => e.getBoundingClientRect().right > limit)
                    .slice(-5).map(e => e.tagName + '.' + e.className + ' ' +
                        (e.textContent || '').trim().slice(0, 40))""",
                viewport["width"],
            )
            found.append(
                f"{where}: {width}px wide at {viewport['width']}px, scrolls sideways ({wide})"
            )
    results = axe.run(page, options=WCAG_21_AA)
    if results.violations_count:
        lines = [f"{where}: {results.violations_count} axe violation(s) at {page.url}"]
        for v in results.response["violations"]:
            lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
            for node in v["nodes"]:
                lines.append(f"    - {' '.join(str(t) for t in node['target'])}")
        found.append("\n".join(lines))
    if folder := os.environ.get("A11Y_SCREENSHOTS"):
        name = re.sub(r"\W+", "-", where).strip("-")
        page.screenshot(path=str(Path(folder) / f"sessions-{name}.png"), full_page=True)
    return found


def local(day: date, clock: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock))


@pytest.fixture
def todays_course(staff: Any) -> tuple[Course, CourseSession, list[Customer]]:
    """A weekly course that meets today, with six participants."""
    today = timezone.localdate()
    course = Course.objects.create(
        name="Hatha-jooga ilta",
        starts_at=local(today - timedelta(weeks=3), time(18)),
        ends_at=local(today + timedelta(weeks=4), time(19, 15)),
        place="Sali 1",
        capacity=12,
        price=Decimal("120.00"),
    )
    generate_weekly_sessions(
        course=course,
        weekdays=[today.weekday()],
        starts=time(18),
        ends=time(19, 15),
        first=today - timedelta(weeks=3),
        last=today + timedelta(weeks=4),
    )
    session = course.sessions.get(starts_at=local(today, time(18)))
    people = []
    for i, (first, last) in enumerate(
        [
            ("Aino", "Aaltonen"),
            ("Eero", "Heikkinen"),
            ("Helmi", "Järvinen"),
            ("Kalle", "Korhonen"),
            ("Liisa", "Laine"),
            ("Oona", "Ojala"),
        ]
    ):
        customer = Customer.objects.create(
            first_name=first,
            last_name=last,
            email=f"{first.lower()}.{last.lower()}@example.fi",
            phone=f"+35840111222{i}",
        )
        Enrollment.objects.create(customer=customer, course=course)
        people.append(customer)
    return course, session, people


def test_a_day_at_the_studio(open_page, live_server, staff, owner, todays_course):
    course, session, people = todays_course
    found: list[str] = []

    # At the door: staff open today's session from the front page, on a phone.
    door = open_page("fi")
    login(door, staff)
    door.goto("/admin/")
    found += problems(door, "front page, staff, fi")
    door.click(f"#today-sessions a:has-text('{course.name}')")
    door.wait_for_url(f"**/coursesession/{session.pk}/attendance/")
    assert door.locator("html").get_attribute("lang") == "fi"
    found += problems(door, "attendance list, fi")
    labels = door.locator("label.tap")
    assert labels.count() == 6
    for i in range(labels.count()):
        box = labels.nth(i).bounding_box()
        assert box["height"] >= TAP and box["width"] >= 300, box
    # Tap the names (the whole row is the checkbox's label).
    for person in (people[0], people[2], people[4]):
        door.click(f"label.tap:has-text('{person.full_name}')")
    assert door.locator("input[name=present]:checked").count() == 3
    door.click(".save-row input[type=submit]")
    door.wait_for_selector(".messagelist .success")
    found += problems(door, "attendance saved, fi")
    present = set(
        Attendance.objects.filter(session=session, present=True).values_list(
            "enrollment__customer__last_name", flat=True
        )
    )
    assert present == {"Aaltonen", "Järvinen", "Laine"}
    assert Attendance.objects.filter(session=session, present=False).count() == 3
    assert door.locator("input[name=present]:checked").count() == 3

    # The owner's front page, in English, on a desktop: today's session with 3 present.
    office = open_page("en", viewport=DESKTOP)
    login(office, owner)
    office.goto("/admin/")
    today_row = office.locator("#today-sessions tbody tr", has_text=course.name)
    assert today_row.locator("td").nth(1).inner_text().strip() == "6 / 12"
    assert today_row.locator("td").nth(2).inner_text().strip() == "3"
    assert "3 this week" in office.locator("#attendance-chart-summary").inner_text()
    office.set_viewport_size(PHONE)
    found += problems(office, "front page, owner, en")

    # The week's calendar lists the session; the owner makes the feed's address.
    office.goto("/admin/customers/coursesession/calendar/")
    today_section = office.locator("section.day.today")
    assert course.name in today_section.inner_text()
    assert "6 / 12" in today_section.inner_text()
    office.click(".calendar-feed button[type=submit]")
    office.wait_for_selector("#feed-url")
    found += problems(office, "calendar, en")
    address = office.locator("#feed-url").input_value()
    feed_path = "/" + address.split("/", 3)[3]
    assert re.fullmatch(r"/calendar/[A-Za-z0-9_-]{40,}\.ics", feed_path)
    feed = office.request.get(live_server.url + feed_path)
    assert feed.status == 200
    text = feed.text()
    stamp = session.starts_at.astimezone(UTC)
    assert f"DTSTART:{stamp:%Y%m%dT%H%M%SZ}" in text
    assert f"SUMMARY:{course.name}" in text and "LOCATION:Sali 1" in text
    for person in people:
        assert person.last_name not in text and person.email not in text
    # Another browser, signed out, gets the same feed: calendar apps do not log in.
    outsider = open_page("en")
    assert outsider.request.get(live_server.url + feed_path).status == 200
    assert outsider.request.get(live_server.url + "/calendar/not-the-token.ics").status == 404

    # The customer's own attendance, and the access report made for her.
    aino = people[0]
    office.goto(f"/admin/customers/customer/{aino.pk}/change/")
    office.click(f"a[href$='/coursesession/participant/{aino.pk}/']")
    office.wait_for_selector(".participant-courses")
    assert "Present at 1 of 4 sessions so far." in office.locator("#content-main").inner_text()
    found += problems(office, "customer's attendance, en")
    request = RightsRequest.objects.create(
        request_type=RightsRequest.Type.ACCESS,
        email=aino.email,
        customer=aino,
        status=RightsRequest.Status.VERIFIED,
        due_on=timezone.localdate() + timedelta(days=30),
    )
    office.goto(f"/admin/consent/rightsrequest/{request.pk}/report/")
    report = office.locator("#content").text_content()
    assert "Attendance" in report, report
    assert f"{course.name} {timezone.localtime(session.starts_at):%d.%m.%Y %H:%M}" in report

    # The session tools of the course and customer pages pass axe too.
    office.goto(f"/admin/customers/course/{course.pk}/sessions/generate/")
    found += problems(office, "weekly rule, en")
    office.goto(f"/admin/customers/course/enrol/{people[5].pk}/")
    found += problems(office, "enrol, en")

    # Finnish at the door passes the same checks on the calendar.
    door.goto("/admin/customers/coursesession/calendar/")
    found += problems(door, "calendar, fi")

    assert not found, "\n\n".join(found)


def test_the_list_at_the_door_works_without_javascript(open_page, staff, todays_course):
    course, session, people = todays_course
    page = open_page("en", javascript=False)
    login(page, staff)
    page.goto(f"/admin/customers/coursesession/{session.pk}/attendance/")
    page.check(f"#present-{people[1].enrollments.get().pk}")
    with page.expect_navigation():
        page.click(".save-row input[type=submit]")
    assert "1 present, 5 absent" in page.locator(".messagelist").inner_text()
    assert Attendance.objects.filter(session=session, present=True).count() == 1


def _sample_workbook() -> bytes:
    """The sample CSV as a person's spreadsheet has it: real date and time cells."""
    import csv

    from openpyxl import Workbook

    records = list(csv.reader(io.StringIO(SAMPLE.read_text("utf-8")), delimiter=";"))
    book = Workbook()
    sheet = book.active
    sheet.title = "Varaukset"
    sheet.append(records[0])
    for record in records[1:]:
        row: list[Any] = []
        for value in record:
            if m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", value):
                try:
                    row.append(date(int(m[3]), int(m[2]), int(m[1])))
                    continue
                except ValueError:
                    pass
            if m := re.fullmatch(r"(\d{1,2})[:.](\d{2})", value):
                row.append(time(int(m[1]), int(m[2])))
                continue
            row.append(value)
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_excel_export_imports_like_the_csv_one(open_page, owner, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    expected = importing.preview(importing.read_bookings(SAMPLE.read_bytes()))
    page = open_page("en", viewport=DESKTOP)
    login(page, owner)
    page.goto("/admin/customers/customer/import/")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "varaukset.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": _sample_workbook(),
            }
        ],
    )
    page.click("input[type=submit]")
    page.wait_for_selector("text=read from the sheet Varaukset")
    page.click("button[name=step][value=confirm]")
    page.wait_for_selector(".messagelist .success")
    assert Customer.objects.count() == expected.new_customers
    assert Enrollment.objects.count() == expected.new_enrollments
    assert Course.objects.count() == expected.new_courses
    assert set(Customer.objects.values_list("phone", flat=True)) >= {"+358401111111"}
