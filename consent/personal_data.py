"""The consent app's entries in the personal-data inventory (see customers/inventory.py)."""

from django.utils.translation import gettext_lazy as _

from consent.models import (
    AuditEntry,
    Breach,
    ConsentEvent,
    Disclosure,
    LinkToken,
    Newsletter,
    NoticeVersion,
    OutboxEmail,
    OwnerNotice,
    RateLimitHit,
    Recipient,
    RecipientTask,
    RightsRequest,
    StudioSettings,
    Suppression,
)
from customers.inventory import Category, Erasure, FieldRule, Retention, register

C, E = Category, Erasure


def _not_personal(*names: str) -> dict[str, FieldRule]:
    return {name: FieldRule(C.NOT_PERSONAL, E.KEEP) for name in names}


register(
    RightsRequest,
    person="customer",
    rows=E.KEEP,
    retention=Retention.REQUESTS,
    kept_because=_(
        "A record that the request was answered is kept, without the person's name or "
        "contact details, to show that the law was followed (GDPR Art. 5(2))."
    ),
    fields={
        "id": FieldRule(C.TECHNICAL, E.KEEP),
        "request_type": FieldRule(C.REQUEST, E.KEEP),
        "status": FieldRule(C.REQUEST, E.KEEP),
        "channel": FieldRule(C.REQUEST, E.KEEP),
        "email": FieldRule(C.CONTACT, E.BLANK),
        "message": FieldRule(C.REQUEST, E.BLANK),
        "customer": FieldRule(C.TECHNICAL, E.DETACH),
        "identity_check": FieldRule(C.REQUEST, E.BLANK),
        "language": FieldRule(C.REQUEST, E.KEEP),
        "received_at": FieldRule(C.REQUEST, E.KEEP),
        "verified_at": FieldRule(C.REQUEST, E.KEEP),
        "answered_at": FieldRule(C.REQUEST, E.KEEP),
        "due_on": FieldRule(C.REQUEST, E.KEEP),
        "extended_at": FieldRule(C.REQUEST, E.KEEP),
        # The owner's words about the person: replaced, since an extended or refused
        # request must keep a reason (the request's check constraints).
        "extension_reason": FieldRule(C.REQUEST, E.REPLACE),
        "closed_at": FieldRule(C.REQUEST, E.KEEP),
        "refusal_reason": FieldRule(C.REQUEST, E.REPLACE),
        "outcome": FieldRule(C.REQUEST, E.KEEP),
        "recorded_by": FieldRule(C.STAFF, E.KEEP),
    },
)

register(
    LinkToken,
    person="request__customer",
    rows=E.DELETE,
    retention=Retention.LINKS,
    fields={
        "id": FieldRule(C.TECHNICAL, E.DELETE),
        "purpose": FieldRule(C.TECHNICAL, E.DELETE),
        "token_hash": FieldRule(C.TECHNICAL, E.DELETE),
        "request": FieldRule(C.TECHNICAL, E.DELETE),
        "new_email": FieldRule(C.CONTACT, E.DELETE),
        "name": FieldRule(C.IDENTITY, E.DELETE),
        "language": FieldRule(C.TECHNICAL, E.DELETE),
        "created_at": FieldRule(C.TECHNICAL, E.DELETE),
        "expires_at": FieldRule(C.TECHNICAL, E.DELETE),
        "used_at": FieldRule(C.TECHNICAL, E.DELETE),
    },
)

register(
    OutboxEmail,
    person="customer",
    rows=E.DELETE,
    retention=Retention.OUTBOX,
    fields={
        "id": FieldRule(C.TECHNICAL, E.DELETE),
        "to": FieldRule(C.CONTACT, E.DELETE),
        "subject": FieldRule(C.COMMUNICATION, E.DELETE),
        "body_text": FieldRule(C.COMMUNICATION, E.DELETE),
        # The same message as body_text, in HTML: left out of the person's copy.
        "body_html": FieldRule(C.TECHNICAL, E.DELETE),
        "headers": FieldRule(C.TECHNICAL, E.DELETE),
        "customer": FieldRule(C.TECHNICAL, E.DELETE),
        "request": FieldRule(C.TECHNICAL, E.DELETE),
        "created_at": FieldRule(C.COMMUNICATION, E.DELETE),
        "sent_at": FieldRule(C.COMMUNICATION, E.DELETE),
        "attempts": FieldRule(C.TECHNICAL, E.DELETE),
        "kind": FieldRule(C.TECHNICAL, E.DELETE),
        "next_attempt_at": FieldRule(C.TECHNICAL, E.DELETE),
        "failed_at": FieldRule(C.TECHNICAL, E.DELETE),
        "claimed_at": FieldRule(C.TECHNICAL, E.DELETE),
        "last_error": FieldRule(C.TECHNICAL, E.DELETE),
        "delete_after_sending": FieldRule(C.TECHNICAL, E.DELETE),
        "marketing_purpose": FieldRule(C.TECHNICAL, E.DELETE),
        "newsletter": FieldRule(C.TECHNICAL, E.DELETE),
    },
)

register(
    ConsentEvent,
    person="customer",
    rows=E.DELETE,
    retention=Retention.CONSENT_EVIDENCE,
    fields={
        "id": FieldRule(C.TECHNICAL, E.DELETE),
        "customer": FieldRule(C.TECHNICAL, E.DELETE),
        "purpose": FieldRule(C.CONSENT, E.DELETE),
        "channel": FieldRule(C.CONSENT, E.DELETE),
        "action": FieldRule(C.CONSENT, E.DELETE),
        "source": FieldRule(C.CONSENT, E.DELETE),
        "wording": FieldRule(C.CONSENT, E.DELETE),
        "notice_version": FieldRule(C.CONSENT, E.DELETE),
        "ip_network": FieldRule(C.CONSENT, E.DELETE),
        "user_agent": FieldRule(C.CONSENT, E.DELETE),
        "at": FieldRule(C.CONSENT, E.DELETE),
        "recorded_by": FieldRule(C.STAFF, E.DELETE),
    },
)

# Keyed hashes: they identify no one without the secret key and stay after erasure, so
# that an objection outlives it (R10).
register(
    Suppression,
    person=None,
    rows=E.KEEP,
    retention=Retention.SUPPRESSION,
    fields={
        "id": FieldRule(C.TECHNICAL, E.KEEP),
        "value_hash": FieldRule(C.TECHNICAL, E.KEEP),
        "reason": FieldRule(C.TECHNICAL, E.KEEP),
        "created_at": FieldRule(C.TECHNICAL, E.KEEP),
        "erased_at": FieldRule(C.TECHNICAL, E.KEEP),
    },
)

register(
    RateLimitHit,
    person=None,
    rows=E.KEEP,
    retention=Retention.RATE_LIMITS,
    fields={
        "id": FieldRule(C.TECHNICAL, E.KEEP),
        "scope": FieldRule(C.TECHNICAL, E.KEEP),
        "key": FieldRule(C.TECHNICAL, E.KEEP),
        "at": FieldRule(C.TECHNICAL, E.KEEP),
    },
)

register(
    Recipient,
    person=None,
    rows=E.KEEP,
    retention=Retention.NOT_PERSONAL,
    fields=_not_personal(
        "id",
        "name",
        "purpose",
        "country",
        "safeguard",
        "dpf_checked_on",
        "scc_also",
        "safeguard_note",
        "needs_review",
        "is_processor",
    ),
)

# The studio's own published contact details (the controller's), not a customer's.
register(
    StudioSettings,
    person=None,
    rows=E.KEEP,
    retention=Retention.NOT_PERSONAL,
    fields=_not_personal(
        "id",
        "controller_name",
        "business_id",
        "street_address",
        "postal_code",
        "city",
        "email",
        "phone",
        "contact_person",
        "purposes",
        "booking_calendar",
        "customer_retention_years",
        "existing_customer_marketing",
        "existing_customer_months",
        "financial_year_end_month",
        "financial_year_end_day",
        "updated_at",
    ),
)

register(
    NoticeVersion,
    person=None,
    rows=E.KEEP,
    retention=Retention.NOT_PERSONAL,
    fields=_not_personal("id", "number", "published_at", "content", "rendered"),
)

register(
    Disclosure,
    person="customer",
    rows=E.KEEP,
    retention=Retention.REQUESTS,
    kept_because=_(
        "A record that data was disclosed, and on what ground, is kept without the person "
        "(GDPR Art. 5(2))."
    ),
    fields={
        "id": FieldRule(C.TECHNICAL, E.KEEP),
        "customer": FieldRule(C.TECHNICAL, E.DETACH),
        "recipient": FieldRule(C.DISCLOSURE, E.KEEP),
        "data": FieldRule(C.DISCLOSURE, E.BLANK),
        "ground": FieldRule(C.DISCLOSURE, E.KEEP),
        "ground_detail": FieldRule(C.DISCLOSURE, E.KEEP),
        "disclosed_at": FieldRule(C.DISCLOSURE, E.KEEP),
        "recorded_by": FieldRule(C.STAFF, E.KEEP),
    },
)

# An incident record: the affected customers are linked, and the links go with an erasure.
register(
    Breach,
    person=None,
    rows=E.KEEP,
    retention=Retention.BREACHES,
    fields={
        "id": FieldRule(C.TECHNICAL, E.KEEP),
        "discovered_at": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "description": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "affected_customers": FieldRule(C.TECHNICAL, E.DELETE),
        "subject_categories": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "affected_count": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "data_categories": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "data_affected": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "records_count": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "consequences": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "risk": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "measures": FieldRule(C.NOT_PERSONAL, E.KEEP),
        # The studio's contact person and address (Art. 33(3)(b)).
        "contact_point": FieldRule(C.STAFF, E.KEEP),
        "ombudsman_notified_at": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "late_reason": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "not_notified_reason": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "customers_notified_at": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "customers_exemption": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "customers_exemption_detail": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "recorded_by": FieldRule(C.STAFF, E.KEEP),
    },
)

register(
    RecipientTask,
    person=None,
    rows=E.KEEP,
    retention=Retention.REQUESTS,
    fields={
        "id": FieldRule(C.TECHNICAL, E.KEEP),
        "request": FieldRule(C.TECHNICAL, E.KEEP),
        "recipient_name": FieldRule(C.NOT_PERSONAL, E.KEEP),
        "done_at": FieldRule(C.REQUEST, E.KEEP),
    },
)

# The audit trail: who did what to which customer. The link to the customer goes with an
# erasure, and the entry never copies the customer's data.
register(
    AuditEntry,
    person="customer",
    rows=E.KEEP,
    retention=Retention.AUDIT,
    kept_because=_(
        "The audit trail shows who handled the data and when (GDPR Art. 5(2) and 32); "
        "it keeps no trace of who the person was."
    ),
    fields={
        "id": FieldRule(C.TECHNICAL, E.KEEP),
        "at": FieldRule(C.TECHNICAL, E.KEEP),
        "user": FieldRule(C.STAFF, E.KEEP),
        "username": FieldRule(C.STAFF, E.KEEP),
        "action": FieldRule(C.TECHNICAL, E.KEEP),
        "customer": FieldRule(C.TECHNICAL, E.DETACH),
        "object_type": FieldRule(C.TECHNICAL, E.KEEP),
        "object_id": FieldRule(C.TECHNICAL, E.BLANK),
        "detail": FieldRule(C.TECHNICAL, E.BLANK),
        "detail_key": FieldRule(C.TECHNICAL, E.BLANK),
        "detail_params": FieldRule(C.TECHNICAL, E.BLANK),
    },
)

register(
    Newsletter,
    person=None,
    rows=E.KEEP,
    retention=Retention.NOT_PERSONAL,
    fields=_not_personal("id", "subject", "body", "purpose", "created_at", "queued", "recipients")
    | {"created_by": FieldRule(C.STAFF, E.KEEP)},
)

# What the studio was told, by kind and id: nothing about a person.
register(
    OwnerNotice,
    person=None,
    rows=E.KEEP,
    retention=Retention.OUTBOX,
    fields=_not_personal("id", "key", "created_at"),
)
