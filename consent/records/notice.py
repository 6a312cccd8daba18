"""The privacy notice (GDPR Art. 13-14, R20) and the record of processing (Art. 30, R21),
generated from the owner's settings and the personal-data inventory.

A version's content is language-neutral (keys, codes and the owner's own words), so the
same version reads in Finnish and in English; every change publishes a new version.
"""

from typing import Any

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from consent.models import NoticeVersion, Recipient, StudioSettings
from consent.records import bookkeeping
from customers.inventory import Category, Retention, categories_in_use, retention_rule

Purpose = StudioSettings.Purpose

# Each purpose the app knows how to fulfil, with its legal basis (Art. 6(1)).
LEGAL_BASES: dict[str, Promise] = {
    Purpose.CUSTOMER_RELATIONSHIP: _(
        "the contract with the customer (Art. 6(1)(b)) and the studio's legitimate interest "
        "in keeping its customer relationships (Art. 6(1)(f))"
    ),
    Purpose.BOOKING: _("the contract with the customer (Art. 6(1)(b))"),
    Purpose.COMMUNICATION: _(
        "the contract with the customer (Art. 6(1)(b)) and the studio's legitimate interest "
        "in answering its customers (Art. 6(1)(f))"
    ),
    Purpose.MARKETING: _(
        "consent (Art. 6(1)(a)); for existing customers, email and text-message marketing "
        "of the studio's own similar services as the Act on Electronic Communications "
        "Services (917/2014, §200) allows, with an easy way to refuse in every message"
    ),
    Purpose.RESEARCH: _("consent (Art. 6(1)(a))"),
}
BOOKKEEPING_PURPOSE = _("Bookkeeping of purchases and cancellations")
BOOKKEEPING_BASIS = _("a legal obligation (Art. 6(1)(c)): the Accounting Act (1336/1997)")

# The people the register is about (Art. 30(1)(c)).
DATA_SUBJECTS = [
    _("Customers and former customers"),
    _("People who asked about the studio's services or registered on the web"),
    _("Newsletter subscribers"),
    _("The studio's own users (owner and staff): their user accounts"),
]

SECURITY_MEASURES = [
    _("Personal user accounts with passwords of at least 12 characters; no shared accounts."),
    _("Roles: staff cannot export, erase or manage users; the owner grants and removes access."),
    _("The register is reached only over an encrypted connection (HTTPS) in production."),
    _("An audit trail of who viewed, changed, exported or erased customer data."),
    _("Regular backups; a restore applies every erasure made after the backup again."),
    _("No health information is stored: free-text fields refuse it."),
    _("No paper copies of the register; printed participant lists carry names only."),
]


def retention_text(kind: Retention, *, studio: StudioSettings | None = None) -> str:
    """A retention period in words, from the inventory's rule and, where the owner chooses
    the period, the studio's settings: the one wording the notice, the access report and
    the retention command all use."""
    if kind == Retention.BOOKKEEPING:
        return bookkeeping.period_text(studio=studio)
    rule = retention_rule(kind)
    years = None
    if rule.setting:
        years = getattr(studio or StudioSettings.load(), rule.setting)
    return rule.period_text(years=years)


def notice_content() -> dict[str, Any]:
    """What the notice says now, as data: the owner's settings and the inventory."""
    studio = StudioSettings.load()
    return {
        "controller": {
            "name": studio.controller_name,
            "business_id": studio.business_id,
            "street_address": studio.street_address,
            "postal_code": studio.postal_code,
            "city": studio.city,
            "email": studio.email,
            "phone": studio.phone,
            "contact_person": studio.contact_person,
        },
        "purposes": [p for p in Purpose.values if p in (studio.purposes or [])],
        "categories": [c.value for c in categories_in_use()],
        "booking_calendar": studio.booking_calendar,
        "recipients": [
            {
                "name": r.name,
                "purpose": r.purpose,
                "country": r.country,
                "outside_eea": r.outside_eea,
                "safeguard": r.safeguard,
                "is_processor": r.is_processor,
            }
            for r in Recipient.objects.order_by("name")
        ],
        "customer_retention_years": studio.customer_retention_years,
    }


def publish_notice() -> NoticeVersion:
    """Publish a new version when what the notice says has changed; else the latest."""
    with transaction.atomic():
        latest = NoticeVersion.objects.select_for_update().order_by("-number").first()
        content = notice_content()
        if latest is not None and latest.content == content:
            return latest
        return NoticeVersion.objects.create(
            number=(latest.number + 1) if latest else 1, content=content
        )


def current_notice() -> NoticeVersion:
    latest = NoticeVersion.objects.order_by("-number").first()
    return latest or publish_notice()


def readable(content: dict[str, Any]) -> dict[str, Any]:
    """A version's content with the app's own words, in the active language, for a page."""
    labels = dict(Category.choices)
    purposes = [
        {"label": Purpose(p).label, "basis": LEGAL_BASES[p]}
        for p in content["purposes"]
        if p in LEGAL_BASES
    ]
    purposes.append({"label": BOOKKEEPING_PURPOSE, "basis": BOOKKEEPING_BASIS})
    return {
        **content,
        "purposes": purposes,
        "categories": [labels[c] for c in content["categories"] if c in labels],
        "transfers": [r for r in content["recipients"] if r["outside_eea"]],
        "retention": [
            _(
                "Customer data: while the customer relationship lasts, and until the customer "
                "has been inactive for %(years)d years; then it is erased."
            )
            % {"years": content["customer_retention_years"]},
            Retention.BOOKKEEPING.label,
            Retention.REQUESTS.label,
            Retention.SUPPRESSION.label,
        ],
        "security": SECURITY_MEASURES,
    }
