"""Fault test: gunicorn workers killed with SIGKILL in the middle of a run.

1,500 rights requests from 16 clients against 4 workers (fresh database as in
load_rights.py, every address unique). At a quarter, half and three quarters of the run
one worker (a child of the master, read from /proc) gets SIGKILL; the master must start a
new one. Every request that got the success answer (302 to /rights/sent/) must be in the
database, matched by its address; the request the killed worker was serving gets no
answer (the connection closes), never a 5xx. Emails left unsent by a kill are counted, then
`manage.py send_outbox` retries them.

    .venv/bin/python bench/fault_worker_kill.py [--requests 1500] [--clients 16] [--kills 3]
"""

import argparse
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _harness as h  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--kills", type=int, default=3, help="workers to kill, spread evenly")
    parser.add_argument("--timeout", type=int, default=300, help="limit for the whole run (s)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    h.install_timeout(args.timeout)

    app = h.BenchApp(args)
    verdict = h.Verdict()
    try:
        app.start()
        sink, server = app.sink, app.server
        env, port, jobs = app.env, app.port, app.jobs
        master = server.pid

        print(f"load: {args.requests} requests, {args.kills} workers killed on the way ...")
        load = h.Load(port, jobs, args.clients).start()
        kills = []  # (at request, pid, respawned, seconds to respawn)
        for n in range(1, args.kills + 1):
            load.wait_done(args.requests * n // (args.kills + 1))
            workers = server.worker_pids()
            victim = workers[(n - 1) % len(workers)]
            at = load.done
            os.kill(victim, signal.SIGKILL)
            started = time.monotonic()
            respawned = server.wait_workers(args.workers, exclude=[victim], timeout=30)
            kills.append((at, victim, respawned, time.monotonic() - started))
        load.join(timeout=args.timeout)
        results = load.results
        ok = [r for r in results if r.ok]
        unanswered = [r for r in results if r.answer.status is None]
        server_errors = [r for r in results if r.answer.status and r.answer.status >= 500]
        health_after = h.get(port, "/healthz").status
        time.sleep(1)

        before = h.counts(env)
        stored = set(before["rights_emails"])
        accepted_emails = {r.job.email for r in ok}
        lost = accepted_emails - stored
        unanswered_stored = sum(1 for r in unanswered if r.job.email in stored)
        retry_output = h.manage(env, "send_outbox").strip()
        after = h.counts(env)
        delivered, recipients = sink.snapshot()

        h.print_table(
            "Worker kills",
            [
                ("requests sent", len(results)),
                ("answers", h.status_counts(results)),
                ("accepted (302)", len(ok)),
                *(
                    (
                        f"kill {n}",
                        f"at request {at}: pid {pid}; "
                        + (f"new worker after {secs:.1f} s" if again else "NOT replaced"),
                    )
                    for n, (at, pid, again, secs) in enumerate(kills, 1)
                ),
                ("requests without an answer (cut)", len(unanswered)),
                ("  of which stored anyway", unanswered_stored),
                ("RightsRequest rows", before["rights_requests"]),
                ("accepted but not stored (lost)", len(lost)),
                ("outbox unsent after the run", before["outbox_unsent"]),
                ("  of which claimed by a killed worker", before["outbox_unsent_claimed"]),
                ("send_outbox", repr(retry_output)),
                ("outbox unsent after send_outbox", after["outbox_unsent"]),
                ("emails at the sink", f"{delivered} to {len(set(recipients))} addresses"),
                ("master pid unchanged, /healthz after", f"{server.pid == master}, {health_after}"),
            ],
        )
        if after["outbox_unsent"]:
            print(
                "  (a message claimed by a worker that died before sending it is retried once "
                "its claim is older than consent.mail.outbox.CLAIM_TIMEOUT, 5 minutes)"
            )

        verdict.check("every accepted request stored", not lost, f"{len(lost)} lost")
        verdict.check("no server error (5xx)", not server_errors, len(server_errors))
        verdict.check(
            "every killed worker replaced by the master",
            kills and all(again for _, _, again, _ in kills),
        )
        verdict.check(
            "the server answers after the kills",
            server.pid == master and health_after == 200,
            health_after,
        )
        verdict.check(
            "at most one request cut per kill",
            len(unanswered) <= len(kills),
            len(unanswered),
        )
        if server_errors:
            print("\nFirst traceback in the gunicorn log:")
            print((server.tracebacks() or ["(none)"])[0])
    except (Exception, SystemExit) as error:  # noqa: BLE001 - reported as a failed check
        h.aborted(verdict, error)
    finally:
        app.close()
    return verdict.finish("fault_worker_kill")


if __name__ == "__main__":
    sys.exit(main())
