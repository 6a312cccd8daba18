"""The customer's side of data-subject rights: the request form, the emailed links and the
customer's own page. Plain HTML forms; every change is a POST."""

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from consent import marketing, notice, ratelimit, rights
from consent.access import build_access_report, readable_sections, report_as_csv
from consent.consents import has_objected, permissions_of, record_consent
from consent.erasure import SESSION_KEY, bookkeeping_until
from consent.forms import (
    ContactDetailsForm,
    EmailChangeForm,
    RightsRequestForm,
    SubscribeForm,
)
from consent.models import ConsentEvent, LinkToken, NoticeVersion, RightsRequest
from consent.notice import current_notice
from consent.tokens import TokenError, TokenProblem, peek_token, use_token
from customers.models import Customer
from rekisteri.admin import client_ip


def _private(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pages behind a link or a session: never cached, never leaking the URL onwards.

    "strict-origin" rather than "no-referrer": under no-referrer browsers post the page's
    forms with "Origin: null", which Django's CSRF check refuses; strict-origin still keeps
    the token out of every Referer.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "strict-origin"
        return response

    return wrapper


def _client_ip(request: HttpRequest) -> str:
    # The same reading as the login throttle: X-Forwarded-For only behind TRUSTED_PROXY.
    return client_ip(request)


@require_http_methods(["GET", "POST"])
def rights_form(request: HttpRequest) -> HttpResponse:
    form = RightsRequestForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "consent/rights_form.html", {"form": form}, status=400)
        data = form.cleaned_data
        if data["website"]:
            # A bot filled in the hidden field: answer as usual, do nothing.
            return redirect("consent:rights_sent")
        if not ratelimit.allow_rights_request(email=data["email"], client_ip=_client_ip(request)):
            return render(request, "consent/rate_limited.html", status=429)
        rights.submit_request(
            email=data["email"],
            request_type=data["request_type"],
            message=data["message"],
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        # The same answer whether or not the address is known (no enumeration, R19).
        return redirect("consent:rights_sent")
    return render(request, "consent/rights_form.html", {"form": form})


@require_GET
def rights_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "consent/rights_sent.html", {"hours": settings.RIGHTS_LINK_HOURS})


_PROBLEM_STATUS = {TokenProblem.INVALID: 404, TokenProblem.EXPIRED: 410, TokenProblem.USED: 410}


def _token_problem(request: HttpRequest, problem: TokenProblem) -> HttpResponse:
    return render(
        request,
        "consent/token_problem.html",
        {"problem": problem.value},
        status=_PROBLEM_STATUS[problem],
    )


def _open_session(request: HttpRequest, rights_request: RightsRequest) -> None:
    """A short session for this one customer only."""
    minutes = settings.RIGHTS_SESSION_MINUTES
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "customer": rights_request.customer_id,
        "until": (timezone.now() + timedelta(minutes=minutes)).isoformat(),
    }
    request.session.set_expiry(minutes * 60)


def _session_customer(request: HttpRequest) -> Customer | None:
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict) or not data.get("customer"):
        return None
    try:
        until = datetime.fromisoformat(data["until"])
    except (KeyError, TypeError, ValueError):
        return None
    if until <= timezone.now():
        request.session.pop(SESSION_KEY, None)
        return None
    return Customer.objects.filter(pk=data["customer"]).first()


def _confirm_link_page(
    request: HttpRequest, token: str, purpose: LinkToken.Purpose, page: dict[str, str]
) -> HttpResponse | None:
    """GET of an emailed link: a page with a button; changes nothing (mail scanners)."""
    try:
        peek_token(token, purpose=purpose)
    except TokenError as error:
        return _token_problem(request, error.problem)
    return render(request, "consent/confirm_link.html", page)


@_private
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return _confirm_link_page(
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
        rights_request = rights.verify_request(raw_token=token)
    except TokenError as error:
        return _token_problem(request, error.problem)
    if rights_request.customer_id is None:
        return _token_problem(request, TokenProblem.INVALID)
    _open_session(request, rights_request)
    messages.success(request, _("Thank you, your request is confirmed."))
    return redirect("consent:my_data")


@_private
@require_http_methods(["GET", "POST"])
def open_report(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return _confirm_link_page(
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
        link = use_token(token, purpose=LinkToken.Purpose.OPEN_REPORT)
    except TokenError as error:
        return _token_problem(request, error.problem)
    if link.request.customer_id is None:
        return _token_problem(request, TokenProblem.INVALID)
    _open_session(request, link.request)
    return redirect("consent:my_data")


@_private
@require_http_methods(["GET", "POST"])
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return _confirm_link_page(
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
        rights.confirm_email_change(raw_token=token)
    except TokenError as error:
        return _token_problem(request, error.problem)
    except (rights.RightsError, ValidationError):
        return _token_problem(request, TokenProblem.INVALID)
    return render(request, "consent/email_changed.html")


def _my_data_page(
    request: HttpRequest,
    customer: Customer,
    *,
    contact_form: ContactDetailsForm | None = None,
    email_form: EmailChangeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    report = build_access_report(customer)
    return render(
        request,
        "consent/my_data.html",
        {
            "customer": customer,
            "report": report,
            "held": readable_sections(report),
            "contact_form": contact_form or ContactDetailsForm(instance=customer),
            "email_form": email_form or EmailChangeForm(customer=customer),
            "objected": has_objected(customer),
            "permissions": permissions_of(customer),
            "kept_until": bookkeeping_until(customer),
            "open_requests": customer.rights_requests.filter(
                status__in=RightsRequest.OPEN_STATUSES
            ).order_by("-received_at"),
        },
        status=status,
    )


@_private
@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    customer = _session_customer(request)
    if customer is None:
        messages.info(request, _("To see your data, make a request and follow the emailed link."))
        return redirect("consent:rights")
    if request.method == "GET":
        return _my_data_page(request, customer)

    action = request.POST.get("action", "")
    language = translation.get_language() or settings.LANGUAGE_CODE
    if action == "contact":
        form = ContactDetailsForm(request.POST, instance=Customer.objects.get(pk=customer.pk))
        if not form.is_valid():
            return _my_data_page(request, customer, contact_form=form, status=400)
        changed = rights.rectify_contact_details(customer=customer, changes=form.cleaned_data)
        if changed:
            messages.success(request, _("Your details were saved."))
        else:
            messages.info(request, _("Nothing was changed."))
    elif action == "email":
        form = EmailChangeForm(request.POST, customer=customer)
        if not form.is_valid():
            return _my_data_page(request, customer, email_form=form, status=400)
        rights.request_email_change(
            customer=customer, new_email=form.cleaned_data["new_email"], language=language
        )
        messages.success(
            request,
            _("We sent a link to the new address. The change is made when you follow it."),
        )
    elif action == "object":
        rights.start_request(
            customer=customer, request_type=RightsRequest.Type.OBJECTION, language=language
        )
        messages.success(request, _("Done: your data is no longer used for any direct marketing."))
    elif action in ("give", "withdraw"):
        purpose, channel = request.POST.get("purpose", ""), request.POST.get("channel", "")
        if purpose not in ConsentEvent.Purpose.values or channel not in ConsentEvent.Channel.values:
            return render(request, "consent/bad_request.html", status=400)
        record_consent(
            customer=customer,
            purpose=purpose,
            channel=channel,
            action=ConsentEvent.Action.GIVEN if action == "give" else ConsentEvent.Action.WITHDRAWN,
            source=ConsentEvent.Source.OWN_PAGE,
            wording=_("Changed on the customer's own page: %(purpose)s, %(channel)s.")
            % {
                "purpose": ConsentEvent.Purpose(purpose).label,
                "channel": ConsentEvent.Channel(channel).label,
            },
            ip=_client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        messages.success(request, _("Your choice was saved."))
    elif action in ("erasure", "restriction"):
        rights.start_request(customer=customer, request_type=action, language=language)
        messages.success(
            request,
            _("Your request was sent to the studio. You will get an answer by email.")
            if action == "erasure"
            else _("Done: your data is now only stored, not otherwise used."),
        )
    elif action == "logout":
        request.session.flush()
        messages.info(request, _("You have left your data page."))
        return redirect("consent:rights")
    else:
        return render(request, "consent/bad_request.html", status=400)
    return redirect("consent:my_data")


@_private
@require_GET
def download(request: HttpRequest, fmt: str) -> HttpResponse:
    customer = _session_customer(request)
    if customer is None:
        return redirect("consent:rights")
    report = build_access_report(customer)
    day = timezone.localdate().isoformat()
    if fmt == "json":
        response = HttpResponse(
            json.dumps(report, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
    elif fmt == "csv":
        response = HttpResponse(
            "\ufeff" + report_as_csv(report), content_type="text/csv; charset=utf-8"
        )
    else:
        return render(request, "consent/bad_request.html", status=404)
    response["Content-Disposition"] = f'attachment; filename="my-data-{day}.{fmt}"'
    return response


@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """The privacy notice; `?version=N` shows an earlier version (consents cite them)."""
    versions = NoticeVersion.objects.order_by("-number")
    wanted = request.GET.get("version", "")
    if wanted:
        if not wanted.isdigit() or len(wanted) > 9:
            return render(request, "consent/privacy_missing.html", status=400)
        version = versions.filter(number=int(wanted)).first()
        if version is None:
            return render(request, "consent/privacy_missing.html", status=404)
    else:
        version = current_notice()
    latest = versions.first()
    return render(
        request,
        "consent/privacy.html",
        {
            "version": version,
            "notice": notice.readable(version.content),
            "is_latest": latest is None or version.number == latest.number,
            "versions": versions.only("number", "published_at"),
        },
    )


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    """Newsletter sign-up, double opt-in (R9): nothing counts until the emailed link."""
    form = SubscribeForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "consent/subscribe.html", {"form": form}, status=400)
        data = form.cleaned_data
        if data["website"]:
            return redirect("consent:subscribe_sent")
        allowed = ratelimit.hit(
            "subscribe-ip",
            _client_ip(request),
            limit=settings.RIGHTS_LIMIT_PER_IP,
            window=timedelta(hours=1),
        ) and ratelimit.hit(
            "subscribe-email",
            data["email"].lower(),
            limit=settings.RIGHTS_LIMIT_PER_EMAIL,
            window=timedelta(hours=1),
        )
        if not allowed:
            return render(request, "consent/rate_limited.html", status=429)
        with transaction.atomic():
            marketing.request_subscription(
                email=data["email"],
                name=data["name"],
                language=translation.get_language() or settings.LANGUAGE_CODE,
            )
        return redirect("consent:subscribe_sent")
    return render(request, "consent/subscribe.html", {"form": form})


@require_GET
def subscribe_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "consent/subscribe_sent.html", {"hours": marketing.SUBSCRIBE_LINK_HOURS})


@_private
@require_http_methods(["GET", "POST"])
def confirm_subscription(request: HttpRequest, token: str) -> HttpResponse:
    try:
        marketing.read_subscription_token(token)
    except marketing.LinkError as error:
        problem = TokenProblem.EXPIRED if str(error) == "expired" else TokenProblem.INVALID
        return _token_problem(request, problem)
    if request.method == "GET":
        return render(
            request,
            "consent/confirm_link.html",
            {
                "title": _("Confirm your subscription"),
                "text": _("Press the button to start receiving the studio's newsletter."),
                "button": _("Confirm the subscription"),
            },
        )
    marketing.confirm_subscription(
        token=token,
        ip=_client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    return render(request, "consent/subscribed.html")


@_private
@csrf_exempt  # RFC 8058: mail clients POST here with no cookie and no CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One click: a GET shows a button and changes nothing; the POST withdraws, with no
    login or cookie, and answers without a redirect (R8)."""
    try:
        customer, purpose, channel = marketing.read_unsubscribe_token(token)
    except marketing.LinkError:
        return _token_problem(request, TokenProblem.INVALID)
    context = {
        "purpose": ConsentEvent.Purpose(purpose).label,
        "channel": ConsentEvent.Channel(channel).label,
    }
    if request.method == "GET":
        return render(request, "consent/unsubscribe.html", context)
    _customer, changed = marketing.unsubscribe(token=token)
    return render(request, "consent/unsubscribed.html", {**context, "changed": changed})
