"""The background worker's scheduled jobs (rekisteri/worker.py has the schedule).

Each returns one line for its record; running one twice has the effect of running it once.
"""

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consent.acts.retention import apply_retention, kind_label, restore_copies
from consent.mail.notify import notify_owners, owner_addresses
from consent.mail.outbox import Kind, queue_email, site_link
from consent.models import (
    Breach,
    ConsentEvent,
    LinkToken,
    OutboxEmail,
    RateLimitHit,
    StudioSettings,
)
from consent.models.records import NOTIFY_WITHIN
from consent.records.deadlines import due_soon
from rekisteri import backup as backups
from rekisteri.models import JobRun

# A job more than this late is reported to the owner as not run.
LATE = timedelta(hours=2)
# A breach's owner is reminded when less than this is left of its 72 hours.
BREACH_WARNING = timedelta(hours=24)


def retention() -> str:
    result = apply_retention(dry_run=False)
    done = [f"{kind_label(k, dry_run=False)}: {n}" for k, n in result.counts.items() if n]
    return ", ".join(done) or _("nothing to do")


def prune() -> str:
    """What is spent goes within the hour: used or expired links, ended sessions, old
    rate-limit counts, copies saved before a restore after their week."""
    now = timezone.now()
    links = LinkToken.objects.filter(Q(expires_at__lt=now) | Q(used_at__isnull=False)).delete()
    sessions = Session.objects.filter(expire_date__lt=now).delete()
    hits = RateLimitHit.objects.filter(at__lt=now - timedelta(days=1)).delete()
    copies = restore_copies(today=timezone.localdate())
    for path in copies:
        path.unlink(missing_ok=True)
        Path(f"{path}.json").unlink(missing_ok=True)
    return _(
        "links %(links)d, sessions %(sessions)d, rate-limit counts %(hits)d, copies saved "
        "before a restore %(copies)d"
    ) % {"links": links[0], "sessions": sessions[0], "hits": hits[0], "copies": len(copies)}


def backup() -> str:
    """The nightly backup (BACKUP_NIGHTLY), and the removal of backups older than
    BACKUP_KEEP_DAYS: old backups hold people erased since."""
    info = backups.make_backup()
    removed = backups.remove_old_backups(keep_days=settings.BACKUP_KEEP_DAYS)
    return ngettext(
        "%(name)s (%(size)s); %(removed)d backup older than the keep period removed",
        "%(name)s (%(size)s); %(removed)d backups older than the keep period removed",
        removed,
    ) % {"name": info.path.name, "size": filesizeformat(info.size), "removed": removed}


def owner_digest() -> str:
    """One message a day listing the requests overdue or due within 7 days."""
    due = list(due_soon())
    if not due:
        return _("no request due")
    today = timezone.localdate()
    told = notify_owners(
        template="owner_digest",
        context={
            "requests": [
                {
                    "request": r,
                    "overdue_by": max(-r.days_left(today), 0),
                    "link": site_link(reverse("admin:consent_rightsrequest_change", args=[r.pk])),
                }
                for r in due
            ],
            "overdue": sum(1 for r in due if r.days_left(today) < 0),
        },
        key=f"digest:{today.isoformat()}",
    )
    return ngettext(
        "%(count)d request due; %(told)d messages",
        "%(count)d requests due; %(told)d messages",
        len(due),
    ) % {"count": len(due), "told": told}


def alerts() -> str:
    """What cannot wait for tomorrow's digest, each told once: a breach whose 72 hours run
    out, emails given up, a scheduled job that did not run."""
    now = timezone.now()
    told = 0
    # The breach log's own rule of which breach awaits notification and which is overdue
    # (BreachQuerySet): a reminder when a day is left, and a second one once overdue.
    for breach in (
        Breach.objects.awaiting_notification()
        .filter(discovered_at__lte=now - NOTIFY_WITHIN + BREACH_WARNING)
        .with_overdue(now)
    ):
        told += notify_owners(
            template="owner_breach_deadline",
            context={
                "breach": breach,
                "overdue": breach.is_overdue,
                "link": site_link(reverse("admin:consent_breach_change", args=[breach.pk])),
            },
            key=f"breach-overdue:{breach.pk}" if breach.is_overdue else f"breach:{breach.pk}",
        )
    failed = OutboxEmail.objects.filter(failed_at__isnull=False).exclude(kind=Kind.OWNER)
    newest = failed.order_by("-pk").values_list("pk", flat=True).first()
    if newest is not None:
        told += notify_owners(
            template="owner_mail_failed",
            context={
                "count": failed.count(),
                "link": site_link(reverse("admin:consent_outboxemail_changelist"))
                + "?failed_at__isnull=False",
            },
            key=f"mail-failed:{newest}",
        )
    for run in JobRun.objects.exclude(name="worker").filter(next_run_at__lt=now - LATE):
        if run.lease_until is not None and run.lease_until > now:
            continue  # running now
        told += notify_owners(
            template="owner_job_missed",
            context={"job": run},
            key=f"job-missed:{run.name}:{timezone.localtime(run.next_run_at):%Y%m%d%H}",
        )
    return ngettext("%(told)d notice", "%(told)d notices", told) % {"told": told}


def intake_selftest() -> str:
    """The studio's mailbox, where customers' questions and requests arrive, is tested by a
    message through the same path as every other (the Ombudsman has fined a company whose
    privacy mailbox was silently broken). The front page shows when it last went through."""
    studio = StudioSettings.load()
    if not studio.email:
        return _("no studio email address in the settings: nothing to test")
    queue_email(
        to=studio.email,
        template="intake_selftest",
        context={"studio": studio, "addresses": owner_addresses()},
        language=settings.LANGUAGE_CODE,
        kind=Kind.SELFTEST,
    )
    return _("test message queued to %(email)s") % {"email": studio.email}


NEWSLETTER_COUNT = "newsletter_count"


def newsletter_count() -> str:
    """Count who may be emailed a newsletter, and on what basis, for the admin's front
    page: the marketing audience over the whole register takes about a second at 100,000
    customers, too long for every view of the front page (issue 12). Kept in the job's
    record as figures only, with the time they were counted."""
    from consent.marketing.audience import audience

    found = audience(purpose=ConsentEvent.Purpose.NEWSLETTER, channel=ConsentEvent.Channel.EMAIL)
    JobRun.objects.filter(name=NEWSLETTER_COUNT).update(
        result={
            "count": found.count,
            "bases": dict(found.bases.most_common()),
            "counted_at": timezone.now().isoformat(),
        }
    )
    return ngettext(
        "%(count)d person may be emailed a newsletter",
        "%(count)d people may be emailed a newsletter",
        found.count,
    ) % {"count": found.count}
