"""The README's commands work as written in a fresh checkout after `make run`, with nothing
set by hand: `make run` writes a local .env, and every `.venv/bin/python manage.py ...`
the README shows names a command that exists."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
# What a newcomer's shell has: none of the app's settings.
_SETTINGS = ("DEBUG", "SECRET_KEY", "SUPPRESSION_KEY", "DATABASE_URL", "DATA_DIR")


def _fresh_checkout(tmp_path: Path) -> Path:
    """The files a clone would have: tracked and new files, nothing git ignores."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    target = tmp_path / "checkout"
    for name in filter(None, files):
        source = ROOT / name.decode()
        if source.is_file():
            destination = target / name.decode()
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    return target


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in _SETTINGS and not k.startswith("DJANGO")}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _readme_commands() -> list[str]:
    return sorted(set(re.findall(r"\.venv/bin/python manage\.py ([a-z_]+)", README)))


def test_the_readme_shows_manage_commands_in_the_form_that_works():
    assert _readme_commands(), "the README shows its commands as .venv/bin/python manage.py"
    # (Inside the container `python` is the app's; in the checkout it must be the venv's.)
    bare = re.findall(r"`python3? manage\.py", README)
    assert bare == [], "write `.venv/bin/python manage.py`: plain `python` is not the venv's"


def test_a_readme_command_works_in_a_fresh_checkout_after_make_run(tmp_path):
    checkout = _fresh_checkout(tmp_path)
    assert not (checkout / ".env").exists()
    # The step of `make run` that sets up the checkout (its server is not started here).
    made = _run(["make", "-s", ".env"], checkout)
    assert made.returncode == 0, made.stderr
    python = sys.executable  # the checkout's .venv/bin/python, which make run creates
    migrated = _run([python, "manage.py", "migrate", "--noinput"], checkout)
    assert migrated.returncode == 0, migrated.stderr
    result = _run([python, "manage.py", "apply_retention", "--dry-run"], checkout)
    assert result.returncode == 0, result.stderr
    # In the studio's language, Finnish unless LANGUAGE_CODE says otherwise.
    assert "mitään ei muutettu" in result.stdout
    for name in _readme_commands():
        helped = _run([python, "manage.py", name, "--help"], checkout)
        assert helped.returncode == 0, f"{name}: {helped.stderr}"
    assert (checkout / "data" / "secret_key").is_file()
    assert (checkout / "data" / "suppression_key").is_file()
