"""The rights request form, and the emailed links that confirm a request, open a released
report or confirm a new email address."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from consent.acts import rectification, requests
from consent.acts.access import Use, access_report, open_released_report, readable_sections
from consent.forms import RightsRequestForm
from consent.mail import ratelimit
from consent.mail.links import TokenError, TokenProblem
from consent.models import LinkToken
from consent.views.common import (
    FULL,
    REPORT,
    confirm_link_page,
    open_session,
    private,
    session_customer,
    token_problem,
)
from rekisteri.client_ip import client_ip


@require_http_methods(["GET", "POST"])
def rights_form(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RightsRequestForm(request.POST)
        if not form.is_valid():
            return render(
                request, "consent/rights_form.html", {"form": form, "sent": True}, status=400
            )
        data = form.cleaned_data
        if data["website"]:
            # A bot filled in the hidden field: answer as usual, do nothing.
            return redirect("consent:rights_sent")
        # The use is counted, then the request stored when it is allowed (the worker answers
        # it: requests.submit_request). Each is one statement, atomic by itself; no
        # transaction around the two, whose BEGIN and COMMIT were half the round trips to
        # the database (issue 12). A request that then fails to be stored still counts as
        # a use, and its sender gets an error, not the "sent" page.
        if not ratelimit.allow_public_form(email=data["email"], client_ip=client_ip(request)):
            return render(request, "consent/rate_limited.html", status=429)
        requests.submit_request(
            email=data["email"],
            request_type=data["request_type"],
            message=data["message"],
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        # The same answer whether or not the address is known (no enumeration, R19).
        return redirect("consent:rights_sent")
    # The empty form's fields come from the template's cache: the form is made only when
    # they are not there (issue 12).
    return render(
        request,
        "consent/rights_form.html",
        {"form": SimpleLazyObject(RightsRequestForm), "sent": False},
    )


@require_GET
def rights_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "consent/rights_sent.html", {"hours": settings.RIGHTS_LINK_HOURS})


@private
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return confirm_link_page(
            request,
            token,
            LinkToken.Purpose.VERIFY_REQUEST,
            {
                "title": _("Confirm your request"),
                "text": _("Press the button to confirm that the request is yours."),
                "button": _("Confirm and continue"),
            },
        )
    try:
        rights_request = requests.verify_request(raw_token=token)
    except TokenError as error:
        return token_problem(request, error.problem)
    if rights_request.customer is None:
        return token_problem(request, TokenProblem.INVALID)
    open_session(request, rights_request.customer, scope=FULL)
    messages.success(request, _("Thank you, your request is confirmed."))
    return redirect("consent:my_data")


@private
@require_http_methods(["GET", "POST"])
def open_report(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return confirm_link_page(
            request,
            token,
            LinkToken.Purpose.OPEN_REPORT,
            {
                "title": _("Your data"),
                "text": _("Press the button to see the data we hold about you."),
                "button": _("Show my data"),
            },
        )
    try:
        customer = open_released_report(raw_token=token)
    except TokenError as error:
        return token_problem(request, error.problem)
    # The report only: not the page where details are changed and erasure asked for.
    open_session(request, customer, scope=REPORT)
    return redirect("consent:report")


@private
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """The released report, read-only, with its download."""
    customer = session_customer(request, scope=REPORT)
    if customer is None:
        messages.info(request, _("To see your data, make a request and follow the emailed link."))
        return redirect("consent:rights")
    data = access_report(customer=customer, actor=None, use=Use.VIEW, own_page=True)
    return render(
        request,
        "consent/report.html",
        {"customer": customer, "report": data, "held": readable_sections(data)},
    )


@private
@require_http_methods(["GET", "POST"])
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return confirm_link_page(
            request,
            token,
            LinkToken.Purpose.CONFIRM_EMAIL,
            {
                "title": _("Confirm your new email address"),
                "text": _("Press the button to make this your email address in our register."),
                "button": _("Confirm the new address"),
            },
        )
    try:
        rectification.confirm_email_change(raw_token=token)
    except TokenError as error:
        return token_problem(request, error.problem)
    except (requests.RightsError, ValidationError):
        return token_problem(request, TokenProblem.INVALID)
    return render(request, "consent/email_changed.html")
