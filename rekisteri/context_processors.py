"""Template context for every page: the studio's name, which the public pages carry."""

from typing import Any

from django.core.cache import cache
from django.db import DatabaseError
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from consent.models import StudioSettings

# Shown until the owner has named the studio in the studio settings.
SOFTWARE_NAME = "rekisteri"
_CACHE = "_studio_name"
# The name is read from the database at most once a minute per server process, not on every
# public page (issue 12). Saving the studio settings forgets it in the process that saved;
# the other processes show a new name within NAME_SECONDS.
NAME_KEY = "rekisteri:studio_name"
NAME_SECONDS = 60


def studio_name(request: HttpRequest | None) -> str:
    """The studio's name (StudioSettings.controller_name), or the software's name while the
    owner has not set it (the field's placeholder default). One query a minute at most."""
    cached = getattr(request, _CACHE, None)
    if cached is not None:
        return cached
    found = cache.get(NAME_KEY)
    if found is None:
        placeholder = StudioSettings._meta.get_field("controller_name").get_default()
        try:
            # A read only: a public page never creates the settings row (StudioSettings.load
            # would).
            name = (
                StudioSettings.objects.filter(pk=1)
                .values_list("controller_name", flat=True)
                .first()
            )
        except DatabaseError:
            # A name in the header is not worth a failed page; the page's own work decides.
            # Not remembered: the next page asks again.
            name, found = None, SOFTWARE_NAME
        else:
            name = (name or "").strip()
            found = name if name and name != placeholder else SOFTWARE_NAME
            cache.set(NAME_KEY, found, NAME_SECONDS)
    if request is not None:
        setattr(request, _CACHE, found)
    return found


@receiver(post_save, sender=StudioSettings, dispatch_uid="studio_name_saved")
@receiver(post_delete, sender=StudioSettings, dispatch_uid="studio_name_deleted")
def forget_studio_name(**kwargs: Any) -> None:
    cache.delete(NAME_KEY)


def studio(request: HttpRequest) -> dict[str, Any]:
    """`studio_name`, looked up only when a template uses it (the admin's pages do not)."""
    return {"studio_name": SimpleLazyObject(lambda: studio_name(request))}
