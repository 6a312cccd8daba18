"""The bookkeeping period of a purchase (Accounting Act 1336/1997, 2:10 §), in one place.

Vouchers (a purchase and its receipt) are kept for 6 years from the end of the calendar
year in which the financial year they belong to ended. The studio's financial year ends on
the day set in the studio settings (31 December by default). Every path that needs the
date asks `kept_until`: the retention job (through `last_purchase_day_to_delete`), the
erasure preview and the customer's own page (through `bookkeeping_until`), the access
report and the privacy notice's retention text (`period_text`).

Example: a financial year ending on 30 June; a purchase on 10.8.2025 belongs to the
financial year ending 30.6.2026, which ends in 2026; the purchase is kept until
31.12.2032. A studio whose financial year is the calendar year keeps a purchase of
1.3.2025 until 31.12.2031.
"""

import calendar
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from consent.models import StudioSettings
from customers.inventory import Retention, retention_rule
from customers.models import Customer

# A common (non-leap) year: a financial year's end must be a day every year has.
_COMMON_YEAR = 2001


def years() -> int:
    """The number of years vouchers are kept (the inventory's bookkeeping rule)."""
    return retention_rule(Retention.BOOKKEEPING).years


def check_financial_year_end(month: int, day: int) -> None:
    """Refuse a financial year's end that not every year has: 30 February or 31 April
    never come, and 29 February comes only in a leap year (a financial year ending "at the
    end of February" is entered as 28 February)."""
    if not 1 <= month <= 12:
        raise ValidationError(_("Choose a month from 1 to 12."), code="invalid_month")
    last = calendar.monthrange(_COMMON_YEAR, month)[1]
    if not 1 <= day <= last:
        raise ValidationError(
            _(
                "This month has no day %(day)d every year: the financial year must end on a "
                "day that every year has (at most %(last)d in this month)."
            ),
            code="invalid_day",
            params={"day": day, "last": last},
        )


def _end_in(year: int, month: int, day: int) -> date:
    # A setting saved before it was checked (30 February, say) is read as the month's last
    # common-year day: a purchase is then kept longer, never shorter, than the law asks.
    month = min(max(month, 1), 12)
    return date(year, month, min(max(day, 1), calendar.monthrange(_COMMON_YEAR, month)[1]))


def financial_year_end(on: date, *, studio: StudioSettings) -> date:
    """The last day of the financial year that the day `on` belongs to."""
    month, day = studio.financial_year_end_month, studio.financial_year_end_day
    end = _end_in(on.year, month, day)
    return end if on <= end else _end_in(on.year + 1, month, day)


def kept_until(purchased_on: date, *, studio: StudioSettings | None = None) -> date:
    """The last day a purchase made on `purchased_on` must be kept: 31 December of the
    sixth year after the calendar year in which its financial year ended (2:10 §)."""
    studio = studio or StudioSettings.load()
    return date(financial_year_end(purchased_on, studio=studio).year + years(), 12, 31)


def last_purchase_day_to_delete(today: date, *, studio: StudioSettings | None = None) -> date:
    """Purchases made on this day or earlier have been kept their whole period by `today`
    (kept_until(day) < today), and only they; the retention job deletes them."""
    studio = studio or StudioSettings.load()
    # kept_until(d) < today  <=>  the year d's financial year ended <= today.year - years - 1
    # <=>  d is on or before the financial year's end in that year.
    return _end_in(
        today.year - years() - 1, studio.financial_year_end_month, studio.financial_year_end_day
    )


def bookkeeping_until(customer: Customer, *, studio: StudioSettings | None = None) -> date | None:
    """The last day the customer's newest purchase must be kept, or None without purchases:
    what the erasure preview and the customer's own page show."""
    newest = (
        customer.purchases.order_by("-purchased_on").values_list("purchased_on", flat=True).first()
    )
    if newest is None:
        return None
    return kept_until(newest, studio=studio)


def period_text(
    *, studio: StudioSettings | None = None, year_end: tuple[int, int] | None = None
) -> str:
    """The bookkeeping period in words, with the studio's financial year, for the privacy
    notice and the access report. `year_end` (month, day) is a published notice's own
    record of the financial year's end; otherwise the studio settings'."""
    if year_end is None:
        studio = studio or StudioSettings.load()
        year_end = (studio.financial_year_end_month, studio.financial_year_end_day)
    end = _end_in(_COMMON_YEAR, *year_end)
    day_and_month = formats.date_format(end, pgettext("date format of a day and month", "j F"))
    return _(
        "%(years)d years from the end of the calendar year in which the purchase's financial "
        "year ended (the studio's financial year ends on %(end)s)"
    ) % {"years": years(), "end": day_and_month}
