"""The background worker's record of its scheduled jobs (no personal data)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """One scheduled job: when it is due, who holds it, how its last run went.

    A worker takes a due job by a conditional UPDATE (due, and no live lease) that only one
    of several workers can win, on SQLite and PostgreSQL alike; the lease lets another
    worker take the job over when the one holding it died in the middle.
    """

    name = models.CharField(_("job"), max_length=50, unique=True)
    next_run_at = models.DateTimeField(_("next run"), default=timezone.now)
    lease_until = models.DateTimeField(_("taken until"), null=True, blank=True)
    started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_ok_at = models.DateTimeField(_("last succeeded"), null=True, blank=True)
    ok = models.BooleanField(_("succeeded"), null=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    # What a job found for the front page to show without doing the work again: figures
    # only, never personal data (the newsletter count: rekisteri.jobs.newsletter_count).
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
