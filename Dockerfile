# The rekisteri image: gunicorn serving the app as a non-root user, its data in the /data volume.
# Build: docker build -t rekisteri .   Run: see README.md ("Configuration") for the variables.

# Both stages use the same pinned image: the venv made in the first links to its Python.
FROM python:3.11.14-slim-bookworm AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app

# Dependencies before the code, so that a code change does not reinstall them. Only the
# runtime list of pyproject.toml (read as the Makefile does): the project itself is not an
# installable package, and the dev tools stay out of the image.
COPY pyproject.toml /tmp/pyproject.toml
RUN python -m venv /opt/venv \
    && python -c "import tomllib; p = tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies']))" > /tmp/requirements.txt \
    && /opt/venv/bin/pip install --no-cache-dir --requirement /tmp/requirements.txt

COPY manage.py ./
COPY rekisteri/ rekisteri/
COPY customers/ customers/
COPY consent/ consent/
COPY templates/ templates/
COPY static/ static/
# Compiled translations (.mo) are committed, so the image needs no gettext.
COPY locale/ locale/

# The settings refuse to load without SECRET_KEY and SUPPRESSION_KEY when DEBUG is off:
# collectstatic gets throwaway random keys that live only in this command's environment,
# never in the image. The in-memory database keeps the build from creating a data directory.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    SUPPRESSION_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    DATABASE_URL="sqlite:///:memory:" \
    /opt/venv/bin/python manage.py collectstatic --noinput \
    && chmod 0755 rekisteri/entrypoint.sh


FROM python:3.11.14-slim-bookworm AS runtime

# `manage.py backup` and `restore` on PostgreSQL run pg_dump and pg_restore, of the server's
# major version: 15, as in compose.yaml (Debian bookworm's own). Not pinned to a Debian
# revision (DL3008): the archive keeps only the latest, so a pin would break the build at
# the next security update; the major version is the part that must match.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install --yes --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*

# A fixed numeric uid/gid: volume ownership and "run as non-root" policies work with numbers.
# /data is made (and owned) before VOLUME, so that a new volume starts out writable by it.
RUN groupadd --system --gid 10001 rekisteri \
    && useradd --system --no-log-init --uid 10001 --gid 10001 \
        --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin rekisteri \
    && mkdir /data \
    && chown 10001:10001 /data \
    && chmod 0750 /data

# Code and venv stay owned by root: the app can read them but not change them.
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app

ENV DATA_DIR=/data \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
VOLUME /data
USER 10001:10001
EXPOSE 8000

# Slim images have no curl: Python's urllib asks /healthz, which answers before host
# validation and the HTTPS redirect. A 503 or no answer raises, and Python exits with 1.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4); sys.exit(0 if r.status == 200 else 1)"]

ENTRYPOINT ["/app/rekisteri/entrypoint.sh"]
