"""The register app."""

from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customer register")

    def ready(self) -> None:
        from customers import personal_data  # noqa: F401  (fills the inventory)
        from customers.inventory import check_inventory

        checks.register(check_inventory, "personal_data")
