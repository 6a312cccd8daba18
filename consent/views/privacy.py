"""The privacy notice, and its earlier versions (GDPR Art. 13-14, R20)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from consent.models import NoticeVersion, StudioSettings
from consent.records import notice


def _language() -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return language if language in notice.languages() else settings.LANGUAGE_CODE


@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """The notice in force; `?version=N` shows a version as it was published (consents
    cite them). Before the first version, a page saying the notice is being prepared."""
    language = _language()
    versions = NoticeVersion.objects.order_by("-number")
    wanted = request.GET.get("version", "")
    if wanted:
        if not wanted.isdigit() or len(wanted) > 9:
            return render(request, "consent/privacy_missing.html", status=400)
        version = versions.filter(number=int(wanted)).first()
        if version is None:
            return render(request, "consent/privacy_missing.html", status=404)
        latest_number = versions.values_list("number", flat=True).first()
    else:
        version = notice.notice_in_force(language)
        if version is None:
            return _being_prepared(request)
        latest_number = version.number
    return render(
        request,
        "consent/privacy.html",
        {
            "version": version,
            "controller": version.content.get("controller", {}),
            "body": notice.text_of(version, language),
            "is_latest": version.number == latest_number,
            "versions": versions.only("number", "published_at"),
        },
    )


def _being_prepared(request: HttpRequest) -> HttpResponse:
    """No notice yet: the owner has not named the controller and its contact details."""
    studio = StudioSettings.load()
    name = studio.controller_name.strip()
    return render(
        request,
        "consent/privacy_preparing.html",
        {
            "studio": studio,
            "name": "" if name == StudioSettings.PLACEHOLDER_CONTROLLER else name,
            "contact_known": studio.contact_known,
        },
    )
