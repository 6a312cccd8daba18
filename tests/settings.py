"""Test settings: only what tests need differs from rekisteri.settings."""

import os
import secrets

# A fresh random key per run; tests never depend on its value.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("SUPPRESSION_KEY", secrets.token_urlsafe(50))
# Production behaviour, whatever a developer's .env says (`make run` writes DEBUG=true there).
os.environ["DEBUG"] = "false"
# The test client and the live server speak plain HTTP; tests of the redirect turn it on.
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from rekisteri.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In the app the web only stores an email and the background worker sends it; tests read
# what was sent without running the worker, so here a stored email is also sent once its
# transaction commits. tests/test_worker.py runs the real path with this off.
OUTBOX_SEND_ON_COMMIT = True
# The web form's requests answered in the request, not by the worker (consent.acts.requests).
RIGHTS_ANSWER_AT_ONCE = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests render templates without running collectstatic first.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files come from the finders in tests (no collectstatic run).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# A file, not shared-cache memory, for the SQLite test database: concurrent tests then meet
# the same locking (WAL, busy timeout, IMMEDIATE transactions) as production.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"rekisteri-test-{os.getpid()}.sqlite3")
    }
