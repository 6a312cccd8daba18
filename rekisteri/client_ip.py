"""The client's address, read the same way by the login throttle and the public forms' limits."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address for the login throttle (AXES_CLIENT_IP_CALLABLE).

    Without TRUSTED_PROXY it is REMOTE_ADDR and nothing else: a client could write any
    X-Forwarded-For. Behind the trusted proxy (one proxy, which appends the address it sees
    to X-Forwarded-For) it is the right-most entry of that header, the one the proxy wrote;
    entries to its left come from the client. gunicorn does not rewrite REMOTE_ADDR, which
    behind the proxy is the proxy's own address.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "") or ""
    if getattr(settings, "TRUSTED_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
        if entries:
            try:
                return str(ipaddress.ip_address(entries[-1]))
            except ValueError:
                pass
    return remote_addr
