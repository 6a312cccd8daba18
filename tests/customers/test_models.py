"""The register's models: normalised contact details and rules kept by the database."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.utils import timezone, translation

from customers.models import Course, Customer, Enrollment, Interaction, Purchase

pytestmark = pytest.mark.django_db


def _customer(**fields) -> Customer:
    values = {"first_name": "Eero", "last_name": "Esimerkki", **fields}
    return Customer(**values)


def test_it_normalises_a_finnish_phone_number_to_e164():
    c = _customer(phone="040-123 4567")
    c.full_clean()
    assert c.phone == "+358401234567"


@pytest.mark.parametrize("typed", ["+358 40 123 4567", "00358401234567", "0401234567"])
def test_it_accepts_the_forms_people_type(typed):
    c = _customer(phone=typed)
    c.full_clean()
    assert c.phone == "+358401234567"


@pytest.mark.parametrize("bad", ["12", "040-12", "not a phone", "+999 123"])
def test_it_refuses_a_malformed_phone_number(bad):
    with pytest.raises(ValidationError) as e:
        _customer(phone=bad).full_clean()
    assert "phone" in e.value.message_dict


def test_it_stores_emails_in_lower_case_and_unique_ignoring_case():
    c = _customer(email="  Aino.Esimerkki@Example.FI ")
    c.full_clean()
    c.save()
    assert Customer.objects.get().email == "aino.esimerkki@example.fi"
    with translation.override("en"), pytest.raises(ValidationError) as e:
        _customer(email="AINO.ESIMERKKI@example.fi").full_clean()
    assert "already exists" in str(e.value)


def test_the_database_refuses_a_duplicate_email_in_other_case():
    Customer.objects.create(first_name="A", last_name="B", email="sama@example.fi")
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(first_name="C", last_name="D", email="SAMA@example.fi")


def test_two_customers_may_both_have_no_email():
    Customer.objects.create(first_name="A", last_name="B")
    Customer.objects.create(first_name="C", last_name="D")
    assert Customer.objects.count() == 2


@pytest.mark.parametrize("bad", ["1234", "123456", "00 100", "abcde"])
def test_it_refuses_a_finnish_postal_code_that_is_not_five_digits(bad):
    with pytest.raises(ValidationError) as e:
        _customer(postal_code=bad, country="FI").full_clean()
    assert "postal_code" in e.value.message_dict


def test_a_foreign_postal_code_may_have_another_form():
    c = _customer(postal_code="114 55", country="SE")
    c.full_clean()


def test_the_database_refuses_a_bad_postal_code_or_phone_even_without_forms():
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(first_name="A", last_name="B", postal_code="123")
    # Saving normalises the phone; an expression bypasses that and meets the constraint.
    c = Customer.objects.create(first_name="A", last_name="B", phone="040 123 4567")
    c.refresh_from_db()
    assert c.phone == "+358401234567"
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.filter(pk=c.pk).update(phone=Value("0401234567"))


def test_it_refuses_a_malformed_email():
    with pytest.raises(ValidationError) as e:
        _customer(email="aino@").full_clean()
    assert "email" in e.value.message_dict


def test_a_course_cannot_end_before_it_starts_nor_cost_less_than_nothing():
    start = timezone.now()
    course = Course(name="X", starts_at=start, ends_at=start - timedelta(hours=1), capacity=5)
    with pytest.raises(ValidationError) as e:
        course.full_clean()
    assert "ends_at" in e.value.message_dict
    course = Course(name="X", starts_at=start, ends_at=start, capacity=5, price=Decimal("-1"))
    with pytest.raises(ValidationError) as e:
        course.full_clean()
    assert "price" in e.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.create(
            name="X", starts_at=start, ends_at=start - timedelta(hours=1), capacity=5
        )


def test_an_enrolment_beyond_capacity_is_refused(course, customer):
    course.capacity = 1
    course.save()
    Enrollment.objects.create(course=course, customer=customer)
    other = Customer.objects.create(first_name="Toinen", last_name="Asiakas")
    with pytest.raises(ValidationError) as e:
        Enrollment(course=course, customer=other).full_clean()
    assert e.value.error_dict["__all__"][0].code == "course_full"


def test_a_cancelled_enrolment_frees_its_seat(course, customer):
    course.capacity = 1
    course.save()
    first = Enrollment.objects.create(course=course, customer=customer)
    first.status = Enrollment.Status.CANCELLED
    first.full_clean()
    first.save()
    assert first.cancelled_at is not None
    other = Customer.objects.create(first_name="Toinen", last_name="Asiakas")
    Enrollment(course=course, customer=other).full_clean()


def test_enrolling_and_buying_move_the_customers_last_activity_forward(customer, course):
    before = timezone.now() - timedelta(days=10)
    Customer.objects.filter(pk=customer.pk).update(last_activity_at=before)
    later = before + timedelta(days=3)
    Enrollment.objects.create(course=course, customer=customer, enrolled_at=later)
    customer.refresh_from_db()
    assert customer.last_activity_at == later
    # An older event never moves it back.
    Interaction.objects.create(
        customer=customer, kind=Interaction.Kind.CALL, occurred_at=before - timedelta(days=9)
    )
    customer.refresh_from_db()
    assert customer.last_activity_at == later


def test_a_cancelled_purchase_needs_its_cancellation_date(customer):
    purchase = Purchase(
        customer=customer,
        description="Kymppikortti",
        amount=Decimal("150.00"),
        status=Purchase.Status.CANCELLED,
    )
    with pytest.raises(ValidationError):
        purchase.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        purchase.save()
    purchase.cancelled_on = purchase.purchased_on
    purchase.full_clean()
    purchase.save()


def test_a_purchase_amount_cannot_be_negative(customer):
    with pytest.raises(ValidationError) as e:
        Purchase(customer=customer, description="X", amount=Decimal("-5")).full_clean()
    assert "amount" in e.value.message_dict


def test_only_a_complaint_has_a_resolution(customer):
    feedback = Interaction(
        customer=customer, kind=Interaction.Kind.FEEDBACK, text="Hyvä", resolution="Korjattu"
    )
    with pytest.raises(ValidationError) as e:
        feedback.full_clean()
    assert "resolution" in e.value.message_dict
    complaint = Interaction(
        customer=customer,
        kind=Interaction.Kind.COMPLAINT,
        text="Kylmä sali",
        resolution="Lämmitys korjattu",
    )
    complaint.full_clean()
    assert complaint.resolved_at is not None


def test_a_purchase_stays_when_its_buyer_is_deleted(customer):
    Purchase.objects.create(customer=customer, description="Kurssi", amount=Decimal("90"))
    customer.delete()
    purchase = Purchase.objects.get()
    assert purchase.customer is None


def test_a_country_code_typed_in_lower_case_is_accepted():
    c = _customer(country="fi", postal_code=" 11100 ")
    c.full_clean()
    assert (c.country, c.postal_code) == ("FI", "11100")


def test_the_capacity_cannot_drop_below_the_people_enrolled(course, customer):
    Enrollment.objects.create(course=course, customer=customer)
    Enrollment.objects.create(
        course=course, customer=Customer.objects.create(first_name="B", last_name="C")
    )
    course.capacity = 1
    with pytest.raises(ValidationError) as e:
        course.full_clean()
    assert "capacity" in e.value.message_dict


def test_an_enrolment_made_ahead_of_time_does_not_date_activity_in_the_future(customer, course):
    Enrollment.objects.create(
        course=course, customer=customer, enrolled_at=timezone.now() + timedelta(days=30)
    )
    customer.refresh_from_db()
    assert customer.last_activity_at <= timezone.now()
