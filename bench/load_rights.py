"""Load test of the public rights form: 2,000 requests from 16 clients against gunicorn.

On a fresh database (PostgreSQL beside DATABASE_URL's when set, else SQLite in a temporary
folder), with half of the addresses known to the register, 16 client threads each load
/rights/ once (their own CSRF cookie) and then post the form until 2,000 requests are
done; then `manage.py send_outbox` does the worker's part once (it answers the stored
requests and sends their email), timed, and the script checks that every accepted
request (302 to /rights/sent/) is one RightsRequest row and one email at the SMTP sink,
with no 5xx. It prints throughput and latency, and for comparison the same figures for
GET /healthz (the lightest view: answered by the first middleware with a `SELECT 1`) and
GET /rights/ (the form page, the whole middleware stack, no query).

    .venv/bin/python bench/load_rights.py [--requests 2000] [--clients 16] [--workers 4]
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _harness as h  # noqa: E402


def _describe(database: h.Database) -> str:
    if database.vendor == "postgresql":
        return f"PostgreSQL {h.postgres_version(database.url)} ({database.name})"
    return f"SQLite {database.name}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--known", type=float, default=0.5, help="share of known addresses")
    parser.add_argument("--timeout", type=int, default=300, help="limit for the whole run (s)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    h.install_timeout(args.timeout)

    app = h.BenchApp(args)
    verdict = h.Verdict()
    try:
        app.start(known_share=args.known, describe=_describe)
        sink, server = app.sink, app.server
        env, port, jobs = app.env, app.port, app.jobs
        h.hammer(port, "/healthz", 100, 4)  # warm-up: every worker has its connection

        print(f"load: {args.requests} rights requests from {args.clients} clients ...")
        load = h.Load(port, jobs, args.clients).start()
        load.join(timeout=args.timeout)
        results = load.results
        ok = [r for r in results if r.ok]
        wall = load.ended - load.started
        latencies = [r.answer.elapsed for r in results]
        server_errors = [r for r in results if r.answer.status and r.answer.status >= 500]

        # The form only stores the request: the worker answers it and sends the email.
        # Here `send_outbox` does the worker's part once, timed.
        answering = time.monotonic()
        worker_output = h.manage(env, "send_outbox", timeout=600).strip()
        answer_time = time.monotonic() - answering
        print(f"send_outbox (the worker's part): {worker_output!r} in {answer_time:.1f} s")
        deadline = time.monotonic() + 60
        while True:
            rows = h.counts(env)
            delivered, recipients = sink.snapshot()
            if (rows["outbox_unsent"] == 0 and delivered >= len(ok)) or time.monotonic() > deadline:
                break
            time.sleep(1)

        health_rps, health_lat, health_bad = h.hammer(port, "/healthz", args.requests, args.clients)
        form_rps, form_lat, form_bad = h.hammer(port, "/rights/", args.requests, args.clients)

        accepted_emails = {r.job.email for r in ok}
        stored = set(rows["rights_emails"])
        h.print_table(
            "Rights form (POST /rights/)",
            [
                ("requests sent", len(results)),
                ("answers", h.status_counts(results)),
                ("accepted (302 to /rights/sent/)", len(ok)),
                ("wall time", f"{wall:.2f} s"),
                ("throughput", f"{len(results) / wall:.1f} req/s"),
                ("latency p50", h.ms(h.percentile(latencies, 50))),
                ("latency p95", h.ms(h.percentile(latencies, 95))),
                ("latency max", h.ms(max(latencies, default=0))),
                ("RightsRequest rows", rows["rights_requests"]),
                (
                    "outbox rows / sent / unsent",
                    (f"{rows['outbox']} / {rows['outbox_sent']} / {rows['outbox_unsent']}"),
                ),
                ("emails at the SMTP sink", delivered),
                ("answered and sent by send_outbox (the worker's part)", f"{answer_time:.1f} s"),
            ],
        )
        h.print_table(
            f"Comparison on the same server ({args.requests} GETs, {args.clients} clients)",
            [
                (
                    "GET /healthz (1st middleware, SELECT 1)",
                    f"{health_rps:.1f} req/s, p50 {h.ms(h.percentile(health_lat, 50))}, "
                    f"p95 {h.ms(h.percentile(health_lat, 95))}, non-200: {health_bad}",
                ),
                (
                    "GET /rights/ (form page, no query)",
                    f"{form_rps:.1f} req/s, p50 {h.ms(h.percentile(form_lat, 50))}, "
                    f"p95 {h.ms(h.percentile(form_lat, 95))}, non-200: {form_bad}",
                ),
            ],
        )

        verdict.check("every request answered", len(results) == args.requests, len(results))
        verdict.check("no server error (5xx)", not server_errors, len(server_errors))
        verdict.check("every request accepted", len(ok) == args.requests, len(ok))
        verdict.check(
            "RightsRequest rows == accepted",
            rows["rights_requests"] == len(ok) and stored == accepted_emails,
            f"{rows['rights_requests']} rows, {len(ok)} accepted",
        )
        verdict.check(
            "emails at the sink == accepted, one to each address",
            delivered == len(ok) and sorted(recipients) == sorted(accepted_emails),
            f"{delivered} delivered",
        )
        verdict.check("outbox drained", rows["outbox_unsent"] == 0, rows["outbox_unsent"])
        verdict.check("health and form pages all 200", health_bad == form_bad == 0)
        if server_errors:
            print("\nFirst traceback in the gunicorn log:")
            print((server.tracebacks() or ["(none)"])[0])
    except (Exception, SystemExit) as error:  # noqa: BLE001 - reported as a failed check
        h.aborted(verdict, error)
    finally:
        app.close()
    return verdict.finish("load_rights")


if __name__ == "__main__":
    sys.exit(main())
