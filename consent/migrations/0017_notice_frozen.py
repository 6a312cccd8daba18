"""A transfer's safeguard becomes a choice, and a privacy-notice version keeps its text.

Recipient.safeguard was free text; it becomes one of the mechanisms of GDPR Chapter V
(adequacy decision, EU-US Data Privacy Framework, standard contractual clauses, binding
corporate rules), and a check constraint keeps anything else out of the table. The text
each studio typed is read once, here, by keywords (Finnish and English):

- anything naming the Privacy Shield becomes empty: the Court of Justice invalidated it on
  16 July 2020 (C-311/18, "Schrems II"), so it cannot be carried over as any safeguard,
  not even as a note;
- "Data Privacy Framework"/"DPF" becomes the DPF, and a mention of standard contractual
  clauses as well sets `scc_also`; the day the certification was checked is unknown;
- standard contractual (model) clauses, binding corporate rules or an adequacy decision
  become that choice (an "adequacy decision" for a country without one, the United
  States included, whose decision covers only the DPF, becomes empty);
- any other text becomes empty.

Every recipient outside the EU/EEA that did not come through whole (emptied, or a DPF
without the day of its check) is flagged `needs_review`: the admin lists the flag and
asks the owner to choose, the front page counts the flagged ones, and until the owner
saves a valid choice the privacy notice says the studio is checking that safeguard. The
published notice versions keep the text they were published with. Inside the EU/EEA no
safeguard is needed, and whatever was typed is dropped.

NoticeVersion.rendered (the text as published, per language) starts empty for the
versions published before: they are rendered from their facts with the app's wording of
the day, as before; the next publication keeps its text.
"""

import re

from django.db import migrations, models

_EEA = set(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO".split()
)
_SHIELD = re.compile(r"privacy[\s-]*shield", re.IGNORECASE)
_DPF = re.compile(r"data\s*privacy\s*framework|\bdpf\b|tietosuojakehys", re.IGNORECASE)
_SCC = re.compile(
    r"contractual\s+clauses|model\s+clauses|model\s+contract|\bsccs?\b|"
    r"vakiolausek|vakiosopimuslausek|mallilausek|mallisopimuslausek",
    re.IGNORECASE,
)
_BCR = re.compile(r"binding\s+corporate|\bbcrs?\b|sitovat\s+yritys|yritystä\s+koskevat\s+sitovat", re.IGNORECASE)
_ADEQUACY = re.compile(r"adequacy|riittävyyspäätö", re.IGNORECASE)
# The countries with an adequacy decision when this migration was written (2025).
_ADEQUACY_COUNTRIES = set("AD AR CA FO GG IL IM JP JE NZ KR CH GB UY".split())

# The reverse: the choice back into words, as an owner would have typed it.
_WORDS = {
    "adequacy": "An adequacy decision of the European Commission",
    "dpf": "EU-US Data Privacy Framework",
    "scc": "The Commission's standard contractual clauses",
    "bcr": "Binding corporate rules",
}


def classify(text: str, country: str) -> tuple[str, bool, bool]:
    """(safeguard, scc_also, needs_review) for a typed safeguard of a recipient in `country`."""
    if (country or "").upper() in _EEA:
        return "", False, False
    if not text.strip() or _SHIELD.search(text):
        return "", False, True
    scc = bool(_SCC.search(text))
    if _DPF.search(text):
        # The day the certification was checked is not known: the owner gives it.
        return "dpf", scc, True
    if scc:
        return "scc", False, False
    if _BCR.search(text):
        return "bcr", False, False
    if _ADEQUACY.search(text) and (country or "").upper() in _ADEQUACY_COUNTRIES:
        return "adequacy", False, False
    return "", False, True


def forwards(apps, schema_editor):
    Recipient = apps.get_model("consent", "Recipient")
    for recipient in Recipient.objects.all():
        safeguard, scc_also, needs_review = classify(recipient.safeguard, recipient.country)
        Recipient.objects.filter(pk=recipient.pk).update(
            safeguard=safeguard, scc_also=scc_also, needs_review=needs_review
        )


def backwards(apps, schema_editor):
    Recipient = apps.get_model("consent", "Recipient")
    for recipient in Recipient.objects.exclude(safeguard=""):
        words = _WORDS.get(recipient.safeguard, recipient.safeguard)
        if recipient.scc_also and recipient.safeguard != "scc":
            words += "; " + _WORDS["scc"].lower()
        Recipient.objects.filter(pk=recipient.pk).update(safeguard=words)


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0016_breach_log"),
    ]

    operations = [
        migrations.AddField(
            model_name="noticeversion",
            name="rendered",
            field=models.JSONField(blank=True, default=dict, verbose_name="text as published"),
        ),
        migrations.AddField(
            model_name="recipient",
            name="dpf_checked_on",
            field=models.DateField(
                blank=True,
                help_text="With the Data Privacy Framework: the day you saw the recipient's certification as active on the Data Privacy Framework List (dataprivacyframework.gov).",
                null=True,
                verbose_name="Data Privacy Framework certification checked on",
            ),
        ),
        migrations.AddField(
            model_name="recipient",
            name="needs_review",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="Set when an earlier, typed safeguard could not be read as a valid one (e.g. the invalidated Privacy Shield); cleared when the owner saves a valid choice.",
                verbose_name="safeguard to be chosen again",
            ),
        ),
        migrations.AddField(
            model_name="recipient",
            name="safeguard_note",
            field=models.CharField(
                blank=True,
                help_text="E.g. the name of the recipient's data processing terms.",
                max_length=300,
                verbose_name="where the safeguard is written",
            ),
        ),
        migrations.AddField(
            model_name="recipient",
            name="scc_also",
            field=models.BooleanField(
                default=False,
                help_text="The recipient's terms also include the Commission's standard contractual clauses, which apply should the main safeguard cease to.",
                verbose_name="standard contractual clauses as well",
            ),
        ),
        # Before the column narrows: every value must already be a short code.
        migrations.RunPython(forwards, backwards),
        migrations.AlterField(
            model_name="recipient",
            name="safeguard",
            field=models.CharField(
                blank=True,
                choices=[
                    ("adequacy", "An adequacy decision of the European Commission (GDPR Art. 45)"),
                    (
                        "dpf",
                        "The EU-US Data Privacy Framework: the recipient is certified under it (GDPR Art. 45, Commission decision 2023/1795)",
                    ),
                    ("scc", "The Commission's standard contractual clauses (GDPR Art. 46(2)(c))"),
                    ("bcr", "Binding corporate rules (GDPR Art. 47)"),
                ],
                help_text="Required when the country is outside the EU/EEA: the mechanism the transfer rests on, as the recipient's data processing terms state it.",
                max_length=20,
                verbose_name="transfer safeguard",
            ),
        ),
        migrations.AlterField(
            model_name="studiosettings",
            name="controller_name",
            field=models.CharField(
                default="Studio",
                help_text="The studio's name as a customer should know it, e.g. Viva Balansia Oy. The privacy notice is published once this and an email or a postal address are filled in.",
                max_length=200,
                verbose_name="studio (controller)",
            ),
        ),
        migrations.AddConstraint(
            model_name="recipient",
            constraint=models.CheckConstraint(
                condition=models.Q(("safeguard__in", ["", "adequacy", "dpf", "scc", "bcr"])),
                name="consent_recipient_safeguard_known",
            ),
        ),
    ]
