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

        from django.db.models.signals import post_migrate

        from rekisteri.roles import sync_roles_after_migrate

        # For every app, after auth's own handler has created that app's permissions
        # (auth connects first): the last call sees every permission.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="rekisteri-sync-roles")
