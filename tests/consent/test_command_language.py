"""The commands speak the studio's language (issue 10 §6): Finnish by default
(LANGUAGE_CODE = "fi"), English when the studio's language is English. The other tests
of these commands read their English output; here is what an operator reads by default."""

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from consent.acts.erasure import erase_customer
from customers.models import Customer
from rekisteri.backup import make_backup

pytestmark = pytest.mark.django_db(transaction=True)

# Django's own options (--verbosity, --settings, …) keep Django's words.
DJANGO_OPTIONS = {
    "help",
    "version",
    "verbosity",
    "settings",
    "pythonpath",
    "traceback",
    "no_color",
    "force_color",
    "skip_checks",
}
COMMANDS = [
    ("consent", "erase_customer"),
    ("consent", "restore"),
    ("consent", "backup"),
    ("consent", "export_customer"),
    ("consent", "send_outbox"),
    ("rekisteri", "worker"),
    ("customers", "createowner"),
    ("customers", "seed_demo"),
]


@pytest.fixture(autouse=True)
def studio_language() -> Iterator[None]:
    """As in a fresh `manage.py` process: no language activated, so LANGUAGE_CODE rules."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    settings.BACKUP_RECIPIENTS = []
    settings.BACKUP_IDENTITY_FILE = ""
    return tmp_path


def _run(*args: str, answer: str | None = None, monkeypatch=None) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    if answer is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(answer))
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _helps(app: str, name: str) -> list[str]:
    command = load_command_class(app, name)
    parser = command.create_parser("manage.py", name)
    return [command.help] + [
        str(action.help) for action in parser._actions if action.dest not in DJANGO_OPTIONS
    ]


@pytest.mark.parametrize(("app", "name"), COMMANDS, ids=[name for _app, name in COMMANDS])
def test_every_help_text_is_in_the_studio_language(app, name):
    finnish = _helps(app, name)
    with translation.override("en"):
        english = _helps(app, name)
    assert len(finnish) == len(english) >= 1
    for fi, en in zip(finnish, english, strict=True):
        assert fi and en and fi != en, f"{name}: untranslated help {en!r}"


def test_the_erase_command_speaks_finnish_by_default(customer_everywhere):
    out, _err = _run("erase_customer", customer_everywhere.email)
    assert re.search(r"^säilytetään: 1 × Ostot \d\d\.\d\d\.\d{4} asti$", out, re.M)
    assert "poistetaan: 1 × Asiakkaat" in out
    assert out.endswith("Mitään ei poistettu: lisää --yes, niin tiedot poistetaan.\n")
    assert Customer.objects.exists()

    out, _err = _run("erase_customer", customer_everywhere.email, "--yes")
    assert "henkilötiedot poistettu: asiakkaat: 1" in out
    assert "1 avoin pyyntö suljettiin." in out
    assert "Asiakkaan tiedot poistettiin; säilytettiin: ostot kirjanpitoa varten" in out
    assert "erased" not in out and "Nothing" not in out
    assert not Customer.objects.exists()


def test_the_erase_command_speaks_english_when_the_studio_does(customer_everywhere, settings):
    settings.LANGUAGE_CODE = "en"
    out, _err = _run("erase_customer", customer_everywhere.email)
    assert re.search(r"^keep: 1 × Purchases until \d\d\.\d\d\.\d{4}$", out, re.M)
    assert out.endswith("Nothing was erased: add --yes to erase.\n")
    out, _err = _run("erase_customer", customer_everywhere.email, "--yes")
    assert "erased: customers: 1" in out and "1 open request was closed." in out
    assert "The customer was erased; kept: purchases for bookkeeping" in out


def test_an_unknown_address_is_refused_in_finnish(db):
    with pytest.raises(CommandError, match="Sähköpostiosoitteella 'ei.ole@example.fi' ei ole"):
        call_command("erase_customer", "ei.ole@example.fi")
    with pytest.raises(CommandError, match="ei ole asiakasta"):
        call_command("export_customer", "ei.ole@example.fi")


def test_backup_and_restore_speak_finnish_and_take_kylla_for_yes(customer, data_dir, monkeypatch):
    out, err = _run("backup", str(data_dir))
    assert out.startswith(f"Varmuuskopio kirjoitettu: {data_dir}")
    # A Finnish size has a decimal comma.
    assert re.search(r"\(\d+,\d [kMG]B, ", out), out
    assert "Varoitus: tätä varmuuskopiota ei ole salattu" in err
    assert "varmuuskopio: 100 %" in err.splitlines()
    extension = "sqlite3" if connection.vendor == "sqlite" else "pgdump"
    (written,) = data_dir.glob(f"rekisteri-*.{extension}")

    erase_customer(customer=customer, actor=None)
    with pytest.raises(CommandError, match="^Ei vahvistettu: mitään ei palautettu.$"):
        _run("restore", str(written), answer="ei\n", monkeypatch=monkeypatch)
    out, err = _run("restore", str(written), answer="Kyllä\n", monkeypatch=monkeypatch)
    assert 'Kirjoita "kyllä" tai "yes", niin tietokanta korvataan: ' in out
    assert re.search(
        rf"Palautettu {re.escape(str(written))}: \d+ riviä \d+ taulussa\. Tehtiin uudelleen: "
        r"1 asiakkaan poisto, 2 markkinointikieltolistan merkintää, 0 kieltoa, "
        r"0 suostumustapahtumaa, 0 käsittelyn rajoitusta\.",
        out,
    ), out
    assert "Tietokanta sellaisena kuin se oli ennen palautusta on tallessa tiedostossa" in out
    assert "palautus: 100 %" in err.splitlines()
    assert not Customer.objects.exists()


def test_yes_is_understood_in_finnish_too(customer, data_dir, monkeypatch):
    info = make_backup()
    Customer.objects.create(first_name="Uusi", last_name="Asiakas", email="uusi@example.fi")
    out, _err = _run(
        "restore", str(info.path), "--no-save", answer="yes\n", monkeypatch=monkeypatch
    )
    assert "Palautettu" in out
    assert not Customer.objects.filter(email="uusi@example.fi").exists()


def test_the_english_prompt_asks_for_yes_alone(customer, data_dir, monkeypatch, settings):
    info = make_backup()
    settings.LANGUAGE_CODE = "en"
    out, _err = _run(
        "restore", str(info.path), "--no-save", answer="yes\n", monkeypatch=monkeypatch
    )
    assert "Type 'yes' to replace the database: " in out
    assert re.search(
        r"Restored .*: \d+ rows in \d+ tables\. Applied again: 0 customers erased", out
    )


def test_a_file_that_is_no_backup_is_refused_in_finnish(customer, data_dir):
    candidate = data_dir / "candidate"
    candidate.write_text("Tämä on tekstiä.\n")
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(candidate), "--yes", stdout=io.StringIO())
    message = str(refused.value)
    assert message.startswith(f"{candidate} ei ole sovelluksen rekisteri varmuuskopio")
    assert message.endswith("Tietokantaa ei muutettu.")
    with pytest.raises(CommandError, match="^Polussa .* ei ole varmuuskopiotiedostoa.$"):
        call_command("restore", str(data_dir / "missing"), "--yes", stdout=io.StringIO())
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_a_changed_backup_is_refused_in_finnish(customer, data_dir):
    info = make_backup()
    with info.path.open("r+b") as f:
        f.seek(info.size // 2)
        f.write(b"\x00changed\x00")
    with pytest.raises(CommandError, match="on muuttunut tekemisensä jälkeen"):
        call_command("restore", str(info.path), "--yes", stdout=io.StringIO())


def test_createowner_and_seed_demo_speak_finnish(db):
    out, _err = _run("createowner")
    assert "Käyttäjätunnus: owner\n" in out
    assert re.search(r"^Salasana: \S{12,}$", out, re.M)
    with pytest.raises(CommandError, match="Käyttäjä 'owner' on jo olemassa"):
        _run("createowner")

    out, _err = _run("seed_demo")
    assert re.fullmatch(
        r"Esittelystudio luotu: \d+ kurssia, 50 asiakasta, \d+ ilmoittautumista, "
        r"\d+ ostoa, \d+ asiakastapahtumaa\.\n",
        out,
    ), out
    with pytest.raises(CommandError, match="Valitsimen --customers arvon on oltava vähintään"):
        _run("seed_demo", "--customers", "1")


def test_send_outbox_speaks_finnish(db):
    out, _err = _run("send_outbox")
    assert out == (
        "Lähtevät viestit: lähetetty 0, epäonnistui 0 (yritetään myöhemmin uudelleen), "
        "lähettäminen lopetettu 0, toisen lähettäjän käsittelyssä 0, "
        "ei enää sallittu 0 (ei lähetetty).\n"
    )
