"""compose.yaml: valid under the Compose Specification, and a deployment that holds together.

No Docker engine runs here: the file is checked against the specification's JSON schema,
and against what it runs (the image's Dockerfile and entrypoint, the Django management
commands) and the example of its env file.
"""

import copy
import ipaddress
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml
from django.core.management import get_commands
from dockerfile_parse import DockerfileParser

from tests.test_container import ENTRYPOINT, GRACEFUL_TIMEOUT, run_entrypoint_with_stubs

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "compose.yaml"
ENV_EXAMPLE = ROOT / ".env.compose.example"
DOCKERFILE = ROOT / "Dockerfile"
# The Compose Specification's JSON schema, vendored unchanged: schema/compose-spec.json of
# https://github.com/compose-spec/compose-spec at commit a08f8d51631b7127ddac3d2c65537db429d0f1d0
# (2025-10-28, the file's last change; the same at 170098ba07d9f53c383a41bfd4c5166b0a4529a6).
SCHEMA = Path(__file__).resolve().parent / "data" / "compose-spec.json"

APP_SERVICES = ("web", "worker")
# What the env file must hold: the app's secrets and its public address and email.
REQUIRED_IN_ENV_FILE = {
    "SECRET_KEY",
    "SUPPRESSION_KEY",
    "POSTGRES_PASSWORD",
    "SITE_URL",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
}
# Secrets: only ever in the env file, never with a value in compose.yaml or in the example.
SECRETS = {"SECRET_KEY", "SUPPRESSION_KEY", "POSTGRES_PASSWORD", "EMAIL_URL"}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|_KEY$|TOKEN")
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}; $$ is a literal $.
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
POSTGRES_MAJOR = "15"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict) -> dict:
    return compose["services"]


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's interpolation, enough for this file: every variable must be in env."""

    def replace(match: re.Match[str]) -> str:
        return env[match.group(1)]

    return INTERPOLATION.sub(replace, value).replace("$$", "$")


def _duration_seconds(value: str | int) -> float:
    """A Compose duration ("1m30s", "90s") in seconds."""
    units = {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    parts = re.findall(r"(\d+(?:\.\d+)?)(us|ms|s|m|h)", str(value))
    assert parts and "".join(n + u for n, u in parts) == str(value), f"not a duration: {value}"
    return sum(float(number) * units[unit] for number, unit in parts)


def _env_file_lines() -> dict[str, str]:
    """The example's NAME=value lines that are set, not commented out."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, sep, value = line.partition("=")
            assert sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", name), f"not NAME=value: {line!r}"
            values[name] = value
    return values


def _env_file_mentions() -> set[str]:
    """Every NAME=... in the example, set or commented out (the optional ones)."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.MULTILINE))


def _named_volumes(service: dict) -> dict[str, str]:
    """Target path -> volume name, for the service's named volumes (short syntax)."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, _, rest = volume.partition(":")
        target = rest.partition(":")[0]
        assert not source.startswith((".", "/", "~")), f"a host path, not a named volume: {volume}"
        mounts[target] = source
    return mounts


def _dockerfile_healthcheck() -> tuple[dict[str, str], list[str]]:
    instructions = DockerfileParser(str(DOCKERFILE), env_replace=False).structure
    (value,) = [i["value"] for i in instructions if i["instruction"] == "HEALTHCHECK"]
    options, _, command = value.partition("CMD")
    flags = dict(re.findall(r"--([a-z-]+)=(\S+)", options))
    return flags, json.loads(command)


# The file itself


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text())
    # The schema says draft-07 (in a spelling jsonschema does not look up by itself).
    assert "draft-07" in schema["$schema"]
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _schema_errors(validator: jsonschema.Draft7Validator, document: dict) -> list[str]:
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.path])
    return [f"{'/'.join(map(str, e.path)) or '(top)'}: {e.message}" for e in errors]


def test_it_is_valid_under_the_compose_specification(
    validator: jsonschema.Draft7Validator, compose: dict
) -> None:
    assert _schema_errors(validator, compose) == []


def test_the_schema_catches_a_mistake(validator: jsonschema.Draft7Validator, compose: dict) -> None:
    # The same file with a misspelt key and a wrong value: the check is not a formality.
    broken = copy.deepcopy(compose)
    broken["services"]["web"]["restart_policy"] = "always"
    broken["services"]["worker"]["depends_on"]["web"]["condition"] = "healthy"
    errors = _schema_errors(validator, broken)
    assert any("restart_policy" in error for error in errors), errors
    assert any(error.startswith("services/worker/depends_on") for error in errors), errors


def test_it_has_no_version_key_and_a_fixed_project_name(compose: dict) -> None:
    # `version` is obsolete in the Compose Specification. The project name fixes the
    # volumes' names, whatever the checkout's directory is called.
    assert "version" not in compose
    assert compose["name"] == "rekisteri"


def test_it_runs_the_web_the_worker_and_postgresql(services: dict) -> None:
    assert set(services) == {"web", "worker", "db"}


# What the services run


def test_web_and_worker_run_one_image_built_here(services: dict) -> None:
    web, worker = services["web"], services["worker"]
    assert web["build"] == worker["build"] == "."
    # The same image name: built once; and with `build`, never pulled from a registry.
    assert web["image"] == worker["image"]
    assert not web["image"].startswith("postgres")


def test_the_web_runs_the_images_entrypoint_and_its_default(services: dict) -> None:
    web = services["web"]
    assert "entrypoint" not in web and "command" not in web
    instructions = DockerfileParser(str(DOCKERFILE), env_replace=False).structure
    (entrypoint,) = [i["value"] for i in instructions if i["instruction"] == "ENTRYPOINT"]
    program = json.loads(entrypoint)[0]
    assert program == "/app/" + ENTRYPOINT.relative_to(ROOT).as_posix()
    assert ENTRYPOINT.is_file()


def test_the_workers_command_is_the_entrypoints_worker_mode(services: dict, tmp_path: Path) -> None:
    worker = services["worker"]
    assert "entrypoint" not in worker
    assert worker["command"] == ["worker"]
    # The image's entrypoint given that command: it execs `python manage.py worker`.
    run = run_entrypoint_with_stubs(tmp_path, *worker["command"])
    assert run.returncode == 0, run.output
    assert run.programs() == [["python", "manage.py", "worker"]]


def test_the_worker_management_command_exists() -> None:
    # What the worker's container runs: `python manage.py worker`.
    assert "worker" in get_commands(), "no `worker` management command: the worker cannot start"


def test_only_the_web_container_migrates(services: dict) -> None:
    # The entrypoint's worker mode does not migrate by default; the pin keeps a
    # MIGRATE_ON_START=1 in the env file from making it (both would migrate at once).
    assert services["worker"]["environment"]["MIGRATE_ON_START"] == "0"
    assert "MIGRATE_ON_START" not in services["web"].get("environment", {})


# Health, order, restarts and stops


def test_the_web_checks_its_health_as_the_image_does(services: dict) -> None:
    flags, command = _dockerfile_healthcheck()
    healthcheck = services["web"]["healthcheck"]
    assert healthcheck["test"] == ["CMD", *command]
    for name in ("interval", "timeout", "start-period"):
        assert healthcheck[name.replace("-", "_")] == flags[name]
    assert healthcheck["retries"] == int(flags["retries"])


def test_the_worker_does_not_inherit_the_web_servers_health_check(services: dict) -> None:
    # The image's check asks port 8000, where nothing listens in the worker's container:
    # inherited, it would mark the worker unhealthy for ever.
    healthcheck = services["worker"]["healthcheck"]
    if healthcheck.get("disable"):
        return
    test = healthcheck["test"]
    assert test[0] in ("CMD", "CMD-SHELL") and test[1] == "python", test
    assert "8000" not in " ".join(test) and "healthz" not in " ".join(test)


def test_the_database_is_postgresql_15_pinned_with_a_health_check(services: dict) -> None:
    db = services["db"]
    # A full version on the same Debian release as the app's image, not a moving tag.
    assert re.fullmatch(rf"postgres:{POSTGRES_MAJOR}\.\d+-bookworm", db["image"]), db["image"]
    test = db["healthcheck"]["test"]
    assert test[0] == "CMD" and test[1] == "pg_isready"
    # Over TCP, as the app connects: the socket answers during the first initialisation.
    assert "--host=127.0.0.1" in test
    assert f"--username={db['environment']['POSTGRES_USER']}" in test
    assert f"--dbname={db['environment']['POSTGRES_DB']}" in test


def test_the_image_has_the_pg_dump_of_the_databases_major_version(services: dict) -> None:
    # `manage.py backup` in the web or worker container runs pg_dump (rekisteri/backup.py).
    major = services["db"]["image"].partition(":")[2].partition(".")[0]
    instructions = DockerfileParser(str(DOCKERFILE), env_replace=False).structure
    runs = " ".join(i["value"] for i in instructions if i["instruction"] == "RUN")
    assert f"postgresql-client-{major}" in runs


def test_the_app_waits_for_a_healthy_database_and_the_worker_for_the_web(
    services: dict,
) -> None:
    for name in APP_SERVICES:
        assert services[name]["depends_on"]["db"] == {"condition": "service_healthy"}, name
    # The web is healthy only after its migrations: the worker never meets an old schema.
    assert services["worker"]["depends_on"]["web"] == {"condition": "service_healthy"}


def test_every_service_restarts_and_stops_gracefully(services: dict) -> None:
    for name, service in services.items():
        assert service["restart"] == "unless-stopped", name
        # Longer than Docker's default 10 s, and than gunicorn's graceful timeout.
        assert _duration_seconds(service["stop_grace_period"]) > GRACEFUL_TIMEOUT, name


def test_every_service_keeps_its_log_bounded(services: dict) -> None:
    for name, service in services.items():
        options = service["logging"]["options"]
        assert options["max-size"] and int(options["max-file"]) > 0, name


# Network and proxy


def test_only_the_web_is_published_and_on_the_loopback_address_only(services: dict) -> None:
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]
    assert "ports" not in services["worker"] and "ports" not in services["db"]


def test_the_proxy_on_the_host_is_trusted_and_nothing_else(compose: dict, services: dict) -> None:
    environment = services["web"]["environment"]
    assert environment["TRUSTED_PROXY"] == "true"
    # The host's proxy reaches gunicorn from the gateway of the web's network.
    (ipam,) = compose["networks"]["default"]["ipam"]["config"]
    subnet = ipaddress.ip_network(ipam["subnet"])
    gateway = ipaddress.ip_address(ipam["gateway"])
    assert gateway in subnet and subnet.is_private
    assert environment["FORWARDED_ALLOW_IPS"] == str(gateway)
    assert "default" in services["web"]["networks"]


def test_the_database_is_on_an_internal_network_only(compose: dict, services: dict) -> None:
    assert compose["networks"]["backend"]["internal"] is True
    assert services["db"]["networks"] == ["backend"]
    for name in APP_SERVICES:
        assert "backend" in services[name]["networks"], name


def test_the_app_connects_to_the_database_service(services: dict) -> None:
    db = services["db"]
    password = "p4ssw0rd"
    urls = {
        _interpolate(services[name]["environment"]["DATABASE_URL"], {"POSTGRES_PASSWORD": password})
        for name in APP_SERVICES
    }
    (url,) = urls  # the same for both
    parts = urlsplit(url)
    assert parts.scheme == "postgres"
    assert (parts.hostname, parts.port) == ("db", 5432)
    assert parts.username == db["environment"]["POSTGRES_USER"]
    assert parts.password == password
    assert parts.path == "/" + db["environment"]["POSTGRES_DB"]
    assert _interpolate(db["environment"]["POSTGRES_PASSWORD"], {"POSTGRES_PASSWORD": password})


# Volumes


def test_data_lives_in_declared_named_volumes(compose: dict, services: dict) -> None:
    declared = set(compose["volumes"])
    web, worker, db = (_named_volumes(services[name]) for name in ("web", "worker", "db"))
    # The app's /data (backups under /data/backups): one volume for the web and the worker.
    assert web["/data"] == worker["/data"]
    assert db["/var/lib/postgresql/data"]
    used = {*web.values(), *worker.values(), *db.values()}
    assert used == declared


# The env file and secrets


def test_the_app_reads_the_env_file_and_the_database_does_not(services: dict) -> None:
    for name in APP_SERVICES:
        assert services[name]["env_file"] == ".env", name
    # The database container gets its own password and none of the app's secrets.
    assert "env_file" not in services["db"]


def test_the_example_env_file_lists_what_the_env_file_must_hold(compose: dict) -> None:
    assert set(_env_file_lines()) >= REQUIRED_IN_ENV_FILE, "required and not in the example"
    # And every variable compose.yaml takes from it.
    interpolated = {match.group(1) for match in INTERPOLATION.finditer(COMPOSE.read_text())}
    assert interpolated <= _env_file_mentions()


def test_the_example_env_file_holds_no_secret() -> None:
    values = _env_file_lines()
    for name in SECRETS:
        assert values[name] == "", f"{name} has a value in the example"


def test_compose_yaml_holds_no_secret_value(services: dict) -> None:
    for name, service in services.items():
        environment = service.get("environment", {})
        assert isinstance(environment, dict), f"{name}: environment as a mapping"
        # The app's secrets come from the env file only.
        assert not (SECRETS - {"POSTGRES_PASSWORD"}) & set(environment), name
        for key, value in environment.items():
            if SECRET_NAME.search(key):
                # Only a reference to the env file, which must be there: ${NAME:?...}.
                match = INTERPOLATION.fullmatch(value)
                assert match and match.group(1) == key and match.group(2) == ":?", (name, key)
    # Nowhere in the file (comments included) a URL with a written-out password: with every
    # ${...} read as a placeholder, a URL's password can only be one.
    text = INTERPOLATION.sub("INTERPOLATED", COMPOSE.read_text())
    urls = re.findall(r"[a-z][a-z0-9+.-]*://[^\s\"']+", text)
    assert any(urlsplit(url).password for url in urls), "DATABASE_URL not found"
    for url in urls:
        assert urlsplit(url).password in (None, "INTERPOLATED"), url


def test_the_env_files_stay_out_of_git() -> None:
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()
