"""Create an owner account with a random password and print the login once."""

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from rekisteri.roles import OWNER


def owner_exists() -> bool:
    return get_user_model().objects.filter(groups__name=OWNER, is_active=True).exists()


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _(
            "Create an owner account (all rights in the register, including users) with a "
            "random password, and print the username and password once."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="owner", help=_("Default: owner."))
        parser.add_argument("--email", default="", help=_("The owner's email address."))
        parser.add_argument(
            "--if-none",
            action="store_true",
            help=_("Do nothing when an active owner account exists already (for `make run`)."),
        )

    def handle(self, *args: Any, username: str, email: str, if_none: bool, **options: Any) -> None:
        if if_none and owner_exists():
            return
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(
                _("A user named %(username)s exists already; choose --username.")
                % {"username": repr(username)}
            )
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            user = User.objects.create_user(
                username=username, email=email, password=password, is_staff=True
            )
            user.groups.add(Group.objects.get(name=OWNER))
        self.stdout.write(_("An owner account was created. Write the password down now:"))
        self.stdout.write(_("Username: %(username)s") % {"username": user.username})
        self.stdout.write(_("Password: %(password)s") % {"password": password})
        self.stdout.write(_("Log in at /admin/ and change the password there if you like."))
