"""The privacy notice, and its earlier versions."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from consent.models import NoticeVersion
from consent.records import notice
from consent.records.notice import current_notice


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
