"""The public forms: a rights request, the customer's contact details, a new email."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from consent.acts.rectification import CORRECTABLE_FIELDS
from consent.marketing.signup import SUBSCRIBE_WORDING
from consent.models import RightsRequest
from customers.health import CONFIRMATION_LABEL, check_no_health_data
from customers.models import Customer


class RightsRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_("The address you gave the studio. We send a link there."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    request_type = forms.ChoiceField(
        label=_("What would you like to do?"),
        choices=RightsRequest.Type.choices,
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label=_("Message (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "At most 2000 characters. For an objection to another use of your data, tell "
            "us which use and why it does not suit your situation. Please write no health "
            "information: the studio does not keep it."
        ),
    )
    # Shown only once the message looks like health information (P5, GDPR Art. 9).
    confirm_not_health_data = forms.BooleanField(required=False, label=CONFIRMATION_LABEL)
    # A field people never see: only bots fill it in.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        message = cleaned.get("message", "")
        if cleaned.get("request_type") == RightsRequest.Type.OBJECTION_OTHER and not message:
            self.add_error(
                "message",
                _(
                    "Tell us which use of your data you object to and why: the studio "
                    "weighs your reasons against its own (GDPR Art. 21(1))."
                ),
            )
        if message:
            try:
                check_no_health_data(
                    message, confirmed=bool(cleaned.get("confirm_not_health_data"))
                )
            except forms.ValidationError as error:
                self.add_error("message", error)
        return cleaned

    @property
    def health_flagged(self) -> bool:
        return "message" in self.errors and any(
            e.code == "health_data" for e in self.errors.as_data()["message"]
        )


class ContactDetailsForm(forms.ModelForm):
    class Meta:
        model = Customer
        # Declared once, with the act that applies them.
        fields = CORRECTABLE_FIELDS
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
            "street_address": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "country": forms.TextInput(attrs={"autocomplete": "country"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "country":  # the country keeps its hint: a code such as FI
                field.help_text = ""
        # Left as it was when not sent (an older form, or a client without the select).
        self.fields["language"].required = False

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or self.instance.language


class EmailChangeForm(forms.Form):
    new_email = forms.EmailField(
        label=_("New email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.customer = customer

    def clean_new_email(self) -> str:
        email = self.cleaned_data["new_email"].strip().lower()
        if email == self.customer.email:
            raise forms.ValidationError(_("This is your current address."))
        if Customer.objects.filter(email=email).exclude(pk=self.customer.pk).exists():
            raise forms.ValidationError(
                _("This address cannot be used. Please contact the studio.")
            )
        return email


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    # Never pre-ticked: the person ticks it themselves (GDPR Art. 4(11), Planet49).
    consent = forms.BooleanField(label=SUBSCRIBE_WORDING, required=True)
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


class FreshConsentForm(forms.Form):
    """The consent asked again when a sign-up's address is on the suppression list."""

    consent = forms.BooleanField(label=SUBSCRIBE_WORDING, required=True)
