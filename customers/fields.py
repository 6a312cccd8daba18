"""Model fields that normalise contact details: emails in lower case, phones in E.164."""

from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


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

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        # Typed numbers such as "+358 40 123 4567" are longer than their E.164 form.
        kwargs.setdefault("max_length", 30)
        return super().formfield(**kwargs)
