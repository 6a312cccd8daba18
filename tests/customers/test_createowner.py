"""`manage.py createowner` and the roles it relies on."""

import io

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import CommandError, call_command
from django.utils import translation

from rekisteri.roles import OWNER, ROLE_PERMISSIONS, STAFF

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("createowner", *args, stdout=out)
    return out.getvalue()


def test_it_creates_an_owner_and_prints_a_random_password_once():
    output = _run("--if-none")
    lines = dict(line.split(": ", 1) for line in output.splitlines() if ": " in line)
    assert lines["Username"] == "owner"
    password = lines["Password"]
    assert len(password) >= 12
    user = User.objects.get(username="owner")
    assert user.check_password(password)
    assert user.is_staff and not user.is_superuser
    assert user.groups.filter(name=OWNER).exists()
    assert user.has_perm("customers.export_participants")
    # A second unattended run prints nothing and creates nobody.
    assert _run("--if-none") == ""
    assert User.objects.count() == 1


def test_two_owners_never_share_a_password():
    first = _run("--username", "a").split("Password: ")[1].split()[0]
    second = _run("--username", "b").split("Password: ")[1].split()[0]
    assert first != second


def test_an_existing_username_is_refused_clearly():
    _run()
    with pytest.raises(CommandError, match="exists already"):
        _run()


def test_the_roles_exist_with_every_permission_they_are_meant_to_have():
    for role, names in ROLE_PERMISSIONS.items():
        granted = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=role).permissions.select_related("content_type")
        }
        assert set(names) <= granted, set(names) - granted


def test_staff_can_neither_delete_export_nor_manage_users():
    staff_permissions = Permission.objects.filter(group__name=STAFF)
    codenames = set(staff_permissions.values_list("codename", flat=True))
    assert not any(c.startswith("delete_") for c in codenames)
    assert "export_participants" not in codenames
    assert not staff_permissions.filter(content_type__app_label="auth").exists()
