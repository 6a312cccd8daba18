"""The booking import reads Excel workbooks (.xlsx) as it reads the CSV export."""

import csv
import io
import re
from datetime import date, datetime, time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from customers import importing, xlsx
from customers.models import AdminPreference, Course, Customer, Enrollment

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "data" / "varaaheti_sample.csv"
IMPORT_URL = "/admin/customers/customer/import/"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _cell(text: str):
    """What a spreadsheet makes of a typed value: real dates and times, text otherwise."""
    if m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text):
        try:
            return date(int(m[3]), int(m[2]), int(m[1]))
        except ValueError:
            return text  # 31.2.2025 stays text, as in Excel
    if m := re.fullmatch(r"(\d{1,2})[:.](\d{2})", text):
        return time(int(m[1]), int(m[2]))
    return text


def workbook(rows: list[list], *, title: str = "Varaukset", before: list | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    if before is not None:
        sheet.title = "Yhteenveto"
        for row in before:
            sheet.append(row)
        sheet = book.create_sheet(title)
    else:
        sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sample_rows() -> list[list]:
    records = list(csv.reader(io.StringIO(SAMPLE.read_text("utf-8")), delimiter=";"))
    return [records[0]] + [[_cell(value) for value in record] for record in records[1:]]


def _summary(parsed: importing.Parsed) -> list[tuple]:
    return [
        (r.number, r.name, r.email, r.phone, r.course, r.starts_at, r.status,
         [p.code for p in r.problems])
        for r in parsed.rows
    ]  # fmt: skip


def test_an_excel_copy_of_the_sample_reads_like_the_csv():
    from_csv = importing.read_bookings(SAMPLE.read_bytes())
    from_xlsx = importing.read_bookings(workbook(sample_rows()))
    assert from_xlsx.sheet == "Varaukset"
    assert from_xlsx.mapping == from_csv.mapping
    assert _summary(from_xlsx) == _summary(from_csv)
    assert importing.preview(from_xlsx).counts == importing.preview(from_csv).counts


def test_an_excel_import_writes_what_the_csv_import_writes(owner):
    result = importing.import_bookings(
        importing.read_bookings(workbook(sample_rows())), actor=owner
    )
    people = sorted(Customer.objects.values_list("email", "phone"))
    courses = sorted((c.name, c.starts_at) for c in Course.objects.all())
    enrolments = Enrollment.objects.count()
    Enrollment.objects.all().delete()
    Course.objects.all().delete()
    Customer.objects.all().delete()
    again = importing.import_bookings(importing.read_bookings(SAMPLE.read_bytes()), actor=owner)
    assert result.audit_counts() == again.audit_counts()
    assert people == sorted(Customer.objects.values_list("email", "phone"))
    assert courses == sorted((c.name, c.starts_at) for c in Course.objects.all())
    assert enrolments == Enrollment.objects.count() > 0


@pytest.mark.parametrize(
    ("value", "number_format", "text"),
    [
        ("040 111 1111", "General", "040 111 1111"),  # text stays text
        (401111111, "General", "401111111"),
        (401111111.0, "General", "401111111"),  # never 401111111.0 or 4.01E+08
        (401111111, "0000000000", "0401111111"),  # the leading zero the format shows
        (358401111111, "General", "358401111111"),
        (datetime(2025, 3, 3), "d.m.yyyy", "2025-03-03"),
        (datetime(2025, 3, 3, 18, 30), "d.m.yyyy h:mm", "2025-03-03 18:30"),
        (time(18, 0), "h:mm", "18:00"),
        (None, "General", ""),
    ],
)
def test_cells_are_read_as_the_text_a_person_sees(value, number_format, text):
    assert xlsx.cell_text(value, number_format) == text


def test_a_phone_number_typed_as_a_number_is_still_a_phone_number():
    rows = [
        ["Nimi", "Sähköposti", "Puhelin", "Palvelu", "Päivämäärä", "Aika"],
        ["Aino Virtanen", "", 401111111, "Jooga", date(2025, 3, 3), time(18)],
    ]
    parsed = importing.read_bookings(workbook(rows))
    assert parsed.rows[0].phone == "+358401111111"
    assert parsed.rows[0].problems == []


def test_empty_rows_are_skipped_and_row_numbers_stay_the_sheets():
    rows = sample_rows()[:3]
    rows[2:2] = [[], [None, None]]
    parsed = importing.read_bookings(workbook(rows))
    assert [r.number for r in parsed.rows] == [2, 5]


def test_merged_cells_are_refused_with_the_cells_named():
    book_rows = sample_rows()
    book = Workbook()
    sheet = book.active
    sheet.title = "Varaukset"
    for row in book_rows:
        sheet.append(row)
    sheet.merge_cells("A3:B3")
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(importing.ImportFileError, match=r"merged cells \(A3:B3\)"):
        importing.read_bookings(out.getvalue())


def test_formulas_are_refused_with_the_first_cell_named():
    rows = sample_rows()
    rows[2][0] = '=CONCATENATE("Eero", " ", "Mäkinen")'
    with pytest.raises(importing.ImportFileError, match="formulas .*cell A3"):
        importing.read_bookings(workbook(rows))


def test_the_bookings_sheet_is_found_behind_a_summary_sheet():
    parsed = importing.read_bookings(
        workbook(sample_rows(), before=[["Varauksia yhteensä", 13], ["Kuukausi", "maaliskuu"]])
    )
    assert parsed.sheet == "Varaukset"
    assert len(parsed.rows) == 13


def test_a_workbook_without_the_columns_names_its_sheets():
    data = workbook([["Tuote", "Hinta"], ["Kortti", 120]], before=[["Raportti", 1]])
    with pytest.raises(importing.MissingColumns) as error:
        importing.read_bookings(data)
    assert "Yhteenveto, Varaukset" in str(error.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "workbook is empty"),
        (b"PK\x03\x04" + b"\x00" * 40, "not a CSV text file"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 40, "older .xls"),
    ],
)
def test_an_unreadable_workbook_gets_a_clear_message(data, message):
    if data is None:
        data = workbook([[], []])
    with pytest.raises(importing.ImportFileError, match=message):
        importing.read_bookings(data)


def test_a_workbook_that_unpacks_too_large_is_refused_before_it_is_opened(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_UNPACKED", 1000)
    with pytest.raises(importing.ImportFileError, match="too large"):
        importing.read_bookings(workbook(sample_rows()))


# The admin


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def _upload(client, content: bytes, name: str):
    kind = XLSX_TYPE if name.endswith(".xlsx") else "text/csv"
    return client.post(
        IMPORT_URL,
        {"step": "upload", "file": SimpleUploadedFile(name, content, kind)},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_owner_uploads_an_excel_file(client, owner, data_dir):
    client.force_login(owner)
    page = client.get(IMPORT_URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ".xlsx" in page
    response = _upload(client, workbook(sample_rows()), "varaukset.xlsx")
    assert response.status_code == 200
    body = response.content.decode()
    assert "13 rows, read from the sheet Varaukset." in body
    token = client.session["customers_booking_import"]["token"]
    mapping = dict(response.context["mapping"])
    response = client.post(
        IMPORT_URL, {"step": "confirm", "token": token, **mapping}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    assert Enrollment.objects.count() > 0


def test_the_columns_chosen_are_remembered_for_the_next_import(client, owner, data_dir):
    """The owner picks the columns the guess missed once; the next file gets them at once."""
    header = ["Asiakas", "Yhteystieto", "Tunti", "Milloin", "Lisätieto"]
    rows = [header, ["Aino Virtanen", "040 111 1111", "Jooga", "3.3.2025 18:00", "19:30"]]
    data = workbook(rows)
    client.force_login(owner)
    response = _upload(client, data, "eka.xlsx")
    guessed = dict(response.context["mapping"])
    assert guessed["end"] == guessed["phone"] == guessed["date"] == ""
    token = client.session["customers_booking_import"]["token"]
    chosen = {**guessed, "phone": "Yhteystieto", "date": "Milloin", "end": "Lisätieto"}
    response = client.post(
        IMPORT_URL, {"step": "confirm", "token": token, **chosen}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    remembered = AdminPreference.objects.get(user=owner).import_mapping
    assert remembered["end"] == "Lisätieto" and remembered["phone"] == "Yhteystieto"

    rows[1] = ["Eero Mäkinen", "040 123 4001", "Jooga", "10.3.2025 18:00", "19:30"]
    response = _upload(client, workbook(rows), "toka.xlsx")
    mapping = dict(response.context["mapping"])
    assert mapping["end"] == "Lisätieto" and mapping["phone"] == "Yhteystieto"
    assert mapping["date"] == "Milloin"
    assert response.context["preview"].counts["new"] == 1
