"""The health-data guard (promise P5, GDPR Art. 9): free text must not hold health information.

One rule, used by every form and by the models' own validation: `find_health_terms` says
which words of a text look like health information; `check_no_health_data` turns that
into a translated validation error unless the user has confirmed the text is not health
information.

How a text is read (measured on tests/customers/data/health_corpus.tsv):

1. The text is normalised (NFC, case-folded, typographic dashes made plain) and cut into
   words; a hyphenated word ("ms-tauti", "niska-hartiajooga") stays one word.
2. Finnish words are stemmed with the Snowball Finnish stemmer, which strips case endings
   and possessive suffixes ("polveni", "polvessa" -> "polv"). Finnish compounds inflect
   only at their last part, the head, and the head says what the compound is: a
   "selkävaiva" is a vaiva, a "raskausjooga" is a jooga. So heads are matched on the end
   of the stem, and a compound whose head is a class, a course or a profession is left
   alone even when its first part is a health word.
3. Roots that are health words wherever they stand ("migree", "diabe", "raskau") are
   matched anywhere inside a word, so that every compound and inflection is caught.
4. Words that are only health information next to a body part ("polvi reistailee",
   "selän takia", "ranne murtui") count when a body part is within a few words.
5. Phrases: "rv 20", "odottaa vauvaa", "laskettu aika", "knee replacement", ...
6. Known false friends are let through: "sairaan hyvä", "sairaanhoitaja", "lääketiede",
   "kivuttomasti", "works as a nurse".

Voikko, a full Finnish morphology, is not used: it needs Debian packages on every machine,
and what the guard missed on new sentences was vocabulary, which Voikko does not add.
A sentence the guard misses belongs in the corpus, with the word that catches it here.
"""

import re
import threading
import unicodedata
from functools import lru_cache
from typing import Any

import snowballstemmer
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

# --- Morphology ---------------------------------------------------------------------------

# The pure-Python Snowball stemmer keeps state while it stems a word, so each thread gets
# its own (created once per thread, not per call).
_local = threading.local()


def _stemmer() -> Any:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("finnish")
    return stemmer


@lru_cache(maxsize=20_000)
def _stem(word: str) -> str:
    # Stemming is the slow part of a check (tens of microseconds a word); the same words
    # come back in every note, so the results are cached.
    return _stemmer().stemWord(word)


def _stems(words: str, shortest: int = 4) -> tuple[str, ...]:
    """The stems of the given forms of words, as a tuple for `str.endswith`.

    Snowball trims a word more when it is longer ("jooga" -> "jooga", but "raskausjooga"
    -> "raskausjoog"), so each form is stemmed both alone and as the head of a compound.
    Stems shorter than `shortest` are dropped: they would end too many unrelated words.
    """
    stems = set()
    for word in words.split():
        stems.add(_stem(word))
        stems.add(_stem(_COMPOUND_PROBE + word)[len(_COMPOUND_PROBE) :])
    return tuple(sorted(stem for stem in stems if len(stem) >= shortest))


_COMPOUND_PROBE = "kesä"  # any modifier does: it only makes the word long


# --- Finnish -----------------------------------------------------------------------------

# Roots that mean health wherever they stand in a word: at its start ("migreeni"), in a
# compound's first part ("migreenikohtaus") or its head ("rintasyöpä"). Each is chosen to
# be rare outside health talk; the false friends some of them have are listed below.
_FI_ROOTS = (
    # pregnancy, childbirth, reproduction
    "raskau",
    "raskaud",
    "raskaana",
    "synnyt",
    "sektio",
    "keisarinleik",
    "keskenmeno",
    "hedelmöity",
    "vaihdevuo",
    "endometrio",
    "kuukautis",
    "erkauma",
    "imetys",
    "neuvola",
    "virtsankarkai",
    # illnesses and conditions
    "migree",
    "diabe",
    "insuliin",
    "verensokeri",
    "verenpain",
    "verenohennu",
    "astma",
    "epilep",
    "keliaki",
    "allergi",
    "syöpä",
    "syöv(?:än(?!sä)|ässä|ästä|ältä|ällä)",  # not "syövät eväät", "kertoi syövänsä": eat
    "kemoterap",
    "sytostaat",
    "sädehoi",
    "reuma",
    "nivelrik",
    "artroo",
    "osteopor",
    "fibromyal",
    "parkinson",
    "alzheimer",
    "dementi",
    "muistisairau",
    "kilpirauha",
    "vajaatoimin",
    "skolioo",
    "välilevy",
    "iskias",
    "noidannuol",
    "tenniskyynär",  # the elbow itself ("kyynärpäät kylkiin") is an alignment cue
    "golfkyynär",
    "ristisi",
    "nivelsi",
    "loukkaantu",
    "kierukk",
    "meniski",
    "murtum",
    "nyrjäh",
    "nyrjäy",
    "revähd",
    "revähty",
    "reväht",
    "reväyt",
    "venähd",
    "venähty",
    "retkahd",
    "aivotäräh",
    "glaukoo",
    "silmänpainet",
    "tinnitu",
    "infarkt",
    "rytmihäiri",
    "ohitusleik",
    "pallolaajen",
    "tahdistin",
    "aivoverenvuo",
    "halvaan",
    "halvau",
    "amputo",
    "proteesi",
    "tekonivel",
    "tekopolv",
    "tekolonk",
    "hengenahdistu",
    "keuhkokuum",
    "flunss",
    "influenss",
    "angiin",
    "infektio",
    "tulehdu",
    "tulehtu",
    "psoriaa",
    "psoriasis",
    "ihottum",
    "crohn",
    "suolistosairau",
    "huimau",
    "pahoinvoi",
    "unettomuu",
    "kroonin",
    "oireyhtym",
    "oire",  # "oireita", "iskiasoireita", "oireilee"
    "tauti",
    "taudi",
    # Medical word endings: "bursiitti", "tendiniitti", "skolioosi", "tromboosi".
    # (Lookbehinds, not a leading \w{3}, so that the search can still skip ahead fast.)
    r"(?<=\w{3})iitti",
    r"(?<=\w{4})oosi",
    # injuries, treatment, aids
    "vamm(?!al)",  # "vamma", "kuulovamma", but not the town of Vammala
    "kipsi",
    "leikkau",
    "tähystys",
    "magneettikuv",
    "diagno",
    "kuntoutu",
    "toipu",
    "toipil",
    "fysioterapi",
    "psykoterap",
    "terapia",
    "terapiassa",
    "pyörätuol",
    "rollaattor",
    "kyynärsauv",
    "kuulolait",
    "sairaal",
    # medication
    "lääke",
    "lääkk",
    "lääkit",
    "lääkär",
    "kortison",
    "antibiootti",
    "beetasalpaa",
    "inhalaattor",
    # mental health
    "masennu",
    "masentu",
    "ahdistu",
    "paniikkikoh",
    "paniikkihäir",
    "syömishäir",
    "mielialahäir",
    "mielenterv",
    "anoreks",
    "bulimi",
    "psykiatr",
    "uupumu",
    "loppuunpala",
    "burnout",
    "autismi",
    "autisti",
    "asperger",
    "adhd",
    "kehitysvam",
    "psykolog",
    "kaksisuuntai",
    "sijoiltaan",
    "luudut",
    # illness itself
    "sairau",
    "sairaud",
    "sairast",
    "sairasloma",
    "sairaana",
    "kipu",
    "kivu",
    "kipe",
    "kuume",
    "särky",
    "säry",
    "särke",
)

# Heads that make a compound a health word even though the head alone is an everyday word:
# "selkävaiva", "sydänvika", "vatsaongelma", "polvivaurio". They count only after a body
# part ("selkävaivoja") or standing next to one ("vaivaa selkää"). Matched on the stem's end.
_FI_WEAK_HEADS = _stems(
    "vaiva vaivat vaivoja vika vian vikoja ongelma ongelmia vaurio vaurion vaurioita "
    "kohtaus kohtauksen kohtauksia jumi jumissa kuluma kulumia haava haavan haavoja "
    "siirto siirron siirrot",
    shortest=3,  # safe here: these only count after a body part
)

# Body parts as they open a compound ("selkä-", "polvi-", "sydän-", "niskahartia-").
_FI_BODY_PREFIXES = (
    "selkä",
    "alaselkä",
    "yläselkä",
    "polvi",
    "niska",
    "hartia",
    "olkapää",
    "lonkka",
    "nilkka",
    "ranne",
    "kyynär",
    "jalka",
    "käsi",
    "sormi",
    "varvas",
    "pää",
    "vatsa",
    "sydän",
    "keuhko",
    "nivel",
    "lihas",
    "jänne",
    "selkäranka",
    "lantio",
    "iho",
    "silmä",
    "korva",
    "kaula",
    "munuais",
    "suoli",
    "suolisto",
    "kohtu",
    "aivo",
    "maha",
)

# Body parts as words of their own, in any case ("polveni", "selän", "sydämen",
# "olkapäähän"). Matched on the end of the stem, so that "alaselkä" counts and
# "jalkapallo" does not; forms whose stem is too short to trust are listed whole.
_FI_BODY_STEMS = _stems(
    "selkä selän selkää selässä polvi polven polvea polvessa polvet polvien niska niskan "
    "niskassa hartia hartiat hartioiden olkapää olkapään olkapäässä olkapäät lonkka "
    "lonkan lonkassa lonkat nilkka nilkan nilkassa ranne ranteen ranteessa kyynärpää "
    "kyynärpään jalka jalan jalassa jalat jalkapohja varvas varpaat sormi sormet vatsa "
    "vatsan sydän sydämen sydäntä sydämessä keuhkot keuhkojen nivel nivelet nivelissä "
    "lihas lihakset jänne jänteen akillesjänne lantio lantion selkäranka selkärangan "
    "kaula kaulan munuainen munuaiset suoli suolen umpisuoli kohtu kohdun aivot aivojen"
)
_FI_BODY_WORDS = frozenset(
    [
        "pää",
        "pään",
        "päähän",
        "päässä",
        "päätä",
        "käsi",
        "käden",
        "kädet",
        "käsissä",
        "käsien",
        "kätensä",
        "käteni",
        "kättä",
        "kädessä",
        "käteen",
        "ranne",
        "jänne",
    ]
)

# Words that are health information only next to a body part: "polvi reistailee",
# "ranne murtui", "selkä leikattu", "polveni leikattiin", "selän takia".
_FI_NEAR_BODY = frozenset(
    [
        "vaivaa",
        "vaivasi",
        "vaivaava",
        "vaivoja",
        "jumissa",
        "jumiin",
        "jumittaa",
        "kolottaa",
        "kolotti",
        "sattuu",
        "sattui",
        "vihoittelee",
        "vihoitteli",
        "reistailee",
        "reistaili",
        "temppuilee",
        "pettää",
        "petti",
        "oireilee",
        "loukkasi",
        "venyneet",
        "venynyt",
        "murtoi",
        "murtanut",
        "nyrjäytti",
        "huono",
        "huonot",
        "huonon",
        "murtui",
        "murtunut",
        "murtuneen",
        "murtunutta",
        "katkesi",
        "katkennut",
        "poikki",
        "revennyt",
        "repesi",
        "revähti",
        "venähti",
        "venähtänyt",
        "retkahti",
        "turvoksissa",
        "turvonnut",
        "turpoaa",
        "leikattiin",
        "leikattu",
        "leikattu",
        "leikataan",
        "leikattava",
        "leikkasivat",
        "operoitiin",
        "operoitu",
        "takia",
        "vuoksi",
        "tähden",
        "johdosta",
        "ongelmia",
        "ongelmaa",
    ]
)

# Compound heads that make a word a class, a course or a profession, not a condition:
# "raskausjooga", "selkäjooga-kurssi", "sairaanhoitaja", "diabeteshoitaja".
_FI_NOT_HEALTH_HEADS = _stems(
    "jooga joogaa joogan joogasta kurssi kurssin kurssille tunti tunnin tunnille ryhmä "
    "ryhmään ryhmän hoitaja hoitajana hoitajan ohjaaja opettaja terapeutti terapeuttina "
    "valmennus infoilta opiskelija"
)

# False friends: words that contain a health root but are everyday language.
_FI_FALSE_FRIENDS = re.compile(
    r"(?:"
    r"sairaan|sairaasti"  # "sairaan hyvä", "sairaasti kiva": an intensifier
    r"|sairaanhoi\w*"  # nurse, nursing: a profession
    r"|lääketie\w*"  # medicine as a subject of study
    r"|lääkär(?:eiksi|einä|iksi|inä)"  # "työskentelee lääkärinä": a profession
    r"|kivut(?:on|toma|toman|tomasti)\w*|vaivat(?:on|toma|tomasti)\w*"  # effortless
    r"|kipeästi"  # "tarvitsee kipeästi": badly
    r"|kuumei(?:nen|sen|sesti|sta|seen|sia)"  # "kuumeinen tahti": feverish as a figure
    r"|\w*(?:hiusten|paperin|nurmikon|kuvan|videon|budjetti|budjetin|säästö|palkka|kulu)"
    r"leikk\w*"  # cutting things that are not a body
    r"|toipumisaika"  # only with an illness, which is caught on its own
    r")",
)

# Phrases that need two words or a number.
_FI_PHRASES = (
    r"\brv\.? ?\d{1,2}\b",  # raskausviikko: "rv 20", "rv20"
    # "Odottaa vauvaa", "odottaa toista lasta"; but "odottaa lasta aulassa" waits for a child.
    r"\b(?:odottaa|odottavat|odottaisi|odottanut|odotan) (?:(?:toista|kolmatta|ensimmäistä)"
    r" (?:lasta|vauvaa)|vauvaa|kaksosia|esikoistaan|esikoista)\b",
    r"\blaskettu aika\b",
    r"\b(?:vauva|vauvan|lapsi|esikoinen) (?:syntyy|on määrä syntyä|syntyisi)\b",
    r"\b(?:kuulee|näkee) (?:huonosti|heikosti)\b",
    # "Olen viikolla 22": a pregnancy week. "Kurssi on viikolla 22" is a calendar week.
    r"\bolen (?:raskaus)?viikolla \d{1,2}\b",
)

# --- English -----------------------------------------------------------------------------

_EN_BODY = (
    r"(?:knee|back|hip|shoulder|neck|wrist|ankle|elbow|foot|feet|leg|arm|hand|heart|spine"
    r"|head|hamstring|achilles|pelvis|pelvic floor|lung|joint|disc|rib|collarbone)s?"
)

# English words matched at the start of a word, so that every ending is caught.
_EN_ROOTS = (
    "migraine",
    "pregnan",
    "trimester",
    "diagnos",
    "depression",
    "depressed",
    "antidepress",
    "anxiety",
    "medicat",
    "medicine",
    "meds",
    "surgery",
    "surgical",
    "surgeon",
    "injur",
    "illness",
    "disease",
    "diabet",
    "insulin",
    "asthma",
    "inhaler",
    "epilep",
    "cancer",
    "chemo",
    "radiotherap",
    "backache",
    "headache",
    "arthrit",
    "sclerosis",
    "allerg",
    "disorder",
    "syndrome",
    "chronic",
    "painful",
    "painkiller",
    "burnout",
    "concussion",
    "fracture",
    "hernia",
    "herniat",
    "scoliosis",
    "sciatica",
    "miscarr",
    "postpartum",
    "postnatal",
    "prenatal",
    "antenatal",
    "insomnia",
    "adhd",
    "autis",
    "antibiotic",
    "thyroid",
    "vertigo",
    "dizz",
    "nause",
    "physio",
    "therapy",
    "psychiatr",
    "menopaus",
    "endometrio",
    "ivf",
    "c-section",
    "pacemaker",
    "wheelchair",
    "crutches",
    "paraly",
    "infarct",
    "sprain",
    "ligament",
    "tendon",
    "tendin",
    "menisc",
    "osteopor",
    "fibromyal",
    "crohn",
    "coeliac",
    "celiac",
    "disabilit",
    "disabled",
    "bipolar",
    "psycholog",
    "impair",
    "rehab",
    "hospital",
    "doctor",
    "fever",
    "covid",
    "acl",
)
# Whole words only: "flu" starts "flush" and "fluid".
_EN_WORDS = frozenset(["pain", "pains", "ill", "gp", "flu", "deaf", "deafness"])
# Medical word endings: "tendinitis", "bursitis", "thrombosis", "hysterectomy".
_EN_SUFFIXES = re.compile(r"[a-z]{3,}(?:itis|osis|ectomy)")
_EN_NOT_ROOTS = re.compile(r"(?:depressing|doctorate)\w*")

_EN_PHRASES = (
    rf"\b(?:sore|bad|injured|broken|fractured|dislocated|sprained|twisted|torn|swollen"
    rf"|dodgy|pinched|slipped) (?:left |right |lower |upper )?{_EN_BODY}\b",
    rf"\b{_EN_BODY} (?:is|are|was|were|has been|have been|feels?|felt) (?:still |a bit |very )?"
    rf"(?:bad|sore|painful|swollen|injured|hurting|aching|playing up)\b",
    rf"\b(?:operation|surgery|injury|replacement|pain) (?:on|in|to) (?:her|his|their|my|the)"
    rf"(?: left| right)? {_EN_BODY}\b",
    rf"\b{_EN_BODY} (?:pain|problems?|issues?|injury|injuries|surgery|operation"
    rf"|replacement|condition|trouble|attack|ache)\b",
    rf"\b(?:broke|tore|twisted|sprained|injured|hurt|dislocated|fractured|pulled)"
    rf" (?:her|his|their|my|the|a|an)(?: left| right)? {_EN_BODY}\b",
    r"\b(?:had|has|suffered) a stroke\b",
    r"\b\d{1,2} weeks (?:along|gone|pregnant)\b",
    r"\bcarpal tunnel\b",
    # "sick" alone is also praise ("sick moves"); these uses are about being ill.
    r"\b(?:is|was|been|feeling|felt|got|fell|off|calling in|called in) sick\b",
    r"\bsick (?:leave|with|day|note)\b",
    r"\b(?:has|have|lives with|living with|diagnosed with) ms\b",  # not "with Ms Aho"
    r"\bbeta[ -]?blockers?\b",
    r"\bexpecting (?:a baby|twins|her first|their first|a child)\b",
    r"\b(?:down with|has|have|had|got|caught|fighting) (?:a|the) (?:cold|fever|virus|bug"
    r"|stomach bug|chest infection)\b",
    r"\b(?:blood pressure|blood thinners?|blood sugar|hot flush(?:es)?"
    r"|hot flash(?:es)?|hard of hearing|hearing aid|panic attacks?|anxiety attacks?"
    r"|eating disorder|long covid|partially sighted|has a cold|off sick)\b",
)

# A profession or a place of work is not health information: "works as a nurse",
# "työskentelee sairaalassa", "toimii sairaanhoitajana keskussairaalassa",
# "studying medicine".
_WORK_WORDS = re.compile(
    r"(?:työskentel|töissä|toimii|opiskel|works?|working|job|shifts?|stud(?:y|ies|ying)"
    r"|student|nurse)\w*|\w*(?:hoitajana|lääkärinä|terapeuttina)"
)
_WORKPLACES = re.compile(
    r"(?:sairaal|lääkär|psykolog|hospital|clinic|doctor|nurse|medicine|psycholog)\w*"
)

# --- Matching ----------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_FI_ROOT_PATTERN = re.compile("|".join(_FI_ROOTS))
_EN_ROOT_PATTERN = re.compile("|".join(re.escape(root) for root in _EN_ROOTS))
_PHRASE_PATTERN = re.compile("|".join(_FI_PHRASES + _EN_PHRASES))
_DASHES = str.maketrans({"‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "­": ""})
_NEAR = 3  # how many words apart a body part and a word like "murtui" may stand


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold().translate(_DASHES)


def _is_body_part(word: str, stem: str) -> bool:
    return word in _FI_BODY_WORDS or stem.endswith(_FI_BODY_STEMS)


def _is_health_word(word: str, stem: str) -> bool:
    """Whether one word, on its own, looks like health information."""
    if _FI_FALSE_FRIENDS.fullmatch(word):
        return False
    flat = word.replace("-", "")
    if _FI_ROOT_PATTERN.search(flat):
        return True
    if stem.endswith(_FI_WEAK_HEADS) and flat.startswith(_FI_BODY_PREFIXES):
        # "selkävaivoja", "sydänvika": a body part and a complaint in one compound.
        return not flat.endswith(_FI_BODY_PREFIXES) and len(flat) > 6
    if word in _EN_WORDS or _EN_SUFFIXES.fullmatch(word):
        return True
    return bool(_EN_ROOT_PATTERN.match(word)) and not _EN_NOT_ROOTS.fullmatch(word)


def find_health_terms(text: str) -> list[str]:
    """Return the words of `text` that look like health information, in order, once each."""
    if not text:
        return []
    normalised = _normalise(text)
    hits: list[tuple[int, str]] = [
        (match.start(), match.group(0)) for match in _PHRASE_PATTERN.finditer(normalised)
    ]
    words = list(_WORD.finditer(normalised))
    stems = [_stem(match.group(0)) for match in words]
    body_parts = [i for i, match in enumerate(words) if _is_body_part(match.group(0), stems[i])]
    for i, match in enumerate(words):
        word, stem = match.group(0), stems[i]
        if stem.endswith(_FI_NOT_HEALTH_HEADS):
            continue  # "raskausjooga", "sairaanhoitaja": a class or a profession
        if _is_health_word(word, stem):
            if _next_word_is_a_class(normalised, words, stems, i):
                continue  # "raskausajan jooga", "prenatal yoga"
            if _WORKPLACES.search(word) and _follows_work(words, i):
                continue  # "works night shifts at the hospital"
            hits.append((match.start(), word))
        elif word in _FI_NEAR_BODY and any(abs(i - j) <= _NEAR for j in body_parts if j != i):
            hits.append((match.start(), word))
    return list(dict.fromkeys(term for _position, term in sorted(hits)))


# A health word that names the class that follows it: "raskausajan joogakurssi",
# "prenatal yoga course". Only a Finnish genitive modifies the next word this way, so
# "päänsärky tunnin jälkeen" still counts.
_EN_CLASS_WORDS = frozenset(["yoga", "class", "classes", "course", "workshop"])
_FI_CLASS_HEADS = _stems("jooga joogaa joogaan kurssi kurssille ryhmä ryhmään infoilta")


def _next_word_is_a_class(
    normalised: str, words: list[re.Match[str]], stems: list[str], i: int
) -> bool:
    if i + 1 >= len(words):
        return False
    between = normalised[words[i].end() : words[i + 1].start()]
    if between.strip(" -"):
        return False  # a comma or a full stop: "Raskaana, joogatunnit kevyesti"
    word, following = words[i].group(0), words[i + 1].group(0)
    if following in _EN_CLASS_WORDS:
        return True
    # A genitive or a possessive form modifies the next word: "raskausajan joogakurssi",
    # "lääkäriasemamme yritysjooga"; "raskaana joogakurssilla" does not.
    genitive = word.endswith(("n", "mme", "nne", "nsa", "nsä"))
    return genitive and stems[i + 1].endswith(_FI_CLASS_HEADS)


def _follows_work(words: list[re.Match[str]], i: int) -> bool:
    return any(_WORK_WORDS.fullmatch(words[j].group(0)) for j in range(max(0, i - 5), i))


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
    instance: Model, *, exclude: set[str], errors: dict[str, list]
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
