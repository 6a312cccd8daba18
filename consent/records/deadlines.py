"""The legal deadlines of a rights request (GDPR Art. 12(3)): one month, extendable by two."""

import calendar
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from consent.models import RightsRequest

ANSWER_MONTHS = 1
EXTENSION_MONTHS = 2


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it has no such day.

    31 January + 1 month is 28 February (29 in a leap year), as the EU's rule on
    periods (Regulation 1182/71, Art. 3) counts it.
    """
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def due_date(received: date) -> date:
    return add_months(received, ANSWER_MONTHS)


def extended_due_date(received: date) -> date:
    return add_months(received, ANSWER_MONTHS + EXTENSION_MONTHS)


def due_soon(*, days: int = 7) -> Any:
    """Open requests that are overdue or due within `days`, most urgent first; web requests
    nobody has confirmed are not the owner's to answer, so they are not among them."""
    limit = timezone.localdate() + timedelta(days=days)
    return (
        RightsRequest.objects.filter(status__in=RightsRequest.OPEN_STATUSES, due_on__lte=limit)
        .exclude(RightsRequest.AWAITING_CONFIRMATION)
        .select_related("customer")
        .order_by("due_on")
    )
