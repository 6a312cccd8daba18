"""Consent ledger and rights requests: built by the consent and rights issues."""
