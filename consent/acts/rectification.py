"""The act of rectification (GDPR Art. 16, P14, R15): the customer corrects their own
contact details; a new email address is confirmed by a link sent to it first."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from consent.acts.requests import RightsError, complete, verified_request
from consent.mail.links import issue_token, use_token
from consent.mail.outbox import queue_email, site_link
from consent.models import LinkToken, RightsRequest
from customers.fields import normalise_email
from customers.inventory import concrete_field
from customers.models import Customer

Type, Status = RightsRequest.Type, RightsRequest.Status


CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "street_address",
    "postal_code",
    "city",
    "country",
)


def rectify_contact_details(*, customer: Customer, changes: dict[str, Any]) -> list[str]:
    """The customer corrects their own contact details (Art. 16, R15); returns what changed."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        changed = [
            name
            for name in CONTACT_FIELDS
            if name in changes and getattr(customer, name) != changes[name]
        ]
        for name in changed:
            setattr(customer, name, changes[name])
        if not changed:
            return []
        # Only what changed is checked: a note the staff confirmed is not health data
        # must not stop a customer from correcting their address.
        customer.full_clean(
            exclude=[f.name for f in Customer._meta.fields if f.name not in changed]
        )
        customer.save(update_fields=changed)
        labels = ", ".join(str(concrete_field(Customer, n).verbose_name) for n in changed)
        request = verified_request(
            customer=customer,
            request_type=Type.RECTIFICATION,
            language=settings.LANGUAGE_CODE,
        )
        complete(
            request,
            outcome=_("The customer corrected on their own page: %(fields)s.") % {"fields": labels},
            notify=False,
        )
    return changed


def request_email_change(*, customer: Customer, new_email: str, language: str) -> None:
    """A new email is confirmed by a link sent to it before it replaces the old (R15)."""
    new_email = normalise_email(new_email)
    with transaction.atomic():
        request = verified_request(
            customer=customer,
            request_type=Type.RECTIFICATION,
            language=language,
            outcome=_("The customer asked to change their email address."),
        )
        raw = issue_token(
            request=request, purpose=LinkToken.Purpose.CONFIRM_EMAIL, new_email=new_email
        )
        queue_email(
            to=new_email,
            template="email_change_confirm",
            context={
                "link": site_link(reverse("consent:confirm_email", args=[raw])),
                "hours": settings.RIGHTS_LINK_HOURS,
            },
            language=language,
            customer=customer,
            request=request,
        )


def confirm_email_change(*, raw_token: str) -> Customer:
    with transaction.atomic():
        token = use_token(raw_token, purpose=LinkToken.Purpose.CONFIRM_EMAIL)
        request = token.request
        customer = request.customer
        if customer is None or not request.is_open:
            raise RightsError(_("This change can no longer be made."))
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        customer.email = token.new_email
        customer.full_clean(exclude=[f.name for f in Customer._meta.fields if f.name != "email"])
        customer.save(update_fields=["email"])
        request.email = token.new_email
        request.save(update_fields=["email"])
        complete(
            request, outcome=_("The email address was changed after confirmation."), notify=False
        )
    return customer
