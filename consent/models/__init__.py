"""The consent app's models, split by topic; every model is importable from here."""

from consent.models.ledger import ConsentEvent, Suppression
from consent.models.mail import Newsletter, OutboxEmail, OwnerNotice, RateLimitHit
from consent.models.records import (
    EEA_COUNTRIES,
    AuditEntry,
    Breach,
    Disclosure,
    NoticeVersion,
    Recipient,
    StudioSettings,
)
from consent.models.requests import LinkToken, RecipientTask, RightsRequest

__all__ = [
    "EEA_COUNTRIES",
    "AuditEntry",
    "Breach",
    "ConsentEvent",
    "Disclosure",
    "LinkToken",
    "Newsletter",
    "NoticeVersion",
    "OutboxEmail",
    "OwnerNotice",
    "RateLimitHit",
    "Recipient",
    "RecipientTask",
    "RightsRequest",
    "StudioSettings",
    "Suppression",
]
