"""Links sent by email: random, stored hashed, expiring, single-use, bound to one purpose."""

import hashlib
import re
import secrets
from datetime import timedelta
from enum import Enum
from functools import cache

from django.conf import settings
from django.utils import timezone

from consent.models import LinkToken, RightsRequest


class TokenProblem(Enum):
    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"


class TokenError(Exception):
    def __init__(self, problem: TokenProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(
    *,
    request: RightsRequest | None,
    purpose: LinkToken.Purpose,
    new_email: str = "",
    name: str = "",
    language: str = "",
    hours: int | None = None,
) -> str:
    """Create a link token and return the raw value (only its hash is stored)."""
    raw = secrets.token_urlsafe(32)
    LinkToken.objects.create(
        purpose=purpose,
        token_hash=_hash(raw),
        request=request,
        new_email=new_email,
        name=name,
        language=language,
        expires_at=timezone.now() + timedelta(hours=hours or settings.RIGHTS_LINK_HOURS),
    )
    return raw


def peek_token(raw: str, *, purpose: LinkToken.Purpose) -> LinkToken:
    """The token behind `raw` if it could still be used; changes nothing (for GET pages)."""
    if not raw or len(raw) > 100:
        raise TokenError(TokenProblem.INVALID)
    token = (
        LinkToken.objects.select_related("request")
        .filter(token_hash=_hash(raw), purpose=purpose)
        .first()
    )
    if token is None:
        raise TokenError(TokenProblem.INVALID)
    if token.used_at is not None:
        raise TokenError(TokenProblem.USED)
    if token.expires_at <= timezone.now():
        raise TokenError(TokenProblem.EXPIRED)
    return token


def use_token(raw: str, *, purpose: LinkToken.Purpose) -> LinkToken:
    """Spend the token behind `raw`, exactly once even when two requests race.

    A conditional UPDATE is the lock: of two simultaneous uses only one changes the row
    (select_for_update does nothing on SQLite).
    """
    token = peek_token(raw, purpose=purpose)
    now = timezone.now()
    spent = LinkToken.objects.filter(pk=token.pk, used_at__isnull=True, expires_at__gt=now).update(
        used_at=now
    )
    if spent != 1:
        raise TokenError(TokenProblem.USED)
    token.used_at = now
    return token


# The emailed links that carry a token, by URL name: their tokens are cut from a message
# once it has been delivered, so that no usable link rests in the outbox.
LINK_URL_NAMES = (
    "consent:verify",
    "consent:open_report",
    "consent:confirm_email",
    "consent:confirm_subscription",
    "consent:unsubscribe",
    # Not emailed, but a secret address all the same: kept out of the logs.
    "calendar_feed",
)
REDACTED = "[...]"


@cache
def _link_pattern() -> re.Pattern[str]:
    from django.urls import reverse

    marker = "TOKENMARKER"
    paths = [re.escape(reverse(name, args=[marker])) for name in LINK_URL_NAMES]
    return re.compile("|".join(p.replace(marker, r"[^/\s\"'<>]+") for p in paths))


def redact_links(text: str) -> str:
    """`text` with the token of every emailed link replaced: the link no longer works."""

    def cut(match: re.Match[str]) -> str:
        path = match.group(0)
        head, _slash, _rest = path.rstrip("/").rpartition("/")
        return f"{head}/{REDACTED}/"

    return _link_pattern().sub(cut, text)
