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
from django.utils.translation import ngettext

# The apps whose every model must be in the inventory.
INVENTORIED_APPS = ("customers", "consent", "rekisteri")


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
    # For text a record must have (a refusal's reasons): replaced by a placeholder.
    REPLACE = "replace", _("replaced with a placeholder")
    DETACH = "detach", _("link to the person removed")
    KEEP = "keep", _("kept")


# The text that replaces a REPLACE field's content on erasure.
ERASED_PLACEHOLDER = "[–]"


class Retention(models.TextChoices):
    """How long a kind of data is kept: the keys of RETENTION_RULES."""

    RELATIONSHIP = "relationship", _("Customer data")
    BOOKKEEPING = "bookkeeping", _("Purchases and cancellations (bookkeeping)")
    REQUESTS = "requests", _("Records of data protection requests and disclosures")
    UNVERIFIED = "unverified", _("Web requests that were never confirmed")
    BREACHES = "breaches", _("Records of data breaches")
    LINKS = "links", _("Links sent by email")
    RATE_LIMITS = "rate_limits", _("Counts of form use, for the rate limits")
    OUTBOX = "outbox", _("Emails sent")
    AUDIT = "audit", _("The audit trail")
    CONSENT_EVIDENCE = "consent_evidence", _("Consents and their evidence")
    SUPPRESSION = "suppression", _("The marketing ban list (keyed hashes)")
    RESTORE_COPIES = "restore_copies", _("Copies of the database saved before a restore")
    # The staff's own data (GDPR Art. 30(1)(c), (f)): in the record of processing.
    STAFF_ACCOUNTS = (
        "staff_accounts",
        _("The staff's user accounts, second-factor devices and language choice"),
    )
    LOGIN_ATTEMPTS = "login_attempts", _("Failed sign-ins counted for the lock-out")
    SESSIONS = "sessions", _("Signed-in sessions (staff, and customers' own pages)")
    NOT_PERSONAL = "not_personal", _("Not personal data")


@dataclass(frozen=True)
class RetentionRule:
    """A retention period and what it is counted from: read by apply_retention, the
    privacy notice, the access report and the retention command's help, so that no period
    is written twice. `setting` names the studio setting that holds the number of years
    when the owner chooses it (customer_retention_years)."""

    kind: Retention
    counted_from: str | Promise
    years: int = 0
    days: int = 0
    setting: str = ""
    # The period in words when it is no number of years or days ("until the link expires").
    forever: str | Promise = ""
    why: str | Promise = ""

    def period_text(self, *, years: int | None = None) -> str:
        """The period in words, e.g. "3 years from the customer's last activity"."""
        if self.forever:
            return str(self.forever)
        years = self.years if years is None else years
        if years:
            amount = ngettext("%(n)d year", "%(n)d years", years) % {"n": years}
        elif self.days:
            amount = ngettext("%(n)d day", "%(n)d days", self.days) % {"n": self.days}
        else:
            return str(self.counted_from)
        return _("%(amount)s from %(start)s") % {"amount": amount, "start": self.counted_from}


RETENTION_RULES: dict[Retention, RetentionRule] = {
    rule.kind: rule
    for rule in (
        RetentionRule(
            Retention.RELATIONSHIP,
            _("the customer's last activity (enrolment, attendance, purchase, message)"),
            years=3,
            setting="customer_retention_years",
            why=_("the customer relationship; then the customer is erased"),
        ),
        RetentionRule(
            Retention.BOOKKEEPING,
            # The studio's financial year decides the date: consent/records/bookkeeping.py.
            _("the end of the calendar year in which the purchase's financial year ended"),
            years=6,
            why=_("the Accounting Act (1336/1997, 2:10 §) requires vouchers to be kept"),
        ),
        RetentionRule(
            Retention.REQUESTS,
            _("the answer, or the disclosure"),
            years=3,
            why=_("proof that the law was followed (GDPR Art. 5(2))"),
        ),
        RetentionRule(
            Retention.UNVERIFIED,
            _("the moment its confirmation link expired"),
            forever=_("until its confirmation link expires, at most a few hours"),
            why=_("a request nobody confirmed is nobody's to answer"),
        ),
        RetentionRule(
            Retention.BREACHES,
            _("the day the studio became aware of the breach"),
            years=5,
            why=_("the documentation the Data Protection Ombudsman may ask for (GDPR Art. 33(5))"),
        ),
        RetentionRule(
            Retention.LINKS,
            _("the sending of the link"),
            forever=_("until the link is used or expires"),
            why=_("a link is only a way in for its owner"),
        ),
        RetentionRule(
            Retention.RATE_LIMITS,
            _("the use of the form"),
            days=1,
            why=_("protection of the public forms against misuse"),
        ),
        RetentionRule(
            Retention.OUTBOX,
            _("sending"),
            years=1,
            why=_("to show what was sent and answer questions about it"),
        ),
        RetentionRule(
            Retention.AUDIT,
            _("the event"),
            years=2,
            why=_("evidence of who handled the data (GDPR Art. 5(2) and 32)"),
        ),
        RetentionRule(
            Retention.CONSENT_EVIDENCE,
            _("the customer's last activity, like the rest of the customer's data"),
            years=3,
            setting="customer_retention_years",
            why=_("proof of consent (GDPR Art. 7(1)) for as long as it is relied on"),
        ),
        RetentionRule(
            Retention.SUPPRESSION,
            _("never deleted"),
            forever=_(
                "for as long as the studio markets at all, so that no objection or "
                "erasure is ever forgotten"
            ),
            why=_("an objection must outlive the erasure of everything else (GDPR Art. 21(3))"),
        ),
        RetentionRule(
            Retention.RESTORE_COPIES,
            _("the restore"),
            days=7,
            why=_("a way back if a restore went wrong; they hold people erased since"),
        ),
        RetentionRule(
            Retention.STAFF_ACCOUNTS,
            _("the end of the person's work for the studio"),
            forever=_(
                "while the person works for the studio; the owner removes the account when "
                "they leave, and its devices and choices go with it"
            ),
            why=_("personal accounts, so that every action has a name (GDPR Art. 32)"),
        ),
        RetentionRule(
            Retention.LOGIN_ATTEMPTS,
            _("the last failed sign-in"),
            forever=_(
                "until the lock-out period after the last failed sign-in has passed (they "
                "are removed at the next sign-in after it); a successful sign-in removes "
                "them at once"
            ),
            why=_("protection of the sign-in against password guessing (GDPR Art. 32)"),
        ),
        RetentionRule(
            Retention.SESSIONS,
            _("the end of the session"),
            forever=_(
                "until the session ends (signing out, or a while without use); ended "
                "sessions are removed within the hour"
            ),
            why=_("keeping a signed-in person signed in, and no longer"),
        ),
        RetentionRule(
            Retention.NOT_PERSONAL,
            _("not personal data"),
            forever=_("as long as the studio needs it"),
        ),
    )
}


def retention_rule(kind: Retention) -> RetentionRule:
    return RETENTION_RULES[kind]


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
