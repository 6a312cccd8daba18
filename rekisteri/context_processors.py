"""Template context for every page: the studio's name, which the public pages carry."""

from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from consent.models import StudioSettings

# Shown until the owner has named the studio in the studio settings.
SOFTWARE_NAME = "rekisteri"
_CACHE = "_studio_name"


def studio_name(request: HttpRequest | None) -> str:
    """The studio's name (StudioSettings.controller_name), or the software's name while the
    owner has not set it (the field's placeholder default). One query per request at most."""
    cached = getattr(request, _CACHE, None)
    if cached is not None:
        return cached
    placeholder = StudioSettings._meta.get_field("controller_name").get_default()
    try:
        # A read only: a public page never creates the settings row (StudioSettings.load would).
        name = StudioSettings.objects.filter(pk=1).values_list("controller_name", flat=True).first()
    except DatabaseError:
        # A name in the header is not worth a failed page; the page's own work decides.
        name = None
    name = (name or "").strip()
    found = name if name and name != placeholder else SOFTWARE_NAME
    if request is not None:
        setattr(request, _CACHE, found)
    return found


def studio(request: HttpRequest) -> dict[str, Any]:
    """`studio_name`, looked up only when a template uses it (the admin's pages do not)."""
    return {"studio_name": SimpleLazyObject(lambda: studio_name(request))}
