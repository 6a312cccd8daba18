"""Fault test: PostgreSQL stopped and started again during a run of rights requests.

Needs DATABASE_URL to a local PostgreSQL 15 (a role with CREATEDB: the script works in a
new database beside it, dropped at the end) and the right to run pg_ctlcluster (root or
the postgres user). The cluster is the one listening on DATABASE_URL's port (from
pg_lsclusters), or PG_CLUSTER="15/main". It is stopped (fast mode: every connection is cut)
and started again, so run this on a cluster nobody else is using at the time.

1,200 requests from 8 paced clients (at most 10 requests a second each) against 4 gunicorn
workers; after a quarter of them PostgreSQL stops for --down seconds, then starts. Checks:
while it is down the form fails politely (503, never a 500 or a cut connection) and
/healthz says 503; /healthz is 200 again without restarting gunicorn (same master, same
workers); before and after the outage every request is accepted; every accepted request
(302 to /rights/sent/) is in the database.

    DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:5432/DB \\
        .venv/bin/python bench/fault_postgres.py [--requests 1200] [--down 5]
"""

import argparse
import os
import re
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _harness as h  # noqa: E402


def find_cluster(url: str) -> list[str]:
    """[version, name] of the local cluster serving `url`, or of PG_CLUSTER."""
    if os.environ.get("PG_CLUSTER"):
        return re.split(r"[/ ]", os.environ["PG_CLUSTER"].strip(), maxsplit=1)
    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in (None, "", "127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"PostgreSQL must be local to be restarted: host {parts.hostname!r}")
    port = str(parts.port or 5432)
    listing = subprocess.run(  # noqa: S603 - fixed command, no shell
        ["pg_lsclusters", "--no-header"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in listing.splitlines():
        version, name, cluster_port, *_ = line.split()
        if cluster_port == port:
            return [version, name]
    raise SystemExit(f"no local cluster on port {port} (pg_lsclusters); set PG_CLUSTER")


def pg_ctl(cluster: list[str], action: str) -> float:
    started = time.monotonic()
    extra = ["--mode", "fast"] if action == "stop" else []
    subprocess.run(  # noqa: S603 - fixed command, no shell
        ["pg_ctlcluster", *cluster, action, *extra],  # noqa: S607
        check=True,
        timeout=60,
    )
    return time.monotonic() - started


def page_title(body: bytes) -> str:
    match = re.search(rb"<title>(.*?)</title>", body, re.S)
    if match:
        return match.group(1).decode(errors="replace").strip()
    return body[:80].decode(errors="replace")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--pace", type=float, default=0.1, help="least s between a client's")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--down", type=float, default=5, help="seconds PostgreSQL stays down")
    parser.add_argument("--timeout", type=int, default=300, help="limit for the whole run (s)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "")
    if not h.is_postgres_url(base_url):
        print("fault_postgres needs DATABASE_URL to a local PostgreSQL (see the docstring).")
        print("fault_postgres: FAIL (not run)")
        return 2
    cluster = find_cluster(base_url)
    h.install_timeout(args.timeout)

    app = h.BenchApp(args)
    cluster_stopped = False
    verdict = h.Verdict()
    try:
        app.start(
            describe=lambda db: (
                f"PostgreSQL {h.postgres_version(db.url)} ({db.name}), cluster {'/'.join(cluster)}"
            )
        )
        sink, server = app.sink, app.server
        env, port, jobs = app.env, app.port, app.jobs
        master, workers_before = server.pid, server.worker_pids()

        print(f"load: {args.requests} requests; PostgreSQL down for {args.down} s on the way ...")
        load = h.Load(port, jobs, args.clients, pace=args.pace).start()
        load.wait_done(args.requests // 4)
        stop_begin = time.monotonic()
        cluster_stopped = True
        stop_time = pg_ctl(cluster, "stop")
        down_at = load.done
        health_down = []
        while time.monotonic() - stop_begin < args.down + stop_time:
            health_down.append(h.get(port, "/healthz").status)
            time.sleep(0.5)
        start_time = pg_ctl(cluster, "start")
        cluster_stopped = False
        started_at = time.monotonic()
        health_after = []
        recovered = None
        while time.monotonic() - started_at < 30:
            status = h.get(port, "/healthz").status
            health_after.append(status)
            if status == 200:
                recovered = time.monotonic() - started_at
                break
            time.sleep(0.2)
        up_again = time.monotonic()
        up_at = load.done
        load.join(timeout=args.timeout)
        results = load.results
        workers_after = server.worker_pids()

        def window(result: h.Result) -> str:
            if result.ended < stop_begin:
                return "before"
            if result.started > up_again:
                return "after"
            return "outage"

        parts = {
            name: [r for r in results if window(r) == name]
            for name in ("before", "outage", "after")
        }
        ok = [r for r in results if r.ok]
        impolite = [r for r in results if not r.ok and r.answer.status != 503]
        rows = h.counts(env)
        stored = set(rows["rights_emails"])
        accepted_emails = {r.job.email for r in ok}
        lost = accepted_emails - stored
        failed_but_stored = sum(1 for r in results if not r.ok and r.job.email in stored)
        retry_output = h.manage(env, "send_outbox").strip()
        after = h.counts(env)
        delivered, recipients = sink.snapshot()
        sample = next((r.answer for r in parts["outage"] if not r.ok and r.answer.status), None)

        h.print_table(
            "PostgreSQL outage",
            [
                ("requests sent", len(results)),
                ("stopped at request / started at", f"{down_at} / {up_at}"),
                ("pg_ctlcluster stop / start took", f"{stop_time:.1f} s / {start_time:.1f} s"),
                ("answers before the outage", h.status_counts(parts["before"])),
                ("answers during the outage", h.status_counts(parts["outage"])),
                ("answers after /healthz recovered", h.status_counts(parts["after"])),
                (
                    "page shown during the outage",
                    (f"{sample.status} {page_title(sample.body)!r}" if sample else "-"),
                ),
                ("/healthz while down", h.status_counts_plain(health_down)),
                (
                    "/healthz 200 again after start",
                    (f"{recovered:.1f} s" if recovered is not None else "NO (30 s)"),
                ),
                (
                    "gunicorn master / workers unchanged",
                    (f"{server.pid == master} / {workers_after == workers_before}"),
                ),
                ("accepted (302)", len(ok)),
                ("RightsRequest rows", rows["rights_requests"]),
                ("accepted but not stored (lost)", len(lost)),
                ("failed answer but stored anyway", failed_but_stored),
                ("outbox unsent after the run", rows["outbox_unsent"]),
                ("send_outbox", repr(retry_output)),
                ("outbox unsent after send_outbox", after["outbox_unsent"]),
                ("emails at the sink", f"{delivered} to {len(set(recipients))} addresses"),
            ],
        )

        if failed_but_stored:
            print(
                f"\nnote: {failed_but_stored} request(s) answered with an error were stored "
                "anyway: the database went away after the commit, while the on_commit email "
                "hook (consent.mail.outbox.deliver) wrote to it (see bench/RESULTS.md)."
            )

        verdict.check("every accepted request stored", not lost, f"{len(lost)} lost")
        verdict.check(
            "the outage was felt (failed answers while down)",
            any(not r.ok for r in parts["outage"]),
        )
        verdict.check(
            "every failure polite: 503, no 500, no cut connection",
            not impolite,
            h.status_counts(impolite) if impolite else "",
        )
        verdict.check("/healthz 503 while down", 503 in health_down and 200 not in health_down)
        verdict.check(
            "/healthz recovers without restarting gunicorn",
            recovered is not None and server.pid == master and workers_after == workers_before,
        )
        verdict.check(
            "every request accepted before and after the outage",
            all(r.ok for r in parts["before"] + parts["after"]),
        )
        errors = [t for t in server.tracebacks() if t.startswith("Internal Server Error")]
        if errors:
            kinds: dict[str, list[str]] = {}
            for trace in errors:
                path = trace.splitlines()[0].split(": ", 1)[-1]
                where = f"{path} {'on_commit email hook' if 'in deliver' in trace else 'view'}"
                cls, _, message = h.exception_line(trace).partition(": ")
                kind = f"{where}: {cls}: ...{message.rsplit('failed: ', 1)[-1][:70]}"
                kinds.setdefault(kind, []).append(trace)
            print(f"\n{len(errors)} server errors (500) logged by Django, by the exception:")
            for kind, traces in sorted(kinds.items(), key=lambda item: -len(item[1])):
                print(f"  {len(traces):5d} x {kind}")
            ranked = sorted(kinds.items(), key=lambda item: -len(item[1]))
            examples = [ranked[0]] + [k for k in ranked[1:] if "on_commit" in k[0]][:1]
            for kind, traces in examples:
                print(f"\nExample ({len(traces)} x {kind}):\n{traces[0]}")
    except (Exception, SystemExit) as error:  # noqa: BLE001 - reported as a failed check
        h.aborted(verdict, error)
    finally:
        app.close(lambda: cluster_stopped and pg_ctl(cluster, "start"))
    return verdict.finish("fault_postgres")


if __name__ == "__main__":
    sys.exit(main())
