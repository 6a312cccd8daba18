"""The register's entries in the personal-data inventory (see customers/inventory.py)."""

from django.utils.translation import gettext_lazy as _

from customers.inventory import Category, Erasure, FieldRule, Retention, register
from customers.models import (
    AdminPreference,
    Attendance,
    CalendarFeed,
    Course,
    CourseSession,
    Customer,
    Enrollment,
    Interaction,
    Purchase,
)

C, E = Category, Erasure

register(
    Customer,
    person="",
    rows=E.DELETE,
    retention=Retention.RELATIONSHIP,
    fields={
        "id": FieldRule(C.TECHNICAL, E.DELETE),
        "first_name": FieldRule(C.IDENTITY, E.DELETE),
        "last_name": FieldRule(C.IDENTITY, E.DELETE),
        "email": FieldRule(C.CONTACT, E.DELETE),
        "phone": FieldRule(C.CONTACT, E.DELETE),
        "street_address": FieldRule(C.CONTACT, E.DELETE),
        "postal_code": FieldRule(C.CONTACT, E.DELETE),
        "city": FieldRule(C.CONTACT, E.DELETE),
        "country": FieldRule(C.CONTACT, E.DELETE),
        "origin": FieldRule(C.RELATIONSHIP, E.DELETE),
        "language": FieldRule(C.RELATIONSHIP, E.DELETE),
        "notes": FieldRule(C.RELATIONSHIP, E.DELETE, free_text=True),
        "restricted_at": FieldRule(C.RELATIONSHIP, E.DELETE),
        "created_at": FieldRule(C.RELATIONSHIP, E.DELETE),
        "last_activity_at": FieldRule(C.RELATIONSHIP, E.DELETE),
    },
)

register(
    Course,
    person=None,
    rows=E.KEEP,
    retention=Retention.NOT_PERSONAL,
    fields={
        "id": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "name": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "description": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "starts_at": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "ends_at": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "place": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "capacity": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "price": FieldRule(C.NOT_PERSONAL, E.KEEP),
    },
)

# Before Enrollment: erasure deletes tables in this order, and deleting the enrolments first
# would take their attendance with them uncounted.
register(
    Attendance,
    person="enrollment__customer",
    rows=E.DELETE,
    retention=Retention.RELATIONSHIP,
    fields={
        "id": FieldRule(C.TECHNICAL, E.DELETE),
        "enrollment": FieldRule(C.TECHNICAL, E.DELETE),
        "session": FieldRule(C.PARTICIPATION, E.DELETE),
        "present": FieldRule(C.PARTICIPATION, E.DELETE),
        "recorded_at": FieldRule(C.PARTICIPATION, E.DELETE),
        "recorded_by": FieldRule(C.STAFF, E.DELETE),
    },
)

register(
    Enrollment,
    person="customer",
    rows=E.DELETE,
    retention=Retention.RELATIONSHIP,
    fields={
        "id": FieldRule(C.TECHNICAL, E.DELETE),
        "customer": FieldRule(C.TECHNICAL, E.DELETE),
        "course": FieldRule(C.PARTICIPATION, E.DELETE),
        "status": FieldRule(C.PARTICIPATION, E.DELETE),
        "enrolled_at": FieldRule(C.PARTICIPATION, E.DELETE),
        "cancelled_at": FieldRule(C.PARTICIPATION, E.DELETE),
    },
)

register(
    Purchase,
    person="customer",
    rows=E.KEEP,
    retention=Retention.BOOKKEEPING,
    kept_because=_(
        "The Accounting Act (1336/1997) requires vouchers to be kept for 6 years; "
        "the purchase is kept without the buyer's name or contact details."
    ),
    fields={
        "id": FieldRule(C.TECHNICAL, E.KEEP),
        "customer": FieldRule(C.TECHNICAL, E.DETACH),
        "course": FieldRule(C.PURCHASE, E.KEEP),
        "description": FieldRule(C.PURCHASE, E.KEEP),
        "amount": FieldRule(C.PURCHASE, E.KEEP),
        "purchased_on": FieldRule(C.PURCHASE, E.KEEP),
        "status": FieldRule(C.PURCHASE, E.KEEP),
        "cancelled_on": FieldRule(C.PURCHASE, E.KEEP),
        "reference": FieldRule(C.PURCHASE, E.KEEP),
        "marketing_notice_given": FieldRule(C.PURCHASE, E.KEEP),
    },
)

register(
    Interaction,
    person="customer",
    rows=E.DELETE,
    retention=Retention.RELATIONSHIP,
    fields={
        "id": FieldRule(C.TECHNICAL, E.DELETE),
        "customer": FieldRule(C.TECHNICAL, E.DELETE),
        "kind": FieldRule(C.COMMUNICATION, E.DELETE),
        "direction": FieldRule(C.COMMUNICATION, E.DELETE),
        "occurred_at": FieldRule(C.COMMUNICATION, E.DELETE),
        "subject": FieldRule(C.COMMUNICATION, E.DELETE, free_text=True),
        "text": FieldRule(C.COMMUNICATION, E.DELETE, free_text=True),
        "resolution": FieldRule(C.COMMUNICATION, E.DELETE, free_text=True),
        "resolved_at": FieldRule(C.COMMUNICATION, E.DELETE),
        "recorded_by": FieldRule(C.STAFF, E.DELETE),
    },
)

register(
    CourseSession,
    person=None,
    rows=E.KEEP,
    retention=Retention.NOT_PERSONAL,
    fields={
        "id": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "course": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "starts_at": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "ends_at": FieldRule(C.NOT_PERSONAL, E.KEEP),
    },
)

# The calendar's secret address: the studio's schedule, nobody's data.
register(
    CalendarFeed,
    person=None,
    rows=E.KEEP,
    retention=Retention.NOT_PERSONAL,
    fields={
        "id": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "token": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "created_at": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "created_by": FieldRule(C.STAFF, E.KEEP),
    },
)

# A staff member's own settings, about no customer; deleted with the user account.
register(
    AdminPreference,
    person=None,
    rows=E.KEEP,
    retention=Retention.STAFF_ACCOUNTS,
    fields={
        "id": FieldRule(C.TECHNICAL, E.KEEP),
        "user": FieldRule(C.STAFF, E.KEEP),
        "language": FieldRule(C.STAFF, E.KEEP),
        "import_mapping": FieldRule(C.STAFF, E.KEEP),
        "updated_at": FieldRule(C.STAFF, E.KEEP),
    },
)
