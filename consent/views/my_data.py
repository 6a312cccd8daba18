"""The customer's own page (/rights/my-data/): their data, corrections, consents,
requests and the download of their copy."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from consent.acts import rectification, requests
from consent.acts.access import (
    Use,
    access_report,
    readable_sections,
    report_as_json,
    report_rows,
)
from consent.acts.consent import record_consent
from consent.acts.erasure import bookkeeping_until, upcoming_courses
from consent.acts.objection import has_objected
from consent.forms import ContactDetailsForm, EmailChangeForm
from consent.marketing.permissions import consent_wording, permissions_of
from consent.models import ConsentEvent, RightsRequest
from consent.views.common import REPORT, private, session_customer, session_scope
from customers.models import Customer
from rekisteri import spreadsheets
from rekisteri.client_ip import client_ip


def _my_data_page(
    request: HttpRequest,
    customer: Customer,
    *,
    contact_form: ContactDetailsForm | None = None,
    email_form: EmailChangeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    report = access_report(customer=customer, actor=None, use=Use.VIEW, own_page=True)
    return render(
        request,
        "consent/my_data.html",
        {
            "upcoming": upcoming_courses(customer),
            "customer": customer,
            "report": report,
            "held": readable_sections(report),
            "contact_form": contact_form or ContactDetailsForm(instance=customer),
            "email_form": email_form or EmailChangeForm(customer=customer),
            "objected": has_objected(customer),
            "permissions": [
                (purpose, channel, permission, consent_wording(purpose, channel))
                for purpose, channel, permission in permissions_of(customer)
            ],
            "kept_until": bookkeeping_until(customer),
            "open_requests": customer.rights_requests.filter(
                status__in=RightsRequest.OPEN_STATUSES
            ).order_by("-received_at"),
        },
        status=status,
    )


@private
@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    customer = session_customer(request)
    if customer is None:
        if session_scope(request) == REPORT:
            return redirect("consent:report")
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
        changed = rectification.rectify_contact_details(
            customer=customer, changes=form.cleaned_data
        )
        if changed:
            messages.success(request, _("Your details were saved."))
        else:
            messages.info(request, _("Nothing was changed."))
    elif action == "email":
        email_form = EmailChangeForm(request.POST, customer=customer)
        if not email_form.is_valid():
            return _my_data_page(request, customer, email_form=email_form, status=400)
        rectification.request_email_change(
            customer=customer, new_email=email_form.cleaned_data["new_email"], language=language
        )
        messages.success(
            request,
            _("We sent a link to the new address. The change is made when you follow it."),
        )
    elif action == "object":
        requests.start_request(
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
            # The ledger keeps the words next to the switch the person pressed (Art. 7(1)).
            wording=consent_wording(purpose, channel)
            if action == "give"
            else _("Refused on my own page: %(purpose)s, %(channel)s.")
            % {
                "purpose": ConsentEvent.Purpose(purpose).label,
                "channel": ConsentEvent.Channel(channel).label,
            },
            actor=None,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        messages.success(request, _("Your choice was saved."))
    elif action in ("erasure", "restriction"):
        requests.start_request(customer=customer, request_type=action, language=language)
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


@private
@require_GET
def download(request: HttpRequest, fmt: str) -> HttpResponse:
    """The customer's portable copy (Art. 20): after a confirmed request or a released
    report."""
    customer = session_customer(request, scope=REPORT)
    if customer is None:
        return redirect("consent:rights")
    if fmt not in ("json", "csv"):
        return render(request, "consent/bad_request.html", status=404)
    report = access_report(customer=customer, actor=None, use=fmt, own_page=True)
    day = timezone.localdate().isoformat()
    if fmt == "json":
        response = HttpResponse(
            report_as_json(report),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="my-data-{day}.json"'
        return response
    return spreadsheets.csv_response(f"my-data-{day}.csv", report_rows(report))
