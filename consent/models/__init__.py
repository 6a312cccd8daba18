"""The consent app's models, split by topic; every model is importable from here."""

from consent.models.ledger import ConsentEvent, Suppression
from consent.models.mail import Newsletter, OutboxEmail, OwnerNotice, RateLimitHit
from consent.models.records import (
    EEA_COUNTRIES,
    AuditEntry,
    Breach,
    Disclosure,
    KeptRecordQuerySet,
    NoticeVersion,
    Recipient,
    RecordKept,
    StudioSettings,
)
from consent.models.requests import LinkToken, RecipientTask, RightsRequest

__all__ = [
    "EEA_COUNTRIES",
    "AuditEntry",
    "Breach",
    "ConsentEvent",
    "Disclosure",
    "KeptRecordQuerySet",
    "LinkToken",
    "Newsletter",
    "NoticeVersion",
    "OutboxEmail",
    "OwnerNotice",
    "RateLimitHit",
    "Recipient",
    "RecipientTask",
    "RecordKept",
    "RightsRequest",
    "StudioSettings",
    "Suppression",
]
