"""The booking-calendar import (P6): a CSV export of Varaa heti and similar calendars.

Three steps, each a plain function:

- `read_bookings(data, mapping)` decodes the file (UTF-8, with or without a BOM, or
  Windows-1252 as Finnish spreadsheets save it), finds the separator (`;`, `,` or a tab),
  guesses which column holds what from Finnish and English headers (the guess can be
  overridden) and checks every row on its own: name, email, phone, date and time, status.
  It touches no database.
- `preview(parsed)` compares the rows with the register and says for every row what an
  import would do with it: a new customer, an existing customer (matched by email, then
  by phone), a duplicate (the same customer on the same course, in the register or on an
  earlier row), or invalid, with the reason. It never writes.
- `import_bookings(parsed, actor=...)` does what the preview said, in one transaction:
  customers (origin "booking calendar"), courses that are missing, and enrolments.

Decisions worth knowing:

- Existing customers are never overwritten: an import only fills an empty email or phone.
- A phone number alone matches a customer only when the names agree and the emails do not
  contradict each other: families share a phone, and a child's bookings must not land on
  the parent.
- A course is the service at its start time. A missing one is created with a capacity
  equal to the file's bookings for it (the calendar already enforced its own limit); an
  existing one keeps the studio's capacity, and the rows that do not fit are invalid
  ("course full").
- A customer whose processing is restricted (GDPR Art. 18) gets no new enrolment.
- No health information comes in (P5, GDPR Art. 9): the text the import stores — the
  name and the service or course — goes through the health-data guard, and a row it
  flags is refused whole with the column named ("health_data"); there is no confirming
  it here, as the owner cannot vouch for what customers typed into the calendar. The
  calendar's other columns (its notes, messages, extra questions) are never read.
- No consent is ever created: a booking is not a permission to market. People on the
  suppression list are imported for their bookings only and counted as such. The check
  comes from the caller (`suppressed_addresses`), so that the register does not import `consent`.
- A person erased earlier (GDPR Art. 17) is not brought back by an import of the old
  calendar: rows that would create them anew are skipped ("erased earlier"), unless the
  booking is later than the erasure ("booked again"): those the preview shows apart, and
  they are imported only when the owner says so. The erasure times come from the caller
  (`erasures`, from the suppression list).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers import xlsx
from customers.fields import normalise_email, normalise_phone
from customers.health import find_health_terms
from customers.models import Course, CourseSession, Customer, Enrollment

# Rows written (and progress reported) per round.
CHUNK_SIZE = 500
# Values per IN (...) query: well below every database's limit.
QUERY_CHUNK = 500
DEFAULT_DURATION = timedelta(hours=1)

NEW = "new"
UPDATED = "updated"
DUPLICATE = "duplicate"
INVALID = "invalid"
# A person erased earlier (GDPR Art. 17): their old bookings are not imported again.
ERASED = "erased"
# A person erased earlier who booked again after the erasure: the owner decides.
REBOOKED = "rebooked"
KINDS = (NEW, UPDATED, DUPLICATE, INVALID, ERASED, REBOOKED)
KIND_LABELS = {
    NEW: gettext_lazy("New customer"),
    UPDATED: gettext_lazy("Existing customer"),
    DUPLICATE: gettext_lazy("Duplicate"),
    INVALID: gettext_lazy("Invalid"),
    ERASED: gettext_lazy("Erased earlier, skipped"),
    REBOOKED: gettext_lazy("Erased earlier, booked again since"),
}
# Erasure times by "email:<address>" and "phone:<number>" (see Erasures in _Plan).
Erasures = Callable[..., dict[str, datetime]]

# What a column can hold, in the order the mapping form shows them.
TARGETS = (
    "name", "first_name", "last_name", "email", "phone", "course", "date", "time", "end", "status",
)  # fmt: skip
TARGET_LABELS = {
    "name": gettext_lazy("name"),
    "first_name": gettext_lazy("first name"),
    "last_name": gettext_lazy("last name"),
    "email": gettext_lazy("email"),
    "phone": gettext_lazy("phone"),
    "course": gettext_lazy("service or course"),
    "date": gettext_lazy("date (and time)"),
    "time": gettext_lazy("time"),
    "end": gettext_lazy("ends"),
    "status": gettext_lazy("status"),
}

# Header names, normalised (see _normalise_header), per target. Exact matches are tried
# first, in the order of the file's columns; then headers that contain a long synonym.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": (
        "sähköposti", "sähköpostiosoite", "s posti", "sposti", "asiakkaan sähköposti",
        "email", "e mail", "email address", "e mail address", "mail", "customer email",
    ),
    "phone": (
        "puhelin", "puhelinnumero", "puh", "puh nro", "puhelinnro", "matkapuhelin", "gsm",
        "asiakkaan puhelin", "phone", "phone number", "mobile", "mobile phone", "tel",
        "telephone", "customer phone",
    ),
    "first_name": ("etunimi", "etunimet", "first name", "firstname", "given name"),
    "last_name": ("sukunimi", "last name", "lastname", "surname", "family name"),
    "status": ("tila", "varauksen tila", "status", "booking status", "state"),
    "course": (
        "palvelu", "palvelun nimi", "kurssi", "kurssin nimi", "tunti", "tapahtuma",
        "service", "service name", "course", "course name", "class", "class name", "event",
        "activity", "lesson",
    ),
    "date": (
        "päivämäärä", "pvm", "päivä", "ajankohta", "varausaika", "varauksen ajankohta",
        "päivämäärä ja aika", "pvm ja aika", "alkaa", "alkamisaika", "alkuaika", "aloitus",
        "date", "day", "date and time", "datetime", "start", "starts", "start time",
        "start date", "begins",
    ),
    "time": (
        "aika", "kellonaika", "klo", "kello", "alkaa", "alkamisaika", "alkuaika", "time",
        "hour", "start", "starts", "start time",
    ),
    "end": ("loppuu", "päättyy", "loppuaika", "päättymisaika", "end", "ends", "end time"),
    "name": (
        "nimi", "koko nimi", "asiakas", "asiakkaan nimi", "varaaja", "varaajan nimi",
        "osallistuja", "name", "full name", "customer", "customer name", "client",
        "participant",
    ),
}  # fmt: skip
_SUBSTRING_MIN = 5

STATUSES: dict[str, str] = {
    **dict.fromkeys(
        (
            "", "varattu", "varaus", "vahvistettu", "vahvistunut", "aktiivinen", "voimassa",
            "maksettu", "ei saapunut", "ei tullut", "booked", "confirmed", "reserved",
            "active", "paid", "ok", "no show", "no-show", "noshow",
        ),
        Enrollment.Status.ENROLLED,
    ),
    **dict.fromkeys(
        ("peruttu", "peruutettu", "peruutus", "perunut", "cancelled", "canceled", "cancellation"),
        Enrollment.Status.CANCELLED,
    ),
    **dict.fromkeys(
        (
            "saapunut", "paikalla", "käynyt", "osallistunut", "toteutunut", "attended",
            "checked in", "check in", "arrived", "present", "completed",
        ),
        Enrollment.Status.ATTENDED,
    ),
}  # fmt: skip

_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_FI_DATE = re.compile(r"(?<!\d)(\d{1,2})[./](\d{1,2})[./](\d{4}|\d{2})(?!\d)")
_TIME = re.compile(r"(?<![\d.:])(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?![\d.:])")
_HOUR = re.compile(r"\bklo\s*(\d{1,2})(?![\d.:])", re.IGNORECASE)


class ImportFileError(ValueError):
    """The file cannot be read as a booking-calendar export; the message says why."""


class MissingColumns(ImportFileError):
    """Columns the import needs were not found; carries what was found, for a new mapping."""

    def __init__(self, message: str, *, headers: list[str], mapping: dict[str, str]) -> None:
        super().__init__(message)
        self.headers = headers
        self.mapping = mapping


@dataclass(slots=True)
class Problem:
    code: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(slots=True)
class BookingRow:
    """One data row, read and checked on its own (no database)."""

    number: int
    raw_name: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    course: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    status: str = Enrollment.Status.ENROLLED
    problems: list[Problem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.raw_name

    @property
    def status_label(self) -> str:
        return str(Enrollment.Status(self.status).label)

    @property
    def course_key(self) -> tuple[str, datetime | None]:
        return (self.course.casefold(), self.starts_at)

    @property
    def moment(self) -> datetime:
        """When the booking counts as made: its start, or now for one still to come."""
        assert self.starts_at is not None
        return min(self.starts_at, timezone.now())


@dataclass
class Parsed:
    encoding: str
    delimiter: str
    headers: list[str]
    mapping: dict[str, str]
    rows: list[BookingRow]
    # The worksheet an Excel workbook was read from ("" for CSV, which has no delimiter then).
    sheet: str = ""

    @property
    def delimiter_label(self) -> str:
        return {";": _("semicolon"), ",": _("comma"), "\t": _("tab")}.get(self.delimiter, "")


@dataclass
class RowOutcome:
    row: BookingRow
    kind: str
    reasons: list[Problem] = field(default_factory=list)
    person: _Person | None = None
    course: _CourseRef | None = None
    customer: Customer | None = None

    @property
    def reason_text(self) -> str:
        return " ".join(str(p) for p in self.reasons)


@dataclass
class Preview:
    parsed: Parsed
    outcomes: list[RowOutcome]
    counts: dict[str, int]
    new_customers: int
    matched_customers: int
    new_courses: int
    new_enrollments: int
    suppressed: int

    def of_kind(self, kind: str) -> list[RowOutcome]:
        return [o for o in self.outcomes if o.kind == kind]

    @property
    def invalid(self) -> list[RowOutcome]:
        return self.of_kind(INVALID)

    @property
    def importable(self) -> bool:
        return self.new_enrollments > 0


@dataclass
class Result:
    counts: dict[str, int]
    customers_created: int = 0
    customers_updated: int = 0
    courses_created: int = 0
    enrollments_created: int = 0
    suppressed: int = 0
    invalid: list[RowOutcome] = field(default_factory=list)

    def audit_counts(self) -> dict[str, int]:
        """The counts of the audit entry's detail ("bookings_imported"); names no person."""
        return {
            "new": self.counts[NEW],
            "updated": self.counts[UPDATED],
            "duplicate": self.counts[DUPLICATE],
            "invalid": self.counts[INVALID],
            "customers_created": self.customers_created,
            "customers_updated": self.customers_updated,
            "courses_created": self.courses_created,
            "enrollments_created": self.enrollments_created,
            "suppressed": self.suppressed,
        }


# Reading


def read_bookings(
    data: bytes,
    mapping: dict[str, str] | None = None,
    *,
    remembered: dict[str, str] | None = None,
) -> Parsed:
    """Decode and read a booking-calendar CSV or Excel workbook (.xlsx); `mapping` (target
    -> header) overrides the guess, and an empty header unmaps a target. `remembered` is
    the mapping of an earlier import: its headers that this file has too are used before
    the guess. Raises ImportFileError, with a message for the owner, when the file cannot
    be read or lacks a column the import needs."""
    if xlsx.is_xlsx(data):
        return _read_workbook(data, mapping, remembered)
    text, encoding = _decode(data)
    text, delimiter = _delimiter(text)
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers, columns, rows = _read_table(records, mapping, remembered)
    except csv.Error as e:
        raise ImportFileError(
            _("The file is not a valid CSV file (%(error)s).") % {"error": e}
        ) from e
    return Parsed(encoding, delimiter, headers, columns, rows)


def _read_table(
    records: Iterator[list[str]],
    mapping: dict[str, str] | None,
    remembered: dict[str, str] | None,
) -> tuple[list[str], dict[str, str], list[BookingRow]]:
    """The header row (the first with text), the columns and the bookings of a table."""
    headers: list[str] | None = None
    header_number = 0
    for number, record in enumerate(records, start=1):
        if any(cell.strip() for cell in record):
            headers = [cell.strip() for cell in record]
            header_number = number
            break
    if headers is None:
        raise ImportFileError(_("The file is empty."))
    known = {t: h for t, h in (remembered or {}).items() if t in TARGETS and h and h in headers}
    columns = _mapping(headers, {**known, **(mapping or {})})
    index = {target: headers.index(header) for target, header in columns.items()}
    rows = [
        _read_row(number, record, index, columns)
        for number, record in enumerate(records, start=header_number + 1)
        if any(cell.strip() for cell in record)
    ]
    if not rows:
        raise ImportFileError(_("The file has a header row but no bookings."))
    return headers, columns, rows


def _read_workbook(
    data: bytes, mapping: dict[str, str] | None, remembered: dict[str, str] | None
) -> Parsed:
    """The bookings of the first visible sheet (the one the workbook opens on first) that
    has the columns the import needs: a workbook may keep a summary before them."""
    try:
        sheets = [s for s in xlsx.read_workbook(data) if not s.is_empty]
        if not sheets:
            raise ImportFileError(_("The workbook is empty: no sheet has anything in it."))
        refusal: ImportFileError | None = None
        for sheet in sheets:
            try:
                headers, columns, rows = _read_table(iter(sheet.rows), mapping, remembered)
            except ImportFileError as e:
                refusal = refusal or e
                continue
            sheet.check()
            return Parsed("XLSX", "", headers, columns, rows, sheet=sheet.name)
        # No sheet has the columns: a damaged first sheet explains that best.
        sheets[0].check()
    except xlsx.SpreadsheetError as e:
        raise ImportFileError(str(e)) from e
    assert refusal is not None
    if len(sheets) > 1 and isinstance(refusal, MissingColumns):
        names = ", ".join(s.name for s in sheets)
        raise MissingColumns(
            _("%(error)s No other sheet of the workbook (%(sheets)s) has them either.")
            % {"error": refusal, "sheets": names},
            headers=refusal.headers,
            mapping=refusal.mapping,
        )
    raise refusal


def _decode(data: bytes) -> tuple[str, str]:
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text".
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data[:4096]:
        if data.startswith(b"\xef\xbb\xbf"):
            try:
                return data.decode("utf-8-sig"), "UTF-8"
            except UnicodeDecodeError:
                pass
        else:
            for codec, label in (("utf-8", "UTF-8"), ("cp1252", "Windows-1252")):
                try:
                    return data.decode(codec), label
                except UnicodeDecodeError:
                    continue
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF")) or b"\x00" in data[:4096]:
        raise ImportFileError(
            _(
                "The file is not a CSV text file, nor an Excel workbook (.xlsx): it may be "
                "an older .xls file or another program's file. Save it as .xlsx or as CSV "
                "in the spreadsheet program first."
            )
        )
    raise ImportFileError(
        _(
            "The file's characters could not be read: it is neither UTF-8 nor Windows-1252 "
            "text. Save it as CSV (UTF-8) in the spreadsheet program and try again."
        )
    )


def _delimiter(text: str) -> tuple[str, str]:
    """The separator of the file (Excel's `sep=;` line honoured), and the text to read."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    hint = re.fullmatch(r"\s*sep=(.)\s*", first)
    if hint and hint.group(1) in ";,\t":
        # The line stays, empty, so that row numbers remain those of the spreadsheet.
        return text.replace(first, "", 1), hint.group(1)
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {d: unquoted.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])  # ties: the first, ";"
    if counts[best] == 0:
        raise ImportFileError(
            _(
                "The file is not a CSV file: its first row has no column separators "
                "(semicolons or commas)."
            )
        )
    return text, best


def _normalise_header(header: str) -> str:
    text = re.sub(r"[-_./():*#]+", " ", header.casefold())
    return " ".join(text.split())


def guess_mapping(headers: Iterable[str]) -> dict[str, str]:
    """The targets the headers seem to hold, e.g. {"email": "Sähköposti", ...}."""
    headers = [h for h in headers if h.strip()]
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for header in headers:
        normal = _normalise_header(header)
        for target in SYNONYMS:
            if target not in mapping and normal in SYNONYMS[target]:
                mapping[target] = header
                used.add(header)
                break
    for target, synonyms in SYNONYMS.items():
        if target in mapping:
            continue
        long = [s for s in synonyms if len(s) >= _SUBSTRING_MIN]
        for header in headers:
            if header not in used and any(s in _normalise_header(header) for s in long):
                mapping[target] = header
                used.add(header)
                break
    # One column named "Aika" or "Start" often holds the date and the time together.
    if "date" not in mapping and "time" in mapping:
        mapping["date"] = mapping.pop("time")
    return mapping


def _mapping(headers: list[str], override: dict[str, str] | None) -> dict[str, str]:
    mapping = guess_mapping(headers)
    for target, header in (override or {}).items():
        if target not in TARGETS:
            raise ImportFileError(
                _("Unknown column %(target)s; the columns are: %(targets)s.")
                % {"target": target, "targets": ", ".join(TARGETS)}
            )
        if not header:
            mapping.pop(target, None)
        elif header not in headers:
            raise ImportFileError(
                _("The file has no column named %(header)s. Its columns are: %(headers)s.")
                % {"header": header, "headers": ", ".join(h for h in headers if h)}
            )
        else:
            mapping[target] = header
    missing = []
    if "name" not in mapping and not {"first_name", "last_name"} <= mapping.keys():
        missing.append(str(TARGET_LABELS["name"]))
    if "email" not in mapping and "phone" not in mapping:
        missing.append(_("email or phone"))
    for target in ("course", "date"):
        if target not in mapping:
            missing.append(str(TARGET_LABELS[target]))
    if missing:
        raise MissingColumns(
            _(
                "The file has no column for: %(missing)s. Its columns are: %(headers)s. "
                "Choose the columns to use."
            )
            % {"missing": ", ".join(missing), "headers": ", ".join(h for h in headers if h)},
            headers=headers,
            mapping=mapping,
        )
    return mapping


def _read_row(
    number: int, record: list[str], index: dict[str, int], columns: dict[str, str]
) -> BookingRow:
    def cell(target: str) -> str:
        i = index.get(target)
        return " ".join(record[i].split()) if i is not None and i < len(record) else ""

    row = BookingRow(number=number)
    problems = row.problems

    if "first_name" in index and "last_name" in index:
        row.first_name, row.last_name = cell("first_name"), cell("last_name")
        row.raw_name = f"{row.first_name} {row.last_name}".strip()
    else:
        row.raw_name = cell("name")
        row.first_name, row.last_name = _split_name(row.raw_name)
    if not row.first_name and not row.last_name:
        problems.append(Problem("missing_name", _("The name is missing.")))
    elif not row.first_name or not row.last_name:
        problems.append(Problem("incomplete_name", _("Both a first and a last name are needed.")))
    elif len(row.first_name) > 100 or len(row.last_name) > 100:
        problems.append(Problem("long_name", _("The name is too long.")))

    email = normalise_email(cell("email"))
    if email:
        try:
            validate_email(email)
            if len(email) > (Customer._meta.get_field("email").max_length or 254):
                raise ValidationError("too long")
            row.email = email
        except ValidationError:
            problems.append(
                Problem(
                    "bad_email", _("The email address %(email)s is not valid.") % {"email": email}
                )
            )
    phone = cell("phone")
    if phone:
        try:
            row.phone = normalise_phone(phone)
        except ValidationError:
            problems.append(
                Problem(
                    "bad_phone", _("The phone number %(phone)s is not valid.") % {"phone": phone}
                )
            )
    if not email and not phone:
        problems.append(Problem("no_contact", _("Neither an email address nor a phone number.")))

    row.course = cell("course")
    if not row.course:
        problems.append(Problem("missing_course", _("The service or course is missing.")))
    elif len(row.course) > 200:
        problems.append(Problem("long_course", _("The name of the service is too long.")))

    _read_times(row, cell("date"), cell("time"), cell("end"))

    names = (
        ("first_name", "last_name") if {"first_name", "last_name"} <= index.keys() else ("name",)
    )
    for target in (*names, "course"):
        terms = _health_terms(cell(target))
        if terms:
            problems.append(
                Problem(
                    "health_data",
                    _(
                        "The column “%(column)s” looks like health information (%(terms)s), "
                        "which is never stored: nothing of this row is imported."
                    )
                    % {"column": columns[target], "terms": ", ".join(terms)},
                )
            )

    status = cell("status").casefold()
    if status in STATUSES:
        row.status = STATUSES[status]
    else:
        problems.append(
            Problem("bad_status", _("Unknown status %(status)s.") % {"status": cell("status")})
        )
    return row


@lru_cache(maxsize=4096)
def _health_terms(text: str) -> tuple[str, ...]:
    # A file repeats its services and its regulars' names on row after row.
    return tuple(find_health_terms(text))


def _split_name(name: str) -> tuple[str, str]:
    """'Aino Maria Virtanen' -> ('Aino Maria', 'Virtanen'); 'Virtanen, Aino' too."""
    if "," in name:
        last, first = (part.strip() for part in name.split(",", 1))
        return first, last
    first, _space, last = name.rpartition(" ")
    return (first, last) if first else (last, "")


def _read_times(row: BookingRow, date_text: str, time_text: str, end_text: str) -> None:
    """The start and end of the booking, from a date (and time) cell, a time cell and an
    optional end cell; a time range such as "18:00-19:15" gives the end too."""
    if not date_text:
        row.problems.append(Problem("missing_date", _("The date is missing.")))
        return
    try:
        start, rest = _parse_date(date_text)
    except ValueError:
        row.problems.append(
            Problem("bad_date", _("The date %(date)s is not valid.") % {"date": date_text})
        )
        return
    times = _times(time_text or rest)
    if time_text and not times:
        row.problems.append(
            Problem("bad_time", _("The time %(time)s is not valid.") % {"time": time_text})
        )
        return
    if isinstance(start, datetime):
        day = timezone.localtime(start).date()
        starts_at = _at(day, times[0]) if times else start
    elif times:
        day = start
        starts_at = _at(day, times[0])
    else:
        row.problems.append(
            Problem("no_time", _("The time of day is missing from %(date)s.") % {"date": date_text})
        )
        return
    if starts_at is None:
        row.problems.append(
            Problem("bad_time", _("The time %(time)s is not valid.") % {"time": time_text})
        )
        return
    ends_at: datetime | None = starts_at + DEFAULT_DURATION
    if end_text:
        try:
            end, end_rest = _parse_date(end_text)
        except ValueError:
            end, end_rest = day, end_text
        end_times = _times(end_rest)
        if isinstance(end, datetime):
            ends_at = end
        else:
            ends_at = _at(end, end_times[0]) if end_times else None
    elif len(times) > 1:
        ends_at = _at(day, times[1])
    if ends_at is None or ends_at < starts_at:
        row.problems.append(
            Problem("bad_end", _("The end of the booking is not valid, or it is before the start."))
        )
        return
    row.starts_at, row.ends_at = starts_at, ends_at


def _parse_date(text: str) -> tuple[Any, str]:
    """(a date, or an aware datetime for a full ISO timestamp; the rest of the text)."""
    if "T" in text or "+" in text:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            return moment, ""
    match = _ISO_DATE.search(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _FI_DATE.search(text)
        if not match:
            raise ValueError(text)
        day, month, year = (int(g) for g in match.groups())
        if year < 100:
            year += 2000
    day_ = datetime(year, month, day).date()
    return day_, text[: match.start()] + " " + text[match.end() :]


def _times(text: str) -> list[tuple[int, int, int]]:
    """The clock times in `text`: "18:00", "18.00", "klo 18", a bare "18", "6:00 PM"."""
    found = [(int(h), int(m), int(s or 0)) for h, m, s in _TIME.findall(text)]
    if not found:
        hour = _HOUR.search(text) or re.fullmatch(r"\s*(\d{1,2})\s*", text)
        found = [(int(hour.group(1)), 0, 0)] if hour else []
    marker = re.search(r"\b([ap])\.?m\b", text, re.IGNORECASE)
    if marker:
        pm = marker.group(1).lower() == "p"
        found = [
            ((h % 12) + (12 if pm else 0), m, s) if h <= 12 else (h, m, s) for h, m, s in found
        ]
    return [t for t in found if t[0] < 24 and t[1] < 60 and t[2] < 60]


def _at(day: Any, clock: tuple[int, int, int]) -> datetime | None:
    try:
        return timezone.make_aware(datetime(day.year, day.month, day.day, *clock))
    except ValueError:
        return None


# Comparing with the register


@dataclass(eq=False)
class _Person:
    customer: Customer
    is_new: bool
    filled: set[str] = field(default_factory=set)
    newest: datetime | None = None
    suppressed: bool = False

    @property
    def name_key(self) -> str:
        return _name_key(self.customer.first_name, self.customer.last_name)


@dataclass(eq=False)
class _CourseRef:
    course: Course
    is_new: bool
    taken: int = 0


def _name_key(first: str, last: str) -> str:
    return " ".join(f"{first} {last}".casefold().split())


def _chunks(values: Iterable[Any], size: int = QUERY_CHUNK) -> Iterator[list[Any]]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


class _Plan:
    """What an import of `parsed` does to the register as it is now; reads, never writes."""

    def __init__(
        self,
        parsed: Parsed,
        suppressed_addresses: Callable[..., set[str]] | None = None,
        *,
        erasures: Erasures | None = None,
        include_rebooked: bool = False,
        lock: bool = False,
    ) -> None:
        self.parsed = parsed
        # People erased earlier (from the suppression list, through the caller, so that the
        # register does not import `consent`): when, by address.
        self.include_rebooked = include_rebooked
        self.erased: dict[str, datetime] = {}
        # In the import's transaction the rows read are locked (PostgreSQL; SQLite's
        # IMMEDIATE transaction holds the whole database already).
        self.lock = lock
        valid = [r for r in parsed.rows if not r.problems]
        self.by_email: dict[str, _Person] = {}
        self.by_phone: dict[str, list[_Person]] = {}
        self.courses: dict[tuple[str, datetime | None], _CourseRef] = {}
        self.booked: set[tuple[int, int]] = set()
        # (person, course) -> the row that booked it, for duplicates within the file.
        self.seen: dict[tuple[int, int], int] = {}
        self._load_customers(valid)
        self._load_courses(valid)
        if erasures is not None:
            self.erased = erasures(
                emails={r.email for r in valid if r.email},
                phones={r.phone for r in valid if r.phone},
            )
        self.outcomes = [self._classify(row) for row in parsed.rows]
        # The people something is done for: those of the rows to import.
        self.people: list[_Person] = list(
            {
                id(o.person): o.person
                for o in self.outcomes
                if o.kind in (NEW, UPDATED) and o.person is not None
            }.values()
        )
        for ref in self.courses.values():
            if ref.is_new:
                ref.course.capacity = max(ref.taken, 1)
        listed: set[str] = set()
        if suppressed_addresses is not None and self.people:
            # One batch for the whole file, not a query per person.
            listed = suppressed_addresses(
                emails={p.customer.email for p in self.people if p.customer.email},
                phones={p.customer.phone for p in self.people if p.customer.phone},
            )
        for person in self.people:
            email, phone = person.customer.email, person.customer.phone
            person.suppressed = bool(
                (email and f"email:{email}" in listed) or (phone and f"phone:{phone}" in listed)
            )
            self._note_activity(person)

    def _query(self, model: type[Any]) -> Any:
        return model.objects.select_for_update() if self.lock else model.objects.all()

    def _load_customers(self, rows: list[BookingRow]) -> None:
        found: dict[int, Customer] = {}
        emails = {r.email for r in rows if r.email}
        phones = {r.phone for r in rows if r.phone}
        for chunk in _chunks(emails):
            found.update((c.pk, c) for c in self._query(Customer).filter(email__in=chunk))
        for chunk in _chunks(phones):
            found.update((c.pk, c) for c in self._query(Customer).filter(phone__in=chunk))
        for customer in sorted(found.values(), key=lambda c: c.pk):
            self._index(_Person(customer, is_new=False))

    def _load_courses(self, rows: list[BookingRow]) -> None:
        starts = {r.starts_at for r in rows}
        existing: list[Course] = []
        for chunk in _chunks(starts):
            existing.extend(self._query(Course).filter(starts_at__in=chunk).order_by("pk"))
        for course in existing:
            self.courses.setdefault(
                (" ".join(course.name.split()).casefold(), course.starts_at),
                _CourseRef(course, is_new=False),
            )
        ids = {ref.course.pk: ref for ref in self.courses.values()}
        for chunk in _chunks(ids):
            enrolments = Enrollment.objects.filter(course_id__in=chunk).values_list(
                "customer_id", "course_id", "status"
            )
            for customer_id, course_id, status in enrolments:
                self.booked.add((customer_id, course_id))
                if status != Enrollment.Status.CANCELLED:
                    ids[course_id].taken += 1

    def _index(self, person: _Person) -> None:
        if person.customer.email:
            self.by_email.setdefault(person.customer.email, person)
        if person.customer.phone:
            people = self.by_phone.setdefault(person.customer.phone, [])
            if person not in people:
                people.append(person)

    def _match(self, row: BookingRow) -> _Person | None:
        if row.email and row.email in self.by_email:
            return self.by_email[row.email]
        if row.phone:
            name = _name_key(row.first_name, row.last_name)
            for person in self.by_phone.get(row.phone, ()):
                email = person.customer.email
                if person.name_key == name and (not row.email or not email or email == row.email):
                    return person
        return None

    def _classify(self, row: BookingRow) -> RowOutcome:
        if row.problems:
            return RowOutcome(row, INVALID, list(row.problems))
        person = self._match(row)
        ref = self.courses.get(row.course_key)
        if person is not None and ref is not None:
            earlier = self.seen.get((id(person), id(ref)))
            if earlier is not None:
                reason = Problem(
                    "earlier_row",
                    _("The same booking is on row %(row)d.") % {"row": earlier},
                )
                return RowOutcome(row, DUPLICATE, [reason], person, ref)
            if (
                not person.is_new
                and not ref.is_new
                and (person.customer.pk, ref.course.pk) in self.booked
            ):
                reason = Problem("in_register", _("The booking is in the register already."))
                return RowOutcome(row, DUPLICATE, [reason], person, ref)
        if person is None and self.erased:
            erased = self._erased_at(row)
            if erased is not None and (row.starts_at is None or row.starts_at <= erased):
                reason = Problem(
                    "erased",
                    _("This person's data was erased; their earlier bookings are not imported."),
                )
                return RowOutcome(row, ERASED, [reason])
            if erased is not None and not self.include_rebooked:
                reason = Problem(
                    "rebooked",
                    _("This person's data was erased on %(day)s; this booking is later.")
                    % {"day": f"{timezone.localtime(erased):%d.%m.%Y}"},
                )
                return RowOutcome(row, REBOOKED, [reason])
        if person is not None and person.customer.restricted_at is not None:
            reason = Problem(
                "restricted",
                _("Processing of this customer's data is restricted; no new enrolment."),
            )
            return RowOutcome(row, INVALID, [reason])
        active = row.status != Enrollment.Status.CANCELLED
        if ref is not None and not ref.is_new and active and ref.taken >= ref.course.capacity:
            reason = Problem(
                "course_full",
                _("The course %(course)s is full (capacity %(capacity)d).")
                % {"course": ref.course, "capacity": ref.course.capacity},
            )
            return RowOutcome(row, INVALID, [reason])

        # The row is taken: only now does it change the plan.
        if person is None:
            person = _Person(
                Customer(
                    first_name=row.first_name,
                    last_name=row.last_name,
                    email=row.email,
                    phone=row.phone,
                    origin=Customer.Origin.BOOKING_CALENDAR,
                ),
                is_new=True,
            )
        else:
            self._fill(person, row)
        self._index(person)
        if ref is None:
            assert row.starts_at is not None and row.ends_at is not None
            ref = _CourseRef(
                Course(
                    name=row.course,
                    starts_at=row.starts_at,
                    ends_at=row.ends_at,
                    place="",
                    capacity=1,
                ),
                is_new=True,
            )
            self.courses[row.course_key] = ref
        if active:
            ref.taken += 1
        if person.newest is None or row.moment > person.newest:
            person.newest = row.moment
        self.seen[(id(person), id(ref))] = row.number
        return RowOutcome(row, NEW if person.is_new else UPDATED, [], person, ref)

    def _erased_at(self, row: BookingRow) -> datetime | None:
        times = [
            self.erased.get(key)
            for key in (f"email:{row.email}" if row.email else "", f"phone:{row.phone}")
            if key
        ]
        found = [t for t in times if t is not None]
        return max(found) if found else None

    def _fill(self, person: _Person, row: BookingRow) -> None:
        """Fill an empty email or phone; never overwrite what the studio has."""
        customer = person.customer
        if not customer.email and row.email and row.email not in self.by_email:
            customer.email = row.email
            person.filled.add("email")
        if not customer.phone and row.phone:
            customer.phone = row.phone
            person.filled.add("phone")

    def _note_activity(self, person: _Person) -> None:
        if person.newest is None:
            return
        if person.is_new:
            person.customer.last_activity_at = person.newest
        elif person.newest > person.customer.last_activity_at:
            person.customer.last_activity_at = person.newest
            person.filled.add("last_activity_at")

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(KINDS, 0)
        for outcome in self.outcomes:
            counts[outcome.kind] += 1
        return counts


def preview(
    parsed: Parsed,
    *,
    suppressed_addresses: Callable[..., set[str]] | None = None,
    erasures: Erasures | None = None,
    include_rebooked: bool = False,
) -> Preview:
    """What importing `parsed` would do, row by row; writes nothing."""
    plan = _Plan(parsed, suppressed_addresses, erasures=erasures, include_rebooked=include_rebooked)
    accepted = [o for o in plan.outcomes if o.kind in (NEW, UPDATED)]
    return Preview(
        parsed=parsed,
        outcomes=plan.outcomes,
        counts=plan.counts(),
        new_customers=sum(1 for p in plan.people if p.is_new),
        matched_customers=sum(1 for p in plan.people if not p.is_new),
        new_courses=sum(1 for r in plan.courses.values() if r.is_new),
        new_enrollments=len(accepted),
        suppressed=sum(1 for p in plan.people if p.suppressed),
    )


# Writing


def import_bookings(
    parsed: Parsed,
    *,
    actor: Any,
    suppressed_addresses: Callable[..., set[str]] | None = None,
    erasures: Erasures | None = None,
    include_rebooked: bool = False,
    progress: Callable[[int, int], None] | None = None,
    audit: Callable[[Any, Result], None] | None = None,
) -> Result:
    """Import the rows of `parsed` in one transaction; any error leaves the register as it was.

    The rows are compared with the register again inside the transaction, so what is
    written matches the register at this moment. Invalid rows are skipped (the preview
    named them). `progress(done, total)` is called after every CHUNK_SIZE rows, and
    `audit(actor, result)` just before the commit, so that the audit entry is part of the
    same transaction. No consent is created.
    """
    total = len(parsed.rows)
    with transaction.atomic():
        plan = _Plan(
            parsed,
            suppressed_addresses,
            erasures=erasures,
            include_rebooked=include_rebooked,
            lock=True,
        )
        result = Result(
            counts=plan.counts(), invalid=[o for o in plan.outcomes if o.kind == INVALID]
        )
        for start in range(0, total, CHUNK_SIZE):
            chunk = plan.outcomes[start : start + CHUNK_SIZE]
            created = _write_chunk([o for o in chunk if o.kind in (NEW, UPDATED)])
            result.customers_created += created[0]
            result.courses_created += created[1]
            result.enrollments_created += created[2]
            if progress is not None:
                progress(min(start + CHUNK_SIZE, total), total)
        changed = [p for p in plan.people if not p.is_new and p.filled]
        for chunk in _chunks(changed):
            Customer.objects.bulk_update(
                [p.customer for p in chunk if p.customer is not None],
                ["email", "phone", "last_activity_at"],
            )
        result.customers_updated = sum(1 for p in changed if p.filled - {"last_activity_at"})
        result.suppressed = sum(1 for p in plan.people if p.suppressed)
        if audit is not None:
            audit(actor, result)
    return result


def _write_chunk(outcomes: list[RowOutcome]) -> tuple[int, int, int]:
    """Create the customers, courses and enrolments of these rows; (counts created)."""
    customers: dict[int, Customer] = {}
    courses: dict[int, Course] = {}
    for outcome in outcomes:
        assert outcome.person is not None and outcome.course is not None
        customer, course = outcome.person.customer, outcome.course.course
        if customer.pk is None:
            customers.setdefault(id(customer), customer)
        if course.pk is None:
            courses.setdefault(id(course), course)
    Customer.objects.bulk_create(customers.values())
    Course.objects.bulk_create(courses.values())
    # A booked time is one session of its course: the front page's day, the week's
    # calendar, the calendar feed and the attendance page show it like a session added
    # in the admin (issue 13).
    CourseSession.objects.bulk_create(
        CourseSession(course=course, starts_at=course.starts_at, ends_at=course.ends_at)
        for course in courses.values()
    )
    enrolments = []
    for outcome in outcomes:
        assert outcome.person is not None and outcome.course is not None
        moment = outcome.row.moment
        cancelled = outcome.row.status == Enrollment.Status.CANCELLED
        enrolments.append(
            Enrollment(
                customer=outcome.person.customer,
                course=outcome.course.course,
                status=outcome.row.status,
                enrolled_at=moment,
                cancelled_at=moment if cancelled else None,
            )
        )
    Enrollment.objects.bulk_create(enrolments)
    return len(customers), len(courses), len(enrolments)
