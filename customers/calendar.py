"""The studio's sessions as an iCalendar feed (RFC 5545) at a secret address.

The address carries a random token that the owner can replace (the old address then stops
working), so that she and the instructors can subscribe to it in their own calendars
without logging in. The feed holds course names, times and places only, never a person,
and it answers 404 to a wrong token, the same as to a missing page.
"""

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from customers.models import CalendarFeed, CourseSession

# The feed's window: calendars keep what they already fetched.
FEED_PAST = timedelta(days=62)
FEED_FUTURE = timedelta(days=400)
# Calendar apps poll; asking them to come back hourly is plenty for a studio's schedule.
REFRESH = "PT1H"
TOKEN_BYTES = 32


def current_feed() -> CalendarFeed | None:
    return CalendarFeed.objects.order_by("-created_at", "-pk").first()


def regenerate_feed(*, actor: Any = None) -> CalendarFeed:
    """Replace the feed's token: the old address stops working at once."""
    with transaction.atomic():
        CalendarFeed.objects.all().delete()
        return CalendarFeed.objects.create(
            token=secrets.token_urlsafe(TOKEN_BYTES),
            created_by=actor if getattr(actor, "pk", None) else None,
        )


def feed_url(feed: CalendarFeed) -> str:
    """The feed's address as people paste it into a calendar app (from SITE_URL, never from
    the request's Host header)."""
    return settings.SITE_URL + reverse("calendar_feed", args=[feed.token])


def _escape(text: str) -> str:
    """An iCalendar TEXT value (RFC 5545, 3.3.11)."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (RFC 5545, 3.1), never inside a character."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ics(sessions: Iterable[CourseSession], *, now: datetime | None = None) -> str:
    """The sessions as an iCalendar document: course name, start, end and place."""
    stamp = _utc(now or timezone.now())
    host = urlsplit(settings.SITE_URL).hostname or "rekisteri"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//rekisteri//sessions//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(_('Studio sessions'))}",
        f"X-WR-TIMEZONE:{settings.TIME_ZONE}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}",
        f"X-PUBLISHED-TTL:{REFRESH}",
    ]
    for session in sessions:
        lines += [
            "BEGIN:VEVENT",
            f"UID:session-{session.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(session.starts_at)}",
            f"DTEND:{_utc(session.ends_at)}",
            f"SUMMARY:{_escape(session.course.name)}",
        ]
        if session.course.place:
            lines.append(f"LOCATION:{_escape(session.course.place)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def feed_sessions(now: datetime | None = None) -> Any:
    now = now or timezone.now()
    return (
        CourseSession.objects.filter(
            starts_at__gte=now - FEED_PAST, starts_at__lt=now + FEED_FUTURE
        )
        .select_related("course")
        .order_by("starts_at", "pk")
    )


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed, for whoever has the current token; 404 for any other."""
    current = current_feed()
    # Compared in constant time: the answer's timing tells nothing about the token.
    if current is None or not secrets.compare_digest(current.token.encode(), token.encode()):
        raise Http404
    response = HttpResponse(ics(feed_sessions()), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="sessions.ics"'
    response["Cache-Control"] = "private, max-age=900"
    # The address is the secret: it must not travel on in a Referer header.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
