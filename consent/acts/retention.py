"""Retention (GDPR Art. 5(1)(e), R24): what the register no longer needs is erased or
deleted, daily, by the periods of the personal-data inventory (customers/inventory.py,
RETENTION_RULES) and nothing else:

- customers with no activity for the studio's retention period are erased, through the
  one erasure act (`erase_customer`);
- purchases kept for bookkeeping only (their buyer erased) once their bookkeeping period
  has passed: 6 years from the end of the calendar year in which their financial year
  ended (Accounting Act 1336/1997, 2:10 §; consent/records/bookkeeping.py);
- records of answered requests and of disclosures, breach records, web requests nobody
  confirmed, spent or expired links, rate-limit counts, sent emails and audit entries,
  each by its own rule (breach and disclosure records can be deleted by nothing else:
  `_delete`);
- the copies of the database saved before a restore (they hold people erased since).

On PostgreSQL the tables rows were deleted from are vacuumed afterwards, so that the dead
rows' space is marked free for reuse (see README.md, "What remains after an erasure").
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from consent.acts.erasure import erase_customer
from consent.models import (
    AuditEntry,
    Breach,
    ConsentEvent,
    Disclosure,
    KeptRecordQuerySet,
    LinkToken,
    OutboxEmail,
    RateLimitHit,
    RightsRequest,
    StudioSettings,
)
from consent.records import audit
from consent.records.bookkeeping import last_purchase_day_to_delete
from customers.inventory import Retention, retention_rule
from customers.models import Customer, Purchase

# Each kind of removal in words, as done and as a dry run would do it: the command's
# output in the studio's language (the kinds themselves are stable keys).
KIND_LABELS: dict[str, tuple[Any, Any]] = {
    "inactive customers erased": (
        gettext_lazy("inactive customers erased"),
        gettext_lazy("inactive customers to erase"),
    ),
    "bookkeeping purchases deleted": (
        gettext_lazy("purchases past the bookkeeping period deleted"),
        gettext_lazy("purchases past the bookkeeping period to delete"),
    ),
    "answered requests deleted": (
        gettext_lazy("answered requests deleted"),
        gettext_lazy("answered requests to delete"),
    ),
    "unconfirmed web requests deleted": (
        gettext_lazy("unconfirmed web requests deleted"),
        gettext_lazy("unconfirmed web requests to delete"),
    ),
    "disclosure records deleted": (
        gettext_lazy("disclosure records deleted"),
        gettext_lazy("disclosure records to delete"),
    ),
    "breach records deleted": (
        gettext_lazy("breach records deleted"),
        gettext_lazy("breach records to delete"),
    ),
    "spent or expired links deleted": (
        gettext_lazy("spent or expired links deleted"),
        gettext_lazy("spent or expired links to delete"),
    ),
    "rate-limit counts deleted": (
        gettext_lazy("rate-limit counts deleted"),
        gettext_lazy("rate-limit counts to delete"),
    ),
    "sent emails deleted": (
        gettext_lazy("sent emails deleted"),
        gettext_lazy("sent emails to delete"),
    ),
    "audit entries deleted": (
        gettext_lazy("audit entries deleted"),
        gettext_lazy("audit entries to delete"),
    ),
    "copies saved before a restore deleted": (
        gettext_lazy("copies saved before a restore deleted"),
        gettext_lazy("copies saved before a restore to delete"),
    ),
}


def kind_label(kind: str, *, dry_run: bool) -> str:
    """A kind of removal in the active language."""
    done, would = KIND_LABELS.get(kind, (kind, kind))
    return str(would if dry_run else done)


@dataclass
class RetentionResult:
    """Rows removed, by kind ("inactive customers erased") and by the retention rule that
    removed them (a Retention value), for the audit entry."""

    counts: dict[str, int] = field(default_factory=dict)
    by_rule: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, rule: Retention, count: int) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + count
        self.by_rule[rule.value] = self.by_rule.get(rule.value, 0) + count

    @property
    def summary(self) -> str:
        return ", ".join(f"{kind}: {count}" for kind, count in self.counts.items())

    @property
    def audit_detail(self) -> audit.Detail:
        return audit.Detail(
            "retention", kinds=[[rule, count] for rule, count in self.by_rule.items() if count]
        )


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _older_than(kind: Retention, *, today: date) -> datetime:
    """The moment before which a row of `kind` has outlived its rule's period."""
    rule = retention_rule(kind)
    return _start_of(_years_before(today, rule.years)) - timedelta(days=rule.days)


def inactive_customers(*, today: date | None = None) -> QuerySet[Customer]:
    """Customers whose last activity is older than the retention period, and who have
    no later consent activity and no open request (an open request must be answered)."""
    today = today or timezone.localdate()
    rule = retention_rule(Retention.RELATIONSHIP)
    years = getattr(StudioSettings.load(), rule.setting)
    cutoff = _start_of(_years_before(today, years))
    recent_consent = ConsentEvent.objects.filter(customer=OuterRef("pk"), at__gte=cutoff)
    open_request = RightsRequest.objects.filter(
        customer=OuterRef("pk"), status__in=RightsRequest.OPEN_STATUSES
    )
    return (
        Customer.objects.filter(last_activity_at__lt=cutoff)
        .exclude(Exists(recent_consent))
        .exclude(Exists(open_request))
    )


def restore_copies(*, today: date) -> list[Path]:
    """The copies saved before a restore whose period has passed."""
    folder = Path(settings.DATA_DIR) / "backups"
    if not folder.is_dir():
        return []
    limit = (_older_than(Retention.RESTORE_COPIES, today=today)).timestamp()
    return sorted(
        path
        for path in folder.glob("rekisteri-before-restore-*")
        if path.is_file() and path.stat().st_mtime < limit
    )


def _expired_queries(*, today: date, now: datetime) -> list[tuple[str, Retention, QuerySet]]:
    """Each kind of row past its rule's period, as (what, its rule, rows)."""
    unverified_links = LinkToken.objects.filter(
        request=OuterRef("pk"),
        purpose=LinkToken.Purpose.VERIFY_REQUEST,
        expires_at__gte=now,
    )
    return [
        (
            "bookkeeping purchases deleted",
            Retention.BOOKKEEPING,
            Purchase.objects.filter(
                customer__isnull=True,
                purchased_on__lte=last_purchase_day_to_delete(today),
            ),
        ),
        (
            "answered requests deleted",
            Retention.REQUESTS,
            RightsRequest.objects.filter(
                closed_at__lt=_older_than(Retention.REQUESTS, today=today)
            ),
        ),
        (
            # Nobody confirmed them and their link has expired: not the owner's to answer.
            "unconfirmed web requests deleted",
            Retention.UNVERIFIED,
            # (A request the worker has not answered yet has no link either: it stays.)
            RightsRequest.objects.filter(
                RightsRequest.AWAITING_CONFIRMATION, answered_at__isnull=False
            ).exclude(Exists(unverified_links)),
        ),
        (
            "disclosure records deleted",
            Retention.REQUESTS,
            Disclosure.objects.filter(
                customer__isnull=True,
                disclosed_at__lt=_older_than(Retention.REQUESTS, today=today),
            ),
        ),
        (
            "breach records deleted",
            Retention.BREACHES,
            Breach.objects.filter(discovered_at__lt=_older_than(Retention.BREACHES, today=today)),
        ),
        (
            "spent or expired links deleted",
            Retention.LINKS,
            LinkToken.objects.filter(Q(expires_at__lt=now) | Q(used_at__isnull=False)),
        ),
        (
            "rate-limit counts deleted",
            Retention.RATE_LIMITS,
            RateLimitHit.objects.filter(at__lt=now - timedelta(days=1)),
        ),
        (
            "sent emails deleted",
            Retention.OUTBOX,
            OutboxEmail.objects.filter(
                Q(sent_at__lt=_older_than(Retention.OUTBOX, today=today))
                | Q(sent_at__isnull=True, created_at__lt=_older_than(Retention.OUTBOX, today=today))
            ),
        ),
        (
            "audit entries deleted",
            Retention.AUDIT,
            AuditEntry.objects.filter(at__lt=_older_than(Retention.AUDIT, today=today)),
        ),
    ]


def _delete(queryset: QuerySet) -> tuple[int, dict[str, int]]:
    """Delete rows past their period. Breach and disclosure records refuse every other
    deletion (KeptRecordQuerySet): this is the one path that removes them, and only here,
    after the period their rule states (GDPR Art. 5(1)(e), 33(5))."""
    if isinstance(queryset, KeptRecordQuerySet):
        return queryset.delete_past_retention()
    return queryset.delete()


def apply_retention(
    *, dry_run: bool, today: date | None = None, actor: User | None = None
) -> RetentionResult:
    """Apply every retention rule once; with `dry_run`, only count."""
    today = today or timezone.localdate()
    now = timezone.now()
    result = RetentionResult()

    customers = list(inactive_customers(today=today))
    result.add("inactive customers erased", Retention.RELATIONSHIP, len(customers))
    if not dry_run:
        for customer in customers:
            erase_customer(customer=customer, actor=actor)

    touched: set[str] = set()
    with transaction.atomic():
        for kind, rule, queryset in _expired_queries(today=today, now=now):
            if dry_run:
                result.add(kind, rule, queryset.count())
                continue
            deleted = _delete(queryset)[1]
            result.add(kind, rule, deleted.get(queryset.model._meta.label, 0))
            touched |= {apps.get_model(label)._meta.db_table for label, n in deleted.items() if n}
        copies = restore_copies(today=today)
        result.add("copies saved before a restore deleted", Retention.RESTORE_COPIES, len(copies))
        if not dry_run:
            for path in copies:
                path.unlink(missing_ok=True)
                Path(f"{path}.json").unlink(missing_ok=True)
            if any(result.counts.values()):
                audit.record(audit.Action.RETENTION, user=actor, detail=result.audit_detail)
    if not dry_run and (touched or customers):
        _vacuum(touched | ({Customer._meta.db_table} if customers else set()))
    return result


def _vacuum(tables: set[str]) -> None:
    """PostgreSQL: mark the deleted rows' space free (VACUUM cannot run in a transaction).
    SQLite overwrites deleted rows itself (secure_delete) and is checkpointed by erasure."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"VACUUM {quote(table)}")
