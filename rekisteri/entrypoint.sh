#!/bin/sh
# Container entrypoint. The first argument chooses what the container runs:
#
#   (nothing), or options starting with "-"
#       the web app: bring the database schema up to date, then serve with gunicorn. The
#       arguments are appended to gunicorn's (e.g. `--log-level debug`).
#   worker [ARGS...]
#       the background worker (queued email, scheduled jobs): `python manage.py worker ARGS...`.
#
# Anything else is refused (exit 64): a mistyped mode must not start the wrong process.
#
# Migrations (MIGRATE_ON_START), one place to run them:
#   web     migrates unless MIGRATE_ON_START is 0, false, no or off (the default is to migrate).
#   worker  migrates only if MIGRATE_ON_START is 1, true, yes or on (the default is not to):
#           the web container migrates, and two processes migrating at once race each other.
set -eu

# The app lives in the parent of this script's directory (/app in the image); manage.py and
# the `rekisteri` package are found from there.
cd "$(dirname "$0")/.."

mode=web
if [ "$#" -gt 0 ]; then
    case "$1" in
        worker)
            mode=worker
            shift
            ;;
        -*)
            ;;
        *)
            echo "entrypoint: unknown mode '$1': give 'worker', or gunicorn options starting with '-'." >&2
            exit 64
            ;;
    esac
fi

migrate=yes
case "${MIGRATE_ON_START:-}" in
    0 | [Ff]alse | FALSE | [Nn]o | NO | [Oo]ff | OFF)
        migrate=no
        ;;
    1 | [Tt]rue | TRUE | [Yy]es | YES | [Oo]n | ON)
        ;;
    *)
        # Unset, empty or unrecognised: the mode's default.
        if [ "$mode" = worker ]; then
            migrate=no
        fi
        ;;
esac

# Migrating before gunicorn listens means no request ever meets an old schema. With several
# replicas starting at once, set MIGRATE_ON_START=0 and migrate once in a release job instead.
if [ "$migrate" = yes ]; then
    python manage.py migrate --noinput
elif [ "$mode" = worker ]; then
    echo "worker: not running migrations (the web container runs them; MIGRATE_ON_START=1 would)." >&2
else
    echo "MIGRATE_ON_START=${MIGRATE_ON_START}: not running migrations." >&2
fi

# exec: the worker, or gunicorn, replaces this shell, so it gets the orchestrator's SIGTERM
# itself.
if [ "$mode" = worker ]; then
    exec python manage.py worker "$@"
fi

# --graceful-timeout: in-flight requests get 20 s to finish, less than the 30 s most
#   orchestrators wait before SIGKILL, so a stop never cuts a request (or a write) in half.
# --forwarded-allow-ips: only the reverse proxy at these addresses may claim HTTPS or a
#   client address through X-Forwarded-* headers.
# --access-logfile/--error-logfile -: logs go to stdout/stderr, where the container runtime
#   collects them; nothing is written inside the container.
# --logger-class: the tokens of emailed links redacted from both logs, and the error log in
#   the app's format, `<time> <LEVEL> <logger>: <message>` (rekisteri/logging.py).
# --no-control-socket: the runtime control socket would be created under $HOME; the
#   orchestrator, not gunicornc, manages this process.
exec gunicorn rekisteri.wsgi:application \
    --bind "${BIND:-0.0.0.0:8000}" \
    --workers "${WEB_CONCURRENCY:-2}" \
    --graceful-timeout "${GUNICORN_GRACEFUL_TIMEOUT:-20}" \
    --timeout "${GUNICORN_TIMEOUT:-30}" \
    --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
    --access-logfile - \
    --error-logfile - \
    --no-control-socket \
    --logger-class rekisteri.logging.GunicornLogger \
    "$@"
