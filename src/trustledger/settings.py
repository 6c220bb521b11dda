"""Django settings. Every value comes from a ``TRUSTLEDGER_*`` environment variable.

Each variable is documented in docs/settings.md; tests/test_docs.py fails when one is not.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent

_INSECURE_SECRET_KEY = "insecure-development-key-do-not-use-in-production"
_MODES = ("production", "development", "demo")


def _env(name: str, default: str) -> str:
    return os.environ.get(f"TRUSTLEDGER_{name}", default)


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name, "1" if default else "0").strip().lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"TRUSTLEDGER_{name} must be true or false, got {raw!r}")


def _env_int(name: str, default: int, minimum: int | None = None) -> int:
    raw = _env(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTLEDGER_{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"TRUSTLEDGER_{name} must be at least {minimum}, got {value}")
    return value


def _env_float(name: str, default: float, minimum: float) -> float:
    raw = _env(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTLEDGER_{name} must be a number, got {raw!r}") from None
    if not value >= minimum:  # also refuses nan
        raise ImproperlyConfigured(f"TRUSTLEDGER_{name} must be at least {minimum}, got {raw}")
    return value


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in _env(name, default).split(",") if item.strip()]


MODE = _env("MODE", "development")
if MODE not in _MODES:
    raise ImproperlyConfigured(f"TRUSTLEDGER_MODE must be one of {', '.join(_MODES)}, got {MODE!r}")

SECRET_KEY = _env("SECRET_KEY", _INSECURE_SECRET_KEY)
if MODE == "production" and SECRET_KEY == _INSECURE_SECRET_KEY:
    raise ImproperlyConfigured(
        "TRUSTLEDGER_SECRET_KEY must be set to a long random value in production mode "
        "(the built-in key is only for TRUSTLEDGER_MODE=development or demo)."
    )

DEBUG = _env_bool("DEBUG", False)
DATA_DIR = Path(_env("DATA_DIR", str(Path.cwd() / "var")))
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")

DATABASES = {
    "default": dj_database_url.parse(
        _env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'trustledger.sqlite3'}"),
        conn_max_age=_env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at BEGIN
    # so two writers queue on busy_timeout instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "trustledger.web",
    "trustledger.accounts",
    "trustledger.audit",
    "trustledger.org",
    "trustledger.ledger",
    "trustledger.assessments",
    "django_tasks",
    "django_tasks_db",
    "trustledger.notify",
    "trustledger.insights",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "trustledger.urls"
WSGI_APPLICATION = "trustledger.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login rate limiting (django-axes): lock a username+address pair after repeated failures.
AXES_FAILURE_LIMIT = _env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = _env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Sessions and cookies. Secure-only cookies need HTTPS, which the local demo does not have.
HTTPS = _env_bool("HTTPS", MODE == "production")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = _env_int("SESSION_HOURS", 12, minimum=1) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000

# E-mail: SMTP when a host is configured, otherwise printed to the console (demo, development).
EMAIL_HOST = _env("EMAIL_HOST", "")
EMAIL_PORT = _env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = _env("EMAIL_USER", "")
EMAIL_HOST_PASSWORD = _env("EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = _env("EMAIL_FROM", "trustledger <noreply@localhost>")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)

LANGUAGE_CODE = "en"
TIME_ZONE = _env("TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(_env("STATIC_ROOT", str(DATA_DIR / "static")))
# WhiteNoise serves files straight from the apps (finders), so no collectstatic step is needed;
# it still expects STATIC_ROOT to exist.
try:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:
    pass
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Aggregates over people (team figures, survey cuts) are shown only over at least this many.
ANONYMITY_K = _env_int("ANONYMITY_K", 5, minimum=3)
# A self rating this many scale points above (below) a rater group's mean is a blind spot
# (hidden strength) in a leader's assessment report.
GAP_MARGIN = _env_float("GAP_MARGIN", 1.0, minimum=0.1)

# Outbound messages (reminders, digests) by e-mail and to a chat webhook, delivered by the
# background worker (`trustledger worker`, django-tasks with its database backend).
SITE_URL = _env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
WEBHOOK_URL = _env("WEBHOOK_URL", "")
WEBHOOK_SECRET = _env("WEBHOOK_SECRET", "")
WEBHOOK_MAX_ATTEMPTS = _env_int("WEBHOOK_MAX_ATTEMPTS", 8, minimum=1)
WEBHOOK_TIMEOUT_SECONDS = _env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
# Days between reminders to someone who has not used their survey link (`trustledger remind`).
SURVEY_REMINDER_DAYS = _env_int("SURVEY_REMINDER_DAYS", 3, minimum=1)
if WEBHOOK_URL and not WEBHOOK_SECRET:
    raise ImproperlyConfigured(
        "TRUSTLEDGER_WEBHOOK_SECRET must be set when TRUSTLEDGER_WEBHOOK_URL is: every webhook "
        "is signed so the receiver can tell it came from this server."
    )
TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
}

# Largest HR import accepted through the web page or API, in megabytes.
IMPORT_MAX_MEGABYTES = _env_int("IMPORT_MAX_MEGABYTES", 50, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_MEGABYTES * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": _env("LOG_LEVEL", "WARNING")},
}
