"""The personal-data inventory: nothing unclassified slips past the system check."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import models

from customers.inventory import (
    Category,
    check_inventory,
    free_text_fields,
    personal_rules,
    rule_for,
)
from customers.models import Attendance, Course, Customer, Enrollment, Interaction, Purchase


@contextmanager
def extra_field(model: type[models.Model], name: str, field: models.Field) -> Iterator[None]:
    """Add `field` to `model` for the duration of the block, as a developer would."""
    field.contribute_to_class(model, name)
    try:
        yield
    finally:
        model._meta.local_fields.remove(field)
        model._meta._expire_cache()
        if hasattr(model, name):
            delattr(model, name)


def test_every_field_of_the_register_is_classified():
    assert check_inventory() == []


def test_a_new_unclassified_field_fails_the_system_check():
    with extra_field(Customer, "shoe_size", models.CharField(max_length=5, blank=True)):
        errors = check_inventory()
        assert [e.id for e in errors] == ["inventory.E002"]
        assert "customers.Customer.shoe_size" in errors[0].msg
        with pytest.raises(SystemCheckError, match="shoe_size"):
            call_command("check")
    # Once the field is gone, the project is clean again.
    assert check_inventory() == []


def test_a_model_missing_from_the_inventory_fails_the_check():
    class Locker(models.Model):  # noqa: DJ008
        number = models.IntegerField()

        class Meta:
            app_label = "customers"

    try:
        errors = check_inventory(models_to_check=[Locker])
        assert [e.id for e in errors] == ["inventory.E001"]
    finally:
        from django.apps import apps

        del apps.all_models["customers"]["locker"]
        apps.clear_cache()


def test_the_inventory_knows_how_to_reach_the_person_from_every_personal_table():
    assert rule_for(Customer).person == ""
    for model in (Enrollment, Purchase, Interaction):
        assert rule_for(model).person == "customer"
    assert not rule_for(Course).is_personal
    from consent.models import (
        AuditEntry,
        ConsentEvent,
        Disclosure,
        LinkToken,
        OutboxEmail,
        RightsRequest,
    )

    assert {r.model for r in personal_rules()} == {
        Customer,
        Enrollment,
        Attendance,
        Purchase,
        Interaction,
        RightsRequest,
        LinkToken,
        OutboxEmail,
        ConsentEvent,
        Disclosure,
        AuditEntry,
    }


def test_free_text_fields_are_the_guarded_ones():
    assert free_text_fields(Customer) == ["notes"]
    assert free_text_fields(Interaction) == ["subject", "text", "resolution"]


def test_purchases_are_kept_for_bookkeeping_without_the_person():
    rule = rule_for(Purchase)
    assert rule.rows == "keep"
    assert rule.fields["customer"].erasure == "detach"
    assert rule.fields["amount"].category == Category.PURCHASE
