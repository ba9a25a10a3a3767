"""Settings, read from the environment (STYLE.md §8).

Modes (``ZHILIANG_MODE``):

* ``local`` (default) — the embedded set-up used by ``zhiliang demo`` and by
  operators on one machine: SQLite in the data dir unless ``DATABASE_URL`` is
  set, a secret key generated once and kept in the data dir, plain HTTP on
  localhost only.  Not DEBUG.
* ``production`` — refuses to start without a real ``SECRET_KEY`` and
  ``ALLOWED_HOSTS``; HTTPS-only cookies, HSTS, SSL redirect
  (``zhiliang check --deploy`` is clean).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def data_dir() -> Path:
    """The folder for the embedded database, the generated key and uploads."""
    configured = env("ZHILIANG_DATA_DIR")
    if configured:
        path = Path(configured).expanduser()
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("zhiliang", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


MODE = env("ZHILIANG_MODE", "local")
if MODE not in {"local", "production", "test"}:
    raise ImproperlyConfigured(f"ZHILIANG_MODE must be local, production or test, not {MODE!r}")
PRODUCTION = MODE == "production"
DATA_DIR = data_dir()
DEBUG = env_bool("ZHILIANG_DEBUG", False) and not PRODUCTION

# --- secret key -----------------------------------------------------------
SECRET_KEY = env("SECRET_KEY")
if PRODUCTION:
    if not SECRET_KEY or len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure") or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "生产模式需要环境变量 SECRET_KEY（至少 50 个随机字符）。"
            " Production mode needs SECRET_KEY (50+ random characters)."
        )
elif not SECRET_KEY:
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()

# --- hosts and HTTPS --------------------------------------------------------
if PRODUCTION:
    hosts = env("ALLOWED_HOSTS")
    if not hosts:
        raise ImproperlyConfigured("生产模式需要 ALLOWED_HOSTS。 Production mode needs ALLOWED_HOSTS.")
    ALLOWED_HOSTS = [h.strip() for h in hosts.split(",") if h.strip()]
    if "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured("生产模式的 ALLOWED_HOSTS 须列出本站的主机名，不能用 *。 Production ALLOWED_HOSTS must name the site's hosts, not *.")
    CSRF_TRUSTED_ORIGINS = [o.strip() for o in (env("CSRF_TRUSTED_ORIGINS") or "").split(",") if o.strip()]
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", True) else None
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
else:
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"] + [
        h.strip() for h in (env("ALLOWED_HOSTS") or "").split(",") if h.strip()
    ]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(8 * 3600)))
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken

# --- applications -------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "zhiliang.core",
    "zhiliang.enterprises",
    "zhiliang.exchange",
    "zhiliang.sampling",
    "zhiliang.credit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "zhiliang.core.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "zhiliang.urls"
WSGI_APPLICATION = "zhiliang.wsgi.application"
AUTH_USER_MODEL = "core.User"
# Service accounts never sign in to the web UI (zhiliang.core.accounts.can_log_in).
AUTHENTICATION_BACKENDS = ["zhiliang.core.accounts.AccountBackend"]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:staff-home"
LOGOUT_REDIRECT_URL = "core:public-home"

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
                "zhiliang.core.context_processors.navigation",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'zhiliang.sqlite3'}"
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=int(env("CONN_MAX_AGE", "60")))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Embedded default (CORE.md): WAL, busy timeout, immediate transactions for writers.
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    _db.setdefault("TEST", {})["NAME"] = None
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("CACHE_URL")}
        if env("CACHE_URL", "").startswith("redis")
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    )
}

# --- tasks (django-tasks, database backend) ------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- passwords -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- language and time ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT") or DATA_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env("MEDIA_ROOT") or DATA_DIR / "media")

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "zhiliang.core.api.authentication.TokenAuthentication",
        "zhiliang.core.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["zhiliang.core.api.permissions.ScopedPermission"],
    "DEFAULT_FILTER_BACKENDS": ["zhiliang.core.api.filtering.FilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "zhiliang.core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "zhiliang.core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_ANON_RATE", "60/min"),
        "user": env("API_USER_RATE", "1200/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Zhiliang API",
    "DESCRIPTION": "质量 Zhiliang — 消费品标准和质量提升信息系统 API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # choice sets whose field names collide across apps (kind, status) get stable names
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "zhiliang.core.choices.DepartmentKind",
        "CategoryKindEnum": "zhiliang.enterprises.choices.CategoryKind",
        "LicenceKindEnum": "zhiliang.enterprises.choices.LicenceKind",
        "EnterpriseStatusEnum": "zhiliang.enterprises.choices.EnterpriseStatus",
        "LicenceStatusEnum": "zhiliang.enterprises.choices.LicenceStatus",
    },
}

# --- Zhiliang ---------------------------------------------------------------------------
# Personal tokens may not live longer than this many days.
API_TOKEN_MAX_DAYS = int(env("API_TOKEN_MAX_DAYS", "365"))
# Rate limits (django-ratelimit syntax) for logins and public pages: visitors per address,
# signed-in users per account (an office's staff share one address).
LOGIN_RATE = env("LOGIN_RATE", "10/m")
PUBLIC_QUERY_RATE = env("PUBLIC_QUERY_RATE", "30/m")
SIGNED_IN_QUERY_RATE = env("SIGNED_IN_QUERY_RATE", "300/m")
RATELIMIT_VIEW = "zhiliang.core.views.rate_limited"
CSRF_FAILURE_VIEW = "zhiliang.core.views.csrf_failure"
# A client's address for the rate limits (pages and API alike): REMOTE_ADDR, or behind this
# many reverse proxies of the deployment (production behind its proxy: 1) the X-Forwarded-For
# entry the nearest of them appended — the entries before it are whatever the client sent.
TRUSTED_PROXIES = int(env("TRUSTED_PROXIES", "1" if PRODUCTION and env_bool("BEHIND_PROXY", True) else "0"))
RATELIMIT_IP_META_KEY = "zhiliang.core.views.client_ip"
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXIES  # DRF's throttles read the same entry
# Models whose rows are written without an audit context (CORE.md "Audit").
AUDIT_EXEMPT_MODELS = {
    "sessions.session",
    "contenttypes.contenttype",
    "auth.permission",
    "django_tasks_db.dbtaskresult",
    "core.eventdelivery",
    # the audit trail itself (append-only, written only by audit.py/events.py inside a context)
    "core.objectchange",
    "core.changeset",
    "core.domainevent",
    # derived search index, rebuilt from the audited records (like a cache)
    "core.searchentry",
    "core.searchtoken",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
    "loggers": {
        "zhiliang": {"level": env("LOG_LEVEL", "INFO")},
        "django_tasks": {"level": env("TASKS_LOG_LEVEL", "WARNING")},
        "django_tasks_db": {"level": env("TASKS_LOG_LEVEL", "WARNING")},
    },
}
