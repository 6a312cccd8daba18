"""The act of rectification (GDPR Art. 16, P14, R15): the customer corrects their own
contact details; a new email address is confirmed by a link sent to it first."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from consent.acts.errors import RightsError
from consent.acts.requests import complete, verified_request
from consent.mail.links import issue_token, use_token
from consent.mail.outbox import queue_email, site_link
from consent.models import LinkToken, RightsRequest
from consent.records import audit
from customers.fields import normalise_email
from customers.inventory import concrete_field
from customers.models import Customer

Type, Status = RightsRequest.Type, RightsRequest.Status


# What a customer may correct on their own page (Art. 16): the form shows these and the act
# accepts only these. The email address is changed apart, through a link sent to it.
CORRECTABLE_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "street_address",
    "postal_code",
    "city",
    "country",
    "language",
)


def rectify_contact_details(
    *, customer: Customer, changes: dict[str, Any], actor: User | None = None
) -> list[str]:
    """The customer corrects their own details (Art. 16, R15); returns what changed.

    Only CORRECTABLE_FIELDS are taken from `changes`; the correction is recorded as a
    completed rectification request and in the audit trail.
    """
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        changed = [
            name
            for name in CORRECTABLE_FIELDS
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
            language=customer.language,
            actor=actor,
        )
        audit.record(
            audit.Action.RECTIFY,
            user=actor,
            obj=customer,
            detail=audit.Detail("fields", fields=changed),
        )
        complete(
            request,
            outcome=_("The customer corrected on their own page: %(fields)s.") % {"fields": labels},
            actor=actor,
            notify=False,
        )
    return changed


def request_email_change(
    *, customer: Customer, new_email: str, language: str, actor: User | None = None
) -> RightsRequest:
    """A new email replaces the old only once a link sent to it is followed (R15).

    The same rule for the customer on their own page and for staff in the admin (`actor`):
    nobody can point a customer's messages, and their access report, at an address of
    their own choosing.
    """
    new_email = normalise_email(new_email)
    if Customer.objects.filter(email=new_email).exclude(pk=customer.pk).exists():
        raise ValidationError(
            {"email": _("Another customer has this email address.")}, code="taken"
        )
    with transaction.atomic():
        request = verified_request(
            customer=customer,
            request_type=Type.RECTIFICATION,
            language=language,
            actor=actor,
            outcome=_("A change of email address was asked for; it waits for confirmation."),
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
    return request


def confirm_email_change(*, raw_token: str) -> Customer:
    """Follow the link sent to the new address: the address becomes the customer's."""
    with transaction.atomic():
        token = use_token(raw_token, purpose=LinkToken.Purpose.CONFIRM_EMAIL)
        request = token.request
        customer = request.customer if request is not None else None
        if request is None or customer is None or not request.is_open:
            raise RightsError(_("This change can no longer be made."))
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        customer.email = token.new_email
        customer.full_clean(exclude=[f.name for f in Customer._meta.fields if f.name != "email"])
        customer.save(update_fields=["email"])
        request.email = token.new_email
        request.save(update_fields=["email"])
        audit.record(
            audit.Action.RECTIFY, obj=customer, detail=audit.Detail("fields", fields=["email"])
        )
        complete(
            request,
            outcome=_("The email address was changed after confirmation."),
            actor=None,
            notify=False,
        )
    return customer
