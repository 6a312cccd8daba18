"""The act of giving or withdrawing consent to direct marketing (GDPR Art. 7, R5, R8).

Every change is one append-only row of the ledger, with the wording the person saw, the
privacy-notice version in force and minimised evidence of where it came from.
"""

import ipaddress

from django.contrib.auth.models import User
from django.db import transaction

from consent.models import ConsentEvent
from consent.records import audit
from consent.records.notice import current_notice_number
from customers.models import Customer

Purpose, Channel, Action = ConsentEvent.Purpose, ConsentEvent.Channel, ConsentEvent.Action


def minimised_ip(address: str) -> str:
    """The network, not the device: IPv4 to /24, IPv6 to /48 (evidence kept minimised)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def record_consent(
    *,
    customer: Customer,
    purpose: str,
    channel: str,
    action: str,
    source: str,
    wording: str,
    actor: User | None,
    ip: str = "",
    user_agent: str = "",
) -> ConsentEvent:
    """One change of permission, appended to the ledger with the notice version in force
    and the words the person saw (Art. 7(1): the studio must be able to show it)."""
    if action not in (Action.GIVEN, Action.WITHDRAWN):
        raise ValueError("Use record_objection for an objection.")
    with transaction.atomic():
        event = ConsentEvent.objects.create(
            customer=customer,
            purpose=purpose,
            channel=channel,
            action=action,
            source=source,
            wording=str(wording),
            notice_version=current_notice_number(),
            recorded_by=actor if actor is not None and actor.pk else None,
            ip_network=minimised_ip(ip),
            user_agent=user_agent[:200],
        )
        audit.record(
            audit.Action.CONSENT,
            user=actor,
            obj=event,
            customer=customer,
            detail=audit.Detail(
                "consent", purpose=purpose, channel=channel, action=action, source=source
            ),
        )
    return event
