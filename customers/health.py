"""The health-data guard (promise P5, GDPR Art. 9): free text must not hold health information.

One rule, used by every form and by the models' own validation: `find_health_terms` says
which words of a text look like health information; `check_no_health_data` turns that
into a translated validation error unless the user has confirmed the text is not health
information.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Finnish builds words by compounding and inflection: "selkäkipu", "selkäkivun",
# "migreenin", "raskaana". These stems match anywhere inside a word, so that compounds
# and every case ending are caught. Each is chosen to be rare outside health talk.
_ANYWHERE_STEMS = (
    "migree",
    "raskaus",
    "raskaud",
    "raskaana",
    "kipu",
    "kivu",
    "kipe",
    "särky",
    "säryn",
    "leikkau",
    "leikattu",
    "lääke",
    "lääkk",
    "lääkit",
    "lääkär",
    "diagno",
    "masenn",
    "masentu",
    "ahdistu",
    "paniikkihäir",
    "sairau",
    "sairaud",
    "sairas",
    "sairaal",
    "astma",
    "diabet",
    "epilep",
    "verenpain",
    "sydänvi",
    "sydänkohtau",
    "syöpä",
    "syövä",
    "allergi",
    "nivelrik",
    "reuma",
    "fibromyalg",
    "skolioo",
    "välilevy",
    "iskias",
    "uupumu",
    "synnytyk",
    "synnytys",
    "keskenmeno",
    "raskausviik",
    "terveystie",
    "tinnitu",
    "murtum",
    "nyrjäh",
    "revähty",
    "tulehdu",
)

# English (and Finnish loan) words that are matched at the start of a word only.
_WORD_START_STEMS = (
    "migraine",
    "pregnan",
    "diagnos",
    "depress",
    "anxiety",
    "medicat",
    "medicine",
    "surgery",
    "surgical",
    "injur",
    "illness",
    "disease",
    "diabet",
    "asthma",
    "epilep",
    "cancer",
    "backache",
    "arthrit",
    "sclerosis",
    "allerg",
    "disorder",
    "chronic",
    "painful",
    "burnout",
    "concussion",
    "fracture",
    "hernia",
    "scoliosis",
    "sciatica",
    "miscarriage",
    "postpartum",
    "insomnia",
    "adhd",
)

# Whole words or phrases.
_WHOLE_WORDS = (
    "pain",
    "pains",
    "back pain",
    "blood pressure",
    "heart condition",
    "sick",
    "ill",
)

# Stems that need a regular expression: "vamma" (injury) but not the town of Vammala.
_ANYWHERE_PATTERNS = (r"vamm(?!ala)",)

_PATTERN = re.compile(
    "|".join(
        [rf"\w*{re.escape(stem)}\w*" for stem in _ANYWHERE_STEMS]
        + [rf"\w*{pattern}\w*" for pattern in _ANYWHERE_PATTERNS]
        + [rf"\b{re.escape(stem)}\w*" for stem in _WORD_START_STEMS]
        + [rf"\b{re.escape(word)}\b" for word in _WHOLE_WORDS]
    )
)


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def find_health_terms(text: str) -> list[str]:
    """Return the words of `text` that look like health information, in order, once each."""
    if not text:
        return []
    found: list[str] = []
    for match in _PATTERN.finditer(_normalise(text)):
        word = match.group(0)
        if word not in found:
            found.append(word)
    return found


HEALTH_DATA_MESSAGE = _(
    "This text looks like health information (%(terms)s). Health information is never "
    "stored in the register: remove it, or tick the confirmation if the text is not "
    "about anyone's health."
)

CONFIRMATION_LABEL = _("I confirm that the text contains no health information")


def check_no_health_data(text: str, *, confirmed: bool = False) -> None:
    """Raise ValidationError when `text` looks like health information and is not confirmed."""
    if confirmed:
        return
    terms = find_health_terms(text)
    if terms:
        raise ValidationError(
            HEALTH_DATA_MESSAGE,
            code="health_data",
            params={"terms": ", ".join(f"“{term}”" for term in terms)},
        )


def guard_free_text(
    instance: object, *, exclude: set[str], errors: dict[str, list]
) -> dict[str, list]:
    """Check every free-text field the inventory names on `instance`; add errors to `errors`.

    The models call this from `clean_fields`, so the same rule holds for every form.
    """
    from customers.inventory import free_text_fields

    confirmed = bool(getattr(instance, "health_data_confirmed", False))
    for name in free_text_fields(type(instance)):
        if name in exclude:
            continue
        try:
            check_no_health_data(getattr(instance, name) or "", confirmed=confirmed)
        except ValidationError as e:
            errors.setdefault(name, []).extend(e.error_list)
    return errors
