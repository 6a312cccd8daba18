"""Fault test: the SMTP server goes away during a run of rights requests, then comes back.

600 requests from 8 clients, each at most one every 0.4 s (4 gunicorn workers and the
background worker, as deployed; fresh database as in load_rights.py). The SMTP sink runs
for the first third of the requests, is stopped for the second third and started again
(same port) for the last. Every request must still be accepted and stored; the worker
answers each (the link, or "nothing held"); the emails it could not send stay in the
outbox with their error and their next try (a minute later, then two, ...), and the
worker itself delivers them all, each once, when the sink is back: no one has to do
anything.

    .venv/bin/python bench/fault_smtp.py [--requests 600] [--clients 8] [--timeout 400]
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
    parser.add_argument(
        "--pace",
        type=float,
        default=0.4,
        help="each client's least time between requests (s): the run lasts long enough for "
        "the worker to send in each third",
    )
    parser.add_argument("--timeout", type=int, default=400, help="limit for the whole run (s)")
    parser.add_argument(
        "--recovery", type=int, default=240, help="how long the worker may take to catch up (s)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    h.install_timeout(args.timeout)

    app = h.BenchApp(args)
    verdict = h.Verdict()
    try:
        app.start(worker=True)
        sink, server = app.sink, app.server
        env, port, jobs = app.env, app.port, app.jobs

        third = args.requests // 3
        print(
            f"load: {args.requests} requests; SMTP sink stopped after {third}, "
            f"started again after {2 * third} ..."
        )
        load = h.Load(port, jobs, args.clients, pace=args.pace).start()
        load.wait_done(third)
        sink.stop()
        down_at, delivered_before_outage = load.done, sink.snapshot()[0]
        load.wait_done(2 * third)
        time.sleep(2)  # the worker's next round tries what came in last
        during = h.counts(env)
        sink.start()
        up_at = load.done
        load.join(timeout=args.timeout)
        results = load.results
        ok = [r for r in results if r.ok]
        server_errors = [r for r in results if r.answer.status and r.answer.status >= 500]

        # The worker catches up by itself: the failed sends' next try comes a minute or two
        # after the failure.
        back_at = time.monotonic()
        while True:
            after = h.counts(env)
            if (after["outbox_unsent"] == 0 and after["rights_unanswered"] == 0) or (
                time.monotonic() - back_at > args.recovery
            ):
                break
            time.sleep(2)
        recovery = time.monotonic() - back_at
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
                ("unsent at the end of the outage", during["outbox_unsent"]),
                ("  of which with last_error recorded", during["outbox_with_error"]),
                ("RightsRequest rows", after["rights_requests"]),
                ("  not answered by the worker", after["rights_unanswered"]),
                ("outbox rows", after["outbox"]),
                ("emails that failed at least once", after["outbox_failed_sends"]),
                ("the worker caught up in", f"{recovery:.0f} s after the load"),
                ("unsent after that", after["outbox_unsent"]),
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
            during["outbox_unsent"] > 0 and after["outbox_failed_sends"] > 0,
            f"{during['outbox_unsent']} unsent, {after['outbox_failed_sends']} failed once",
        )
        verdict.check(
            "failed sends recorded with their error",
            during["outbox_with_error"] > 0,
            during["outbox_with_error"],
        )
        verdict.check(
            "every request answered by the worker",
            after["rights_unanswered"] == 0,
            after["rights_unanswered"],
        )
        verdict.check(
            "the worker delivered them all once the sink was back, each once",
            after["outbox_unsent"] == 0 and set(recipients) == accepted_emails and duplicates == 0,
            f"{len(set(recipients))} of {len(accepted_emails)} addresses in {recovery:.0f} s, "
            f"{duplicates} twice",
        )
        if server_errors:
            print("\nFirst traceback in the gunicorn log:")
            print((server.tracebacks() or ["(none)"])[0])
        if app.worker is not None and after["outbox_unsent"]:
            print("\nThe worker's log:")
            print(app.worker.log_tail())
    except (Exception, SystemExit) as error:  # noqa: BLE001 - reported as a failed check
        h.aborted(verdict, error)
    finally:
        app.close()
    return verdict.finish("fault_smtp")


if __name__ == "__main__":
    sys.exit(main())
