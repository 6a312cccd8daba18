"""Settings for rekisteri, read from the environment (see README.md, "Configuration")."""

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env file is read when present; real environment variables win over it.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env", overwrite=False)

DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "data")))

DEBUG = env.bool("DEBUG", default=False)


def _local_key(name: str, why: str, *, inherited: str = "") -> str:
    """The key in the environment variable `name`, or, with DEBUG on and none given, one
    generated once into a git-ignored file under DATA_DIR (so that it survives restarts),
    or taken from `inherited` when that file is first made."""
    key = env.str(name, default="")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            f"The {name} environment variable is required when DEBUG is off: {why} Set it "
            "to a long random string (for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )
    key_file = DATA_DIR / name.lower()
    if key_file.is_file():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = inherited or secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


# A local register made before the suppression list had its own key was keyed with the
# local secret key: its suppression key file starts as a copy, so the list still matches.
_OLD_LOCAL_SECRET = (
    (DATA_DIR / "secret_key").read_text().strip()
    if DEBUG and (DATA_DIR / "secret_key").is_file()
    else ""
)
SECRET_KEY = _local_key("SECRET_KEY", "it signs sessions and links.")
# Earlier keys, newest first: after rotating SECRET_KEY, links and sessions signed with an
# old key keep working until they expire. Remove an old key once they have.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
# The key of the suppression list's keyed hashes (R10). Its own key, never rotated: a new
# key would make every entry unrecognisable, and erased or objecting people would come
# back through an import or a restore. Keep it with the backups.
SUPPRESSION_KEY = _local_key(
    "SUPPRESSION_KEY",
    "it keys the suppression list of people who objected or were erased, and must never "
    "change (see README.md, Keys).",
    inherited=_OLD_LOCAL_SECRET,
)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # django.contrib.admin with the project's admin site: sign-in with a second factor
    # (rekisteri/admin.py).
    "rekisteri.admin.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "customers",
    "consent",
    # The project package: the background worker and its job records.
    "rekisteri.apps.RekisteriConfig",
]

MIDDLEWARE = [
    # First, so that the container's health check needs neither a known Host nor HTTPS.
    "rekisteri.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before whitenoise, so that the static files get the policy too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Each admin user's chosen language, over the browser's (rekisteri/preferences.py).
    "rekisteri.preferences.AdminLanguageMiddleware",
    # request.user.is_verified(): whether this session gave a second-factor code.
    "django_otp.middleware.OTPMiddleware",
    "rekisteri.middleware.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a locked-out login into the lockout page (AXES_LOCKOUT_TEMPLATE).
    "axes.middleware.AxesMiddleware",
    # Last, so that its process_exception sees a view's database error first.
    "rekisteri.unavailable.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "rekisteri.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rekisteri.context_processors.studio",
            ],
        },
    },
]

WSGI_APPLICATION = "rekisteri.wsgi.application"

# Database: SQLite file under DATA_DIR unless DATABASE_URL says otherwise.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'rekisteri.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets readers and one writer work at once; IMMEDIATE takes the write
            # lock at BEGIN so that concurrent writers wait (timeout) instead of failing.
            # secure_delete: deleted rows are overwritten with zeros in the file, so that
            # an erased person's data does not linger in free pages (R16).
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
        }
    )
    if not DATABASES["default"]["NAME"].startswith(":memory:"):
        # Readable by the app's user only: the database holds personal data.
        Path(DATABASES["default"]["NAME"]).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
# Connections are kept between requests on either database: opening one costs about a
# millisecond of CPU on SQLite (its pragmas and Django's functions), a round of
# authentication on PostgreSQL (issue 12). A restore writes SQLite's file through SQLite
# itself (rekisteri.backup), so a kept connection sees the restored database.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Axes first: it refuses a locked-out username + address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="fi")
LANGUAGES = [("fi", _("Finnish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Helsinki")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_CONFIG = env.email_url(
    "EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25"
)
# The console backend (`make run`) with the tokens of emailed links redacted; with DEBUG on
# each message is also kept whole under DATA_DIR/mail/ (rekisteri/mail.py).
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend":
    EMAIL_CONFIG["EMAIL_BACKEND"] = "rekisteri.mail.ConsoleEmailBackend"
vars().update(EMAIL_CONFIG)
# Seconds an SMTP connection may stay silent before the send fails (and is tried again
# later): a mail server that accepts and never answers must not hold the worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="rekisteri@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LOGIN_URL = "admin:login"
# Where a sign-in lands when its `next=` is missing or unsafe (another host, `//host`):
# the admin's front page, the only place staff sign in to (Django's default,
# /accounts/profile/, does not exist here).
LOGIN_REDIRECT_URL = "admin:index"

# Server errors (django.request, level ERROR) are mailed to these addresses, comma-separated,
# without personal data or link tokens (rekisteri.logging.AdminEmailHandler). None by default.
ADMINS = [(a.strip(), a.strip()) for a in env.list("ADMINS", default=[]) if a.strip()]
if any(a.count("@") != 1 or {*a} & {*" <>;"} for _name, a in ADMINS):
    raise ImproperlyConfigured(
        "ADMINS takes email addresses only, comma-separated (ops@studio.fi,owner@studio.fi)."
    )
EMAIL_SUBJECT_PREFIX = "[rekisteri] "

# One format for every line, `<time> <LEVEL> <logger>: <message>`, to stderr, from LOG_LEVEL
# up; every handler redacts the tokens of emailed links (rekisteri/logging.py).
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_tokens": {"()": "rekisteri.logging.RedactTokensFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {
            "()": "rekisteri.logging.Formatter",
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_tokens"],
        },
        "mail_admins": {
            "class": "rekisteri.logging.AdminEmailHandler",
            "level": "ERROR",
            "formatter": "plain",
            "filters": ["require_debug_false", "redact_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers replaced: its console handler (DEBUG only) and runserver's
        # request log ("GET /rights/verify/<token>/ HTTP/1.1") would write tokens. Their
        # records go to the root's handler instead, at LOG_LEVEL.
        "django": {"handlers": [], "level": "NOTSET", "propagate": True},
        "django.server": {"handlers": [], "level": "NOTSET", "propagate": True},
        # Sends only when ADMINS is set, and never with DEBUG on.
        "django.request": {"handlers": ["mail_admins"], "level": "NOTSET", "propagate": True},
    },
}

# Phone numbers typed without a country code are read as numbers of this country.
PHONE_REGION = env.str("PHONE_REGION", default="FI")

# Data-subject rights (see README.md, "Configuration").
# The background worker (`manage.py worker`): how often it looks for email to send, and the
# nightly backup it makes when asked to, with how many days of backups it keeps.
WORKER_POLL_SECONDS = env.float("WORKER_POLL_SECONDS", default=2.0)
BACKUP_NIGHTLY = env.bool("BACKUP_NIGHTLY", default=False)
BACKUP_KEEP_DAYS = env.int("BACKUP_KEEP_DAYS", default=30)
# Backups are encrypted with age for these public keys (age1…, comma-separated): nothing on
# the server opens them. The private key stays offline and is given to `manage.py restore
# --identity FILE` (or BACKUP_IDENTITY_FILE) only to restore. Empty: not encrypted.
BACKUP_RECIPIENTS = [r.strip() for r in env.list("BACKUP_RECIPIENTS", default=[]) if r.strip()]
BACKUP_IDENTITY_FILE = env.str("BACKUP_IDENTITY_FILE", default="")
if BACKUP_RECIPIENTS:
    from pyrage import RecipientError as _RecipientError
    from pyrage import x25519 as _x25519

    for _recipient in BACKUP_RECIPIENTS:
        try:
            _x25519.Recipient.from_str(_recipient)
        except _RecipientError:
            # A private key pasted here by mistake is not repeated in the message.
            raise ImproperlyConfigured(
                "BACKUP_RECIPIENTS holds a private key (AGE-SECRET-KEY-…): give only public "
                "keys (age1…) and keep the private key off the server."
                if _recipient.upper().startswith("AGE-SECRET-KEY-")
                else f"BACKUP_RECIPIENTS: {_recipient!r} is not an age public key (age1…, "
                "the 'Public key' that `age-keygen` prints); separate several with commas."
            ) from None

RIGHTS_LINK_HOURS = env.int("RIGHTS_LINK_HOURS", default=4)
RIGHTS_REPORT_LINK_DAYS = env.int("RIGHTS_REPORT_LINK_DAYS", default=7)
RIGHTS_SESSION_MINUTES = env.int("RIGHTS_SESSION_MINUTES", default=30)
RIGHTS_AUTO_RELEASE_REPORT = env.bool("RIGHTS_AUTO_RELEASE_REPORT", default=False)
RIGHTS_LIMIT_PER_EMAIL = env.int("RIGHTS_LIMIT_PER_EMAIL", default=5)
RIGHTS_LIMIT_PER_IP = env.int("RIGHTS_LIMIT_PER_IP", default=30)
# Messages per hour, for the whole app, to addresses the register does not know; past it
# their mail waits for the next hour (consent/mail/ratelimit.py).
UNKNOWN_MAIL_PER_HOUR = env.int("UNKNOWN_MAIL_PER_HOUR", default=60)

# Security: HTTPS, cookies, headers, sessions and limits on input (see README.md, "Security").
# With DEBUG on (a local `make run` on http://127.0.0.1:8000) the cookies are plain and
# nothing redirects to HTTPS; with DEBUG off every setting below is the production one, and
# `manage.py check --deploy --fail-level WARNING` passes (CI runs it).
SECURE_COOKIES = not DEBUG

# HTTPS. The redirect is on by default; SECURE_SSL_REDIRECT=false is for a plain-HTTP run
# with DEBUG off on one's own machine. /healthz is answered before the redirect
# (rekisteri.middleware.HealthCheckMiddleware), so the container's health check works on
# plain HTTP from 127.0.0.1.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Behind a TLS-terminating proxy Django sees plain HTTP; it may believe the proxy's
# X-Forwarded-Proto header only if the proxy sets it and removes it from what clients send
# (otherwise anyone could claim "https"). Hence only when TRUSTED_PROXY says so.
TRUSTED_PROXY = env.bool("TRUSTED_PROXY", default=False)
if TRUSTED_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# HSTS: browsers use only HTTPS for a year after a visit (sent on HTTPS responses only).
# includeSubDomains is on: on the app's own host name (rekisteri.studio.fi) it covers only
# names under it. Turn it off (HSTS_INCLUDE_SUBDOMAINS=false) if the app is served on the
# studio's bare domain and some other subdomain of it still has no HTTPS.
# preload is off: asking browsers to preload HTTPS is a decision about the studio's whole
# domain (it is hard to undo), to be taken by the domain's owner, not by this app.
SECURE_HSTS_SECONDS = 0 if DEBUG else env.int("HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = []
if not SECURE_HSTS_PRELOAD:
    # security.W021 "SECURE_HSTS_PRELOAD is not True": off on purpose, see above.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# Cookies: Secure, HttpOnly where JavaScript needs no access, SameSite=Lax, and with the
# __Host- prefix, which makes browsers refuse the cookie unless it is Secure, for Path=/
# and has no Domain (so no other host or plain-HTTP page can set or overwrite it).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = LANGUAGE_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = LANGUAGE_COOKIE_SAMESITE = "Lax"
COOKIE_PREFIX = "__Host-" if SECURE_COOKIES else ""
SESSION_COOKIE_NAME = f"{COOKIE_PREFIX}sessionid"
CSRF_COOKIE_NAME = f"{COOKIE_PREFIX}csrftoken"
LANGUAGE_COOKIE_NAME = f"{COOKIE_PREFIX}language"
CSRF_FAILURE_VIEW = "rekisteri.views.csrf_failure"

# Sessions end after SESSION_IDLE_MINUTES without a request (every request renews the
# cookie) and, however active, SESSION_MAX_HOURS after they began
# (rekisteri.middleware.SessionLifetimeMiddleware).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_MAX_HOURS = env.int("SESSION_MAX_HOURS", default=12)

# Headers.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# The pages behind emailed links set a stricter "strict-origin" themselves (consent/views.py).
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp 4) on every response, the admin included: scripts,
# styles and images from this site only (the admin's JavaScript is all in files; no page
# has inline scripts, styles or event handlers), no plugins, no <base>, no framing, forms
# posting to this site only; images may also be data: URLs (small inline images, harmless
# without scripts).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Bad input: a request body over 1 MB (files aside) or with more than 5000 fields is
# refused with 400 before any view sees it. Not Django's default 1000 fields: the admin's
# inline formsets post 9 to 15 fields a row, so a customer with a few years of courses,
# purchases and feedback, or a course with 100 participants, would pass 1000
# (tests/test_security_settings.py saves such pages).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=5000)
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("DATA_UPLOAD_MAX_NUMBER_FILES", default=10)
# Uploads larger than this go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)

# Admin sign-in (see README.md, "Security"). django-axes: after AXES_FAILURE_LIMIT failed
# logins for one username from one address, that username is locked from that address (and
# only there) for AXES_COOLOFF_MINUTES; a successful login clears the count. Its default of
# locking a whole address for good would let anyone lock the owner out. The client address
# is REMOTE_ADDR, or with TRUSTED_PROXY the address the proxy appended to X-Forwarded-For
# (rekisteri.client_ip.client_ip); a client's own X-Forwarded-For is never believed.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=15)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "rekisteri.client_ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "axes_lockout.html"
# No admin pages for axes' records: the lockout ends by itself, and the audit trail already
# lists failed logins (`manage.py axes_reset_username USERNAME` lifts a lock at once).
AXES_ENABLE_ADMIN = False
# Its own log of successful logins would duplicate the audit trail.
AXES_DISABLE_ACCESS_LOG = True

# A second factor (django-otp): an authenticator app (TOTP) and single-use backup codes,
# enrolled at /admin/2fa/. A user with a confirmed device must give a code at every login;
# OTP_REQUIRED=true makes every admin user enrol before doing anything else.
OTP_REQUIRED = env.bool("OTP_REQUIRED", default=False)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="rekisteri")
