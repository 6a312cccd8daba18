"""The data subject's voice: consents, objections and rights requests (more to come)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Consent and data-subject rights")

    def ready(self) -> None:
        from consent import (  # noqa: F401
            audit,  # connects the login signals
            personal_data,  # fills the inventory
        )
