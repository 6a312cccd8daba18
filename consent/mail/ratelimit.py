"""Rate limits on the public forms, counted in the database so that they hold across
gunicorn workers (and containers).

- One budget per email address for the rights form and the newsletter sign-up together,
  the address taken as its mailbox receives it: case, "+tags", and the dots Gmail ignores
  do not make a new address.
- One budget per client: an IPv4 address, or an IPv6 /64 (one home or phone gets a whole
  /64, so its addresses are one client).
- One cap per hour, for the whole app, on mail to addresses the register does not know
  (the "nothing held" answer, sign-up confirmations): past it the request is still stored
  and answered on screen, but its mail waits for the next hour, so that the form cannot be
  used to send mail to strangers in bulk.

The counts are kept under keyed hashes of the address and client, never the values, and
removed after a day.
"""

import hashlib
import ipaddress
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from consent.models import RateLimitHit

HOUR = timedelta(hours=1)
ADDRESS, CLIENT, UNKNOWN_MAIL = "address", "client", "unknown-mail"
# Providers that deliver "first.last@" and "firstlast@" to the same mailbox.
_DOTLESS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def _key(scope: str, value: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{scope}:{value}".encode()).hexdigest()


def mailbox(email: str) -> str:
    """The mailbox an address reaches: lower case, without a "+tag", without the dots a
    provider ignores."""
    local, _at, domain = email.strip().lower().rpartition("@")
    if not _at:
        return email.strip().lower()
    local = local.split("+", 1)[0]
    if domain in _DOTLESS:
        local, domain = local.replace(".", ""), _DOTLESS[domain]
    return f"{local}@{domain}"


def client(address: str) -> str:
    """The client an address stands for: itself for IPv4, its /64 for IPv6."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _hits(uses: list[tuple[str, str, int]], *, window: timedelta) -> list[int]:
    """Count one use for each (scope, value, limit), and read the uses within `window`, this
    one included, for each: how many, counted up to limit + 1 and no further, so that a
    client far over its limit costs no more to answer than one at it.

    In SQL of its own: this runs on every public form's request, and the ORM's bulk insert
    and grouped count cost three times the CPU (issue 12). The earlier uses are counted
    and this one added in one statement on PostgreSQL (a data-modifying WITH), atomic by
    itself, so that it needs no transaction of its own (BEGIN and COMMIT would be two more
    round trips to the database); in two statements in one transaction on SQLite. Inside
    a caller's transaction it adds no savepoint of its own (an error fails the caller's)."""
    now = timezone.now()
    keys = [_key(scope, value) for scope, value, _limit in uses]
    quote = connection.ops.quote_name
    table = quote(RateLimitHit._meta.db_table)
    columns = {field.name: quote(field.column) for field in RateLimitHit._meta.concrete_fields}
    scope_column, key_column, at_column = columns["scope"], columns["key"], columns["at"]
    at = connection.ops.adapt_datetimefield_value(now)
    since = connection.ops.adapt_datetimefield_value(now - window)
    # The earlier uses of each key, up to its limit (this use makes limit + 1 at most).
    count = ", ".join(
        f"(SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {key_column} = %s "  # noqa: S608
        f"AND {at_column} > %s LIMIT %s) AS uses_{n})"
        for n in range(len(uses))
    )
    count_params = [
        v for (_s, _v, limit), key in zip(uses, keys, strict=True) for v in (key, since, limit)
    ]
    insert = (
        f"INSERT INTO {table} ({scope_column}, {key_column}, {at_column}) VALUES "  # noqa: S608
        + ", ".join(["(%s, %s, %s)"] * len(uses))
    )
    insert_params = [
        v for (scope, _v, _l), key in zip(uses, keys, strict=True) for v in (scope, key, at)
    ]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The SELECT sees the table as it was before the WITH's INSERT.
            cursor.execute(
                f"WITH added AS ({insert}) SELECT {count}", [*insert_params, *count_params]
            )
            earlier = cursor.fetchone()
    else:
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            cursor.execute(f"SELECT {count}", count_params)  # noqa: S608
            earlier = cursor.fetchone()
            cursor.execute(insert, insert_params)
    return [int(n) + 1 for n in earlier]


def hit(scope: str, value: str, *, limit: int, window: timedelta) -> bool:
    """Count one use of `scope` by `value`; False when it goes over `limit` in `window`."""
    return _hits([(scope, value, limit)], window=window)[0] <= limit


def allow_public_form(*, email: str, client_ip: str) -> bool:
    """One use of the rights form or the sign-up: the address's and the client's budgets."""
    by_address, by_client = _hits(
        [
            (ADDRESS, mailbox(email), settings.RIGHTS_LIMIT_PER_EMAIL),
            (CLIENT, client(client_ip), settings.RIGHTS_LIMIT_PER_IP),
        ],
        window=HOUR,
    )
    return (
        by_address <= settings.RIGHTS_LIMIT_PER_EMAIL and by_client <= settings.RIGHTS_LIMIT_PER_IP
    )


def mail_to_stranger_allowed() -> bool:
    """Count one message to an address the register does not know; False past the hourly
    cap (UNKNOWN_MAIL_PER_HOUR): then the message waits for the next hour."""
    return hit(UNKNOWN_MAIL, "all", limit=settings.UNKNOWN_MAIL_PER_HOUR, window=HOUR)


def single_client_warning(*, since: timedelta = timedelta(days=1), least: int = 20) -> bool:
    """Whether every public-form request of the last day came from one client while many
    addresses were used: the sign of a reverse proxy whose address is all the app sees
    (TRUSTED_PROXY off), which makes the per-client limit one limit for everybody."""
    if settings.TRUSTED_PROXY:
        return False
    recent = RateLimitHit.objects.filter(at__gt=timezone.now() - since)
    clients = recent.filter(scope=CLIENT).values("key").distinct().count()
    addresses = recent.filter(scope=ADDRESS).values("key").distinct().count()
    return clients == 1 and addresses >= least
