"""What the register does with personal data, in words: the one source that the privacy
notice (GDPR Art. 13-14), the access report (Art. 15(1)) and the record of processing
(Art. 30) all read, so that they cannot disagree.

- `facts()` gathers, as plain data, what the owner has set (controller, purposes, the
  booking calendar, the existing-customer exception, processors and their transfer
  safeguards, the years an inactive customer is kept) and what the personal-data
  inventory says (the categories in use). A version of the privacy notice stores it.
- `describe(facts)` puts facts into words in the active language: purposes and legal
  bases, the basis of direct marketing on each channel, sources (Art. 14(2)(f)) and the
  categories the booking calendar brings (Art. 14(1)(d)), recipients and transfers, every
  retention period, the rights, the right to complain.
- Retention periods are never written here: every one comes from RETENTION_RULES in
  customers/inventory.py, which apply_retention applies.
"""

from typing import Any

from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consent.models import ConsentEvent, Recipient, StudioSettings
from consent.records import bookkeeping
from customers.inventory import Category, Retention, categories_in_use, retention_rule

Purpose = StudioSettings.Purpose
Channel = ConsentEvent.Channel

# Each purpose the app knows how to fulfil, with its legal basis (GDPR Art. 6(1)).
LEGAL_BASES: dict[str, Promise] = {
    Purpose.CUSTOMER_RELATIONSHIP: gettext_lazy(
        "the contract with the customer (GDPR Art. 6(1)(b)) and the studio's legitimate "
        "interest in keeping its customer relationships (Art. 6(1)(f))"
    ),
    Purpose.BOOKING: gettext_lazy("the contract with the customer (GDPR Art. 6(1)(b))"),
    Purpose.COMMUNICATION: gettext_lazy(
        "the contract with the customer (GDPR Art. 6(1)(b)) and the studio's legitimate "
        "interest in answering its customers (Art. 6(1)(f))"
    ),
    Purpose.MARKETING: gettext_lazy("depends on the channel: see “Direct marketing” below"),
    Purpose.RESEARCH: gettext_lazy("consent (GDPR Art. 6(1)(a))"),
}
# The purposes resting, at least in part, on the studio's legitimate interests: the person
# may object to them on grounds of their own situation (GDPR Art. 21(1)).
LEGITIMATE_INTEREST = frozenset(
    {Purpose.CUSTOMER_RELATIONSHIP, Purpose.COMMUNICATION, Purpose.MARKETING}
)
BOOKKEEPING_PURPOSE = gettext_lazy("Bookkeeping of purchases and cancellations")
BOOKKEEPING_BASIS = gettext_lazy(
    "a legal obligation (GDPR Art. 6(1)(c)): the Accounting Act (1336/1997)"
)

# The basis of direct marketing on each channel (R6).
ELECTRONIC_CONSENT = gettext_lazy(
    "your consent (GDPR Art. 6(1)(a); the Act on Electronic Communications Services "
    "917/2014, §200(1))"
)
EXISTING_CUSTOMER = gettext_lazy(
    "or, if you bought a service from the studio in the last %(months)d months and were "
    "told then that you may refuse, offers of the studio's own similar services without "
    "consent (917/2014, §200(2)); you may refuse in every message, free of charge"
)
UNTIL_REFUSAL = gettext_lazy(
    "the studio's legitimate interest in marketing its own services (GDPR Art. 6(1)(f) "
    "and recital 47), until you refuse"
)

# The same, in the record of processing's third person (Art. 30(1)(b)).
MARKETING_IN_THE_RECORD = gettext_lazy(
    "email and text messages: consent (GDPR Art. 6(1)(a); 917/2014, §200(1)); post and "
    "phone: the studio's legitimate interest (Art. 6(1)(f), recital 47) until the person "
    "refuses"
)
EXISTING_CUSTOMER_IN_THE_RECORD = gettext_lazy(
    "email and text messages also to customers who bought a service in the last %(months)d "
    "months and were told then that they may refuse (917/2014, §200(2))"
)

# What the booking calendar brings about a person (Art. 14(1)(d)): the columns the booking
# import reads (customers/importing.py).
BOOKING_CALENDAR_DATA = [
    gettext_lazy("name"),
    gettext_lazy("email address"),
    gettext_lazy("phone number"),
    gettext_lazy("the booked service, its date and time, and whether it was cancelled"),
]

# Retention, in the order a customer reads it: what is about customers ...
CUSTOMER_RETENTION = [
    Retention.RELATIONSHIP,
    Retention.CONSENT_EVIDENCE,
    Retention.SUPPRESSION,
    Retention.BOOKKEEPING,
    Retention.REQUESTS,
    Retention.UNVERIFIED,
    Retention.LINKS,
    Retention.OUTBOX,
    Retention.AUDIT,
    Retention.BREACHES,
    Retention.RATE_LIMITS,
    Retention.SESSIONS,
    Retention.RESTORE_COPIES,
]
# ... and the staff's own data, for the record of processing (Art. 30(1)(c), (f)).
STAFF_DATA: list[tuple[Promise, Retention]] = [
    (
        gettext_lazy(
            "User accounts: username, name, email address, the password as a one-way "
            "hash, role, last sign-in"
        ),
        Retention.STAFF_ACCOUNTS,
    ),
    (
        gettext_lazy("Second-factor devices: the authenticator app's key, backup codes"),
        Retention.STAFF_ACCOUNTS,
    ),
    (
        gettext_lazy("The admin's language and the booking import's columns"),
        Retention.STAFF_ACCOUNTS,
    ),
    (
        gettext_lazy(
            "Audit entries: who viewed, changed, exported or erased what and when; "
            "sign-ins, sign-outs and failed sign-ins with the username typed"
        ),
        Retention.AUDIT,
    ),
    (
        gettext_lazy("Failed sign-ins: the username typed, IP address and browser"),
        Retention.LOGIN_ATTEMPTS,
    ),
    (gettext_lazy("Sessions: the signed-in user of a browser"), Retention.SESSIONS),
]
STAFF_PURPOSE = gettext_lazy(
    "Access to the register and its security: personal accounts, the audit trail and "
    "protection of the sign-in"
)
STAFF_BASIS = gettext_lazy(
    "the studio's legal obligation to secure the register (GDPR Art. 6(1)(c) with "
    "Art. 32) and its legitimate interest in knowing who handled the data (Art. 6(1)(f))"
)

# The people the register is about (Art. 30(1)(c)).
DATA_SUBJECTS = [
    gettext_lazy("Customers and former customers"),
    gettext_lazy("People who asked about the studio's services or registered on the web"),
    gettext_lazy("Newsletter subscribers"),
    gettext_lazy("The studio's own users (owner and staff): their user accounts"),
]

SECURITY_MEASURES = [
    gettext_lazy(
        "Personal user accounts with passwords of at least 12 characters; no shared accounts."
    ),
    gettext_lazy(
        "Roles: staff cannot export, erase or manage users; the owner grants and removes access."
    ),
    gettext_lazy(
        "The register is reached only over an encrypted connection (HTTPS) in production."
    ),
    gettext_lazy("An audit trail of who viewed, changed, exported or erased customer data."),
    gettext_lazy("Regular backups; a restore applies every erasure made after the backup again."),
    gettext_lazy(
        "No health data is stored: staff are instructed not to record it, and free-text "
        "fields warn when text looks like health information."
    ),
    gettext_lazy("No paper copies of the register; printed participant lists carry names only."),
]


def retention_text(kind: Retention, *, studio: StudioSettings | None = None) -> str:
    """A retention period in words, from the inventory's rule and, where the rule lets the
    owner choose the period, the studio's settings."""
    if kind == Retention.BOOKKEEPING:
        return bookkeeping.period_text(studio=studio)
    rule = retention_rule(kind)
    years = getattr(studio or StudioSettings.load(), rule.setting) if rule.setting else None
    return rule.period_text(years=years)


def retention_lines(
    kinds: list[Retention],
    *,
    customer_years: int | None,
    financial_year_end: tuple[int, int] | None = None,
) -> list[dict[str, str]]:
    """Each kind of data with its period and why it is kept, in words; `customer_years`
    is the studio's choice where a rule lets the owner choose (None: the rule's default),
    `financial_year_end` (month, day) the studio's financial year for the bookkeeping
    period (None: 31 December, as in versions published before it was a setting)."""
    lines = []
    for kind in kinds:
        rule = retention_rule(kind)
        if kind == Retention.BOOKKEEPING:
            period = bookkeeping.period_text(year_end=financial_year_end or (12, 31))
        else:
            period = rule.period_text(years=customer_years if rule.setting else None)
        lines.append(
            {
                "kind": kind.value,
                "what": str(kind.label),
                "period": period,
                "why": str(rule.why),
            }
        )
    return lines


def _recipient_facts(recipient: Recipient) -> dict[str, Any]:
    return {
        "name": recipient.name,
        "purpose": recipient.purpose,
        "country": recipient.country,
        "outside_eea": recipient.outside_eea,
        "safeguard": recipient.safeguard,
        "dpf_checked_on": recipient.dpf_checked_on.isoformat() if recipient.dpf_checked_on else "",
        "scc_also": recipient.scc_also,
        "safeguard_note": recipient.safeguard_note,
        "is_processor": recipient.is_processor,
    }


def facts(studio: StudioSettings | None = None) -> dict[str, Any]:
    """What the register does now, as plain data: the owner's settings and the inventory
    (two queries)."""
    studio = studio or StudioSettings.load()
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
        "existing_customer_marketing": studio.existing_customer_marketing,
        "existing_customer_months": studio.existing_customer_months,
        "recipients": [_recipient_facts(r) for r in Recipient.objects.order_by("name", "pk")],
        "customer_retention_years": studio.customer_retention_years,
        "financial_year_end": [studio.financial_year_end_month, studio.financial_year_end_day],
    }


def safeguard_text(recipient: dict[str, Any]) -> str:
    """A transfer's safeguard in words (Art. 13(1)(f)). A version published before the
    safeguard was a choice holds the owner's own words: they are shown as they were."""
    code = recipient.get("safeguard", "")
    if not code:
        return _("the studio is checking the safeguard of this transfer")
    if code not in Recipient.Safeguard.values:
        return str(code)
    parts = [str(Recipient.Safeguard(code).label)]
    checked = parse_date(recipient.get("dpf_checked_on") or "")
    if code == Recipient.Safeguard.DPF and checked is not None:
        parts.append(
            _("the certification was checked on %(date)s") % {"date": date_format(checked, "j.n.Y")}
        )
    if recipient.get("scc_also") and code != Recipient.Safeguard.SCC:
        parts.append(_("standard contractual clauses as well (GDPR Art. 46(2)(c))"))
    if recipient.get("safeguard_note"):
        parts.append(str(recipient["safeguard_note"]))
    return "; ".join(parts)


def marketing_bases(content: dict[str, Any]) -> list[dict[str, str]]:
    """The legal basis of direct marketing on each channel (R6): email and text messages
    with consent, or the existing-customer exception only when the studio has turned it
    on; post and phone on legitimate interests until the person refuses."""
    electronic = str(ELECTRONIC_CONSENT)
    if content.get("existing_customer_marketing") and content.get("existing_customer_months"):
        electronic += "; " + str(EXISTING_CUSTOMER) % {
            "months": content["existing_customer_months"]
        }
    return [
        {"channel": str(Channel.EMAIL.label), "basis": electronic},
        {"channel": str(Channel.SMS.label), "basis": electronic},
        {"channel": str(Channel.POST.label), "basis": str(UNTIL_REFUSAL)},
        {"channel": str(Channel.PHONE.label), "basis": str(UNTIL_REFUSAL)},
    ]


def rights() -> list[str]:
    """The person's rights (Art. 13(2)(b)-(c), 15(1)(e)), in the person's words."""
    return [
        _("to see your data and get a copy of it (GDPR Art. 15)"),
        _("to have wrong or incomplete data corrected (Art. 16)"),
        _("to have your data erased, except what the law obliges the studio to keep (Art. 17)"),
        _("to have the processing of your data restricted (Art. 18)"),
        _("to get the data you gave in a machine-readable form, to take it elsewhere (Art. 20)"),
        _(
            "to forbid direct marketing at any time, distance selling and market and "
            "opinion research included, without giving a reason (Art. 21(2)-(3))"
        ),
        _(
            "to object, on grounds of your own situation, to a use of your data that rests "
            "on the studio's legitimate interests; the studio then stops unless it shows "
            "compelling legitimate grounds that override your interests, or needs the data "
            "for a legal claim (Art. 21(1))"
        ),
        _(
            "to withdraw a consent at any time, as easily as you gave it; the withdrawal "
            "does not affect the lawfulness of what was done with the consent before it "
            "(Art. 7(3))"
        ),
    ]


def describe(content: dict[str, Any]) -> dict[str, Any]:
    """`facts` in words, in the active language: plain strings, lists and dicts only, so
    that the access report's JSON copy carries them as they are."""
    labels = dict(Category.choices)
    purposes = [
        {
            "label": str(Purpose(p).label),
            "basis": str(LEGAL_BASES[p]),
            "legitimate_interest": p in LEGITIMATE_INTEREST,
        }
        for p in content.get("purposes", [])
        if p in LEGAL_BASES
    ]
    purposes.append(
        {
            "label": str(BOOKKEEPING_PURPOSE),
            "basis": str(BOOKKEEPING_BASIS),
            "legitimate_interest": False,
        }
    )
    calendar = content.get("booking_calendar", "")
    sources = [
        _(
            "You, directly: when you ask about the studio's services, register on the web, "
            "enrol in a course, buy a service or write to the studio."
        )
    ]
    if calendar:
        sources.append(
            _(
                "The studio's web booking calendar (%(calendar)s), when you book a time "
                "there: %(data)s."
            )
            % {"calendar": calendar, "data": ", ".join(str(d) for d in BOOKING_CALENDAR_DATA)}
        )
    recipients = content.get("recipients", [])
    return {
        "purposes": purposes,
        "marketing": marketing_bases(content)
        if Purpose.MARKETING in content.get("purposes", [])
        else [],
        "categories": [str(labels[c]) for c in content.get("categories", []) if c in labels],
        "sources": sources,
        "booking_calendar": calendar,
        "booking_calendar_data": [str(d) for d in BOOKING_CALENDAR_DATA] if calendar else [],
        "recipients": [
            {
                "name": r["name"],
                "purpose": r["purpose"],
                "country": r["country"],
                "is_processor": bool(r.get("is_processor")),
            }
            for r in recipients
        ],
        "transfers": [
            {"name": r["name"], "country": r["country"], "safeguard": safeguard_text(r)}
            for r in recipients
            if r.get("outside_eea")
        ],
        "retention": retention_lines(
            CUSTOMER_RETENTION,
            customer_years=content.get("customer_retention_years"),
            financial_year_end=(
                tuple(content["financial_year_end"]) if content.get("financial_year_end") else None
            ),
        ),
        "rights": rights(),
        "complaint": _(
            "You may complain to the Data Protection Ombudsman (tietosuoja.fi), "
            "PO Box 800, 00531 Helsinki, Finland."
        ),
        "automated_decisions": _("No automated decisions or profiling are made."),
        "health": _(
            "We do not store health data and instruct our staff not to record it, not even "
            "what is told in one-on-one sessions; please do not write it to us either."
        ),
    }


def record_of_processing(content: dict[str, Any]) -> dict[str, Any]:
    """The record of processing activities (Art. 30(1)): the description of the customer
    register, and the staff's own data with its purpose, basis and retention."""
    described = describe(content)
    marketing = str(MARKETING_IN_THE_RECORD)
    if content.get("existing_customer_marketing") and content.get("existing_customer_months"):
        marketing += "; " + str(EXISTING_CUSTOMER_IN_THE_RECORD) % {
            "months": content["existing_customer_months"]
        }
    purposes = [
        {**p, "basis": marketing} if p["label"] == str(Purpose.MARKETING.label) else p
        for p in described["purposes"]
    ]
    return {
        **described,
        "purposes": purposes,
        "controller": content["controller"],
        "subjects": [str(s) for s in DATA_SUBJECTS],
        "security": [str(m) for m in SECURITY_MEASURES],
        "staff_purpose": str(STAFF_PURPOSE),
        "staff_basis": str(STAFF_BASIS),
        "staff_data": [
            {"what": str(what), "kind": kind.value, "period": retention_text(kind)}
            for what, kind in STAFF_DATA
        ],
    }
