"""Who may open what in the admin: every admin URL for an anonymous visitor, staff and the
owner, and every admin action of every model (docs/security.md, "Accounts").

The expected answers are written out below as data, page by page, so that a reader can check
them against the roles (customers/roles.py) and the README; they are not derived from the
permissions, or the test could not fail. A new admin page without a row here fails the test
until someone writes down who may open it.
"""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver
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
    StudioSettings,
    Suppression,
)
from customers.models import Course, CourseSession, Customer, Interaction, Purchase
from rekisteri.roles import STAFF

pytestmark = pytest.mark.django_db

# What GET answers, by who asks. "login" = a redirect to the admin's login page.
LOGIN = "login"
OK, REDIRECT, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = 200, 302, 403, 404, 405

# Every admin URL pattern (as admin.site.get_urls() spells it, under /admin/) with what
# (staff, owner) get for a GET; an anonymous visitor is sent to the login page everywhere
# except where ANONYMOUS says otherwise. Placeholders are filled with the pk of a real row.
EXPECTED: dict[str, tuple[int, int]] = {
    # The admin site itself.
    "": (OK, OK),
    "login/": (REDIRECT, REDIRECT),  # a logged-in user goes on to the index
    "logout/": (NOT_ALLOWED, NOT_ALLOWED),  # POST only
    "password_change/": (OK, OK),
    "password_change/done/": (OK, OK),
    "autocomplete/": (OK, OK),  # customers for an interaction's form: both may pick one
    "jsi18n/": (OK, OK),
    "2fa/": (OK, OK),  # one's own second factor (rekisteri/otp.py)
    "r/<path:content_type_id>/<path:object_id>/": (NOT_FOUND, NOT_FOUND),  # no public pages
    # Users and groups: the owner's alone.
    "auth/group/": (FORBIDDEN, OK),
    "auth/group/add/": (FORBIDDEN, OK),
    "auth/group/<path:object_id>/history/": (FORBIDDEN, OK),
    "auth/group/<path:object_id>/delete/": (FORBIDDEN, OK),
    "auth/group/<path:object_id>/change/": (FORBIDDEN, OK),
    "auth/group/<path:object_id>/": (REDIRECT, REDIRECT),  # to .../change/
    "auth/user/<id>/password/": (FORBIDDEN, OK),
    "auth/user/": (FORBIDDEN, OK),
    "auth/user/add/": (FORBIDDEN, OK),
    "auth/user/<path:object_id>/history/": (FORBIDDEN, OK),
    "auth/user/<path:object_id>/delete/": (FORBIDDEN, OK),
    "auth/user/<path:object_id>/change/": (FORBIDDEN, OK),
    "auth/user/<path:object_id>/": (REDIRECT, REDIRECT),
    # Customers: staff see, add and change; nobody deletes (erasure does that).
    "customers/customer/": (OK, OK),
    "customers/customer/import/": (FORBIDDEN, OK),  # booking-calendar import: the owner's
    # Lifting a restriction (Art. 18(3)): the owner's, by POST from the customer's page.
    "customers/customer/<int:pk>/lift-restriction/": (FORBIDDEN, NOT_ALLOWED),
    "customers/customer/add/": (OK, OK),
    "customers/customer/<path:object_id>/history/": (OK, OK),
    "customers/customer/<path:object_id>/delete/": (FORBIDDEN, FORBIDDEN),
    "customers/customer/<path:object_id>/change/": (OK, OK),
    "customers/customer/<path:object_id>/": (REDIRECT, REDIRECT),
    # Courses: staff see them and print the participant list; the CSV export is the owner's.
    "customers/course/<int:pk>/participants/print/": (OK, OK),
    "customers/course/<int:pk>/participants/csv/": (FORBIDDEN, OK),
    "customers/course/": (OK, OK),
    "customers/course/add/": (FORBIDDEN, OK),
    "customers/course/<path:object_id>/history/": (OK, OK),
    "customers/course/<path:object_id>/delete/": (FORBIDDEN, OK),
    "customers/course/<path:object_id>/change/": (OK, OK),  # read-only for staff
    "customers/course/<path:object_id>/": (REDIRECT, REDIRECT),
    # The course's session tools: the owner makes sessions; both enrol a customer.
    "customers/course/<int:pk>/sessions/generate/": (FORBIDDEN, OK),
    "customers/course/enrol/<int:customer_pk>/": (OK, OK),
    # Sessions: staff see them, take attendance and open the week's calendar; the owner
    # also adds, changes and deletes sessions and replaces the calendar feed's address.
    "customers/coursesession/calendar/": (OK, OK),
    "customers/coursesession/calendar/feed/": (FORBIDDEN, NOT_ALLOWED),  # POST only
    "customers/coursesession/<int:pk>/attendance/": (OK, OK),
    "customers/coursesession/participant/<int:customer_pk>/": (OK, OK),
    "customers/coursesession/": (OK, OK),
    "customers/coursesession/add/": (FORBIDDEN, OK),
    "customers/coursesession/<path:object_id>/history/": (OK, OK),
    "customers/coursesession/<path:object_id>/delete/": (FORBIDDEN, OK),
    "customers/coursesession/<path:object_id>/change/": (OK, OK),  # read-only for staff
    "customers/coursesession/<path:object_id>/": (REDIRECT, REDIRECT),
    # Purchases: staff see them only; nobody deletes a voucher (only retention does, after
    # the bookkeeping period).
    "customers/purchase/": (OK, OK),
    "customers/purchase/add/": (FORBIDDEN, OK),
    "customers/purchase/<path:object_id>/history/": (OK, OK),
    "customers/purchase/<path:object_id>/delete/": (FORBIDDEN, FORBIDDEN),
    "customers/purchase/<path:object_id>/change/": (OK, OK),  # read-only for staff
    "customers/purchase/<path:object_id>/": (REDIRECT, REDIRECT),
    # Interactions: staff see, add and change them.
    "customers/interaction/": (OK, OK),
    "customers/interaction/add/": (OK, OK),
    "customers/interaction/<path:object_id>/history/": (OK, OK),
    "customers/interaction/<path:object_id>/delete/": (FORBIDDEN, OK),
    "customers/interaction/<path:object_id>/change/": (OK, OK),
    "customers/interaction/<path:object_id>/": (REDIRECT, REDIRECT),
    # Rights requests: the owner's; nobody deletes one (it is the proof of handling).
    "consent/rightsrequest/<int:pk>/extend/": (FORBIDDEN, OK),
    "consent/rightsrequest/<int:pk>/refuse/": (FORBIDDEN, OK),
    "consent/rightsrequest/<int:pk>/complete/": (FORBIDDEN, OK),
    "consent/rightsrequest/<int:pk>/release/": (FORBIDDEN, OK),
    "consent/rightsrequest/<int:pk>/erase/": (FORBIDDEN, OK),  # the preview; POST erases
    "consent/rightsrequest/<int:pk>/report/": (FORBIDDEN, OK),
    "consent/rightsrequest/<int:pk>/report/json/": (FORBIDDEN, OK),
    "consent/rightsrequest/<int:pk>/report/csv/": (FORBIDDEN, OK),
    "consent/rightsrequest/": (FORBIDDEN, OK),
    "consent/rightsrequest/add/": (FORBIDDEN, OK),
    "consent/rightsrequest/<path:object_id>/history/": (FORBIDDEN, OK),
    "consent/rightsrequest/<path:object_id>/delete/": (FORBIDDEN, FORBIDDEN),
    "consent/rightsrequest/<path:object_id>/change/": (FORBIDDEN, OK),
    "consent/rightsrequest/<path:object_id>/": (REDIRECT, REDIRECT),
    # The outbox: the owner reads it (and sends again); nobody writes or deletes mail.
    "consent/outboxemail/": (FORBIDDEN, OK),
    "consent/outboxemail/add/": (FORBIDDEN, FORBIDDEN),
    "consent/outboxemail/<path:object_id>/history/": (FORBIDDEN, OK),
    "consent/outboxemail/<path:object_id>/delete/": (FORBIDDEN, FORBIDDEN),
    "consent/outboxemail/<path:object_id>/change/": (FORBIDDEN, OK),  # read-only
    "consent/outboxemail/<path:object_id>/": (REDIRECT, REDIRECT),
    # Recipients and processors: the owner's.
    "consent/recipient/": (FORBIDDEN, OK),
    "consent/recipient/add/": (FORBIDDEN, OK),
    "consent/recipient/add-google/": (FORBIDDEN, OK),  # the guided entry for Gmail
    "consent/recipient/<path:object_id>/history/": (FORBIDDEN, OK),
    "consent/recipient/<path:object_id>/delete/": (FORBIDDEN, OK),
    "consent/recipient/<path:object_id>/change/": (FORBIDDEN, OK),
    "consent/recipient/<path:object_id>/": (REDIRECT, REDIRECT),
    # Studio settings: one row, changed by the owner only, never added or deleted.
    "consent/studiosettings/record-of-processing/": (FORBIDDEN, OK),
    "consent/studiosettings/": (REDIRECT, REDIRECT),  # straight to the one row
    "consent/studiosettings/add/": (FORBIDDEN, FORBIDDEN),
    "consent/studiosettings/<path:object_id>/history/": (FORBIDDEN, OK),
    "consent/studiosettings/<path:object_id>/delete/": (FORBIDDEN, FORBIDDEN),
    "consent/studiosettings/<path:object_id>/change/": (FORBIDDEN, OK),
    "consent/studiosettings/<path:object_id>/": (REDIRECT, REDIRECT),
    # Privacy notice versions: published by saving the settings, never edited.
    "consent/noticeversion/": (FORBIDDEN, OK),
    "consent/noticeversion/add/": (FORBIDDEN, FORBIDDEN),
    "consent/noticeversion/<path:object_id>/history/": (FORBIDDEN, OK),
    "consent/noticeversion/<path:object_id>/delete/": (FORBIDDEN, FORBIDDEN),
    "consent/noticeversion/<path:object_id>/change/": (FORBIDDEN, OK),  # read-only
    "consent/noticeversion/<path:object_id>/": (REDIRECT, REDIRECT),
    # Disclosures to authorities and breaches: the owner's; nobody deletes one (Art. 5(2), 33(5)).
    "consent/disclosure/": (FORBIDDEN, OK),
    "consent/disclosure/add/": (FORBIDDEN, OK),
    "consent/disclosure/<path:object_id>/history/": (FORBIDDEN, OK),
    "consent/disclosure/<path:object_id>/delete/": (FORBIDDEN, FORBIDDEN),  # never deleted
    "consent/disclosure/<path:object_id>/change/": (FORBIDDEN, OK),
    "consent/disclosure/<path:object_id>/": (REDIRECT, REDIRECT),
    "consent/breach/": (FORBIDDEN, OK),
    "consent/breach/add/": (FORBIDDEN, OK),
    "consent/breach/<path:object_id>/history/": (FORBIDDEN, OK),
    "consent/breach/<path:object_id>/delete/": (FORBIDDEN, FORBIDDEN),  # never deleted
    "consent/breach/<path:object_id>/change/": (FORBIDDEN, OK),
    "consent/breach/<path:object_id>/": (REDIRECT, REDIRECT),
    # The consent ledger: append-only. Staff and the owner read it and record a consent
    # given on paper or at the desk through "Record a consent"; nobody edits or deletes.
    "consent/consentevent/record/<int:customer_pk>/": (OK, OK),
    "consent/consentevent/": (OK, OK),
    "consent/consentevent/add/": (FORBIDDEN, FORBIDDEN),
    "consent/consentevent/<path:object_id>/history/": (OK, OK),
    "consent/consentevent/<path:object_id>/delete/": (FORBIDDEN, FORBIDDEN),
    "consent/consentevent/<path:object_id>/change/": (OK, OK),  # read-only
    "consent/consentevent/<path:object_id>/": (REDIRECT, REDIRECT),
    # The suppression list: read-only for the owner.
    "consent/suppression/": (FORBIDDEN, OK),
    "consent/suppression/add/": (FORBIDDEN, FORBIDDEN),
    "consent/suppression/<path:object_id>/history/": (FORBIDDEN, OK),
    "consent/suppression/<path:object_id>/delete/": (FORBIDDEN, FORBIDDEN),
    "consent/suppression/<path:object_id>/change/": (FORBIDDEN, OK),  # read-only
    "consent/suppression/<path:object_id>/": (REDIRECT, REDIRECT),
    # The audit trail: the owner reads it; nobody adds, changes or deletes an entry.
    "consent/auditentry/": (FORBIDDEN, OK),
    "consent/auditentry/add/": (FORBIDDEN, FORBIDDEN),
    "consent/auditentry/<path:object_id>/history/": (FORBIDDEN, OK),
    "consent/auditentry/<path:object_id>/delete/": (FORBIDDEN, FORBIDDEN),
    "consent/auditentry/<path:object_id>/change/": (FORBIDDEN, OK),  # read-only
    "consent/auditentry/<path:object_id>/": (REDIRECT, REDIRECT),
    # Newsletters: the owner's; a sent one is not edited or deleted.
    "consent/newsletter/audience/": (FORBIDDEN, OK),
    "consent/newsletter/audience.csv": (FORBIDDEN, OK),
    "consent/newsletter/": (FORBIDDEN, OK),
    "consent/newsletter/add/": (FORBIDDEN, OK),
    "consent/newsletter/<path:object_id>/history/": (FORBIDDEN, OK),
    "consent/newsletter/<path:object_id>/delete/": (FORBIDDEN, FORBIDDEN),
    "consent/newsletter/<path:object_id>/change/": (FORBIDDEN, OK),  # read-only
    "consent/newsletter/<path:object_id>/": (REDIRECT, REDIRECT),
}

# The app index pages (^(?P<app_label>...)/$): staff see the register and, of the consent
# app, the consent ledger only.
APP_INDEX: dict[str, tuple[int, int]] = {
    "auth/": (NOT_FOUND, OK),
    "customers/": (OK, OK),
    "consent/": (OK, OK),
}

# Where an anonymous visitor is not simply sent to the login page.
ANONYMOUS = {"login/": OK, "logout/": REDIRECT}

# Query strings some pages need to answer at all.
QUERY = {
    "autocomplete/": "?app_label=customers&model_name=interaction&field_name=customer",
}

# The admin actions each role is offered on each model's list, by model label.
ACTIONS: dict[str, tuple[set[str], set[str]]] = {
    "auth.Group": (set(), {"delete_selected"}),
    "auth.User": (set(), {"delete_selected"}),
    "customers.Customer": (set(), {"erase_selected", "lift_restriction"}),
    "customers.Course": (set(), {"delete_selected"}),
    "customers.CourseSession": (set(), {"delete_selected"}),
    "customers.Purchase": (set(), set()),  # a voucher is never deleted by hand
    "customers.Interaction": (set(), {"delete_selected"}),
    "consent.RightsRequest": (set(), set()),
    "consent.OutboxEmail": (set(), {"send_again"}),
    "consent.Recipient": (set(), {"delete_selected"}),
    "consent.StudioSettings": (set(), set()),
    "consent.NoticeVersion": (set(), set()),
    "consent.Disclosure": (set(), set()),  # never deleted
    "consent.Breach": (set(), set()),  # never deleted
    "consent.ConsentEvent": (set(), set()),
    "consent.Suppression": (set(), set()),
    "consent.AuditEntry": (set(), set()),
    "consent.Newsletter": (set(), set()),
}


# One row of every model --------------------------------------------------------------------


@pytest.fixture
def rows(owner: User, staff: User, customer_with_history: Customer) -> dict[type, Any]:
    """A real row of every model registered in the admin, keyed by model."""
    customer = customer_with_history
    course = Course.objects.get()
    someone = User.objects.create_user("ulla", "ulla@studio.example.fi", "x" * 20)
    rights_request = RightsRequest.objects.create(
        request_type=RightsRequest.Type.ACCESS,
        email=customer.email,
        customer=customer,
        due_on=timezone.localdate() + timedelta(days=30),
    )
    found: dict[type, Any] = {
        Group: Group.objects.get(name=STAFF),
        User: someone,
        Customer: customer,
        Course: course,
        CourseSession: CourseSession.objects.first(),
        Purchase: Purchase.objects.get(),
        Interaction: Interaction.objects.first(),
        RightsRequest: rights_request,
        OutboxEmail: OutboxEmail.objects.create(to=customer.email, subject="S", body_text="B"),
        Recipient: Recipient.objects.create(name="Kirjanpitäjä Oy", purpose="Kirjanpito"),
        StudioSettings: StudioSettings.load(),
        NoticeVersion: NoticeVersion.objects.create(number=99, content={}),
        Disclosure: Disclosure.objects.create(
            customer=customer, recipient="Poliisi", data="Nimi", ground=Disclosure.Ground.LAW
        ),
        Breach: Breach.objects.create(
            description="Kadonnut läppäri", data_affected="Nimet", risk=Breach.Risk.UNLIKELY
        ),
        ConsentEvent: ConsentEvent.objects.create(
            customer=customer,
            purpose=ConsentEvent.Purpose.NEWSLETTER,
            channel=ConsentEvent.Channel.EMAIL,
            action=ConsentEvent.Action.GIVEN,
            source=ConsentEvent.Source.ADMIN,
        ),
        Suppression: Suppression.objects.create(value_hash="a" * 64, reason="erasure"),
        AuditEntry: AuditEntry.objects.create(action=AuditEntry.Action.VIEW, customer=customer),
        Newsletter: Newsletter.objects.create(subject="Syksyn kurssit", body="Tervetuloa!"),
    }
    # Something in a history page.
    LogEntry.objects.log_actions(owner.pk, [customer], ADDITION)
    return found


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def _admin_routes() -> dict[str, URLPattern]:
    routes = dict(_walk(admin.site.get_urls()))
    # The app index and the catch-all are checked on their own (APP_INDEX, below).
    return {r: p for r, p in routes.items() if not r.startswith("^") and r != "(?P<url>.*)$"}


def _model_of(route: str) -> type[models.Model] | None:
    for model in admin.site._registry:
        if route.startswith(f"{model._meta.app_label}/{model._meta.model_name}/"):
            return model
    return None


def _url(route: str, rows: dict[type, Any]) -> str:
    model = _model_of(route)
    url = route
    if "<path:content_type_id>" in url:
        customer = rows[Customer]
        content_type = ContentType.objects.get_for_model(Customer)
        url = url.replace("<path:content_type_id>", str(content_type.pk))
        url = url.replace("<path:object_id>", str(customer.pk))
    url = url.replace("<int:customer_pk>", str(rows[Customer].pk))
    if model is not None:
        pk = str(rows[model].pk)
        for placeholder in ("<path:object_id>", "<int:pk>", "<id>"):
            url = url.replace(placeholder, pk)
    assert "<" not in url, f"no value for a placeholder in {route}"
    return "/admin/" + url + QUERY.get(route, "")


def test_every_admin_url_has_its_expected_answers():
    missing = sorted(set(_admin_routes()) - set(EXPECTED))
    gone = sorted(set(EXPECTED) - set(_admin_routes()))
    assert missing == [], "new admin URLs: write down who may open them in EXPECTED"
    assert gone == [], "these admin URLs no longer exist: remove them from EXPECTED"


def _answer(response: Any) -> int | str:
    if response.status_code == 302 and response["Location"].startswith("/admin/login/?next="):
        return LOGIN
    return response.status_code


def test_the_permission_matrix(client, rows, staff, owner):
    wanted: dict[str, tuple[Any, Any, Any]] = {}
    urls = {route: _url(route, rows) for route in _admin_routes()}
    urls.update({route: f"/admin/{route}" for route in APP_INDEX})
    for route in urls:
        staff_answer, owner_answer = EXPECTED.get(route) or APP_INDEX[route]
        wanted[route] = (ANONYMOUS.get(route, LOGIN), staff_answer, owner_answer)
    answers: dict[str, list[Any]] = {route: [] for route in urls}
    for user in (None, staff, owner):
        client.logout()
        if user is not None:
            client.force_login(user)
        for route, url in urls.items():
            answers[route].append(_answer(client.get(url)))
    got = {route: tuple(found) for route, found in answers.items()}
    differ = {r: f"got {got[r]}, expected {wanted[r]}" for r in urls if got[r] != wanted[r]}
    assert differ == {}, "(anonymous, staff, owner) answers differ:\n" + "\n".join(
        f"  {r}: {d}" for r, d in sorted(differ.items())
    )


def test_an_unknown_admin_page_sends_anonymous_visitors_to_the_login(client, staff):
    response = client.get("/admin/no/such/page/")
    assert _answer(response) == LOGIN
    client.force_login(staff)
    assert client.get("/admin/no/such/page/").status_code == NOT_FOUND


def test_every_action_of_every_model_by_role(rows, staff, owner):
    factory = RequestFactory()
    got, registered = {}, set()
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        registered.add(label)
        offered = []
        for user in (staff, owner):
            request = factory.get(f"/admin/{model._meta.app_label}/{model._meta.model_name}/")
            request.user = user
            offered.append(set(model_admin.get_actions(request)))
        got[label] = tuple(offered)
    assert sorted(registered - set(ACTIONS)) == [], "write down the actions of new models"
    assert got == {label: ACTIONS[label] for label in registered}


# What staff must never do, spelled out ---------------------------------------------------


STAFF_NEVER = [
    # user management
    "/admin/auth/user/",
    "/admin/auth/user/add/",
    "/admin/auth/group/",
    # studio settings and the record of processing
    "/admin/consent/studiosettings/1/change/",
    # exports
    "/admin/customers/course/{course}/participants/csv/",
    "/admin/consent/rightsrequest/{rr}/report/",
    "/admin/consent/rightsrequest/{rr}/report/json/",
    "/admin/consent/rightsrequest/{rr}/report/csv/",
    "/admin/consent/newsletter/audience.csv",
    # erasure
    "/admin/consent/rightsrequest/{rr}/erase/",
    "/admin/customers/customer/{customer}/delete/",
]


def test_staff_can_never_export_erase_change_the_studio_or_manage_users(client, rows, staff):
    assert StudioSettings.load().pk == 1
    for codename in (
        "customers.export_participants",
        "consent.erase_customer",
        "consent.release_report",
        "consent.change_studiosettings",
        "consent.view_auditentry",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.change_group",
    ):
        assert not staff.has_perm(codename), codename
    client.force_login(staff)
    ids = {"course": rows[Course].pk, "rr": rows[RightsRequest].pk, "customer": rows[Customer].pk}
    for url in STAFF_NEVER:
        url = url.format(**ids)
        assert client.get(url).status_code == FORBIDDEN, url
        assert client.post(url, {"post": "yes"}).status_code == FORBIDDEN, url


def test_staff_cannot_erase_through_the_customer_list_action(client, rows, staff):
    customer = rows[Customer]
    client.force_login(staff)
    response = client.post(
        "/admin/customers/customer/",
        {"action": "erase_selected", "_selected_action": [customer.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.ERASE).exists()


def test_the_owner_can_erase_through_the_action(client, rows, owner):
    """The same request as staff's above succeeds for the owner: the test above can fail."""
    customer = Customer.objects.create(first_name="Poistettava", email="pois@example.fi")
    client.force_login(owner)
    client.post(
        "/admin/customers/customer/",
        {"action": "erase_selected", "_selected_action": [customer.pk], "post": "yes"},
    )
    assert not Customer.objects.filter(pk=customer.pk).exists()


def test_staff_cannot_post_user_changes(client, rows, staff):
    client.force_login(staff)
    response = client.post(
        f"/admin/auth/user/{staff.pk}/change/",
        {"username": staff.username, "is_superuser": "on", "is_staff": "on", "is_active": "on"},
    )
    assert response.status_code == FORBIDDEN
    staff.refresh_from_db()
    assert not staff.is_superuser
