"""No health information comes in through the booking import (P5, GDPR Art. 9, issue 10 §5):
a row whose stored text the guard flags is refused and reported, the rest of the file is
imported, and the calendar's notes are never read."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from customers import importing
from customers.models import Course, Customer, Enrollment

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/customers/customer/import/"

FILE = (
    "Nimi;Sähköposti;Palvelu;Päivämäärä;Aika;Lisätiedot\n"
    "Aino Virtanen;aino@example.fi;Hatha-jooga alkeet;3.3.2025;18:00;migreeni, ei ylösalaisin\n"
    "Maija Mäkelä (raskaana rv 20);maija@example.fi;Hatha-jooga alkeet;3.3.2025;18:00;\n"
    "Eero Niemi;eero@example.fi;Yksityistunti - polvi leikattu;4.3.2025;10:00;\n"
    "Helmi Järvinen;helmi@example.fi;Raskausjooga;5.3.2025;17:00;\n"
).encode()
SEPARATE_NAMES = (
    "Etunimi;Sukunimi;Sähköposti;Palvelu;Päivämäärä\n"
    "Olli;Koski;olli@example.fi;Lavatanssit;6.3.2025 19:00\n"
    "Sanna;Lahti, diabeetikko;sanna@example.fi;Lavatanssit;6.3.2025 19:00\n"
).encode()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def _everything_stored() -> str:
    """Every text value in the register's tables, to look for what must not be there."""
    found = []
    with connection.cursor() as cursor:
        for table in ("customers_customer", "customers_course", "customers_enrollment"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            found += [str(value) for row in cursor.fetchall() for value in row]
    return " ".join(found).casefold()


def test_flagged_rows_are_refused_with_row_and_column_and_the_rest_is_read():
    preview = importing.preview(importing.read_bookings(FILE))
    refused = {o.row.number: o for o in preview.invalid}
    assert set(refused) == {3, 4}
    assert refused[3].reasons[0].code == "health_data"
    assert "The column “Nimi” looks like health information" in refused[3].reason_text
    assert "nothing of this row is imported" in refused[3].reason_text
    assert "The column “Palvelu” looks like health information" in refused[4].reason_text
    # A prenatal class is a class, and the notes column is not read at all.
    assert preview.counts["new"] == 2


def test_separate_name_columns_are_guarded_each_by_its_own_header():
    preview = importing.preview(importing.read_bookings(SEPARATE_NAMES))
    (refused,) = preview.invalid
    assert refused.row.number == 3
    assert "The column “Sukunimi” looks like health information" in refused.reason_text
    assert preview.counts["new"] == 1


def test_the_admin_import_reports_the_refused_rows_and_imports_the_rest(client, owner, data_dir):
    client.force_login(owner)
    response = client.post(
        IMPORT_URL,
        {"step": "upload", "file": SimpleUploadedFile("varaukset.csv", FILE, "text/csv")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = response.content.decode()
    table = body[body.index('id="invalid-rows"') :]
    assert "The column “Nimi” looks like health information" in table
    assert "The column “Palvelu” looks like health information" in table
    token = client.session["customers_booking_import"]["token"]
    mapping = dict(response.context["mapping"])
    response = client.post(
        IMPORT_URL, {"step": "confirm", "token": token, **mapping}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    assert sorted(Customer.objects.values_list("email", flat=True)) == [
        "aino@example.fi",
        "helmi@example.fi",
    ]
    assert Enrollment.objects.count() == 2
    assert not Course.objects.filter(name__icontains="polvi").exists()
    stored = _everything_stored()
    for health in ("raskaana", "polvi", "leikattu", "migreeni", "maija", "eero"):
        assert health not in stored


def test_the_command_reports_the_refused_rows_and_imports_the_rest(tmp_path):
    path = tmp_path / "varaukset.csv"
    path.write_bytes(FILE)
    out = io.StringIO()
    call_command("import_bookings", str(path), stdout=out)
    text = out.getvalue()
    assert "Row 3: The column “Nimi” looks like health information" in text
    assert "Row 4: The column “Palvelu” looks like health information" in text
    assert "Imported: 2 enrolments, 2 new customers" in text
    assert Customer.objects.count() == 2
    assert "raskaana" not in _everything_stored() and "migreeni" not in _everything_stored()
