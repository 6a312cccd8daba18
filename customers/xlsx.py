"""Reading an Excel workbook (.xlsx) for the booking import: every cell as the text a
person sees, so that the import reads it exactly as it reads a CSV export.

- Phone numbers stay text: a text cell is taken as it is, and a number is written without
  a decimal part or an exponent (401234567, not 401234567.0 or 4.01E+08), padded with the
  leading zeros its number format shows ("0000000000").
- Dates and times become ISO text (2025-03-03, 18:00), which the import reads.
- A formula or merged cells make the sheet unreadable as a table of bookings: the owner
  is told which cell, and nothing is imported.
- A file that would unpack to more than MAX_UNPACKED bytes is refused before it is opened
  (a small zip can unpack to gigabytes).
"""

import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils.translation import gettext as _

MAX_UNPACKED = 50 * 1024 * 1024
MAX_CELLS = 1_000_000
_ZEROS = re.compile(r"^0+$")
_TIME_CODES = re.compile(r"[hs]", re.IGNORECASE)


class SpreadsheetError(ValueError):
    """The workbook cannot be read as bookings; the message says why, for the owner."""


@dataclass
class Sheet:
    name: str
    rows: list[list[str]] = field(default_factory=list)
    # The first formula cell ("C5") and merged range ("A1:F1"), if any.
    formula: str = ""
    merged: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(cell.strip() for row in self.rows for cell in row)

    def check(self) -> None:
        """Raise SpreadsheetError when the sheet is not a plain table."""
        if self.merged:
            raise SpreadsheetError(
                _(
                    "The sheet %(sheet)s has merged cells (%(cells)s). Unmerge them so that "
                    "there is one header row and one booking per row, then import again."
                )
                % {"sheet": self.name, "cells": self.merged}
            )
        if self.formula:
            raise SpreadsheetError(
                _(
                    "The sheet %(sheet)s has formulas (the first in cell %(cell)s). Save a "
                    "copy with the values only (Paste special, Values) and import that."
                )
                % {"sheet": self.name, "cell": self.formula}
            )


def is_xlsx(data: bytes) -> bool:
    """Whether `data` is an Office Open XML workbook (a zip holding xl/workbook.xml)."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def cell_text(value: Any, number_format: str = "General") -> str:
    """A cell's value as the text the import reads."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0) and not _TIME_CODES.search(number_format or ""):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, timedelta):
        minutes = int(value.total_seconds() // 60)
        return f"{minutes // 60}:{minutes % 60:02d}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        if _ZEROS.match(number_format or ""):
            text = text.zfill(len(number_format))
        return text
    if isinstance(value, float):
        return repr(value)
    return str(value)


def read_workbook(data: bytes) -> list[Sheet]:
    """The workbook's visible worksheets, the one it opens on first."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as e:
        raise SpreadsheetError(_("The file is not a readable Excel workbook (.xlsx).")) from e
    if unpacked > MAX_UNPACKED:
        raise SpreadsheetError(
            _("The workbook is too large to import. Save the bookings alone in a new file.")
        )
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it ignores; they do not matter here.
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), data_only=False, keep_links=False)
    except Exception as e:  # openpyxl raises many kinds for a damaged or foreign file
        raise SpreadsheetError(
            _(
                "The file could not be read as an Excel workbook (.xlsx). Open it in the "
                "spreadsheet program and save it again as .xlsx or as CSV."
            )
        ) from e
    active = book.active
    ordered = [active, *(s for s in book.worksheets if s is not active)]
    sheets = []
    for ws in ordered:
        if ws is None or not hasattr(ws, "iter_rows") or ws.sheet_state != "visible":
            continue
        if ws.max_row * ws.max_column > MAX_CELLS:
            raise SpreadsheetError(
                _("The sheet %(sheet)s is too large to import.") % {"sheet": ws.title}
            )
        sheet = Sheet(name=ws.title)
        merged = sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col))
        if merged:
            sheet.merged = str(merged[0].coord)
        for row in ws.iter_rows():
            texts = []
            for cell in row:
                if not sheet.formula and getattr(cell, "data_type", "") == "f":
                    sheet.formula = cell.coordinate
                texts.append(cell_text(cell.value, getattr(cell, "number_format", "General")))
            sheet.rows.append(texts)
        sheets.append(sheet)
    return sheets
