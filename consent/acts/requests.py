"""Data-subject requests (GDPR Art. 12): receiving, verifying, extending, refusing and
completing a request, and releasing the access report.

Every act here runs in one transaction, locks the request it changes, writes its audit
entry with its actor, and queues its emails in the outbox in the same transaction (so a
failed send never loses a request). Messages go to the person's current address in the
register (`answer_address`), never to an address they have left.
"""

import logging
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consent.acts.errors import RightsError
from consent.acts.objection import record_objection
from consent.acts.restriction import restrict
from consent.mail import ratelimit
from consent.mail.links import TokenError, TokenProblem, issue_token, use_token
from consent.mail.notify import notify_owners
from consent.mail.outbox import queue_email, site_link
from consent.mail.ratelimit import HOUR
from consent.models import ConsentEvent, LinkToken, Recipient, RecipientTask, RightsRequest
from consent.records import audit, deadlines
from customers.fields import normalise_email
from customers.health import check_no_health_data
from customers.models import Customer

logger = logging.getLogger(__name__)

Type, Status = RightsRequest.Type, RightsRequest.Status
Action = audit.Action

__all__ = ["RightsError"]  # raised by the acts here, re-exported for the callers

# Completing these tells the processors and recipients (Art. 19, R18).
TELL_RECIPIENTS = (Type.RECTIFICATION, Type.ERASURE, Type.RESTRICTION)
# Requests that carry the customer's data: their report goes only to the customer.
REPORT_TYPES = (Type.ACCESS, Type.PORTABILITY)


def answer_address(request: RightsRequest) -> str:
    """Where messages about a request go: the customer's current address in the register
    when the request is theirs (a report never follows an address they have left), else
    the address the request came from."""
    if request.customer is not None and request.customer.email:
        return request.customer.email
    return request.email


def tell_customer(
    request: RightsRequest, template: str, *, not_before: datetime | None = None, **context: Any
) -> None:
    address = answer_address(request)
    if not address:
        return
    queue_email(
        to=address,
        template=template,
        context={"request": request, **context},
        language=request.language,
        customer=request.customer,
        request=request,
        not_before=not_before,
    )


def _tell_owners(request: RightsRequest) -> None:
    """A verified request waits for the studio: its contact address and the owners are
    told at once (the daily digest reminds of the deadline)."""
    notify_owners(
        template="owner_request_verified",
        context={
            "request": request,
            "link": site_link(reverse("admin:consent_rightsrequest_change", args=[request.pk])),
            "urgent": request.request_type == Type.ERASURE,
        },
        key=f"verified:{request.pk}",
    )


def _locked(request: RightsRequest) -> RightsRequest:
    """The request, read again under a row lock (inside the caller's transaction)."""
    return (
        RightsRequest.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=request.pk)
    )


def require_open(request: RightsRequest) -> None:
    if not request.is_open:
        raise RightsError(_("This request is closed already."))


def open_request_like(
    *, customer: Customer, request_type: str, excluding: int | None = None
) -> RightsRequest | None:
    """The customer's verified, still open request of this type, if there is one: asking
    twice does not open two requests."""
    found = RightsRequest.objects.filter(
        customer=customer,
        request_type=request_type,
        status__in=(Status.VERIFIED, Status.IN_PROGRESS, Status.EXTENDED),
    ).order_by("received_at", "pk")
    if excluding is not None:
        found = found.exclude(pk=excluding)
    return found.first()


def submit_request(
    *, email: str, request_type: str, message: str = "", language: str
) -> RightsRequest:
    """A request from the web form (R11, R19): stored as it arrives, and nothing more.

    The background worker answers it (answer_submitted): a known address gets a link to
    continue, an unknown one an email saying the register holds nothing for it. Either way
    one email, and the same answer on screen; and since the form's request does the same
    work for every address, not even its timing tells whether the address is known
    (issue 12: the request path does only what must be done before the answer).
    """
    request = RightsRequest.objects.create(
        request_type=request_type,
        email=normalise_email(email),
        message=message,
        language=language,
        due_on=deadlines.due_date(timezone.localdate()),
        answered_at=None,  # the worker's to answer
    )
    if getattr(settings, "RIGHTS_ANSWER_AT_ONCE", False):
        # Test settings only: the suite reads the answer without running the worker.
        _answer(request.pk)
    return request


def answer_submitted(*, limit: int | None = 50) -> int:
    """The worker's part of web requests: answer up to `limit` (None: all) of those not
    answered yet, oldest first, each in its own transaction; how many it answered.

    Two workers never answer one request twice (each claims it with a conditional UPDATE).
    A request whose answer fails stays unanswered, to be tried in the next round, and does
    not hold up the ones after it; a database that is away ends the round."""
    waiting = list(
        RightsRequest.objects.filter(answered_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    answered = 0
    for pk in waiting:
        try:
            answered += _answer(pk)
        except DatabaseError:
            raise
        except Exception:  # noqa: BLE001 - logged; the request is tried again
            logger.exception("Data request #%s could not be answered; it is tried again.", pk)
    return answered


def _answer(pk: int) -> bool:
    """Answer the web request `pk` (False when another worker already has)."""
    with transaction.atomic():
        claimed = RightsRequest.objects.filter(pk=pk, answered_at__isnull=True).update(
            answered_at=timezone.now()
        )
        if not claimed:
            return False
        request = RightsRequest.objects.get(pk=pk)
        # The customer the address belongs to now, when the answer is made: a person
        # erased in between is not found, and is answered as anybody unknown.
        customer = Customer.objects.filter(email=request.email).first() if request.email else None
        if customer is not None:
            request.customer = customer
            request.save(update_fields=["customer"])
        audit.record(
            Action.REQUEST,
            obj=request,
            customer=customer,
            detail=audit.Detail("request", type=request.request_type),
        )
        if customer is None:
            request.status = Status.COMPLETED
            request.closed_at = timezone.now()
            with translation.override(request.language):
                request.outcome = _("The register holds no data for this address.")
            request.save(update_fields=["status", "closed_at", "outcome"])
            # Mail to a stranger: past the hourly cap it waits (the answer on screen was
            # the same either way).
            not_before = None if ratelimit.mail_to_stranger_allowed() else timezone.now() + HOUR
            tell_customer(request, "rights_nothing_held", not_before=not_before)
        else:
            raw = issue_token(request=request, purpose=LinkToken.Purpose.VERIFY_REQUEST)
            link = site_link(reverse("consent:verify", args=[raw]))
            tell_customer(request, "rights_verify", link=link, hours=settings.RIGHTS_LINK_HOURS)
    return True


def _start_processing(request: RightsRequest, *, actor: User | None) -> None:
    """What happens once the person is verified: some rights apply at once (R7)."""
    customer = request.customer
    if request.request_type == Type.OBJECTION and customer is not None:
        record_objection(customer=customer, source=ConsentEvent.Source.OWN_PAGE, actor=actor)
        complete(request, outcome=_("Direct marketing stopped on every channel."), actor=actor)
        return
    if request.request_type == Type.RESTRICTION and customer is not None:
        restrict(customer=customer, actor=actor)
    if request.request_type in REPORT_TYPES and settings.RIGHTS_AUTO_RELEASE_REPORT:
        release_report(request=request, actor=None)
        return
    _tell_owners(request)


def verify_request(*, raw_token: str) -> RightsRequest:
    """Follow the emailed link (POST): the request is verified and bound to the customer.

    Returns the request the customer continues with: when they already have the same kind
    of request open, that one (the new one is closed as a duplicate).
    """
    with transaction.atomic():
        token = use_token(raw_token, purpose=LinkToken.Purpose.VERIFY_REQUEST)
        if token.request is None:
            raise TokenError(TokenProblem.INVALID)
        request = RightsRequest.objects.select_for_update().get(pk=token.request.pk)
        if request.status != Status.RECEIVED:
            return request
        request.status = Status.VERIFIED
        request.verified_at = timezone.now()
        request.save(update_fields=["status", "verified_at"])
        audit.record(Action.VERIFY, obj=request)
        if request.customer is not None:
            # Confirmed from the person's inbox: their language from now on (issue 10 §1).
            request.customer.remember_language(request.language)
            earlier = open_request_like(
                customer=request.customer,
                request_type=request.request_type,
                excluding=request.pk,
            )
            if earlier is not None:
                _close_as_duplicate(request, of=earlier)
                return earlier
        _start_processing(request, actor=None)
    return request


def _close_as_duplicate(request: RightsRequest, *, of: RightsRequest) -> None:
    request.status = Status.COMPLETED
    request.closed_at = timezone.now()
    request.outcome = _("The same as request #%(pk)d, which is being handled.") % {"pk": of.pk}
    request.save(update_fields=["status", "closed_at", "outcome"])


def verified_request(
    *,
    customer: Customer,
    request_type: str,
    language: str,
    actor: User | None = None,
    **fields: Any,
) -> RightsRequest:
    """A request from someone already verified (on their own page): received now."""
    now = timezone.now()
    request = RightsRequest.objects.create(
        request_type=request_type,
        status=Status.VERIFIED,
        email=customer.email,
        customer=customer,
        language=language,
        received_at=now,
        verified_at=now,
        due_on=deadlines.due_date(timezone.localdate()),
        recorded_by=actor,
        **fields,
    )
    audit.record(
        Action.REQUEST, user=actor, obj=request, detail=audit.Detail("request", type=request_type)
    )
    return request


def start_request(*, customer: Customer, request_type: str, language: str) -> RightsRequest:
    """A request made on the customer's own page, where they are already verified.

    Asking again for what is already being handled returns the open request.
    """
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        customer.remember_language(language)
        earlier = open_request_like(customer=customer, request_type=request_type)
        if earlier is not None:
            return earlier
        request = verified_request(customer=customer, request_type=request_type, language=language)
        _start_processing(request, actor=None)
    return request


def record_request(
    *,
    request_type: str,
    channel: str,
    customer: Customer | None,
    email: str,
    message: str,
    identity_check: str,
    received_on: date | None,
    language: str = "",
    actor: User | None,
    health_confirmed: bool = False,
) -> RightsRequest:
    """A request made on paper, by phone or in person, recorded by the owner (R11).

    When the customer already has the same kind of request open, that one is returned.
    """
    if channel != RightsRequest.Channel.WEB and not identity_check.strip():
        raise ValidationError({"identity_check": _("Say how the person's identity was checked.")})
    _no_health_data("message", message, confirmed=health_confirmed)
    _no_health_data("identity_check", identity_check, confirmed=health_confirmed)
    email = normalise_email(email)
    if customer is None and email:
        customer = Customer.objects.filter(email=email).first()
    with transaction.atomic():
        if customer is not None:
            customer = Customer.objects.select_for_update().get(pk=customer.pk)
            earlier = open_request_like(customer=customer, request_type=request_type)
            if earlier is not None:
                return earlier
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
            # The person's language: as told, or the customer's in the register.
            language=language or (customer.language if customer else settings.LANGUAGE_CODE),
        )
        audit.record(
            Action.REQUEST,
            user=actor,
            obj=request,
            detail=audit.Detail("request_channel", type=request_type, channel=channel),
        )
        if customer is not None and request_type in (Type.OBJECTION, Type.RESTRICTION):
            _start_processing(request, actor=actor)
    return request


def _no_health_data(field: str, text: str, *, confirmed: bool) -> None:
    """The owner's words about a request hold no health information (P5, Art. 9)."""
    try:
        check_no_health_data(text, confirmed=confirmed)
    except ValidationError as error:
        raise ValidationError({field: error.error_list}) from error


def extend_request(
    *, request: RightsRequest, reason: str, actor: User | None, health_confirmed: bool = False
) -> RightsRequest:
    """Extend the deadline by two months; the customer is told why (Art. 12(3))."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the extension.")})
    _no_health_data("reason", reason, confirmed=health_confirmed)
    with transaction.atomic():
        request = _locked(request)
        require_open(request)
        if request.extended_at is not None:
            raise RightsError(_("The deadline has been extended once already."))
        if timezone.localdate() > deadlines.due_date(timezone.localdate(request.received_at)):
            raise RightsError(
                _("An extension must be sent within the first month; that month has passed.")
            )
        request.status = Status.EXTENDED
        request.extended_at = timezone.now()
        request.extension_reason = reason.strip()
        request.due_on = deadlines.extended_due_date(timezone.localdate(request.received_at))
        request.save(update_fields=["status", "extended_at", "extension_reason", "due_on"])
        audit.record(Action.EXTEND, user=actor, obj=request)
        tell_customer(request, "rights_extended")
    return request


def refuse_request(
    *, request: RightsRequest, reason: str, actor: User | None, health_confirmed: bool = False
) -> RightsRequest:
    """Refuse with reasons and tell of the right to complain (Art. 12(4))."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the refusal.")})
    _no_health_data("reason", reason, confirmed=health_confirmed)
    with transaction.atomic():
        request = _locked(request)
        require_open(request)
        request.status = Status.REFUSED
        request.refusal_reason = reason.strip()
        request.closed_at = timezone.now()
        request.save(update_fields=["status", "refusal_reason", "closed_at"])
        audit.record(Action.REFUSE, user=actor, obj=request)
        tell_customer(request, "rights_refused")
    return request


def complete(
    request: RightsRequest, *, outcome: str, actor: User | None, notify: bool = True
) -> None:
    """Close a request as done, inside the caller's transaction: the recipients to tell
    (Art. 19) become to-dos, the audit entry is written, the customer told (`notify`)."""
    request.status = Status.COMPLETED
    request.closed_at = timezone.now()
    request.outcome = outcome
    request.save(update_fields=["status", "closed_at", "outcome"])
    if request.request_type in TELL_RECIPIENTS:
        RecipientTask.objects.bulk_create(
            RecipientTask(request=request, recipient_name=r.name) for r in Recipient.objects.all()
        )
    audit.record(Action.COMPLETE, user=actor, obj=request)
    if notify:
        tell_customer(request, "rights_completed")


def complete_request(
    *,
    request: RightsRequest,
    actor: User | None,
    outcome: str = "",
    health_confirmed: bool = False,
) -> RightsRequest:
    """Mark a request answered (access given, correction made...) and tell the customer."""
    _no_health_data("outcome", outcome, confirmed=health_confirmed)
    with transaction.atomic():
        request = _locked(request)
        require_open(request)
        if request.request_type == Type.ERASURE:
            raise RightsError(_("An erasure is completed by carrying it out."))
        complete(request, outcome=outcome or _("Done."), actor=actor)
    return request


def release_report(*, request: RightsRequest, actor: User | None) -> RightsRequest:
    """Send the customer an expiring link to their report and close the request (R13).

    The link goes to the customer's current address in the register and nowhere else:
    data goes only to the verified person.
    """
    with transaction.atomic():
        request = _locked(request)
        require_open(request)
        if request.request_type not in REPORT_TYPES:
            raise RightsError(_("Only an access or copy request has a report to release."))
        if request.customer is None:
            raise RightsError(_("The request is not linked to a customer."))
        if not request.customer.email:
            raise RightsError(
                _(
                    "The customer has no email address in the register, so the report "
                    "cannot be sent. Print it and hand it over in person."
                )
            )
        # Bound to the address it goes to: should the customer's address change before
        # the link is followed, the link stops working.
        raw = issue_token(
            request=request,
            purpose=LinkToken.Purpose.OPEN_REPORT,
            new_email=request.customer.email,
            hours=settings.RIGHTS_REPORT_LINK_DAYS * 24,
        )
        link = site_link(reverse("consent:open_report", args=[raw]))
        complete(
            request,
            outcome=_("The report was released to the customer."),
            actor=actor,
            notify=False,
        )
        audit.record(Action.RELEASE, user=actor, obj=request, customer=request.customer)
        tell_customer(
            request, "rights_report_released", link=link, days=settings.RIGHTS_REPORT_LINK_DAYS
        )
    return request
