"""The operations app's entries in the personal-data inventory: nothing about a person."""

from customers.inventory import Category, Erasure, FieldRule, Retention, register
from rekisteri.models import JobRun

register(
    JobRun,
    person=None,
    rows=Erasure.KEEP,
    retention=Retention.NOT_PERSONAL,
    fields={
        name: FieldRule(Category.NOT_PERSONAL, Erasure.KEEP)
        for name in (
            "id",
            "name",
            "next_run_at",
            "lease_until",
            "started_at",
            "finished_at",
            "last_ok_at",
            "ok",
            "detail",
            "runs",
            "result",
        )
    },
)
