"""The public forms: a rights request, the customer's contact details, a new email."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from consent.acts.rectification import CORRECTABLE_FIELDS
from consent.marketing.signup import SUBSCRIBE_WORDING
from consent.models import RightsRequest
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
        help_text=_("At most 2000 characters."),
    )
    # A field people never see: only bots fill it in.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
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
