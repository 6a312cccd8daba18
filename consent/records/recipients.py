"""Processors and recipients the owner adds with help: Google Workspace (Gmail), which the
seed studios use for their email (GDPR Art. 28 and Chapter V).

What the entry states is what Google states: Google LLC, in the United States, is
certified under the EU-US Data Privacy Framework (since 2023), and Google's Cloud Data
Processing Addendum, part of a Google Workspace agreement, includes the Commission's
standard contractual clauses as well. The owner confirms that she checked the certification
on the Data Privacy Framework List, and on which day, and that the studio's Gmail comes
under such an agreement: the free consumer Gmail has no data processing terms.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from consent.models import Recipient
from consent.records import notice

DPF_LIST_URL = "https://www.dataprivacyframework.gov/list"


@dataclass(frozen=True)
class KnownRecipient:
    name: str
    purpose: Promise
    country: str
    safeguard: str
    scc_also: bool
    safeguard_note: str


GOOGLE_WORKSPACE = KnownRecipient(
    name="Google Ireland Limited / Google LLC (Gmail, Google Workspace)",
    purpose=_("Email: the studio's mailbox and its messages to and from customers"),
    country="US",
    safeguard=Recipient.Safeguard.DPF,
    scc_also=True,
    safeguard_note="Google Cloud Data Processing Addendum",
)


def existing_google() -> Recipient | None:
    """A Google recipient the owner already has, so that the guided entry adds no twin."""
    return Recipient.objects.filter(name__icontains="google").order_by("pk").first()


def add_google_workspace(*, dpf_checked_on: date) -> Recipient:
    """Add Google as the studio's email processor, with the transfer's safeguards, and
    publish the privacy notice that names it (Art. 13(1)(e)-(f))."""
    known = GOOGLE_WORKSPACE
    recipient = Recipient(
        name=known.name,
        purpose=str(known.purpose),
        country=known.country,
        safeguard=known.safeguard,
        dpf_checked_on=dpf_checked_on,
        scc_also=known.scc_also,
        safeguard_note=known.safeguard_note,
        is_processor=True,
    )
    with transaction.atomic():
        recipient.full_clean()
        recipient.save()
        transaction.on_commit(notice.publish_if_ready)
    return recipient
