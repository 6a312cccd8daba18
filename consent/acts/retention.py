"""Retention (R24): what the register no longer needs is erased or deleted, daily.

- Customers with no enrolment, purchase, interaction or consent activity for the studio's
  retention period (3 years by default) are erased through the same erasure service.
- Purchases kept for bookkeeping only (their buyer erased) are deleted once their period
  ends: 6 years from the end of the year of the purchase (Accounting Act 1336/1997).
- Records of answered requests and disclosures go 3 years after they were closed.
- Spent or expired links, old rate-limit counts, emails sent over a year ago and audit
  entries older than 2 years are deleted.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from consent.acts.erasure import BOOKKEEPING_YEARS, erase_customer
from consent.models import (
    AuditEntry,
    ConsentEvent,
    Disclosure,
    LinkToken,
    OutboxEmail,
    RateLimitHit,
    RightsRequest,
    StudioSettings,
)
from customers.models import Customer, Purchase

REQUEST_RECORD_YEARS = 3
AUDIT_YEARS = 2


@dataclass
class RetentionResult:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, count: int) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + count


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def inactive_customers(*, today: date | None = None):  # noqa: ANN201 - a QuerySet
    """Customers whose last activity is older than the retention period, and who have
    no later consent activity and no open request (an open request must be answered)."""
    today = today or timezone.localdate()
    years = StudioSettings.load().customer_retention_years
    cutoff = timezone.make_aware(datetime.combine(_years_before(today, years), time.min))
    recent_consent = ConsentEvent.objects.filter(customer=OuterRef("pk"), at__gte=cutoff)
    open_request = RightsRequest.objects.filter(
        customer=OuterRef("pk"), status__in=RightsRequest.OPEN_STATUSES
    )
    return (
        Customer.objects.filter(last_activity_at__lt=cutoff)
        .exclude(Exists(recent_consent))
        .exclude(Exists(open_request))
    )


def apply_retention(*, dry_run: bool, today: date | None = None) -> RetentionResult:
    today = today or timezone.localdate()
    now = timezone.now()
    result = RetentionResult()

    customers = list(inactive_customers(today=today))
    result.add("inactive customers erased", len(customers))
    if not dry_run:
        for customer in customers:
            erase_customer(customer, actor=None)

    # A purchase of year Y is kept until 31.12.(Y + 6): deleted from 1.1.(Y + 7).
    last_year_to_delete = today.year - BOOKKEEPING_YEARS - 1
    bookkeeping = Purchase.objects.filter(
        customer__isnull=True, purchased_on__year__lte=last_year_to_delete
    )
    closed_records = RightsRequest.objects.filter(
        closed_at__lt=now - timedelta(days=365 * REQUEST_RECORD_YEARS)
    )
    old_disclosures = Disclosure.objects.filter(
        customer__isnull=True, disclosed_at__lt=now - timedelta(days=365 * REQUEST_RECORD_YEARS)
    )
    spent_links = LinkToken.objects.filter(Q(expires_at__lt=now) | Q(used_at__isnull=False))
    old_hits = RateLimitHit.objects.filter(at__lt=now - timedelta(days=1))
    old_emails = OutboxEmail.objects.filter(sent_at__lt=now - timedelta(days=365))
    old_audit = AuditEntry.objects.filter(at__lt=now - timedelta(days=365 * AUDIT_YEARS))

    with transaction.atomic():
        for kind, queryset in (
            ("bookkeeping purchases deleted", bookkeeping),
            ("answered requests deleted", closed_records),
            ("disclosure records deleted", old_disclosures),
            ("spent or expired links deleted", spent_links),
            ("rate-limit counts deleted", old_hits),
            ("sent emails deleted", old_emails),
            ("audit entries deleted", old_audit),
        ):
            if dry_run:
                result.add(kind, queryset.count())
            else:
                deleted = queryset.delete()[1].get(queryset.model._meta.label, 0)
                result.add(kind, deleted)
    return result
