"""The booking-calendar import (P6): reading, the preview, the import, the admin and the command."""

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from consent.mail.suppression import suppress, suppressed_addresses
from consent.models import AuditEntry, ConsentEvent, Suppression
from customers import importing
from customers.models import Course, CourseSession, Customer, Enrollment

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "data" / "varaaheti_sample.csv"
# What the sample holds (see the file): rows 2-14.
SAMPLE_COUNTS = {
    "new": 7,
    "updated": 1,
    "duplicate": 1,
    "invalid": 4,
    "erased": 0,
    "rebooked": 0,
}
SAMPLE_INVALID = {7: "bad_email", 8: "bad_phone", 11: "bad_date", 12: "missing_name"}
IMPORT_URL = "/admin/customers/customer/import/"


@pytest.fixture(autouse=True)
def english():
    # The messages are checked in English; the admin requests ask for English too.
    with translation.override("en"):
        yield


@pytest.fixture
def sample() -> bytes:
    return SAMPLE.read_bytes()


@pytest.fixture
def veikko() -> Customer:
    """An existing customer with a phone but no email; row 9 of the sample matches by phone."""
    return Customer.objects.create(
        first_name="Veikko",
        last_name="Vanhanen",
        phone="+358501112233",
        origin=Customer.Origin.STAFF,
        last_activity_at=timezone.now() - timedelta(days=800),
    )


def _register() -> tuple[int, int, int]:
    return Customer.objects.count(), Course.objects.count(), Enrollment.objects.count()


def _codes(outcomes: list) -> dict[int, str]:
    return {o.row.number: o.reasons[0].code for o in outcomes}


def _with_rows(text: str, *rows: str) -> bytes:
    return (text.rstrip("\n") + "\n" + "\n".join(rows) + "\n").encode()


# Reading


def test_the_sample_is_read_with_its_finnish_headers(sample):
    parsed = importing.read_bookings(sample)
    assert parsed.encoding == "UTF-8"
    assert parsed.delimiter == ";"
    assert parsed.mapping == {
        "name": "Nimi",
        "email": "Sähköposti",
        "phone": "Puhelin",
        "course": "Palvelu",
        "date": "Päivämäärä",
        "time": "Aika",
        "status": "Tila",
    }
    assert len(parsed.rows) == 13
    helmi = parsed.rows[2]  # "Järvinen, Helmi"
    assert (helmi.first_name, helmi.last_name, helmi.status) == ("Helmi", "Järvinen", "attended")
    assert timezone.localtime(helmi.starts_at).strftime("%d.%m.%Y %H:%M") == "04.03.2025 19:00"
    assert helmi.ends_at - helmi.starts_at == timedelta(hours=1)
    assert parsed.rows[0].phone == "+358401111111"
    assert parsed.rows[3].email == "aino.virtanen@example.fi"  # lower-cased


def test_a_windows_1252_copy_reads_the_same(veikko, sample):
    cp1252 = sample.decode("utf-8").encode("cp1252")
    parsed = importing.read_bookings(cp1252)
    assert parsed.encoding == "Windows-1252"
    assert parsed.rows[1].last_name == "Mäkinen"
    assert importing.preview(parsed).counts == SAMPLE_COUNTS


def test_a_comma_separated_english_export_with_a_bom_is_read(veikko, sample):
    rows = list(csv.reader(io.StringIO(sample.decode("utf-8")), delimiter=";"))
    rows[0] = ["Customer name", "E-mail", "Phone number", "Service", "Date", "Time", "Status"]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    parsed = importing.read_bookings(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))
    assert parsed.delimiter == ","
    assert parsed.encoding == "UTF-8"
    assert parsed.mapping["name"] == "Customer name"
    assert parsed.mapping["email"] == "E-mail"
    assert importing.preview(parsed).counts == SAMPLE_COUNTS


def test_excels_separator_line_is_honoured_and_row_numbers_stay():
    data = "sep=,\nNimi,Puhelin,Palvelu,Aika\nAino Virtanen,123,Jooga,3.3.2025 18:00\n"
    parsed = importing.read_bookings(data.encode())
    assert parsed.delimiter == ","
    assert parsed.rows[0].number == 3
    assert parsed.rows[0].problems[0].code == "bad_phone"


def test_separate_name_columns_one_date_time_column_and_a_time_range():
    data = (
        "Etunimi,Sukunimi,Sähköpostiosoite,Kurssi,Ajankohta\n"
        'Aino,Virtanen,aino.virtanen@example.fi,Pilates,"ti 4.3.2025 klo 17.30-18.45"\n'
        "Eero,Mäkinen,eero.makinen@example.fi,Pilates,2025-03-04 17:30\n"
    ).encode()
    parsed = importing.read_bookings(data)
    first, second = parsed.rows
    assert not first.problems and not second.problems
    assert first.starts_at == second.starts_at
    assert first.ends_at - first.starts_at == timedelta(minutes=75)
    assert importing.preview(parsed).new_courses == 1


@pytest.mark.parametrize(
    ("date", "time", "expected"),
    [
        ("3.3.2025", "18:00", "03.03.2025 18:00"),
        ("03.03.25", "18.15", "03.03.2025 18:15"),
        ("ma 3.3.2025 klo 18", "", "03.03.2025 18:00"),
        ("2025-03-03", "18", "03.03.2025 18:00"),
        ("3/3/2025", "6:30 PM", "03.03.2025 18:30"),
        ("2025-03-03T16:00:00+00:00", "", "03.03.2025 18:00"),
        ("3.3.2025", "", "no_time"),
        ("3.3.2025", "kuusi", "bad_time"),
        ("3.13.2025", "18:00", "bad_date"),
        ("", "18:00", "missing_date"),
    ],
)
def test_dates_and_times_are_read_the_finnish_way(date, time, expected):
    data = f"Nimi;Puhelin;Palvelu;Päivämäärä;Aika\nAino Virtanen;0401111111;Jooga;{date};{time}\n"
    row = importing.read_bookings(data.encode()).rows[0]
    if row.problems:
        assert row.problems[0].code == expected
    else:
        assert timezone.localtime(row.starts_at).strftime("%d.%m.%Y %H:%M") == expected


def test_an_email_too_long_for_the_register_is_invalid():
    email = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".fi"
    data = f"Nimi;Sähköposti;Palvelu;Aika\nAino Virtanen;{email};Jooga;3.3.2025 18:00\n"
    assert importing.read_bookings(data.encode()).rows[0].problems[0].code == "bad_email"


def test_the_mapping_can_be_overridden():
    data = "Kuka;Email;Mitä;Milloin\nAino Virtanen;aino@example.fi;Jooga;3.3.2025 18:00\n"
    with pytest.raises(importing.MissingColumns) as missing:
        importing.read_bookings(data.encode())
    assert missing.value.headers == ["Kuka", "Email", "Mitä", "Milloin"]
    parsed = importing.read_bookings(
        data.encode(), {"name": "Kuka", "course": "Mitä", "date": "Milloin"}
    )
    assert parsed.rows[0].course == "Jooga"
    assert not parsed.rows[0].problems


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            "Nimi;Sähköposti;Päivämäärä;Aika\nAino Virtanen;a@example.fi;3.3.2025;18:00\n".encode(),
            "no column for: service or course",
        ),
        ("Palvelu;Päivämäärä\nJooga;3.3.2025 18:00\n".encode(), "name, email or phone"),
        (b"Nimi;S\x81hk\x9dposti\nAino;a@example.fi\n", "neither UTF-8 nor Windows-1252"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "not a CSV text file"),
        (b"Just some words\nand more words\n", "no column separators"),
        (b"", "empty"),
        ("Nimi;Sähköposti;Palvelu;Päivämäärä\n".encode(), "no bookings"),
    ],
)
def test_an_unreadable_file_gets_a_clear_message(data, message):
    with pytest.raises(importing.ImportFileError) as error:
        importing.read_bookings(data)
    assert message in str(error.value)


# The preview


def test_the_sample_gives_the_expected_counts_and_writes_nothing(veikko, sample):
    before = _register()
    preview = importing.preview(importing.read_bookings(sample))
    assert preview.counts == SAMPLE_COUNTS
    assert _codes(preview.invalid) == SAMPLE_INVALID
    assert _codes(preview.of_kind("duplicate")) == {6: "earlier_row"}
    assert [o.row.number for o in preview.of_kind("updated")] == [9]
    assert "kalle.korhonen@example" in preview.invalid[0].reason_text
    assert (preview.new_customers, preview.matched_customers) == (6, 1)
    assert (preview.new_courses, preview.new_enrollments) == (5, 8)
    assert _register() == before
    veikko.refresh_from_db()
    assert veikko.email == ""


# The import


def test_the_sample_imports_and_a_second_run_adds_nothing(veikko, sample, owner):
    parsed = importing.read_bookings(sample)
    result = importing.import_bookings(parsed, actor=owner)
    assert result.counts == SAMPLE_COUNTS
    assert result.customers_created == 6
    assert result.customers_updated == 1
    assert result.courses_created == 5
    assert result.enrollments_created == 8
    assert _register() == (7, 5, 8)

    new = Customer.objects.exclude(pk=veikko.pk)
    assert set(new.values_list("origin", flat=True)) == {Customer.Origin.BOOKING_CALENDAR}
    aino = Customer.objects.get(email="aino.virtanen@example.fi")
    assert aino.enrollments.count() == 2
    assert timezone.localtime(aino.last_activity_at).strftime("%d.%m.%Y %H:%M") == (
        "04.03.2025 19:00"
    )
    sanna = Enrollment.objects.get(customer__last_name="Salo")
    assert sanna.status == Enrollment.Status.CANCELLED and sanna.cancelled_at is not None
    helmi = Enrollment.objects.get(customer__last_name="Järvinen")
    assert helmi.status == Enrollment.Status.ATTENDED
    yin = Course.objects.get(name="Yin-jooga")
    assert (yin.capacity, yin.price, yin.place) == (1, 0, "")
    assert yin.ends_at - yin.starts_at == timedelta(hours=1)
    # Each booked time is a session of its course, for the day's list and attendance.
    assert [(s.starts_at, s.ends_at) for s in yin.sessions.all()] == [(yin.starts_at, yin.ends_at)]
    assert CourseSession.objects.count() == 5

    # Row 9 matched Veikko by phone: his empty email is filled, nothing else changes.
    veikko.refresh_from_db()
    assert veikko.email == "veikko.vanhanen@example.fi"
    assert veikko.origin == Customer.Origin.STAFF
    assert veikko.enrollments.get().course == yin
    assert veikko.last_activity_at.year == 2025

    again = importing.import_bookings(importing.read_bookings(sample), actor=owner)
    assert again.counts == {
        "new": 0,
        "updated": 0,
        "duplicate": 9,
        "invalid": 4,
        "erased": 0,
        "rebooked": 0,
    }
    assert again.enrollments_created == again.customers_created == again.courses_created == 0
    assert _register() == (7, 5, 8)
    assert CourseSession.objects.count() == 5
    assert ConsentEvent.objects.count() == 0


def test_an_existing_customer_is_matched_by_email_and_never_overwritten(sample, owner):
    eero = Customer.objects.create(
        first_name="Eero",
        last_name="Mäkinen-Lahti",
        email="eero.makinen@example.fi",
        phone="+358409999999",
        city="Riihimäki",
    )
    preview = importing.preview(importing.read_bookings(sample))
    assert [o.row.number for o in preview.of_kind("updated")] == [3]
    importing.import_bookings(importing.read_bookings(sample), actor=owner)
    eero.refresh_from_db()
    assert (eero.last_name, eero.phone, eero.city) == (
        "Mäkinen-Lahti",
        "+358409999999",
        "Riihimäki",
    )
    assert eero.origin == Customer.Origin.STAFF
    assert eero.enrollments.count() == 1


def test_a_phone_shared_by_another_person_does_not_match(sample):
    # Same phone as Veikko's row, another name: a family member, not Veikko.
    Customer.objects.create(first_name="Vieno", last_name="Vanhanen", phone="+358501112233")
    preview = importing.preview(importing.read_bookings(sample))
    assert preview.counts["updated"] == 0
    assert preview.counts["new"] == 8


def test_a_booking_already_in_the_register_is_a_duplicate(veikko, sample, owner):
    start = timezone.make_aware(datetime(2025, 3, 7, 18, 30))
    yin = Course.objects.create(
        name="Yin-jooga", starts_at=start, ends_at=start + timedelta(hours=1), capacity=10
    )
    Enrollment.objects.create(customer=veikko, course=yin)
    preview = importing.preview(importing.read_bookings(sample))
    assert _codes(preview.of_kind("duplicate")) == {6: "earlier_row", 9: "in_register"}
    assert preview.new_courses == 4
    importing.import_bookings(importing.read_bookings(sample), actor=owner)
    assert yin.enrollments.count() == 2  # Veikko and Sanna (cancelled)


def test_an_existing_course_keeps_its_capacity_and_extra_rows_are_invalid(veikko, sample, owner):
    start = timezone.make_aware(datetime(2025, 3, 7, 18, 30))
    yin = Course.objects.create(
        name="yin-jooga", starts_at=start, ends_at=start + timedelta(hours=1), capacity=1
    )
    Enrollment.objects.create(
        customer=Customer.objects.create(first_name="Muu", last_name="Asiakas"), course=yin
    )
    preview = importing.preview(importing.read_bookings(sample))
    # Veikko's row does not fit; Sanna's cancelled booking takes no seat.
    assert _codes(preview.invalid)[9] == "course_full"
    assert [o.row.number for o in preview.of_kind("new") if o.course.course == yin] == [10]
    importing.import_bookings(importing.read_bookings(sample), actor=owner)
    yin.refresh_from_db()
    assert yin.capacity == 1
    assert yin.seats_taken() == 1


def test_a_restricted_customer_gets_no_new_enrolment(sample, owner):
    pekka = Customer.objects.create(
        first_name="Pekka",
        last_name="Pelkonen",
        email="pekka.pelkonen@example.fi",
        restricted_at=timezone.now(),
    )
    preview = importing.preview(importing.read_bookings(sample))
    assert _codes(preview.invalid)[13] == "restricted"
    importing.import_bookings(importing.read_bookings(sample), actor=owner)
    pekka.refresh_from_db()
    assert pekka.enrollments.count() == 0
    assert pekka.phone == ""  # nothing filled in either


def test_a_suppressed_address_is_imported_for_bookings_only_and_gets_no_consent(
    veikko, sample, owner
):
    suppress(email="Pekka.Pelkonen@example.fi", reason=Suppression.Reason.OBJECTION)
    parsed = importing.read_bookings(sample)
    assert importing.preview(parsed, suppressed_addresses=suppressed_addresses).suppressed == 1
    result = importing.import_bookings(
        parsed, actor=owner, suppressed_addresses=suppressed_addresses
    )
    assert result.suppressed == 1
    pekka = Customer.objects.get(email="pekka.pelkonen@example.fi")
    assert pekka.enrollments.get().course.name == "Pilates"
    assert ConsentEvent.objects.count() == 0


def test_progress_is_reported_every_500_rows(owner):
    lines = ["Nimi;Sähköposti;Palvelu;Päivämäärä"] + [
        f"Asiakas Numero{i};asiakas{i}@example.fi;Jooga {i % 7};{1 + i % 28}.3.2025 18:00"
        for i in range(1200)
    ]
    parsed = importing.read_bookings("\n".join(lines).encode())
    calls = []
    result = importing.import_bookings(
        parsed, actor=owner, progress=lambda done, total: calls.append((done, total))
    )
    assert calls == [(500, 1200), (1000, 1200), (1200, 1200)]
    assert result.enrollments_created == Enrollment.objects.count() == 1200


def test_a_failure_midway_rolls_everything_back(veikko, sample, owner, monkeypatch):
    monkeypatch.setattr(importing, "CHUNK_SIZE", 4)
    real = importing._write_chunk
    calls = []

    def fail_on_the_third_chunk(outcomes):
        calls.append(len(outcomes))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(outcomes)

    monkeypatch.setattr(importing, "_write_chunk", fail_on_the_third_chunk)
    with pytest.raises(RuntimeError):
        importing.import_bookings(importing.read_bookings(sample), actor=owner)
    assert len(calls) == 3
    assert _register() == (1, 0, 0)
    veikko.refresh_from_db()
    assert veikko.email == ""


# The admin


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def _upload(client, content: bytes, name: str = "varaukset.csv"):
    return client.post(
        IMPORT_URL,
        {"step": "upload", "file": SimpleUploadedFile(name, content, "text/csv")},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_owner_uploads_previews_and_confirms(client, owner, veikko, sample, data_dir):
    client.force_login(owner)
    page = client.get("/admin/customers/customer/").content.decode()
    assert IMPORT_URL in page
    assert client.get(IMPORT_URL).status_code == 200

    response = _upload(client, sample)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Confirm import" in body
    assert "kalle.korhonen@example" in body  # the bad email, named on its row
    assert response.context["preview"].counts == SAMPLE_COUNTS
    assert _register() == (1, 0, 0)
    token = client.session["customers_booking_import"]["token"]
    waiting = data_dir / "imports" / f"{token}.csv"
    assert waiting.read_bytes() == sample
    assert waiting.stat().st_mode & 0o077 == 0

    mapping = dict(response.context["mapping"])
    response = client.post(
        IMPORT_URL, {"step": "confirm", "token": token, **mapping}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/customers/customer/"
    assert _register() == (7, 5, 8)
    assert not waiting.exists()
    assert "customers_booking_import" not in client.session
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("8 enrolments" in m for m in messages)
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.ADD).latest("at")
    assert entry.user == owner and entry.detail_key == "bookings_imported"
    assert entry.detail_params["way"] == "admin"
    assert entry.detail_params["enrollments_created"] == 8
    assert "enrolments created 8" in entry.detail
    assert ConsentEvent.objects.count() == 0


def test_the_owner_fixes_the_columns_in_the_preview(client, owner, data_dir):
    client.force_login(owner)
    data = "Kuka;Email;Mitä;Milloin\nAino Virtanen;aino@example.fi;Jooga;3.3.2025 18:00\n"
    response = _upload(client, data.encode())
    assert response.status_code == 200
    body = response.content.decode()
    assert "no column for" in body
    assert "Confirm import" not in body
    token = client.session["customers_booking_import"]["token"]
    chosen = {"name": "Kuka", "email": "Email", "course": "Mitä", "date": "Milloin"}
    response = client.post(
        IMPORT_URL, {"step": "preview", "token": token, **chosen}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.context["preview"].counts["new"] == 1
    response = client.post(IMPORT_URL, {"step": "confirm", "token": token, **chosen})
    assert response.status_code == 302
    assert Customer.objects.get().email == "aino@example.fi"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Nimi;S\x81hk\x9dposti\nAino;a@example.fi\n", "neither UTF-8 nor Windows-1252"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "not a CSV text file"),
        (b"x" * (5 * 1024 * 1024 + 1), "larger than 5 MB"),
    ],
)
def test_a_bad_upload_is_refused_with_a_message_and_nothing_kept(
    client, owner, data_dir, content, message
):
    client.force_login(owner)
    response = _upload(client, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _register() == (0, 0, 0)
    assert not list(data_dir.glob("imports/*.csv"))


def test_a_failed_import_in_the_admin_saves_nothing(
    client, owner, veikko, sample, data_dir, monkeypatch
):
    client.force_login(owner)
    response = _upload(client, sample)
    token = client.session["customers_booking_import"]["token"]
    mapping = dict(response.context["mapping"])

    def broken(outcomes):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "_write_chunk", broken)
    response = client.post(
        IMPORT_URL, {"step": "confirm", "token": token, **mapping}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "nothing was saved" in response.content.decode()
    assert _register() == (1, 0, 0)
    assert (data_dir / "imports" / f"{token}.csv").exists()  # kept for another try


def test_cancel_deletes_the_waiting_file(client, owner, sample, data_dir):
    client.force_login(owner)
    _upload(client, sample)
    token = client.session["customers_booking_import"]["token"]
    response = client.post(IMPORT_URL, {"step": "cancel", "token": token})
    assert response.status_code == 302
    assert not (data_dir / "imports" / f"{token}.csv").exists()
    assert _register() == (0, 0, 0)


def test_staff_cannot_import(client, staff, sample, data_dir):
    client.force_login(staff)
    assert client.get(IMPORT_URL).status_code == 403
    assert _upload(client, sample).status_code == 403
    assert not (data_dir / "imports").exists()
    assert IMPORT_URL not in client.get("/admin/customers/customer/").content.decode()


# The command


def test_the_command_dry_run_prints_the_preview_and_writes_nothing(veikko):
    out = io.StringIO()
    call_command("import_bookings", str(SAMPLE), "--dry-run", stdout=out)
    text = out.getvalue()
    assert _register() == (1, 0, 0)
    for number in SAMPLE_INVALID:
        assert f"{number}:" in text
    assert "kalle.korhonen@example" in text
    assert AuditEntry.objects.count() == 0


def test_the_command_imports_with_progress_and_a_summary(veikko):
    out = io.StringIO()
    call_command("import_bookings", str(SAMPLE), stdout=out)
    text = out.getvalue()
    assert "13/13" in text
    assert _register() == (7, 5, 8)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.ADD)
    assert entry.detail_key == "bookings_imported" and entry.detail_params["way"] == "command"
    assert entry.detail_params["enrollments_created"] == 8


def test_the_command_takes_a_column_mapping(tmp_path):
    path = tmp_path / "bookings.csv"
    path.write_text("Kuka;Email;Mitä;Milloin\nAino Virtanen;aino@example.fi;Jooga;3.3.2025 18:00\n")
    with pytest.raises(CommandError, match="no column for"):
        call_command("import_bookings", str(path), stdout=io.StringIO())
    call_command(
        "import_bookings",
        str(path),
        "--map",
        "name=Kuka",
        "--map",
        "course=Mitä",
        "--map",
        "date=Milloin",
        stdout=io.StringIO(),
    )
    assert Enrollment.objects.get().course.name == "Jooga"


def test_the_command_names_an_unreadable_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_bookings", str(tmp_path / "missing.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(CommandError, match="not a CSV text file"):
        call_command("import_bookings", str(bad))
