"""Django admin strings that the project translates itself.

Django's Finnish catalog leaves the admin index's table headers untranslated (screen
readers read them out), and its "Muokkaa %s" puts a model's name in the nominative where
Finnish needs another case ("Muokkaa asiakas"). The catalogs in LOCALE_PATHS take
precedence over Django's own, so the translations of these strings in `locale/` win.
This module is only read by `makemessages`; nothing imports it.
"""

from django.utils.translation import gettext_noop

ADMIN_STRINGS = (
    # admin/app_list.html: the visually hidden headers of each app's table.
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # The change and view forms' titles: "Muokkaa: asiakas" reads right for every model.
    gettext_noop("Change %s"),
    gettext_noop("View %s"),
)
