"""The data subject's voice: consents, objections, rights requests, and the records that
show the law was kept."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Consent and data-subject rights")

    def ready(self) -> None:
        from consent import personal_data  # noqa: F401  (fills the inventory)
        from consent.records import audit  # noqa: F401  (connects the login signals)
