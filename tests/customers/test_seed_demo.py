"""`manage.py seed_demo`: a believable demo studio in an empty register, and nothing else."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone, translation

from customers.health import find_health_terms
from customers.models import Course, Customer, Enrollment, Interaction, Purchase

E164 = re.compile(r"^\+358[0-9]{6,12}$")

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Course, Customer, Enrollment, Purchase, Interaction)
    }


def test_it_fills_an_empty_register_with_about_fifty_customers() -> None:
    output = seed()

    assert Customer.objects.count() == 50
    assert 5 <= Course.objects.count() <= 8
    found = counts()
    assert output.strip() == (
        f"Demo studio created: {found['Course']} courses, {found['Customer']} customers, "
        f"{found['Enrollment']} enrolments, {found['Purchase']} purchases, "
        f"{found['Interaction']} interactions."
    )
    assert found["Interaction"] >= 20


def test_it_uses_only_example_emails_and_finnish_mobiles_in_e164() -> None:
    seed()

    emails = list(Customer.objects.values_list("email", flat=True))
    assert all(re.fullmatch(r"[a-z0-9.]+@example\.(fi|com)", email) for email in emails)
    assert len(set(emails)) == len(emails)
    phones = list(Customer.objects.values_list("phone", flat=True))
    assert all(phone == "" or E164.match(phone) for phone in phones)
    assert "" in phones
    assert any(phone for phone in phones)


def test_it_gives_finnish_addresses_and_every_origin() -> None:
    seed()

    codes = Customer.objects.exclude(postal_code="").values_list("postal_code", flat=True)
    assert codes
    assert all(re.fullmatch(r"[0-9]{5}", code) for code in codes)
    assert set(Customer.objects.values_list("origin", flat=True)) == set(Customer.Origin.values)


def test_it_keeps_every_course_within_its_capacity() -> None:
    seed()

    now = timezone.now()
    courses = Course.objects.annotate(
        active=Count("enrollments", filter=~Q(enrollments__status=Enrollment.Status.CANCELLED))
    )
    for course in courses:
        assert 8 <= course.capacity <= 20
        assert course.active <= course.capacity, course.name
    assert courses.filter(ends_at__lt=now).exists()
    assert courses.filter(starts_at__lte=now, ends_at__gte=now).exists()
    assert courses.filter(starts_at__gt=now).exists()


def test_it_includes_cancellations_refunds_and_both_kinds_of_complaint() -> None:
    seed()

    cancelled = Enrollment.objects.filter(status=Enrollment.Status.CANCELLED)
    assert cancelled.exists()
    assert not cancelled.filter(cancelled_at__isnull=True).exists()
    assert Enrollment.objects.filter(status=Enrollment.Status.ATTENDED).exists()
    for status in (Purchase.Status.CANCELLED, Purchase.Status.REFUNDED):
        undone = Purchase.objects.filter(status=status)
        assert undone.exists(), status
        assert not undone.filter(cancelled_on__isnull=True).exists()
    complaints = Interaction.objects.filter(kind=Interaction.Kind.COMPLAINT)
    assert complaints.filter(resolved_at__isnull=True, resolution="").exists()
    assert complaints.filter(resolved_at__isnull=False).exclude(resolution="").exists()
    for kind in (Interaction.Kind.EMAIL, Interaction.Kind.SMS, Interaction.Kind.CALL):
        for direction in Interaction.Direction.values:
            assert Interaction.objects.filter(kind=kind, direction=direction).exists(), (
                kind,
                direction,
            )


def test_it_charges_the_course_price_for_course_purchases() -> None:
    seed()

    for purchase in Purchase.objects.exclude(course=None).select_related("course"):
        assert purchase.amount == purchase.course.price
    references = list(Purchase.objects.values_list("reference", flat=True))
    assert all(re.fullmatch(r"K-20[0-9]{2}-[0-9]{4}", ref) for ref in references)


def test_it_creates_only_valid_rows_without_health_words() -> None:
    seed()

    for model in (Course, Customer, Enrollment, Purchase, Interaction):
        for row in model.objects.all():
            row.full_clean()
    for interaction in Interaction.objects.all():
        for text in (interaction.subject, interaction.text, interaction.resolution):
            assert find_health_terms(text) == []
    for customer in Customer.objects.all():
        assert find_health_terms(customer.notes) == []


def test_it_keeps_activity_dates_in_order() -> None:
    seed()

    now = timezone.now()
    for customer in Customer.objects.all():
        assert customer.created_at <= customer.last_activity_at <= now
        moments = [e.cancelled_at or e.enrolled_at for e in customer.enrollments.all()]
        moments += [i.occurred_at for i in customer.interactions.all()]
        for moment in moments:
            assert customer.created_at <= moment <= customer.last_activity_at
        for purchase in customer.purchases.all():
            assert timezone.localdate(customer.created_at) <= purchase.purchased_on
    # Customers with no history keep their creation time as their last activity.
    quiet = Customer.objects.filter(enrollments=None, purchases=None, interactions=None)
    for customer in quiet:
        assert customer.last_activity_at == customer.created_at


def test_it_changes_nothing_when_run_twice() -> None:
    seed()
    before = counts()

    output = seed()

    assert counts() == before
    assert "nothing was changed" in output
    assert len(output.strip().splitlines()) == 1


def test_it_refuses_a_register_with_a_customer(customer: Customer) -> None:
    output = seed()

    assert "nothing was changed" in output
    assert counts() == {
        "Course": 0,
        "Customer": 1,
        "Enrollment": 0,
        "Purchase": 0,
        "Interaction": 0,
    }
    assert Customer.objects.get() == customer


def test_it_refuses_a_register_with_only_a_course(course: Course) -> None:
    output = seed()

    assert "nothing was changed" in output
    assert Course.objects.get() == course
    assert not Customer.objects.exists()


def test_it_honours_the_number_of_customers() -> None:
    output = seed("--customers", "20")

    assert Customer.objects.count() == 20
    assert "20 customers" in output


def test_it_is_the_same_studio_for_the_same_seed() -> None:
    def people() -> list[tuple[str, str, str, str]]:
        return list(
            Customer.objects.order_by("pk").values_list("first_name", "last_name", "email", "phone")
        )

    seed("--seed", "7")
    first = people()
    Purchase.objects.all().delete()
    Interaction.objects.all().delete()
    Enrollment.objects.all().delete()
    Customer.objects.all().delete()
    Course.objects.all().delete()

    seed("--seed", "7")

    assert people() == first
