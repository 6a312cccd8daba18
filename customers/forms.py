"""Forms of the register, shared by the admin and any other page that edits it."""

from typing import Any

from django import forms

from customers.health import CONFIRMATION_LABEL, find_health_terms
from customers.inventory import free_text_fields


class HealthGuardedModelForm(forms.ModelForm):
    """A model form whose free-text fields refuse health information unless confirmed.

    The confirmation box shows only once the text has been flagged, so that nobody ticks
    it out of habit; the model's own validation applies the rule.
    """

    confirm_not_health_data = forms.BooleanField(required=False, label=CONFIRMATION_LABEL)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self._text_flagged():
            self.fields["confirm_not_health_data"].widget = forms.HiddenInput()

    def _text_flagged(self) -> bool:
        if not self.is_bound:
            return False
        return any(
            find_health_terms(str(self.data.get(self.add_prefix(name), "")))
            for name in free_text_fields(self._meta.model)
            if name in self.fields
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.instance.health_data_confirmed = bool(cleaned.get("confirm_not_health_data"))
        return cleaned
