"""The personal-data inventory: every field of every model classified once, in code.

Each app declares its models in its `personal_data.py` (loaded by the app's `ready()`):
for every field its category, what erasure does to it, and its retention. A system check
fails when a model of an inventoried app has a field the inventory does not classify, so
nothing new slips past. The access report, erasure, retention, the privacy notice and the
record of processing all read from here.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.apps import apps as global_apps
from django.core import checks
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The apps whose every model must be in the inventory.
INVENTORIED_APPS = ("customers", "consent")


class Category(models.TextChoices):
    IDENTITY = "identity", _("Name")
    CONTACT = "contact", _("Contact details (email, phone, postal address)")
    RELATIONSHIP = "relationship", _("Customer relationship (origin, dates, notes)")
    PARTICIPATION = "participation", _("Course enrolments and attendance")
    PURCHASE = "purchase", _("Purchases and cancellations")
    COMMUNICATION = "communication", _("Feedback, complaints and customer-service messages")
    CONSENT = "consent", _("Marketing consents and objections")
    REQUEST = "request", _("Data protection requests")
    DISCLOSURE = "disclosure", _("Disclosures to authorities or others")
    STAFF = "staff", _("The staff member who recorded it")
    TECHNICAL = "technical", _("Technical identifiers")
    NOT_PERSONAL = "not_personal", _("Not personal data")


class Erasure(models.TextChoices):
    DELETE = "delete", _("deleted")
    BLANK = "blank", _("blanked")
    DETACH = "detach", _("link to the person removed")
    KEEP = "keep", _("kept")


class Retention(models.TextChoices):
    RELATIONSHIP = (
        "relationship",
        _(
            "while the customer relationship lasts, and until the customer has been inactive "
            "for the retention period (3 years by default)"
        ),
    )
    BOOKKEEPING = (
        "bookkeeping",
        _("6 years from the end of the year of the purchase (Accounting Act 1336/1997)"),
    )
    REQUESTS = (
        "requests",
        _("3 years from the answer, as proof that the request was handled (GDPR Art. 5(2))"),
    )
    LINKS = "links", _("until the link expires, at most a few days")
    AUDIT = "audit", _("2 years, as evidence of who handled the data")
    SUPPRESSION = (
        "suppression",
        _("for as long as the studio markets at all, so that an objection is never forgotten"),
    )
    NOT_PERSONAL = "not_personal", _("not personal data: kept as long as the studio needs it")


@dataclass(frozen=True)
class FieldRule:
    category: Category
    erasure: Erasure
    # Free text is guarded against health information (promise P5).
    free_text: bool = False
    # None: the model's retention.
    retention: Retention | None = None


@dataclass(frozen=True)
class ModelRule:
    model: type[models.Model]
    # The lookup from this model to the Customer it is about ("" for Customer itself,
    # None when the model holds nothing about a person).
    person: str | None
    # What erasure does to a row about the person: DELETE the row, or KEEP it (with the
    # fields' own strategies applied, e.g. DETACH from the person).
    rows: Erasure
    retention: Retention
    fields: dict[str, FieldRule] = field(default_factory=dict)
    # Why rows are kept after erasure, for the erasure preview and the notice.
    kept_because: str | Promise = ""

    def retention_of(self, name: str) -> Retention:
        return self.fields[name].retention or self.retention

    @property
    def is_personal(self) -> bool:
        return self.person is not None


_registry: dict[type[models.Model], ModelRule] = {}


def register(
    model: type[models.Model],
    *,
    person: str | None,
    rows: Erasure,
    retention: Retention,
    fields: dict[str, FieldRule],
    kept_because: str | Promise = "",
) -> ModelRule:
    rule = ModelRule(
        model=model,
        person=person,
        rows=rows,
        retention=retention,
        fields=dict(fields),
        kept_because=kept_because,
    )
    _registry[model] = rule
    return rule


def rule_for(model: type[models.Model]) -> ModelRule:
    return _registry[model]


def rules() -> Iterator[ModelRule]:
    """Every registered model's rule, in the order of registration."""
    yield from _registry.values()


def personal_rules() -> Iterator[ModelRule]:
    return (rule for rule in rules() if rule.is_personal)


def free_text_fields(model: type[models.Model]) -> list[str]:
    rule = _registry.get(model)
    if rule is None:
        return []
    return [name for name, f in rule.fields.items() if f.free_text]


def categories_in_use() -> list[Category]:
    """The categories of personal data the register holds, in the order of `Category`."""
    used = {
        f.category
        for rule in personal_rules()
        for f in rule.fields.values()
        if f.category not in (Category.TECHNICAL, Category.NOT_PERSONAL, Category.STAFF)
    }
    return [c for c in Category if c in used]


def concrete_field(model: type[models.Model], name: str) -> models.Field:
    """A concrete field of `model` by name (the inventory classifies only those)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def _field_names(model: type[models.Model]) -> list[str]:
    opts = model._meta
    return [f.name for f in (*opts.concrete_fields, *opts.local_many_to_many)]


def check_inventory(
    app_configs: Iterable | None = None,
    *,
    models_to_check: Iterable[type[models.Model]] | None = None,
    **kwargs: object,
) -> list[checks.CheckMessage]:
    """System check: every field of every inventoried model is classified, and only those."""
    if models_to_check is None:
        models_to_check = [
            m
            for label in INVENTORIED_APPS
            if global_apps.is_installed(label)
            for m in global_apps.get_app_config(label).get_models()
        ]
    errors: list[checks.CheckMessage] = []
    for model in models_to_check:
        label = model._meta.label
        rule = _registry.get(model)
        if rule is None:
            errors.append(
                checks.Error(
                    f"{label} is not in the personal-data inventory.",
                    hint=f"Declare it in {model._meta.app_label}/personal_data.py.",
                    obj=model,
                    id="inventory.E001",
                )
            )
            continue
        names = _field_names(model)
        for name in names:
            if name not in rule.fields:
                errors.append(
                    checks.Error(
                        f"{label}.{name} is not classified in the personal-data inventory.",
                        hint=(
                            f"Add '{name}' to {model._meta.app_label}/personal_data.py with "
                            "its category, what erasure does to it and its retention."
                        ),
                        obj=model,
                        id="inventory.E002",
                    )
                )
        for name in rule.fields:
            if name not in names:
                errors.append(
                    checks.Error(
                        f"The inventory classifies {label}.{name}, which does not exist.",
                        hint="Remove it from the inventory.",
                        obj=model,
                        id="inventory.E003",
                    )
                )
    return errors
