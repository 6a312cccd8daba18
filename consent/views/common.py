"""Shared pieces of the public pages: private responses, link problems, the customer's
short session."""

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from consent.acts.erasure import SESSION_KEY
from consent.mail.links import TokenError, TokenProblem, peek_token
from consent.models import LinkToken
from customers.models import Customer


def private(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
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


_PROBLEM_STATUS = {TokenProblem.INVALID: 404, TokenProblem.EXPIRED: 410, TokenProblem.USED: 410}


def token_problem(request: HttpRequest, problem: TokenProblem) -> HttpResponse:
    return render(
        request,
        "consent/token_problem.html",
        {"problem": problem.value},
        status=_PROBLEM_STATUS[problem],
    )


# What a customer's short session opens: their own page with its changes ("full", after
# confirming a request), or only the released report and its download ("report").
FULL, REPORT = "full", "report"


def open_session(request: HttpRequest, customer: Customer, *, scope: str) -> None:
    """A short session for this one customer only."""
    minutes = settings.RIGHTS_SESSION_MINUTES
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "customer": customer.pk,
        "scope": scope,
        "until": (timezone.now() + timedelta(minutes=minutes)).isoformat(),
    }
    request.session.set_expiry(minutes * 60)


def session_scope(request: HttpRequest) -> str:
    data = request.session.get(SESSION_KEY)
    return data.get("scope", "") if isinstance(data, dict) else ""


def session_customer(request: HttpRequest, *, scope: str = FULL) -> Customer | None:
    """The customer this session was opened for, if it is still open and opens `scope`
    (a full session opens the report too)."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict) or not data.get("customer"):
        return None
    if data.get("scope") != FULL and data.get("scope") != scope:
        return None
    try:
        until = datetime.fromisoformat(data["until"])
    except (KeyError, TypeError, ValueError):
        return None
    if until <= timezone.now():
        request.session.pop(SESSION_KEY, None)
        return None
    return Customer.objects.filter(pk=data["customer"]).first()


def confirm_link_page(
    request: HttpRequest, token: str, purpose: LinkToken.Purpose, page: dict[str, Any]
) -> HttpResponse:
    """GET of an emailed link: a page with a button; changes nothing (mail scanners)."""
    try:
        peek_token(token, purpose=purpose)
    except TokenError as error:
        return token_problem(request, error.problem)
    return render(request, "consent/confirm_link.html", page)
