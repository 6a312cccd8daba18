"""The breach log's texts (GDPR Art. 33-34): the default contact point, and the draft
message to the customers of a high-risk breach.

The rules of the log itself (what must be recorded and by when, which breach is overdue,
that nothing deletes a record) are the model's: consent/models/records.py, `Breach`.
"""

from dataclasses import dataclass

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from consent.models import Breach, StudioSettings
from customers.inventory import Category

# The draft is offered in both of the app's languages, Finnish first.
DRAFT_LANGUAGES = (("fi", "suomeksi"), ("en", "in English"))


def default_contact_point(studio: StudioSettings | None = None) -> str:
    """The studio's person responsible for the register and its email (Art. 33(3)(b))."""
    studio = studio or StudioSettings.load()
    return ", ".join(part for part in (studio.contact_person.strip(), studio.email.strip()) if part)


@dataclass(frozen=True)
class Draft:
    language: str
    name: str
    subject: str
    body: str


def customer_notice(breach: Breach, *, language: str) -> Draft:
    """A draft message telling the customers of a high-risk breach, in clear and plain
    language (GDPR Art. 34(2)): the nature of the breach, the contact point, the likely
    consequences and the measures taken or proposed. The owner copies and edits it; the
    parts she wrote in the log are quoted as she wrote them."""
    studio = StudioSettings.load()
    with translation.override(language):
        labels = dict(Category.choices)
        data = "; ".join(str(labels[c]) for c in breach.data_categories if c in labels)
        details = breach.data_affected.strip()
        if details:
            data = f"{data}.\n{details}" if data else details
        aware = formats.date_format(timezone.localtime(breach.discovered_at), "DATE_FORMAT")
        contact = breach.contact_point.strip() or default_contact_point(studio)
        sections = [
            (
                _("What happened"),
                breach.description.strip()
                + "\n"
                + _("We became aware of it on %(date)s.") % {"date": aware},
            ),
            (_("Which of your data it concerns"), data),
            (_("What it may mean for you"), breach.consequences.strip()),
            (_("What we have done, and what you can do"), breach.measures.strip()),
            (
                _("More information"),
                _(
                    "If you have questions, please contact %(contact)s. You also have the "
                    "right to lodge a complaint with the Data Protection Ombudsman "
                    "(tietosuoja.fi)."
                )
                % {"contact": contact},
            ),
        ]
        paragraphs = [
            _("Hello,"),
            _(
                "We are sorry to tell you that your personal data has been affected by a "
                "data breach. We tell you so that you can protect yourself against its "
                "possible effects."
            ),
            *(f"{heading}\n{text}" for heading, text in sections if text),
            _("Kind regards,") + "\n" + studio.controller_name,
        ]
        return Draft(
            language=language,
            name=dict(DRAFT_LANGUAGES).get(language, language),
            subject=_("A data breach concerning your personal data – %(studio)s")
            % {"studio": studio.controller_name},
            body="\n\n".join(paragraphs),
        )


def customer_notices(breach: Breach) -> list[Draft]:
    """The draft in Finnish and in English."""
    return [customer_notice(breach, language=code) for code, _name in DRAFT_LANGUAGES]
