"""The privacy notice (GDPR Art. 13-14, R20): its published versions, each frozen.

What the notice says comes from consent.records.processing, the same words the access
report and the record of processing use. Publishing a version stores two things: the
facts (the owner's settings and the inventory's categories, language-neutral) and the text
as rendered in each language (Finnish and English), so that `/privacy/?version=N` shows
what was published even after the app's own wording changes in an update. Versions
published before the text was kept (an empty `rendered`) are rendered from their facts
with the app's current wording.

A version is published whenever what the notice would say differs from the latest one:
when the owner saves the studio settings or a processor, and, for a change in the app's
own wording, on the first view of `/privacy/` after the update. Never under the
placeholder controller: until the owner has filled in the studio's name and an email or
postal address (Art. 13(1)(a)), publishing is refused and `/privacy/` says the notice is
being prepared.
"""

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from consent.models import NoticeVersion, StudioSettings
from consent.records import processing

BODY_TEMPLATE = "consent/_privacy_body.html"


class NoticeNotReady(Exception):
    """The owner has not yet said who the controller is and how to reach them."""

    def __init__(self, missing: list[Any]) -> None:
        super().__init__(", ".join(str(m) for m in missing))
        self.missing = missing

    @property
    def message(self) -> str:
        return _(
            "The privacy notice is not published until the studio settings name the "
            "controller and how to reach it. Missing: %(missing)s."
        ) % {"missing": ", ".join(str(m) for m in self.missing)}


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def readable(content: dict[str, Any]) -> dict[str, Any]:
    """A version's facts in words, in the active language, for the notice's text."""
    return {
        **processing.describe(content),
        "security": [str(m) for m in processing.SECURITY_MEASURES],
    }


def render_text(content: dict[str, Any], language: str) -> str:
    """The notice's text for `content` in `language`, as publishing stores it."""
    with translation.override(language):
        return render_to_string(
            BODY_TEMPLATE, {"notice": readable(content), "c": content.get("controller", {})}
        )


def publish_notice(*, studio: StudioSettings | None = None) -> NoticeVersion:
    """Publish a new version when what the notice says, or how it says it, has changed;
    else return the latest. Raises NoticeNotReady under the placeholder controller."""
    studio = studio or StudioSettings.load()
    missing = studio.missing_for_notice()
    if missing:
        raise NoticeNotReady(missing)
    content = processing.facts(studio)
    rendered = {language: render_text(content, language) for language in languages()}
    with transaction.atomic():
        latest = NoticeVersion.objects.select_for_update().order_by("-number").first()
        if latest is not None and latest.content == content and latest.rendered == rendered:
            return latest
        try:
            with transaction.atomic():
                return NoticeVersion.objects.create(
                    number=(latest.number + 1) if latest else 1,
                    content=content,
                    rendered=rendered,
                )
        except IntegrityError:
            # Another request published the same number a moment earlier: that one stands.
            return NoticeVersion.objects.order_by("-number")[0]


def publish_if_ready() -> NoticeVersion | None:
    """Publish if the owner has said who the controller is; else nothing."""
    try:
        return publish_notice()
    except NoticeNotReady:
        return None


def current_notice() -> NoticeVersion | None:
    """The version in force: the latest published one (None before the first)."""
    latest = NoticeVersion.objects.order_by("-number").first()
    return latest or publish_if_ready()


def current_notice_number() -> int | None:
    """The number of the version in force, for the consent ledger (None before the first)."""
    version = current_notice()
    return version.number if version is not None else None


def notice_in_force(language: str) -> NoticeVersion | None:
    """For `/privacy/`: the latest version, published anew first when what it would say
    now differs from it, in facts or in the app's wording (three queries when nothing
    changed)."""
    studio = StudioSettings.load()
    latest = NoticeVersion.objects.order_by("-number").first()
    if not studio.ready_for_notice:
        return latest
    content = processing.facts(studio)
    if (
        latest is None
        or latest.content != content
        or latest.rendered.get(language) != render_text(content, language)
    ):
        return publish_notice(studio=studio)
    return latest


def text_of(version: NoticeVersion, language: str) -> SafeString:
    """A version's text in `language`: as published, or, for a version published before
    the text was kept, rendered from its facts with today's wording."""
    frozen = version.rendered.get(language) if isinstance(version.rendered, dict) else None
    text = frozen or render_text(version.content, language)
    # This app's own template output, every value in it escaped when it was rendered.
    return mark_safe(text)  # noqa: S308  # nosec B308 B703
