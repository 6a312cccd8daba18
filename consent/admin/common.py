"""Shared pieces of the consent app's admin pages."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from customers.health import CONFIRMATION_LABEL, find_health_terms


class HealthGuardForm(forms.Form):
    """A form whose free-text fields (`guarded`) must hold no health information (P5, GDPR
    Art. 9): the act refuses such text unless the confirmation is ticked, and the box shows
    only once the text has been flagged, so that nobody ticks it out of habit."""

    guarded: tuple[str, ...] = ()
    confirm_not_health_data = forms.BooleanField(required=False, label=CONFIRMATION_LABEL)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        flagged = self.is_bound and any(
            find_health_terms(str(self.data.get(self.add_prefix(name), "")))
            for name in self.guarded
        )
        if not flagged:
            self.fields["confirm_not_health_data"].widget = forms.HiddenInput()
        for name in self.guarded:
            if name in self.fields and not self.fields[name].help_text:
                self.fields[name].help_text = HEALTH_GUIDANCE

    @property
    def health_confirmed(self) -> bool:
        return bool(self.cleaned_data.get("confirm_not_health_data"))


# Shown beside the owner's and staff's free-text fields.
HEALTH_GUIDANCE = _(
    "Write no health information (illnesses, injuries, pregnancy, medication, mental "
    "health): the studio does not store it."
)


def actor(request: HttpRequest) -> User:
    """The signed-in user doing an act in the admin (the admin site lets no one else in)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def show_error(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form has one."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
