"""The audit trail (R23): one call per act; the entry names objects, never copies data."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import models
from django.dispatch import receiver

from consent.models import AuditEntry
from customers.models import Customer

Action = AuditEntry.Action


def customer_of(obj: Any) -> Customer | None:
    """The customer an object is about, if any (a customer, or a row linked to one)."""
    if isinstance(obj, Customer):
        return obj
    customer = getattr(obj, "customer", None)
    return customer if isinstance(customer, Customer) else None


def record(
    action: str,
    *,
    user: Any = None,
    obj: models.Model | None = None,
    customer: Customer | None = None,
    detail: str = "",
    username: str = "",
) -> AuditEntry:
    if customer is None and obj is not None:
        customer = customer_of(obj)
    real_user = user if getattr(user, "pk", None) else None
    return AuditEntry.objects.create(
        action=action,
        user=real_user,
        username=(username or getattr(real_user, "get_username", lambda: "")())[:150],
        customer=customer if customer is not None and customer.pk else None,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        detail=detail[:300],
    )


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(Action.LOGIN, user=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(Action.LOGOUT, user=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    record(Action.LOGIN_FAILED, username=str(credentials.get("username", ""))[:150])


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin mixin: every add, change and delete in the admin, and every view of a
    customer's page, goes into the audit trail."""

    def log_addition(self, request: Any, obj: Any, message: Any) -> Any:
        record(Action.ADD, user=request.user, obj=obj)
        return super().log_addition(request, obj, message)

    def log_change(self, request: Any, obj: Any, message: Any) -> Any:
        fields = sorted({f for m in message or [] for f in m.get("changed", {}).get("fields", [])})
        record(Action.CHANGE, user=request.user, obj=obj, detail=", ".join(fields))
        return super().log_change(request, obj, message)

    def log_deletions(self, request: Any, queryset: Any) -> Any:
        for obj in queryset:
            record(Action.DELETE, user=request.user, obj=obj)
        return super().log_deletions(request, queryset)

    def change_view(self, request: Any, object_id: str, *args: Any, **kwargs: Any) -> Any:
        response = super().change_view(request, object_id, *args, **kwargs)
        if request.method == "GET" and getattr(response, "status_code", 0) == 200:
            obj = (
                response.context_data.get("original") if hasattr(response, "context_data") else None
            )
            if obj is not None and customer_of(obj) is not None:
                record(Action.VIEW, user=request.user, obj=obj)
        return response
