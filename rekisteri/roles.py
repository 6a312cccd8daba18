"""The two roles of the register (P10, R22): the owner and the staff.

The owner does everything, including exporting, erasing and managing users; staff see
customers and courses and record interactions and attendance, and cannot delete, export
or manage users. Data migrations call `sync_roles` so that the groups exist from the start.
"""

from typing import TYPE_CHECKING

from django.contrib.auth.management import create_permissions
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import Group

OWNER = "Owner"
STAFF = "Staff"

# The groups keep their stored English names (data migrations and tests find them by
# name); people see them in their own language.
ROLE_LABELS = {OWNER: _("Owner"), STAFF: _("Staff")}


def group_label(group: "Group") -> str:
    """A group's name as shown in the admin: a role in the reader's language."""
    label = ROLE_LABELS.get(group.name)
    return str(label) if label is not None else group.name


_CRUD = ("add", "change", "delete", "view")

# Each role's permissions as "app_label.codename".
ROLE_PERMISSIONS: dict[str, list[str]] = {
    OWNER: [
        *(
            f"customers.{action}_{model}"
            for model in (
                "customer",
                "course",
                "enrollment",
                "purchase",
                "interaction",
                "coursesession",
                "attendance",
                "calendarfeed",
            )
            for action in _CRUD
        ),
        "customers.export_participants",
        *(
            f"consent.{action}_{model}"
            for model in (
                "rightsrequest",
                "linktoken",
                "outboxemail",
                "ratelimithit",
                "suppression",
                "consentevent",
                "recipient",
                "recipienttask",
                "studiosettings",
                "noticeversion",
                "disclosure",
                "breach",
                "newsletter",
            )
            for action in _CRUD
        ),
        "consent.view_auditentry",
        "consent.erase_customer",
        "consent.release_report",
        *(f"auth.{action}_{model}" for model in ("user", "group") for action in _CRUD),
        "admin.view_logentry",
    ],
    STAFF: [
        "customers.view_customer",
        "customers.add_customer",
        "customers.change_customer",
        "customers.view_course",
        "customers.view_enrollment",
        "customers.add_enrollment",
        "customers.change_enrollment",
        "customers.view_purchase",
        "customers.view_interaction",
        "customers.add_interaction",
        "customers.change_interaction",
        # Attendance at the door, the week's sessions and the calendar's address.
        "customers.view_coursesession",
        "customers.view_attendance",
        "customers.add_attendance",
        "customers.change_attendance",
        "customers.view_calendarfeed",
        # A consent given on paper or in person at the desk; the ledger stays append-only.
        "consent.view_consentevent",
        "consent.add_consentevent",
    ],
}


def sync_roles(apps, schema_editor=None) -> None:  # noqa: ANN001 (migration signature)
    """Create the groups and give them their permissions; never removes a permission."""
    # Permissions are normally created after migrate; a data migration needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    _assign(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def sync_roles_after_migrate(sender: object, **kwargs: object) -> None:
    """post_migrate: keep the roles whole after every migrate and every test flush."""
    from django.contrib.auth.models import Group, Permission

    _assign(Group, Permission)


def _assign(Group, Permission) -> None:  # noqa: ANN001, N803 (model classes)
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        for name in names:
            app_label, codename = name.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                group.permissions.add(permission)
