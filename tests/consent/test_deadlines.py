"""Deadlines of a rights request (Art. 12(3)): one calendar month, extendable by two."""

from datetime import date

import pytest

from consent.records.deadlines import add_months, due_date, extended_due_date


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),  # leap year
        (date(2026, 3, 15), date(2026, 4, 15)),
        (date(2026, 12, 20), date(2027, 1, 20)),
        (date(2026, 5, 31), date(2026, 6, 30)),
    ],
)
def test_the_answer_is_due_one_calendar_month_after_receipt(received, due):
    assert due_date(received) == due


def test_an_extension_moves_the_deadline_by_two_more_months():
    assert extended_due_date(date(2026, 1, 31)) == date(2026, 4, 30)
    assert extended_due_date(date(2026, 11, 30)) == date(2027, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == extended_due_date(date(2026, 11, 30))
