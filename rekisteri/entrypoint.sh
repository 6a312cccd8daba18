#!/bin/sh
# Container entrypoint: bring the database schema up to date, then serve the app with gunicorn.
# Arguments given to this script are appended to gunicorn's (e.g. `--log-level debug`).
set -eu

# The app lives in the parent of this script's directory (/app in the image); manage.py and
# the `rekisteri` package are found from there.
cd "$(dirname "$0")/.."

# Migrating before gunicorn listens means no request ever meets an old schema. With several
# replicas starting at once, set MIGRATE_ON_START=0 and migrate once in a release job instead.
case "${MIGRATE_ON_START:-1}" in
    0 | [Ff]alse | FALSE | [Nn]o | NO | [Oo]ff | OFF)
        echo "MIGRATE_ON_START=${MIGRATE_ON_START}: not running migrations." >&2
        ;;
    *)
        python manage.py migrate --noinput
        ;;
esac

# exec: gunicorn replaces this shell, so it gets the orchestrator's SIGTERM itself.
# --graceful-timeout: in-flight requests get 20 s to finish, less than the 30 s most
#   orchestrators wait before SIGKILL, so a stop never cuts a request (or a write) in half.
# --forwarded-allow-ips: only the reverse proxy at these addresses may claim HTTPS or a
#   client address through X-Forwarded-* headers.
# --access-logfile/--error-logfile -: logs go to stdout/stderr, where the container runtime
#   collects them; nothing is written inside the container.
# --logger-class: the access log with the tokens of emailed links redacted.
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
