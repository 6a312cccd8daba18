"""The project package as an app: the background worker's job records and commands, and
the SQLite files' modes, PostgreSQL's timestamp reading."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RekisteriConfig(AppConfig):
    name = "rekisteri"
    label = "rekisteri"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from django.contrib.auth.models import Group
        from django.db.backends.signals import connection_created

        from rekisteri import (
            context_processors,  # noqa: F401  (forgets a renamed studio)
            personal_data,  # noqa: F401  (fills the inventory)
        )
        from rekisteri.roles import group_label

        # The user form's group picker, the user list's filter and the group list all show
        # str(group): the roles appear translated there (issue 10 §6).
        Group.__str__ = group_label  # type: ignore[assignment,method-assign]
        from rekisteri.postgresql import use_compiled_timestamps
        from rekisteri.sqlite import restrict_file_modes

        connection_created.connect(restrict_file_modes, dispatch_uid="rekisteri-sqlite-modes")
        connection_created.connect(
            use_compiled_timestamps, dispatch_uid="rekisteri-postgresql-timestamps"
        )
