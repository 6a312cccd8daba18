"""Model fields that normalise contact details: emails in lower case, phones in E.164,
countries as two-letter codes."""

import re
import unicodedata
from functools import cache
from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.countries import NAMES as COUNTRY_NAMES


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_phone(value: str) -> str:
    """Return `value` in E.164 (`040 123 4567` -> `+358401234567`) or raise ValidationError."""
    value = value.strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, settings.PHONE_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Enter a valid phone number, for example 040 123 4567 or +358 40 123 4567."),
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class NormalisedEmailField(models.EmailField):
    """An email address stored in lower case, so that uniqueness ignores case."""

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return normalise_email(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return normalise_email(value) if isinstance(value, str) else value


class PhoneNumberField(models.CharField):
    """A phone number stored in E.164; anything Finnish people type is accepted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 16)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return normalise_phone(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        # A value compared with in a lookup need not be a whole number: the search box
        # looks for the beginning or the end of one. What is saved has been through
        # to_python (full_clean), and the database's check refuses anything not E.164.
        try:
            return super().get_prep_value(value)
        except ValidationError:
            return value

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        # Typed numbers such as "+358 40 123 4567" are longer than their E.164 form.
        kwargs.setdefault("max_length", 30)
        return super().formfield(**kwargs)


# What people call a country besides its name in the table (customers/countries.py).
COUNTRY_ALIASES = {
    "usa": "US",
    "yhdysvallat": "US",
    "uk": "GB",
    "great britain": "GB",
    "britannia": "GB",
    "englanti": "GB",
    "england": "GB",
    "skotlanti": "GB",
    "scotland": "GB",
    "wales": "GB",
    "holland": "NL",
    "hollanti": "NL",
    "eesti": "EE",
    "czech republic": "CZ",
    "tsekin tasavalta": "CZ",
    "tjeckiska republiken": "CZ",
}
# Words that differ between the ways one name is written ("Bosnia & Herzegovina").
_COUNTRY_FILLERS = frozenset({"and", "ja", "och"})


def _country_key(text: str) -> str:
    """Case, accents, punctuation and spacing ignored: "Åland" and " aland " are one."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    words = re.sub(r"[\W_]+", " ", text).split()
    return " ".join(w for w in words if w not in _COUNTRY_FILLERS)


@cache
def _country_index() -> dict[str, str]:
    index = {_country_key(alias): code for alias, code in COUNTRY_ALIASES.items()}
    for code, names in COUNTRY_NAMES.items():
        for name in (code, *names):
            index[_country_key(name)] = code
    return index


def country_code(value: str) -> str | None:
    """The two-letter code of a country typed by its code or by its name in Finnish,
    Swedish or English ("Suomi", "Finland", "sverige", "FI"); None when not a country."""
    key = _country_key(value or "")
    return _country_index().get(key) if key else None


UNKNOWN_COUNTRY = _(
    "“%(value)s” is not a country we know. Write the country's name in Finnish, Swedish or "
    "English (for example Suomi, Sverige or Finland) or its two-letter code (for example FI)."
)


def validate_country(value: str) -> None:
    if value not in COUNTRY_NAMES:
        raise ValidationError(UNKNOWN_COUNTRY, code="unknown_country", params={"value": value})


def normalise_country(value: str) -> str:
    """The two-letter code of what was typed; what is not a country is returned as typed
    (spaces tidied), for validate_country to refuse with its message."""
    text = " ".join(str(value or "").split())
    return country_code(text) or text


class CountryFormField(forms.CharField):
    """A country typed by its name or its code; cleaned to the code."""

    default_validators = [validate_country]

    def __init__(self, **kwargs: Any) -> None:
        # A name is longer than the code it becomes ("Bosnia ja Hertsegovina").
        kwargs["max_length"] = 100
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        return normalise_country(super().to_python(value) or "")


class CountryField(models.CharField):
    """A country stored as its ISO 3166-1 two-letter code; every form that edits it, and
    the model's own validation, take the country's name in Finnish, Swedish or English
    too (normalise_country)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 2)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return normalise_country(value) if isinstance(value, str) else value

    def run_validators(self, value: Any) -> None:
        # A known code is two letters: the length check would only repeat the refusal.
        if value not in self.empty_values:
            validate_country(value)

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        return super().formfield(**{"form_class": CountryFormField, **kwargs})
