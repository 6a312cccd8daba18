"""Shared helpers of the load and fault scripts in bench/ (not a test module).

Everything here talks to 127.0.0.1 only: gunicorn binds to it, the SMTP sink listens on it,
the HTTP clients connect to it and EMAIL_URL points at it. Each script:

1. makes a temporary folder and a fresh database (`fresh_database`): a new SQLite file in
   that folder, or, when DATABASE_URL names a PostgreSQL database, a new database created
   beside it with the same role (which needs CREATEDB) and dropped at the end; the database
   in DATABASE_URL itself is never touched;
2. starts an SMTP sink (`SmtpSink`, aiosmtpd in this process) that counts what it gets;
3. migrates, collects the static files and seeds customers with `manage.py` and the
   production settings (`app_env`: DEBUG off, SECURE_SSL_REDIRECT off for plain HTTP, the
   rate limits set high);
4. starts gunicorn as rekisteri/entrypoint.sh does (`Gunicorn`), sends the traffic
   (`run_clients`), counts rows with `manage.py shell -c` (`django_json`) and prints a
   table and a PASS/FAIL line (`Verdict`).
"""

from __future__ import annotations

import http.client
import json
import math
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # the only address any script sends traffic to
_VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(_VENV_BIN / "python") if (_VENV_BIN / "python").exists() else sys.executable
GUNICORN = (
    [str(_VENV_BIN / "gunicorn")]
    if (_VENV_BIN / "gunicorn").exists()
    else [
        PYTHON,
        "-m",
        "gunicorn",
    ]
)
HIGH_LIMIT = "1000000"


class BenchTimeout(Exception):
    """The whole run took longer than its time limit."""


def install_timeout(seconds: int) -> None:
    """Raise BenchTimeout in the main thread after `seconds`; the script's `finally` cleans up."""

    def expired(signum: int, frame: Any) -> None:
        raise BenchTimeout(f"the run took longer than {seconds} s")

    signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="rekisteri-bench-"))


# --- The database -----------------------------------------------------------------------


@dataclass
class Database:
    url: str
    vendor: str  # "sqlite" or "postgresql"
    name: str
    _drop: Callable[[], None] | None = None

    def drop(self) -> None:
        if self._drop is not None:
            self._drop()
            self._drop = None


def is_postgres_url(url: str) -> bool:
    return urllib.parse.urlsplit(url).scheme in ("postgres", "postgresql", "pgsql", "psql")


def _libpq_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(scheme="postgresql"))


def fresh_database(folder: Path) -> Database:
    """A new, empty database: PostgreSQL beside DATABASE_URL's when set, else SQLite."""
    base = os.environ.get("DATABASE_URL", "")
    if not base:
        path = folder / "bench.sqlite3"
        return Database(url=f"sqlite:///{path}", vendor="sqlite", name=str(path))
    if not is_postgres_url(base):
        raise SystemExit(f"DATABASE_URL must be PostgreSQL (or unset for SQLite): {base!r}")
    import psycopg
    from psycopg import sql

    name = f"rekisteri_bench_{secrets.token_hex(4)}"
    with psycopg.connect(_libpq_url(base), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = urllib.parse.urlsplit(base)
    url = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))

    def drop() -> None:
        for _ in range(10):
            try:
                with psycopg.connect(_libpq_url(base), autocommit=True) as conn:
                    conn.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(name)
                        )
                    )
                return
            except psycopg.OperationalError as error:  # the server may be restarting
                last = error
                time.sleep(1)
        print(f"warning: could not drop the bench database {name}: {last}", file=sys.stderr)

    return Database(url=url, vendor="postgresql", name=name, _drop=drop)


def postgres_version(url: str) -> str:
    import psycopg

    with psycopg.connect(_libpq_url(url)) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])


# --- The app's environment and manage.py ------------------------------------------------


def app_env(
    folder: Path, database_url: str, *, smtp_port: int, web_port: int, **extra: str
) -> dict[str, str]:
    """Production settings (DEBUG off) for a plain-HTTP server on 127.0.0.1."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="rekisteri.settings",
        DATABASE_URL=database_url,
        DATA_DIR=str(folder / "data"),
        STATIC_ROOT=str(folder / "static"),
        SECRET_KEY=secrets.token_urlsafe(50),
        SUPPRESSION_KEY=secrets.token_urlsafe(50),
        DEBUG="false",
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="false",
        SITE_URL=f"http://{HOST}:{web_port}",
        EMAIL_URL=f"smtp://{HOST}:{smtp_port}",
        RIGHTS_LIMIT_PER_EMAIL=HIGH_LIMIT,
        RIGHTS_LIMIT_PER_IP=HIGH_LIMIT,
        UNKNOWN_MAIL_PER_HOUR=HIGH_LIMIT,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: int = 120) -> str:
    """Run `manage.py ARGS` with `env`; its standard output, or SystemExit with its errors."""
    done = subprocess.run(  # noqa: S603 - fixed command, no shell
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def django_json(env: dict[str, str], code: str) -> Any:
    """Run `code` in `manage.py shell -c`; it must print one JSON value last."""
    out = manage(env, "shell", "-c", code)
    return json.loads(out.strip().splitlines()[-1])


def prepare_app(env: dict[str, str]) -> None:
    """Migrate the fresh database and collect the static files (DEBUG off needs them)."""
    manage(env, "migrate", "--noinput", timeout=300)
    manage(env, "collectstatic", "--noinput", timeout=300)


SEED_CODE = """
import json
from customers.models import Customer
emails = json.loads({emails!r})
people = [Customer(first_name="Testi", last_name=f"Asiakas{{n}}", email=e)
          for n, e in enumerate(emails)]
Customer.objects.bulk_create(people, batch_size=500)
print(json.dumps(Customer.objects.count()))
"""


def seed_customers(env: dict[str, str], emails: list[str]) -> int:
    """Create one customer per address (these addresses are "known" to the register)."""
    return django_json(env, SEED_CODE.format(emails=json.dumps(emails)))


COUNT_CODE = """
import json
from django.db.models import Q
from consent.models import OutboxEmail, RightsRequest
print(json.dumps({
    "rights_requests": RightsRequest.objects.count(),
    "rights_unanswered": RightsRequest.objects.filter(answered_at__isnull=True).count(),
    "rights_emails": list(RightsRequest.objects.values_list("email", flat=True)),
    "outbox": OutboxEmail.objects.count(),
    "outbox_sent": OutboxEmail.objects.filter(sent_at__isnull=False).count(),
    "outbox_unsent": OutboxEmail.objects.filter(sent_at__isnull=True).count(),
    "outbox_unsent_claimed": OutboxEmail.objects.filter(
        sent_at__isnull=True, claimed_at__isnull=False
    ).count(),
    "outbox_with_error": OutboxEmail.objects.exclude(last_error="").count(),
    "outbox_failed_sends": OutboxEmail.objects.filter(
        Q(attempts__gt=1) | Q(sent_at__isnull=True, attempts__gte=1)
    ).count(),
}))
"""


def counts(env: dict[str, str]) -> dict[str, Any]:
    """Rows of the rights requests and the outbox, read through Django."""
    return django_json(env, COUNT_CODE)


# --- The SMTP sink ----------------------------------------------------------------------


class SmtpSink:
    """aiosmtpd on 127.0.0.1 in this process, counting messages and their recipients.

    stop() and start() again on the same port simulate a mail server that goes away and
    comes back.
    """

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.lock = threading.Lock()
        self.messages = 0
        self.recipients: list[str] = []
        self._controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.messages += 1
            self.recipients.extend(r.lower() for r in envelope.rcpt_tos)
        return "250 OK"

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname=HOST, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def snapshot(self) -> tuple[int, list[str]]:
        with self.lock:
            return self.messages, list(self.recipients)


# --- gunicorn ---------------------------------------------------------------------------


class _Process:
    """A process of the app's (gunicorn, the worker) in a session of its own, its output
    in a log file; SIGTERM stops it, SIGKILL to its group if it does not stop in 25 s."""

    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def _spawn(self, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - fixed command, no shell
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self.process

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=25)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


class Gunicorn(_Process):
    """gunicorn with the entrypoint's options, bound to 127.0.0.1, logging to a file."""

    def __init__(self, env: dict[str, str], folder: Path, *, port: int, workers: int = 4) -> None:
        self.env = env
        self.port = port
        self.workers = workers
        self.log_path = folder / "gunicorn.log"  # gunicorn's and Django's messages
        self.access_log_path = folder / "access.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready_timeout: float = 60) -> Gunicorn:
        command = [
            *GUNICORN,
            "rekisteri.wsgi:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--graceful-timeout",
            "20",
            "--timeout",
            "30",
            "--forwarded-allow-ips",
            HOST,
            "--access-logfile",
            str(self.access_log_path),
            "--error-logfile",
            "-",
            "--no-control-socket",
            "--logger-class",
            "rekisteri.logging.GunicornLogger",
        ]
        process = self._spawn(command, self.env)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited at start:\n{self.log_tail()}")
            if len(self.worker_pids()) == self.workers and get(self.port, "/healthz").status == 200:
                return self
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not get ready in {ready_timeout} s:\n{self.log_tail()}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def worker_pids(self) -> list[int]:
        """The master's children (its workers), read from /proc."""
        if self.process is None:
            return []
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (comm) state ppid ...": comm may hold spaces, so split after the ")".
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                children.append(int(entry.name))
        return sorted(children)

    def wait_workers(self, count: int, exclude: Iterable[int] = (), timeout: float = 30) -> bool:
        """True once `count` workers run, none of them in `exclude` (the killed ones)."""
        gone = set(exclude)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) == count and not gone & set(pids):
                return True
            time.sleep(0.1)
        return False

    def tracebacks(self) -> list[str]:
        """The Python tracebacks in the log, each with the line logged before it (Django's
        "Internal Server Error: /path" for a 500) and its chained causes."""
        found = []
        lines = self.log_text().splitlines()
        n = 0
        while n < len(lines):
            if not lines[n].startswith("Traceback (most recent call last):"):
                n += 1
                continue
            start = n - 1 if n and not lines[n - 1].startswith(" ") else n
            end = n + 1
            while end < len(lines) and (
                lines[end].startswith((" ", "\t", "Traceback", "The above", "During handling"))
                or not lines[end].strip()
                or _EXCEPTION_LINE.match(lines[end])
            ):
                end += 1
            found.append("\n".join(lines[start:end]).rstrip())
            n = end
        return found


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(:|$)")


def exception_line(trace: str) -> str:
    """The last "module.Class: message" line of a traceback (the exception raised last)."""
    found = [line for line in trace.splitlines() if _EXCEPTION_LINE.match(line)]
    return found[-1] if found else trace.strip().splitlines()[-1]


# --- HTTP clients -----------------------------------------------------------------------


@dataclass
class Answer:
    status: int | None  # None: no HTTP answer (refused, reset, timed out)
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    error: str = ""
    elapsed: float = 0.0

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Answer:
    """One request on a new connection (gunicorn's sync workers close after each)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"Connection": "close", **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        return Answer(
            response.status, response.getheaders(), data, elapsed=time.perf_counter() - started
        )
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, error=type(error).__name__, elapsed=time.perf_counter() - started)
    finally:
        conn.close()


def get(port: int, path: str, timeout: float = 10) -> Answer:
    return request(port, "GET", path, timeout=timeout)


_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class RightsClient:
    """One visitor with its own cookie jar: GET /rights/ once, then POST the form."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.token = ""

    def _cookie_header(self) -> dict[str, str]:
        if not self.cookies:
            return {}
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def _keep_cookies(self, answer: Answer) -> None:
        for name, value in answer.headers:
            if name.lower() == "set-cookie":
                jar = SimpleCookie()
                jar.load(value)
                for key, morsel in jar.items():
                    self.cookies[key] = morsel.value

    def load_form(self, tries: int = 20) -> bool:
        for _ in range(tries):
            answer = request(self.port, "GET", "/rights/", headers=self._cookie_header())
            if answer.status == 200:
                self._keep_cookies(answer)
                match = _TOKEN.search(answer.body)
                if match:
                    self.token = match.group(1).decode()
                    return True
            time.sleep(0.2)
        return False

    def submit(self, email: str, request_type: str, message: str = "") -> Answer:
        if not self.token:
            self.load_form()
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": self.token,
                "email": email,
                "request_type": request_type,
                "message": message,
                "website": "",
            }
        ).encode()
        answer = request(
            self.port,
            "POST",
            "/rights/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                **self._cookie_header(),
            },
        )
        self._keep_cookies(answer)
        if answer.status == 403:  # CSRF refused: start again from the form
            self.token = ""
        return answer


def accepted(answer: Answer) -> bool:
    """The form's success answer: a redirect to /rights/sent/."""
    return answer.status in (302, 303) and answer.header("Location").endswith("/rights/sent/")


@dataclass
class Job:
    email: str
    request_type: str


@dataclass
class Result:
    job: Job
    answer: Answer
    started: float  # time.monotonic()
    ended: float

    @property
    def ok(self) -> bool:
        return accepted(self.answer)


REQUEST_TYPES = ("access", "erasure", "rectification", "objection", "restriction", "portability")


def make_jobs(count: int, known: Iterable[str], prefix: str = "henkilo") -> list[Job]:
    """`count` requests, one per address, every address unique: the `known` ones first
    spread among unknown ones, so the mix is even throughout the run."""
    known = list(known)
    unknown = [f"{prefix}-{n:05d}@tuntematon.example" for n in range(count - len(known))]
    addresses = []
    while known or unknown:
        if known:
            addresses.append(known.pop(0))
        if unknown:
            addresses.append(unknown.pop(0))
    return [Job(a, REQUEST_TYPES[n % len(REQUEST_TYPES)]) for n, a in enumerate(addresses)]


class Load:
    """`clients` threads, each a RightsClient, working through `jobs`; `pace` seconds is
    each client's least time between two requests (0: as fast as it can)."""

    def __init__(self, port: int, jobs: list[Job], clients: int, pace: float = 0) -> None:
        self.port = port
        self.jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
        for job in jobs:
            self.jobs.put(job)
        self.total = len(jobs)
        self.clients = clients
        self.pace = pace
        self.results: list[Result] = []
        self.form_failures = 0
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.started = self.ended = 0.0

    def _work(self) -> None:
        client = RightsClient(self.port)
        if not client.load_form():
            self.form_failures += 1
        while not self.stop_event.is_set():
            try:
                job = self.jobs.get_nowait()
            except queue.Empty:
                return
            started = time.monotonic()
            answer = client.submit(job.email, job.request_type, "Kuormitustesti.")
            self.results.append(Result(job, answer, started, time.monotonic()))
            if answer.status is None:
                client.token = ""  # a broken connection: load the form again
            if self.pace:
                time.sleep(max(0.0, self.pace - (time.monotonic() - started)))

    def start(self) -> Load:
        self.started = time.monotonic()
        for n in range(self.clients):
            thread = threading.Thread(target=self._work, name=f"client-{n}", daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    @property
    def done(self) -> int:
        return len(self.results)

    def wait_done(self, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while self.done < count and self.alive and time.monotonic() < deadline:
            time.sleep(0.02)

    @property
    def alive(self) -> bool:
        return any(t.is_alive() for t in self.threads)

    def join(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.ended = max((r.ended for r in self.results), default=time.monotonic())

    def stop(self) -> None:
        self.stop_event.set()


def hammer(port: int, path: str, count: int, clients: int) -> tuple[float, list[float], int]:
    """GET `path` `count` times from `clients` threads: (req/s, latencies, non-200 answers)."""
    left = iter(range(count))
    lock = threading.Lock()
    latencies: list[float] = []
    bad = [0]

    def work() -> None:
        while True:
            with lock:
                if next(left, None) is None:
                    return
            answer = get(port, path)
            with lock:
                latencies.append(answer.elapsed)
                if answer.status != 200:
                    bad[0] += 1

    threads = [threading.Thread(target=work, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count / (time.perf_counter() - started), latencies, bad[0]


# --- Figures and the verdict ------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def status_counts(results: Iterable[Result]) -> dict[str, int]:
    tally: dict[str, int] = {}
    for result in results:
        key = str(result.answer.status) if result.answer.status else result.answer.error
        tally[key] = tally.get(key, 0) + 1
    return dict(sorted(tally.items()))


def status_counts_plain(statuses: Iterable[int | None]) -> dict[str, int]:
    tally: dict[str, int] = {}
    for status in statuses:
        key = str(status) if status else "no answer"
        tally[key] = tally.get(key, 0) + 1
    return dict(sorted(tally.items()))


def print_table(title: str, rows: Iterable[tuple[str, Any]]) -> None:
    rows = list(rows)
    width = max(len(name) for name, _ in rows)
    print(f"\n{title}")
    print("-" * len(title))
    for name, value in rows:
        print(f"  {name.ljust(width)}  {value}")


def aborted(verdict: Verdict, error: BaseException) -> None:
    """Record a run that stopped early (time limit, a failed step) as a failed check."""
    if not isinstance(error, BenchTimeout | SystemExit):
        traceback.print_exception(error)
    verdict.check("the run went to the end", False, f"{type(error).__name__}: {error}")


class Verdict:
    """Named checks; `finish()` prints them and the PASS/FAIL line and gives the exit code."""

    def __init__(self) -> None:
        self.checks: list[tuple[str, bool, str]] = []

    def check(self, name: str, ok: bool, detail: Any = "") -> bool:
        self.checks.append((name, bool(ok), str(detail)))
        return bool(ok)

    def finish(self, script: str) -> int:
        print("\nChecks")
        print("------")
        for name, ok, detail in self.checks:
            print(f"  [{'ok' if ok else 'FAIL'}] {name}" + (f" ({detail})" if detail else ""))
        passed = bool(self.checks) and all(ok for _, ok, _ in self.checks)
        print(f"\n{script}: {'PASS' if passed else 'FAIL'}")
        return 0 if passed else 1


def machine_line() -> str:
    load1, load5, _ = os.getloadavg()
    return (
        f"{len(os.sched_getaffinity(0))} CPUs (nproc), Python {sys.version.split()[0]}, "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}, load average {load1:.2f} (1 min) "
        f"{load5:.2f} (5 min) before the run"
    )


def cleanup(*steps: Callable[[], Any]) -> None:
    """Run every step even if one fails (the script's `finally`); the time limit is off."""
    signal.alarm(0)
    for step in steps:
        try:
            step()
        except Exception as error:  # noqa: BLE001 - cleaning up must go on
            print(f"warning: cleanup step failed: {error}", file=sys.stderr)


def remove_folder(folder: Path, keep: bool = False) -> None:
    if keep:
        print(f"kept: {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


class Worker(_Process):
    """The background worker (`manage.py worker`, as the compose file's worker service
    runs it), logging to a file."""

    def __init__(self, env: dict[str, str], folder: Path, *, poll: float = 1.0) -> None:
        self.env = env
        self.poll = poll
        self.log_path = folder / "worker.log"

    def start(self) -> Worker:
        process = self._spawn([PYTHON, "manage.py", "worker", "--poll", str(self.poll)], self.env)
        time.sleep(0.5)
        if process.poll() is not None:
            raise SystemExit(f"the worker exited at start:\n{self.log_tail()}")
        return self


class BenchApp:
    """One run's app on loopback: a fresh database, an SMTP sink, customers seeded so that
    `known_share` of the addresses are known, the jobs to send, gunicorn and, with
    `worker=True`, the background worker; `close()` takes it all down again (call it from
    the script's `finally`)."""

    def __init__(self, args: Any) -> None:
        self.args = args
        self.folder = workdir()
        self.database: Database | None = None
        self.sink: SmtpSink | None = None
        self.server: Gunicorn | None = None
        self.worker: Worker | None = None

    def start(
        self,
        *,
        known_share: float = 0.5,
        describe: Callable[[Database], str] | None = None,
        worker: bool = False,
    ) -> BenchApp:
        self.database = fresh_database(self.folder)
        self.sink = SmtpSink()
        self.sink.start()
        self.port = free_port()
        self.env = app_env(
            self.folder, self.database.url, smtp_port=self.sink.port, web_port=self.port
        )
        print(f"machine: {machine_line()}")
        line = (
            describe(self.database) if describe else f"{self.database.vendor} {self.database.name}"
        )
        print(f"database: {line}")
        prepare_app(self.env)
        count = int(self.args.requests * known_share)
        self.known = [f"asiakas-{n:05d}@studio.example" for n in range(count)]
        seed_customers(self.env, self.known)
        self.jobs = make_jobs(self.args.requests, self.known)
        self.server = Gunicorn(self.env, self.folder, port=self.port, workers=self.args.workers)
        self.server.start()
        if worker:
            self.worker = Worker(self.env, self.folder).start()
        return self

    def close(self, *first: Callable[[], Any]) -> None:
        """Stop everything, running `first` (e.g. restarting a stopped cluster) before."""
        cleanup(
            *first,
            lambda: self.worker and self.worker.stop(),
            lambda: self.server and self.server.stop(),
            lambda: self.sink and self.sink.stop(),
            lambda: self.database and self.database.drop(),
            lambda: remove_folder(self.folder, self.args.keep),
        )
