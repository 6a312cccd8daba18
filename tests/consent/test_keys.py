"""The suppression list has its own key: rotating SECRET_KEY neither empties the list nor
breaks the links already sent (SECRET_KEY_FALLBACKS)."""

import pytest

from consent.acts.objection import record_objection
from consent.mail.suppression import is_suppressed
from consent.marketing.unsubscribe import unsubscribe_link

pytestmark = pytest.mark.django_db


def test_rotating_the_secret_key_keeps_the_suppression_list(settings, customer):
    record_objection(customer=customer, source="own_page", actor=None)
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    assert is_suppressed(email=customer.email) and is_suppressed(phone=customer.phone)
    # The list is keyed with SUPPRESSION_KEY and nothing else.
    settings.SUPPRESSION_KEY = "another-suppression-key-" + "y" * 30
    assert not is_suppressed(email=customer.email)


def test_a_link_signed_before_a_key_rotation_still_works(client, settings, customer):
    path = "/" + unsubscribe_link(customer, "newsletter", "post").split("/", 3)[3]
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    assert client.get(path).status_code == 200
    settings.SECRET_KEY_FALLBACKS = []
    assert client.get(path).status_code == 404
