"""Fault test: the SMTP server goes away during a run of rights requests, then comes back.

600 requests from 8 clients (4 gunicorn workers, fresh database as in load_rights.py).
The SMTP sink runs for the first third of the requests, is stopped for the second third
and started again (same port) for the last. Every request must still be accepted and
stored; the emails that failed stay in the outbox (sent_at NULL, last_error set) and
`manage.py send_outbox`, run once the sink is back, delivers them all.

    .venv/bin/python bench/fault_smtp.py [--requests 600] [--clients 8]
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _harness as h  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
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

        third = args.requests // 3
        print(
            f"load: {args.requests} requests; SMTP sink stopped after {third}, "
            f"started again after {2 * third} ..."
        )
        load = h.Load(port, jobs, args.clients).start()
        load.wait_done(third)
        sink.stop()
        down_at, delivered_before_outage = load.done, sink.snapshot()[0]
        load.wait_done(2 * third)
        sink.start()
        up_at = load.done
        load.join(timeout=args.timeout)
        results = load.results
        ok = [r for r in results if r.ok]
        server_errors = [r for r in results if r.answer.status and r.answer.status >= 500]
        time.sleep(1)  # the last on_commit sends finish before the answers; be generous

        before = h.counts(env)
        delivered_before_retry = sink.snapshot()[0]
        retry_started = time.monotonic()
        retry_output = h.manage(env, "send_outbox").strip()
        retry_time = time.monotonic() - retry_started
        after = h.counts(env)
        delivered, recipients = sink.snapshot()

        accepted_emails = {r.job.email for r in ok}
        stored = set(after["rights_emails"])
        duplicates = len(recipients) - len(set(recipients))
        h.print_table(
            "SMTP outage",
            [
                ("requests sent", len(results)),
                ("answers", h.status_counts(results)),
                ("accepted (302)", len(ok)),
                ("sink stopped / started at request", f"{down_at} / {up_at}"),
                ("emails delivered before the outage", delivered_before_outage),
                ("RightsRequest rows", after["rights_requests"]),
                ("outbox rows", before["outbox"]),
                ("unsent after the run (failed sends)", before["outbox_unsent"]),
                ("  of which with last_error recorded", before["outbox_with_error"]),
                ("emails at the sink before the retry", delivered_before_retry),
                ("send_outbox", f"{retry_output!r} in {retry_time:.1f} s"),
                ("unsent after send_outbox", after["outbox_unsent"]),
                ("emails at the sink in all", delivered),
                ("addresses that got an email", len(set(recipients))),
                ("duplicate deliveries", duplicates),
            ],
        )

        verdict.check("no server error (5xx)", not server_errors, len(server_errors))
        verdict.check("every request accepted, SMTP down or not", len(ok) == args.requests, len(ok))
        verdict.check(
            "every accepted request stored",
            accepted_emails <= stored and after["rights_requests"] == len(ok),
            f"{after['rights_requests']} rows, {len(ok)} accepted",
        )
        verdict.check(
            "the outage made sends fail (fault exercised)",
            before["outbox_unsent"] > 0,
            f"{before['outbox_unsent']} failed",
        )
        verdict.check(
            "failed sends recorded with their error",
            before["outbox_with_error"] >= before["outbox_unsent"],
        )
        verdict.check(
            "send_outbox delivered them all",
            after["outbox_unsent"] == 0 and set(recipients) == accepted_emails,
            f"{len(set(recipients))} of {len(accepted_emails)} addresses",
        )
        if server_errors:
            print("\nFirst traceback in the gunicorn log:")
            print((server.tracebacks() or ["(none)"])[0])
    except (Exception, SystemExit) as error:  # noqa: BLE001 - reported as a failed check
        h.aborted(verdict, error)
    finally:
        app.close()
    return verdict.finish("fault_smtp")


if __name__ == "__main__":
    sys.exit(main())
