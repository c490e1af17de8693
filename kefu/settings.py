"""Settings for running Kefu. Everything a deployment changes comes from the
environment: DATABASE_URL, REDIS_URL, KEFU_DATA_DIR, SECRET_KEY, ALLOWED_HOSTS,
DEBUG, KEFU_DEMO (see README)."""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


DATA_DIR = Path(os.environ.get("KEFU_DATA_DIR") or BASE_DIR / "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, or one generated once into the data dir."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
KEFU_DEMO = env_bool("KEFU_DEMO")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "huey.contrib.djhuey",
    "ninja",
    "core",
    "accounts",
    "notify",
    "sla",
    "customers",
    "tickets",
    "complaints",
    "attachments",
    "knowledge",
    "portal",
    "channels",
    "api",
    "home",
    "security",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.KefuLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionPolicyMiddleware",
    "core.middleware.KefuLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "kefu.urls"
AUTHENTICATION_BACKENDS = ["accounts.backends.KefuModelBackend"]
WSGI_APPLICATION = "kefu.wsgi.application"

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
                "home.context_processors.shell",
            ],
        },
    },
]

# Storage: SQLite in the data directory unless DATABASE_URL names PostgreSQL.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=60, conn_health_checks=True
        )
    }
    # The pages' queries are a main table and its lookups (select_related): with
    # PostgreSQL's default of 8 the planner tries every order of the joins, which
    # took longer than running the query (a ticket list: 18 ms planned, 1 ms run
    # at a million tickets); 4 keeps the written order beyond four relations.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c join_collapse_limit=4"
    )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "kefu.sqlite3",
            # A connection kept across requests keeps its parsed schema and its page
            # cache: opening one per request cost 4 to 8 ms of every page at a
            # million tickets (bench/README.md).
            "CONN_MAX_AGE": 60,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # Length, username, and the MLPS rules, as the security policy in the database says.
    {"NAME": "accounts.passwords.PolicyPasswordValidator"},
]

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Behind a TLS-terminating proxy, cookies become secure (see README).
KEFU_HTTPS = env_bool("KEFU_HTTPS")
SESSION_COOKIE_SECURE = KEFU_HTTPS
CSRF_COOKIE_SECURE = KEFU_HTTPS
if KEFU_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("KEFU_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("KEFU_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("KEFU_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "core.views.csrf_failure_view"  # refused and audited

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end packages from npm (package-lock.json), copied by manage.py kefu_assets.
VENDOR_ASSETS_DIR = BASE_DIR / "build" / "vendor"
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor", VENDOR_ASSETS_DIR)]
MEDIA_ROOT = DATA_DIR / "uploads"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Attachments on S3-compatible object storage (django-storages) when a bucket is
# named; the data directory otherwise. Credentials come from the environment.
if os.environ.get("KEFU_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["KEFU_S3_BUCKET"],
            "endpoint_url": os.environ.get("KEFU_S3_ENDPOINT") or None,
            "region_name": os.environ.get("KEFU_S3_REGION") or None,
            "access_key": os.environ.get("KEFU_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("KEFU_S3_SECRET_KEY") or None,
            "location": os.environ.get("KEFU_S3_PREFIX", ""),
            "file_overwrite": False,
            "default_acl": "private",
            "querystring_auth": True,
        },
    }
KEFU_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("KEFU_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))
)
KEFU_ATTACHMENT_MAX_FILES = int(os.environ.get("KEFU_ATTACHMENT_MAX_FILES", "5"))
# The customer portal: how long a private link works after the ticket closes,
# and the rates of its anonymous pages (per client address).
KEFU_PORTAL_LINK_DAYS = int(os.environ.get("KEFU_PORTAL_LINK_DAYS", "90"))
KEFU_PORTAL_SUBMIT_RATE = os.environ.get("KEFU_PORTAL_SUBMIT_RATE", "10/h")
KEFU_PORTAL_RATE = os.environ.get("KEFU_PORTAL_RATE", "120/m")

# Background jobs: Huey on SQLite in the data directory, or Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
HUEY = {
    "name": "kefu",
    "immediate": False,
    "consumer": {"workers": 2, "worker_type": "thread", "periodic": True},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update(
        {"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "huey.sqlite3")}
    )

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kefu",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "kefu_cache",
        }
    }

# Outbound mail (the notify app's email channel).
EMAIL_HOST = os.environ.get("KEFU_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("KEFU_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("KEFU_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("KEFU_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("KEFU_SMTP_STARTTLS")
EMAIL_USE_SSL = env_bool("KEFU_SMTP_SSL")
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("KEFU_MAIL_FROM", "kefu@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Kefu's own settings.
KEFU_API_TOKEN_DAYS = int(os.environ.get("KEFU_API_TOKEN_DAYS", "30"))
KEFU_NOTIFY_MAX_ATTEMPTS = 8
KEFU_HEARTBEAT_STALE_SECONDS = 180
# Key of the audit log's hash chain (HMAC-SHA256); derived from SECRET_KEY unless
# set. Keep it when SECRET_KEY is rotated, or audit_verify reports every row.
KEFU_AUDIT_KEY = os.environ.get("KEFU_AUDIT_KEY", "")
# Per client address, a flood guard on the anonymous login endpoints (core.ratelimit).
KEFU_LOGIN_RATE = os.environ.get("KEFU_LOGIN_RATE", "100/m")
# Tests only: `flush` may lift the audit tables' database guard (audit.guard).
KEFU_AUDIT_GUARD_LIFT_ON_FLUSH = False
# Tickets: the number prefix (KF20261123-00042), the department whose dispatcher
# receives what other departments register, the watch list (more than N moves
# between departments; open this many hours without an answer), and how many
# days after resolution a ticket closes by itself (0: never).
KEFU_TICKET_PREFIX = os.environ.get("KEFU_TICKET_PREFIX", "KF").strip().upper()
if not (
    KEFU_TICKET_PREFIX.isascii()
    and KEFU_TICKET_PREFIX.isalnum()
    and len(KEFU_TICKET_PREFIX) <= 8
):
    raise ValueError("KEFU_TICKET_PREFIX: 1 to 8 letters or digits")
KEFU_SERVICE_DEPARTMENT = os.environ.get("KEFU_SERVICE_DEPARTMENT", "cs")
KEFU_TICKET_WATCH_TRANSFERS = int(os.environ.get("KEFU_TICKET_WATCH_TRANSFERS", "2"))
KEFU_TICKET_UNANSWERED_HOURS = int(os.environ.get("KEFU_TICKET_UNANSWERED_HOURS", "8"))
KEFU_TICKET_AUTOCLOSE_DAYS = int(os.environ.get("KEFU_TICKET_AUTOCLOSE_DAYS", "7"))
# Complaints: a complaint of the same customer, or on the same product, order or
# batch and category, within this many days recurs (问题复发).
KEFU_COMPLAINT_RECURRENCE_DAYS = int(
    os.environ.get("KEFU_COMPLAINT_RECURRENCE_DAYS", "90")
)
# Channels: the address customers' links start with, and how many mails one
# poll reads at most.
KEFU_SITE_URL = os.environ.get("KEFU_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
KEFU_MAILBOX_BATCH = int(os.environ.get("KEFU_MAILBOX_BATCH", "50"))
# One demo step per app, in dependency order (manage.py kefu_demo).
KEFU_DEMO_STEPS = [
    "accounts.demo.build",
    "customers.demo.build",
    "tickets.demo.build",
    "complaints.demo.build",
    "sla.demo.build",
    "knowledge.demo.build",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "huey": {"level": "WARNING"},
    },
}
