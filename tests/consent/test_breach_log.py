"""The breach log (R26): the 72-hour deadline counts down; a decision not to notify needs
its reason."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consent.models import Breach

pytestmark = pytest.mark.django_db


def _breach(**fields) -> Breach:
    values = {
        "description": "Kannettava tietokone varastettiin",
        "data_affected": "Asiakkaiden nimet ja puhelinnumerot",
        "risk": Breach.Risk.RISK,
        **fields,
    }
    return Breach.objects.create(**values)


def test_the_owner_sees_the_hours_left_to_notify_the_ombudsman(client, owner):
    _breach(discovered_at=timezone.now() - timedelta(hours=10))
    client.force_login(owner)
    page = client.get("/admin/consent/breach/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "61 hours left" in page or "62 hours left" in page


def test_an_overdue_notification_stands_out(client, owner):
    _breach(discovered_at=timezone.now() - timedelta(hours=80))
    client.force_login(owner)
    page = client.get("/admin/consent/breach/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="overdue"' in page


def test_not_notifying_needs_a_reason():
    breach = Breach(
        description="Väärä vastaanottaja",
        data_affected="Yhden asiakkaan sähköpostiosoite",
        risk=Breach.Risk.UNLIKELY,
    )
    with pytest.raises(ValidationError) as e:
        breach.full_clean()
    assert "not_notified_reason" in e.value.message_dict
    breach.not_notified_reason = "Viesti poistettiin heti lukematta."
    breach.full_clean()


def test_a_high_risk_means_telling_the_customers_or_why_not():
    breach = Breach(description="X", data_affected="Y", risk=Breach.Risk.HIGH)
    with pytest.raises(ValidationError):
        breach.full_clean()
    breach.customers_notified_at = timezone.now()
    breach.full_clean()


def test_staff_cannot_see_the_breach_log(client, staff):
    client.force_login(staff)
    assert client.get("/admin/consent/breach/").status_code == 403
