"""An erased person never comes back (R28): every way in that can create or change a
customer is walked after an erasure — the admin's add and change pages, the booking
import, a sign-up link (first use and replay), the rights form, a restore of a backup
made before the erasure, retention — and the person is still absent and suppressed."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from consent.acts.erasure import erase_customer
from consent.acts.retention import apply_retention
from consent.mail.suppression import is_suppressed, suppressed_addresses
from consent.marketing.signup import request_subscription
from consent.models import LinkToken, RightsRequest
from customers import importing
from customers.models import Customer, Enrollment
from rekisteri.backup import make_backup, restore_backup

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "palaamaton@example.fi"
PHONE = "+358405550101"


@pytest.fixture
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def _gone() -> None:
    assert not Customer.objects.filter(email=EMAIL).exists()
    assert not Customer.objects.filter(phone=PHONE).exists()
    assert is_suppressed(email=EMAIL) and is_suppressed(phone=PHONE)


def _link(body: str) -> str:
    return re.search(r"https?://\S+?(/marketing/confirm/[^/\s]+/)", body).group(1)


def test_no_way_in_brings_an_erased_person_back(
    client, owner, course, data_dir, django_capture_on_commit_callbacks
):
    person = Customer.objects.create(
        first_name="Pia", last_name="Palaamaton", email=EMAIL, phone=PHONE
    )
    Enrollment.objects.create(customer=person, course=course)
    # Before the erasure: a backup, and a sign-up link the person never followed.
    backup = make_backup()
    with django_capture_on_commit_callbacks(execute=True):
        request_subscription(email=EMAIL, name="Pia Palaamaton", language="fi")
    signup_path = _link(mail.outbox[-1].body)

    erase_customer(customer=person, actor=owner)
    _gone()
    assert not LinkToken.objects.filter(new_email=EMAIL).exists()

    # The sign-up link, first use after the erasure (or any replay): dead.
    assert client.post(signup_path).status_code == 404
    assert client.post(signup_path).status_code == 404
    _gone()

    # The rights form: the address is unknown, nothing is created.
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/rights/", {"email": EMAIL, "request_type": "access", "website": ""})
    assert RightsRequest.objects.filter(email=EMAIL).get().customer is None
    _gone()

    # The booking import of the old calendar: the person's rows are skipped.
    old = timezone.localtime(course.starts_at - timedelta(days=30))
    csv = (
        "Nimi;Sähköposti;Puhelin;Palvelu;Päivämäärä;Aika\n"
        f"Pia Palaamaton;{EMAIL};040 555 0101;{course.name};{old:%d.%m.%Y};{old:%H:%M}\n"
    ).encode()
    result = importing.import_bookings(
        importing.read_bookings(csv),
        actor=owner,
        suppressed_addresses=suppressed_addresses,
        erasures=_erasures(),
    )
    assert result.counts[importing.ERASED] == 1 and result.customers_created == 0
    _gone()

    # The admin: adding the person again needs staff to confirm they are back; changing
    # another customer's address to theirs waits for a link to it.
    client.force_login(owner)
    form = {
        "first_name": "Pia",
        "last_name": "Palaamaton",
        "email": EMAIL,
        "phone": "",
        "street_address": "",
        "postal_code": "",
        "city": "",
        "country": "FI",
        "language": "fi",
        "origin": "staff",
        "notes": "",
        **_empty_inlines(),
    }
    page = client.post("/admin/customers/customer/add/", form)
    assert page.status_code == 200
    assert 'type="checkbox" name="confirm_returning"' in page.content.decode()
    assert not Customer.objects.filter(first_name="Pia").exists()
    _gone()
    other = Customer.objects.create(first_name="Olli", last_name="Muu", email="olli@example.fi")
    changed = client.post(
        f"/admin/customers/customer/{other.pk}/change/",
        {**form, "first_name": "Olli", "last_name": "Muu"},
    )
    assert changed.status_code == 302
    other.refresh_from_db()
    assert other.email == "olli@example.fi"
    _gone()

    # A restore of the backup made before the erasure: the person is erased again.
    restore_backup(backup.path)
    _gone()

    # Retention brings no one back either.
    apply_retention(dry_run=False)
    _gone()


def _erasures():  # noqa: ANN202 - the import's callback
    from consent.mail.suppression import erasure_times

    return erasure_times


def _empty_inlines() -> dict[str, str]:
    data = {}
    for prefix in ("enrollments", "purchases", "interactions", "consent_events", "attendances"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    return data


def test_a_booking_later_than_the_erasure_is_shown_apart_and_imported_only_when_asked(
    owner, course
):
    person = Customer.objects.create(first_name="Pia", last_name="Palaamaton", email=EMAIL)
    erase_customer(customer=person, actor=owner)
    later = timezone.localtime(timezone.now() + timedelta(days=10))
    csv = (
        "Nimi;Sähköposti;Palvelu;Päivämäärä;Aika\n"
        f"Pia Palaamaton;{EMAIL};Uusi kurssi;{later:%d.%m.%Y};{later:%H:%M}\n"
    ).encode()
    parsed = importing.read_bookings(csv)
    from consent.mail.suppression import erasure_times

    preview = importing.preview(
        parsed, suppressed_addresses=suppressed_addresses, erasures=erasure_times
    )
    assert preview.counts[importing.REBOOKED] == 1 and preview.new_customers == 0
    skipped = importing.import_bookings(
        parsed, actor=owner, suppressed_addresses=suppressed_addresses, erasures=erasure_times
    )
    assert skipped.customers_created == 0
    assert not Customer.objects.filter(email=EMAIL).exists()

    taken = importing.import_bookings(
        parsed,
        actor=owner,
        suppressed_addresses=suppressed_addresses,
        erasures=erasure_times,
        include_rebooked=True,
    )
    assert taken.customers_created == 1 and taken.suppressed == 1
    # Back for the booking, but still never marketed to.
    assert is_suppressed(email=EMAIL)
