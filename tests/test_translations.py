"""Finnish is complete, compiled, and no user-facing string escaped translation."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
FI_PO = ROOT / "locale" / "fi" / "LC_MESSAGES" / "django.po"
SOURCES = ("rekisteri", "customers", "consent", "templates")


def test_every_finnish_string_is_translated():
    po = polib.pofile(str(FI_PO))
    missing = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert missing == [] and fuzzy == []


def test_the_compiled_catalogs_match_their_sources():
    # The .mo files are committed so that a fresh machine needs no gettext.
    for po_path in (ROOT / "locale").glob("*/LC_MESSAGES/django.po"):
        po = polib.pofile(str(po_path))
        mo = polib.mofile(str(po_path.with_suffix(".mo")))
        compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
        for entry in po.translated_entries():
            got = compiled.get((entry.msgctxt, entry.msgid))
            assert got is not None, f"{po_path.parent.parent.name}: {entry.msgid!r} not compiled"
            if entry.msgid_plural:
                assert {int(k): v for k, v in got[1].items()} == {
                    int(k): v for k, v in entry.msgstr_plural.items()
                }
            else:
                assert got[0] == entry.msgstr


def test_no_string_in_the_code_is_missing_from_the_catalog(tmp_path):
    if shutil.which("xgettext") is None:
        message = "This check needs GNU gettext: sudo apt-get install gettext."
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    for name in SOURCES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "locale").mkdir()
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "fi", "--no-location"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": ""},
    )
    fresh = {
        (e.msgctxt, e.msgid)
        for e in polib.pofile(str(tmp_path / "locale/fi/LC_MESSAGES/django.po"))
    }
    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(FI_PO))}
    assert sorted(fresh - committed, key=str) == [], "run `make messages` and translate"
