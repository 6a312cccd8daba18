"""The consent app's admin, one module per topic; importing them registers the models."""

from consent.admin import ledger, mail, marketing, records, requests  # noqa: F401
