"""The migration that turned typed transfer safeguards into choices (consent 0016): what
each studio typed is read once, the Privacy Shield is never carried over, and whatever
did not come through whole is flagged for the owner."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("consent", "0016_breach_log")]
AFTER = [("consent", "0017_notice_frozen")]

migration = importlib.import_module("consent.migrations.0017_notice_frozen")


@pytest.mark.parametrize(
    ("typed", "country", "expected"),
    [
        ("EU-US Privacy Shield", "US", ("", False, True)),
        ("Privacy Shield ja vakiosopimuslausekkeet", "US", ("", False, True)),
        ("EU-US Data Privacy Framework", "US", ("dpf", False, True)),
        ("DPF + SCC (Google Cloud DPA)", "US", ("dpf", True, True)),
        ("the Commission's standard contractual clauses", "US", ("scc", False, False)),
        ("EU:n mallisopimuslausekkeet", "IN", ("scc", False, False)),
        ("Binding corporate rules", "US", ("bcr", False, False)),
        ("komission riittävyyspäätös", "CH", ("adequacy", False, False)),
        ("adequacy decision", "US", ("", False, True)),
        ("adequacy decision", "IN", ("", False, True)),
        ("sopimus", "US", ("", False, True)),
        ("", "US", ("", False, True)),
        ("Privacy Shield", "FI", ("", False, False)),
        ("standard contractual clauses", "SE", ("", False, False)),
    ],
)
def test_typed_safeguards_are_read_by_their_keywords(typed, country, expected):
    assert migration.classify(typed, country) == expected


@pytest.mark.django_db(transaction=True)
def test_the_migration_maps_the_typed_safeguards_and_flags_what_the_owner_must_choose():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps.get_model("consent", "Recipient")
        typed = {
            "Shield Mail Inc": ("US", "EU-US Privacy Shield (certified)"),
            "Framework Mail Inc": ("US", "EU-US Data Privacy Framework and SCCs"),
            "Clauses Cloud Ltd": ("IN", "Standard contractual clauses"),
            "Kirjanpito Oy": ("FI", "ei tarvita"),
            "Mystery Inc": ("US", "our contract"),
        }
        for name, (country, safeguard) in typed.items():
            old.objects.create(name=name, purpose="x", country=country, safeguard=safeguard)
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps.get_model("consent", "Recipient")
        found = {
            r.name: (r.safeguard, r.scc_also, r.needs_review, r.safeguard_note)
            for r in new.objects.all()
        }
        assert found == {
            "Shield Mail Inc": ("", False, True, ""),
            "Framework Mail Inc": ("dpf", True, True, ""),
            "Clauses Cloud Ltd": ("scc", False, False, ""),
            "Kirjanpito Oy": ("", False, False, ""),
            "Mystery Inc": ("", False, True, ""),
        }
        # Backwards: the choices in words again, an emptied one stays empty.
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps.get_model("consent", "Recipient")
        back = dict(old.objects.values_list("name", "safeguard"))
        assert back["Shield Mail Inc"] == ""
        assert "Data Privacy Framework" in back["Framework Mail Inc"]
        assert "standard contractual clauses" in back["Framework Mail Inc"]
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
