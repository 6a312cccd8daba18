"""Rate limits on the public forms, counted in the database so that they hold across
gunicorn workers."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from consent.models import RateLimitHit


def _key(scope: str, value: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{scope}:{value}".encode()).hexdigest()


def hit(scope: str, value: str, *, limit: int, window: timedelta) -> bool:
    """Count one use of `scope` by `value`; False when it goes over `limit` in `window`."""
    key = _key(scope, value)
    now = timezone.now()
    with transaction.atomic():
        RateLimitHit.objects.create(key=key, at=now)
        used = RateLimitHit.objects.filter(key=key, at__gt=now - window).count()
    return used <= limit


def allow_rights_request(*, email: str, client_ip: str) -> bool:
    """Both the address and the client get their own budget per hour."""
    hour = timedelta(hours=1)
    ok_email = hit(
        "rights-email", email.lower(), limit=settings.RIGHTS_LIMIT_PER_EMAIL, window=hour
    )
    ok_ip = hit("rights-ip", client_ip, limit=settings.RIGHTS_LIMIT_PER_IP, window=hour)
    return ok_email and ok_ip


def forget_old_hits(*, older_than: timedelta = timedelta(days=1)) -> int:
    deleted, _ = RateLimitHit.objects.filter(at__lt=timezone.now() - older_than).delete()
    return deleted
