"""Newsletter sign-up (double opt-in) and one-click unsubscribe."""

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from consent.forms import FreshConsentForm, SubscribeForm
from consent.mail import ratelimit
from consent.mail.links import TokenError, TokenProblem
from consent.marketing import signup
from consent.marketing import unsubscribe as unsubscribe_links
from consent.models import ConsentEvent
from consent.views.common import (
    private,
    token_problem,
)
from rekisteri.client_ip import client_ip


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
        # One budget with the rights form per address and per client.
        allowed = ratelimit.allow_public_form(email=data["email"], client_ip=client_ip(request))
        if not allowed:
            return render(request, "consent/rate_limited.html", status=429)
        with transaction.atomic():
            signup.request_subscription(
                email=data["email"],
                name=data["name"],
                language=translation.get_language() or settings.LANGUAGE_CODE,
            )
        return redirect("consent:subscribe_sent")
    return render(request, "consent/subscribe.html", {"form": form})


@require_GET
def subscribe_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "consent/subscribe_sent.html", {"hours": signup.SUBSCRIBE_LINK_HOURS})


@private
@require_http_methods(["GET", "POST"])
def confirm_subscription(request: HttpRequest, token: str) -> HttpResponse:
    """The sign-up link: a GET shows a button (mail scanners open links); the POST starts
    the subscription. An address on the suppression list must tick the consent again."""
    try:
        link = signup.check_subscription_link(token)
    except TokenError as error:
        return token_problem(request, error.problem)
    ask_again = signup.needs_fresh_consent(link)
    form = FreshConsentForm(request.POST or None) if ask_again else None
    page = {
        "title": _("Confirm your subscription"),
        "text": (
            _(
                "You have earlier forbidden direct marketing, or your data was erased. "
                "If you now want the studio's newsletter, tick the box and confirm."
            )
            if ask_again
            else _("Press the button to start receiving the studio's newsletter.")
        ),
        "button": _("Confirm the subscription"),
        "consent_form": form,
    }
    if request.method == "GET":
        return render(request, "consent/confirm_link.html", page)
    if form is not None and not form.is_valid():
        return render(request, "consent/confirm_link.html", page, status=400)
    try:
        signup.confirm_subscription(
            raw_token=token,
            fresh_consent=form is not None,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    except TokenError as error:
        return token_problem(request, error.problem)
    except signup.FreshConsentNeeded:
        # Put on the list between the page and the button: ask, as on the page.
        page["consent_form"] = FreshConsentForm()
        return render(request, "consent/confirm_link.html", page, status=400)
    return render(request, "consent/subscribed.html")


@private
@csrf_exempt  # RFC 8058: mail clients POST here with no cookie and no CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One click: a GET shows a button and changes nothing; the POST withdraws, with no
    login or cookie, and answers without a redirect (R8)."""
    try:
        customer, purpose, channel = unsubscribe_links.read_unsubscribe_token(token)
    except unsubscribe_links.LinkError:
        return token_problem(request, TokenProblem.INVALID)
    context = {
        "purpose": ConsentEvent.Purpose(purpose).label,
        "channel": ConsentEvent.Channel(channel).label,
    }
    if request.method == "GET":
        return render(request, "consent/unsubscribe.html", context)
    _customer, changed = unsubscribe_links.unsubscribe(token=token)
    return render(request, "consent/unsubscribed.html", {**context, "changed": changed})
