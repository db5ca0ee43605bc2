"""Django settings for mesodesk, read from environment variables.

Two modes (`MESODESK_ENV`):

- `embedded` (default): a whole clinic on one machine with no setup. Data lives in `var/`
  (SQLite database, secret key); the secret key is made once and kept in `var/secret_key`.
- `production`: refuses to start without `SECRET_KEY`, `ALLOWED_HOSTS` and `EMAIL_URL`; turns on
  HTTPS-only cookies, HSTS and the SSL redirect so `mesodesk check --deploy` is clean.

Every variable is listed, with its default, in the README's "Settings" table. A missing or
malformed one raises `SettingError`, which `mesodesk` prints as one line before exiting 2.
Importing this module has no side effect but creating `var/` (in production only when the
default SQLite database lives there) and, in embedded mode, the secret key file.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.utils.csp import CSP

from mesodesk.config import env

_ENV = os.environ
_CWD = Path.cwd()

MESODESK_ENV = env.read_choice(_ENV, "MESODESK_ENV", "embedded", ("embedded", "production"))
PRODUCTION = MESODESK_ENV == "production"

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = env.var_dir(_ENV, cwd=_CWD)
# Production may run on a read-only image with PostgreSQL: make var/ only where it is used.
if not PRODUCTION or not _ENV.get("DATABASE_URL"):
    env.make_var_dir(VAR_DIR)

# --- Core -----------------------------------------------------------------------------

DEBUG = env.read_bool(_ENV, "DEBUG", default=False)
if PRODUCTION:
    if DEBUG:
        raise env.SettingError("DEBUG", "must be off when MESODESK_ENV=production")
    SECRET_KEY = env.read_required(_ENV, "SECRET_KEY", "when MESODESK_ENV=production")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise env.SettingError(
            "SECRET_KEY", "must be at least 50 random characters when MESODESK_ENV=production"
        )
    ALLOWED_HOSTS = env.read_list(_ENV, "ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise env.SettingError(
            "ALLOWED_HOSTS", "must be set when MESODESK_ENV=production (e.g. clinic.example.org)"
        )
else:
    SECRET_KEY = env.read_str(_ENV, "SECRET_KEY", "") or env.secret_key_from_file(
        VAR_DIR / "secret_key"
    )
    ALLOWED_HOSTS = env.read_list(_ENV, "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

CSRF_TRUSTED_ORIGINS = env.read_list(_ENV, "CSRF_TRUSTED_ORIGINS", [])
# The reverse proxies in front of mesodesk (addresses or networks). Only a request that
# arrives from one of them may name its client in X-Forwarded-For; the client's address
# (mesodesk.audit.selectors.client_ip) feeds allauth's rate limits and the access log.
MESODESK_TRUSTED_PROXIES = env.read_networks(_ENV, "MESODESK_TRUSTED_PROXIES")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "mesodesk.accounts",
    "mesodesk.clinics",
    "mesodesk.protocols",
    "mesodesk.patients",
    "mesodesk.planning",
    "mesodesk.scheduling",
    "mesodesk.inventory",
    "mesodesk.charting",
    "mesodesk.photos",
    "mesodesk.consents",
    "mesodesk.outcomes",
    "mesodesk.audit",
    "mesodesk.messaging",
    "mesodesk.api",
    "mesodesk.web",
    "mesodesk.workspace",
    "mesodesk.portal",
    "mesodesk.safety",
    "mesodesk.fhir",
    "mesodesk.exports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files keep their caching): every other response, patient
    # data or not, is `Cache-Control: private, no-store`.
    "mesodesk.web.caching.PrivateNoStoreMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After the messages middleware, so that it can say why it signed someone out.
    "mesodesk.accounts.middleware.IdleTimeoutMiddleware",
    # A session handed to a patient on the tablet shows only the consent (consents app).
    "mesodesk.consents.middleware.TabletLockMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "mesodesk.urls"
WSGI_APPLICATION = "mesodesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project-wide overrides of third-party templates (allauth's pages in our frame):
        # searched before the apps' folders, where allauth's own come first.
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # `{% url %}` reversing each address once per process (web.templatetags).
            "builtins": ["mesodesk.web.templatetags.reversed_once"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data -----------------------------------------------------------------------------

DATABASES = {
    "default": env.database_config(
        env.read_str(_ENV, "DATABASE_URL", f"sqlite:///{VAR_DIR / 'mesodesk.sqlite3'}"),
        cwd=_CWD,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The database cache is shared by every process (web servers, the worker) without another
# service to run, on SQLite and PostgreSQL alike; `mesodesk migrate` creates its table.
CACHES = {"default": env.cache_config(env.read_str(_ENV, "CACHE_URL", "dbcache://mesodesk_cache"))}
# Sessions in the database; read from the cache too when it is Redis (README "Production").
SESSION_ENGINE = env.session_engine(CACHES["default"])

# Production must really send (appointment reminders, aftercare); the console is for demos.
_EMAIL_URL = (
    env.read_required(
        _ENV, "EMAIL_URL", "when MESODESK_ENV=production (e.g. smtp+tls://USER:PASSWORD@HOST:587)"
    )
    if PRODUCTION
    else env.read_str(_ENV, "EMAIL_URL", "consolemail://")
)
MAILERS = {"default": env.email_config(_EMAIL_URL, var_dir=VAR_DIR)}
# Text messages: a dotted path to a backend (mesodesk.messaging.sms: console, file, locmem,
# or a provider's adapter with the same interface).
SMS_BACKEND = env.read_str(_ENV, "SMS_BACKEND", "mesodesk.messaging.sms.ConsoleSmsBackend")
SMS_FILE_PATH = env.read_str(_ENV, "SMS_FILE_PATH", str(VAR_DIR / "sms"))
# Twilio's Messages API (mesodesk.messaging.twilio.TwilioSmsBackend): the account's
# credentials and sender, required when it is the SMS backend.
TWILIO_ACCOUNT_SID = env.read_str(_ENV, "TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env.read_str(_ENV, "TWILIO_AUTH_TOKEN", "")
TWILIO_FROM = env.read_str(_ENV, "TWILIO_FROM", "")
TWILIO_API_URL = env.read_str(_ENV, "TWILIO_API_URL", "https://api.twilio.com")
TWILIO_TIMEOUT = env.read_int(_ENV, "TWILIO_TIMEOUT", 10, minimum=1)
if SMS_BACKEND == "mesodesk.messaging.twilio.TwilioSmsBackend":
    for _name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"):
        env.read_required(_ENV, _name, "when SMS_BACKEND is the Twilio backend")
# Links in messages point here; the domain of reminders' Message-IDs.
MESODESK_BASE_URL = env.read_str(_ENV, "MESODESK_BASE_URL", "http://127.0.0.1:8000")
MESODESK_MAIL_DOMAIN = env.read_str(_ENV, "MESODESK_MAIL_DOMAIN", "mesodesk.invalid")
# The sender of every e-mail; allauth's e-mails (sign-up, password, second factor) go out
# under the patient's clinic's name with this address (portal.adapter.AccountAdapter).
DEFAULT_FROM_EMAIL = env.read_str(
    _ENV, "DEFAULT_FROM_EMAIL", f"mesodesk <noreply@{MESODESK_MAIL_DOMAIN}>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts -------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    # Django's own backend serves the admin's login form; allauth's signs in by e-mail
    # (in any case) everywhere else.
    # (Both read the session's user in plain SQL: mesodesk.accounts.backends.)
    "mesodesk.accounts.backends.AdminBackend",
    "mesodesk.accounts.backends.EmailBackend",
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

# Sign-in is django-allauth's (/accounts/): e-mail and password, no user names, then a TOTP
# code for everyone who has an authenticator. Staff pages refuse staff without one
# (mesodesk.accounts.access). Self sign-up (patients) must verify the address before the
# first sign-in; staff accounts made by an admin or a command count as verified.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Subjects start with the sender: the clinic, or mesodesk (portal.adapter.AccountAdapter).
# Patients sign up through a clinic's portal (/portal/<clinic>/signup/); the adapter sends
# them to their portal after signing in, and staff to the workspace.
ACCOUNT_ADAPTER = "mesodesk.portal.adapter.AccountAdapter"
# Sign-up reports every problem at once (all of the password's, and passwords that differ).
ACCOUNT_FORMS = {"signup": "mesodesk.portal.forms.EveryProblemAtOnce"}
# Following the e-mail's link in the browser that signed up signs the patient in.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Mails the account's owner when its password, e-mail addresses or authenticators change.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Clinics share computers: no "remember me", the session cookie ends with the browser.
ACCOUNT_SESSION_REMEMBER = False
# allauth's rate limits stay at their defaults (e.g. 5 failed sign-ins per address in
# 5 minutes, 30 sign-in attempts a minute per IP). They count in the default cache, the
# database cache that every process shares, so a second server cannot reset them. The
# client's IP is mesodesk's (the adapter asks audit.selectors.client_ip, which believes
# X-Forwarded-For only from MESODESK_TRUSTED_PROXIES), so allauth's own proxy count stays 0.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "mesodesk"
# A code is accepted only in its own 30-second step: allauth remembers a used code for one
# step, so a wider window would let a code seen over a shoulder be replayed.
MFA_TOTP_TOLERANCE = 0

# The session ends when the browser closes and, whatever happens, SESSION_COOKIE_AGE after
# signing in; staff sessions also end after their clinic's idle timeout
# (Clinic.idle_timeout_minutes, the smallest of their clinics; 15 minutes for site
# administrators of no clinic), enforced by mesodesk.accounts.middleware.
SESSION_COOKIE_AGE = 12 * 60 * 60

# --- Time and language ----------------------------------------------------------------

# Everything is stored in UTC; each clinic's own zone is on its Clinic row.
TIME_ZONE = "UTC"
USE_TZ = True
LANGUAGE_CODE = "en"
USE_I18N = True

# --- Static files (served by WhiteNoise from the app process) -------------------------

STATIC_URL = "/static/"
if PRODUCTION:
    # `mesodesk serve` collects into var/static before starting, with hashed names that
    # browsers may cache forever.
    STATIC_ROOT = VAR_DIR / "static"
    _STATIC_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
else:
    # Embedded mode serves straight from the apps' static folders: nothing to collect.
    WHITENOISE_USE_FINDERS = True
    _STATIC_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"

# --- Clinical photos ------------------------------------------------------------------

# Photos go through Django's storage API under the alias "photos": a folder under
# var/media by default, or an S3-compatible bucket when MESODESK_PHOTO_BUCKET is set
# (credentials from boto3's usual chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or
# the machine's role). Neither is ever linked to: the workspace and the API serve each
# photo through a view that checks who asks and logs it.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": _STATIC_STORAGE},
    "photos": env.photo_storage(_ENV, var_dir=VAR_DIR),
}

# --- Security -------------------------------------------------------------------------

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
DEFAULT_EXCEPTION_REPORTER_FILTER = "mesodesk.config.logging.NoRequestDataFilter"

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.read_bool(_ENV, "MESODESK_SSL_REDIRECT", default=True)
    # Load balancers ask for /healthz over plain HTTP, from inside; a redirect is no answer.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.read_int(_ENV, "MESODESK_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logging --------------------------------------------------------------------------

# Plain lines on stderr. No handler mails error reports, SQL (whose parameters are patient
# data) is never logged, and request lines lose their query strings.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "drop_query_strings": {"()": "mesodesk.config.logging.DropQueryStrings"},
        "no_traceback_below_500": {"()": "mesodesk.config.logging.NoTracebackBelow500"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["drop_query_strings"],
        },
    },
    "root": {
        "handlers": ["stderr"],
        "level": env.read_choice(
            _ENV, "LOG_LEVEL", "info", ("debug", "info", "warning", "error", "critical")
        ).upper(),
    },
    "loggers": {
        # Replaces Django's default handlers (console when DEBUG, mail_admins otherwise).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING", "propagate": True},
        # A 403 or 404 is one line, without the traceback of its expected exception.
        "django.request": {"filters": ["no_traceback_below_500"], "propagate": True},
        "django.server": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
