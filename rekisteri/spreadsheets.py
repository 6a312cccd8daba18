"""Every CSV file the app writes, in one dialect: what Finnish Excel opens as it is.

Semicolons (Excel in a Finnish locale expects them, since the comma is the decimal
separator), UTF-8 with a byte-order mark (without it Excel reads "ä" as "Ã¤"), and every
cell that a spreadsheet would run as a formula neutralised (OWASP "CSV injection"): a
value starting with = + - @, a tab or a carriage return gets a leading apostrophe. Plain
numbers such as "+358401234567" and "-12" are left alone: they are not formulas.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

BOM = "\ufeff"
DELIMITER = ";"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?[0-9][0-9 .,]*$")


def safe_cell(value: object) -> str:
    """A cell's text, neutralised when a spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """The rows as CSV text in the app's one dialect, byte-order mark included."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()


def csv_response(filename: str, rows: Iterable[Sequence[object]]) -> HttpResponse:
    """A download of the rows as `filename` (which should end in .csv)."""
    response = HttpResponse(csv_text(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
