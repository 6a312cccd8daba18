"""Data-subject requests (GDPR Art. 12): receiving, verifying, extending, refusing,
completing a request, and releasing the access report.

Emails are stored in the outbox in the same transaction, so a failed send never loses a
request.
"""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.acts.objection import record_objection
from consent.acts.restriction import restrict
from consent.mail.links import issue_token, use_token
from consent.mail.outbox import queue_email, site_link
from consent.models import ConsentEvent, LinkToken, Recipient, RecipientTask, RightsRequest
from consent.records import audit, deadlines
from customers.fields import normalise_email
from customers.models import Customer
from rekisteri.roles import OWNER

Type, Status = RightsRequest.Type, RightsRequest.Status


# Completing these tells the processors and recipients (Art. 19, R18).
TELL_RECIPIENTS = (Type.RECTIFICATION, Type.ERASURE, Type.RESTRICTION)


class RightsError(Exception):
    """A request cannot be handled that way; the message is for the user."""


def _owner_addresses() -> list[str]:
    return list(
        get_user_model()
        .objects.filter(groups__name=OWNER, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )


def _tell_owners(request: RightsRequest) -> None:
    admin_link = site_link(reverse("admin:consent_rightsrequest_change", args=[request.pk]))
    for address in _owner_addresses():
        queue_email(
            to=address,
            template="owner_request_verified",
            context={
                "request": request,
                "link": admin_link,
                "urgent": request.request_type == Type.ERASURE,
            },
            language=settings.LANGUAGE_CODE,
        )


def tell_customer(request: RightsRequest, template: str, **context: Any) -> None:
    address = request.email or (request.customer.email if request.customer else "")
    if not address:
        return
    queue_email(
        to=address,
        template=template,
        context={"request": request, **context},
        language=request.language,
        customer=request.customer,
        request=request,
    )


def submit_request(
    *, email: str, request_type: str, message: str = "", language: str
) -> RightsRequest:
    """A request from the web form (R11, R19).

    A known address gets a link to continue; an unknown one gets an email saying the
    register holds nothing for it. Either way one email, and the same answer on screen.
    """
    email = normalise_email(email)
    today = timezone.localdate()
    with transaction.atomic():
        customer = Customer.objects.filter(email=email).first()
        request = RightsRequest.objects.create(
            request_type=request_type,
            email=email,
            message=message,
            language=language,
            customer=customer,
            due_on=deadlines.due_date(today),
        )
        if customer is None:
            request.status = Status.COMPLETED
            request.closed_at = timezone.now()
            request.outcome = _("The register holds no data for this address.")
            request.save(update_fields=["status", "closed_at", "outcome"])
            tell_customer(request, "rights_nothing_held")
        else:
            raw = issue_token(request=request, purpose=LinkToken.Purpose.VERIFY_REQUEST)
            link = site_link(reverse("consent:verify", args=[raw]))
            tell_customer(request, "rights_verify", link=link, hours=settings.RIGHTS_LINK_HOURS)
    return request


def _start_processing(request: RightsRequest) -> None:
    """What happens once the person is verified: some rights apply at once (R7)."""
    customer = request.customer
    if request.request_type == Type.OBJECTION and customer is not None:
        record_objection(customer=customer, source=ConsentEvent.Source.OWN_PAGE)
        complete(request, outcome=_("Direct marketing stopped on every channel."))
        return
    if request.request_type == Type.RESTRICTION and customer is not None:
        restrict(customer=customer)
    if (
        request.request_type in (Type.ACCESS, Type.PORTABILITY)
        and settings.RIGHTS_AUTO_RELEASE_REPORT
    ):
        release_report(request=request, actor=None)
        return
    _tell_owners(request)


def verify_request(*, raw_token: str) -> RightsRequest:
    """Follow the emailed link (POST): the request is verified and bound to the customer."""
    with transaction.atomic():
        token = use_token(raw_token, purpose=LinkToken.Purpose.VERIFY_REQUEST)
        request = RightsRequest.objects.select_related("customer").get(pk=token.request_id)
        if request.status == Status.RECEIVED:
            request.status = Status.VERIFIED
            request.verified_at = timezone.now()
            request.save(update_fields=["status", "verified_at"])
            _start_processing(request)
    return request


def verified_request(
    *, customer: Customer, request_type: str, language: str, **fields: Any
) -> RightsRequest:
    """A request from someone already verified (on their own page): received now."""
    now = timezone.now()
    return RightsRequest.objects.create(
        request_type=request_type,
        status=Status.VERIFIED,
        email=customer.email,
        customer=customer,
        language=language,
        received_at=now,
        verified_at=now,
        due_on=deadlines.due_date(timezone.localdate()),
        **fields,
    )


def start_request(*, customer: Customer, request_type: str, language: str) -> RightsRequest:
    """A request made on the customer's own page, where they are already verified."""
    with transaction.atomic():
        request = verified_request(customer=customer, request_type=request_type, language=language)
        _start_processing(request)
    return request


def record_request(
    *,
    request_type: str,
    channel: str,
    customer: Customer | None,
    email: str,
    message: str,
    identity_check: str,
    received_on: Any,
    actor: Any,
) -> RightsRequest:
    """A request made on paper, by phone or in person, recorded by the owner (R11)."""
    if channel != RightsRequest.Channel.WEB and not identity_check.strip():
        raise ValidationError({"identity_check": _("Say how the person's identity was checked.")})
    email = normalise_email(email)
    if customer is None and email:
        customer = Customer.objects.filter(email=email).first()
    with transaction.atomic():
        received = (
            timezone.make_aware(datetime.combine(received_on, datetime.min.time()))
            if received_on
            else timezone.now()
        )
        request = RightsRequest.objects.create(
            request_type=request_type,
            status=Status.VERIFIED if customer else Status.RECEIVED,
            channel=channel,
            customer=customer,
            email=email or (customer.email if customer else ""),
            message=message,
            identity_check=identity_check,
            received_at=received,
            verified_at=timezone.now() if customer else None,
            due_on=deadlines.due_date(timezone.localdate(received)),
            recorded_by=actor,
            language=settings.LANGUAGE_CODE,
        )
        if customer is not None and request_type in (Type.OBJECTION, Type.RESTRICTION):
            _start_processing(request)
    return request


def require_open(request: RightsRequest) -> None:
    if not request.is_open:
        raise RightsError(_("This request is closed already."))


def extend_request(*, request: RightsRequest, reason: str, actor: Any) -> RightsRequest:
    """Extend the deadline by two months; the customer is told why (Art. 12(3))."""
    require_open(request)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the extension.")})
    if request.extended_at is not None:
        raise RightsError(_("The deadline has been extended once already."))
    if timezone.localdate() > deadlines.due_date(timezone.localdate(request.received_at)):
        raise RightsError(
            _("An extension must be sent within the first month; that month has passed.")
        )
    with transaction.atomic():
        request.status = Status.EXTENDED
        request.extended_at = timezone.now()
        request.extension_reason = reason.strip()
        request.due_on = deadlines.extended_due_date(timezone.localdate(request.received_at))
        request.save(update_fields=["status", "extended_at", "extension_reason", "due_on"])
        tell_customer(request, "rights_extended")
    return request


def refuse_request(*, request: RightsRequest, reason: str, actor: Any) -> RightsRequest:
    """Refuse with reasons and tell of the right to complain (Art. 12(4))."""
    require_open(request)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the refusal.")})
    with transaction.atomic():
        request.status = Status.REFUSED
        request.refusal_reason = reason.strip()
        request.closed_at = timezone.now()
        request.save(update_fields=["status", "refusal_reason", "closed_at"])
        tell_customer(request, "rights_refused")
    return request


def complete(request: RightsRequest, *, outcome: str, notify: bool = True) -> None:
    request.status = Status.COMPLETED
    request.closed_at = timezone.now()
    request.outcome = outcome
    request.save(update_fields=["status", "closed_at", "outcome"])
    if request.request_type in TELL_RECIPIENTS:
        RecipientTask.objects.bulk_create(
            RecipientTask(request=request, recipient_name=r.name) for r in Recipient.objects.all()
        )
    if notify:
        tell_customer(request, "rights_completed")


def complete_request(*, request: RightsRequest, actor: Any, outcome: str = "") -> RightsRequest:
    """Mark a request answered (access given, correction made...) and tell the customer."""
    require_open(request)
    if request.request_type == Type.ERASURE:
        raise RightsError(_("An erasure is completed by carrying it out."))
    with transaction.atomic():
        complete(request, outcome=outcome or _("Done."))
    return request


def release_report(*, request: RightsRequest, actor: Any) -> RightsRequest:
    """Send the customer an expiring link to their data and close the request (R13)."""
    require_open(request)
    if request.request_type not in (Type.ACCESS, Type.PORTABILITY):
        raise RightsError(_("Only an access or copy request has a report to release."))
    if request.customer is None:
        raise RightsError(_("The request is not linked to a customer."))
    with transaction.atomic():
        raw = issue_token(
            request=request,
            purpose=LinkToken.Purpose.OPEN_REPORT,
            hours=settings.RIGHTS_REPORT_LINK_DAYS * 24,
        )
        link = site_link(reverse("consent:open_report", args=[raw]))
        complete(request, outcome=_("The report was released to the customer."), notify=False)
        audit.record(
            audit.Action.EXPORT,
            user=actor,
            obj=request,
            customer=request.customer,
            detail="access report released",
        )
        tell_customer(
            request, "rights_report_released", link=link, days=settings.RIGHTS_REPORT_LINK_DAYS
        )
    return request
