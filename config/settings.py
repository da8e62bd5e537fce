"""Manchette's one settings module: every difference between environments is an
environment variable with a safe default (see `.env.example`)."""

from __future__ import annotations

import secrets
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = (
    BASE_DIR / "var"
)  # local state of the embedded default (SQLite, media, secret)
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
env.read_env(str(BASE_DIR / ".env"))  # optional; real environment variables win


def _local_secret_key() -> str:
    """A key generated once per checkout and kept in var/, so `make run` needs no setup
    and no key is ever committed."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# Core -----------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="") or _local_secret_key()
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("MANCHETTE_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL
ADMIN_PATH = env("MANCHETTE_ADMIN_PATH", default="admin").strip("/")
# Client IPs come from X-Forwarded-For only when the socket peer is one of these.
TRUSTED_PROXIES = env.list("MANCHETTE_TRUSTED_PROXIES", default=[])

INSTALLED_APPS = [
    # Manchette, one app per capability (lowest layer first)
    "manchette.core",
    "manchette.accounts",
    "manchette.topics",
    "manchette.newsroom",
    "manchette.live",
    "manchette.flashes",
    "manchette.discussions",
    "manchette.reactions",
    "manchette.newsletter",
    "manchette.search",
    "manchette.wpimport",
    "manchette.trust",
    "manchette.audience",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.frontend_cache",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Third party
    "django_tasks",
    "django_tasks_db",
    "axes",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "manchette.core.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "manchette.core.middleware.PageCacheMiddleware",
    "manchette.newsroom.middleware.SiteLookupMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "manchette.core.context_processors.site",
            ],
        },
    }
]

# Database ---------------------------------------------------------------------
# SQLite out of the box; production sets DATABASE_URL=postgres://user:pass@host/db
DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'manchette.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one process writes; IMMEDIATE avoids the
    # "database is locked" upgrade deadlock between the page server and the worker.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # Connections come from psycopg's pool, shared by the page server's threads
    # (PAGE_THREADS), instead of one persistent connection per thread.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": env.int("MANCHETTE_DB_POOL_MIN", default=2),
            "max_size": env.int("MANCHETTE_DB_POOL_MAX", default=20),
            "timeout": 10,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Cache --------------------------------------------------------------------------
# Redis when configured. Otherwise a file cache, not local memory: `make run` starts
# several processes (page workers, task worker) that must see the same page cache,
# rate limits and live history (docs/decisions.md).
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "manchette.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("MANCHETTE_CACHE_PREFIX", default="manchette"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "manchette.core.cache.FileCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }
# Renditions never change once made: each process keeps the ones it has looked up.
CACHES["renditions"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "OPTIONS": {"MAX_ENTRIES": 5000},
}
# Threads per page-server process that run Django (manchette/core/asgi.py). Each may
# hold one database connection while it works: keep it below MANCHETTE_DB_POOL_MAX.
PAGE_THREADS = env.int("MANCHETTE_PAGE_THREADS", default=8)
# Requests answered before Django, with asynchronous clients, when the site runs on
# PostgreSQL and Redis (manchette/core/fastpath.py): the reactions' JSON endpoints
# (reactions/fastpath.py) and a guest's comment (discussions/fastpath.py). Each page
# server process opens this many more database connections for them.
REACTIONS_FAST_PATH = env.bool("MANCHETTE_REACTIONS_FAST_PATH", default=True)
DISCUSSIONS_FAST_PATH = env.bool("MANCHETTE_DISCUSSIONS_FAST_PATH", default=True)
FAST_PATH_CONNECTIONS = env.int("MANCHETTE_FAST_PATH_CONNECTIONS", default=4)
PAGE_CACHE_ENABLED = env.bool("MANCHETTE_PAGE_CACHE", default=True)
PAGE_CACHE_SECONDS = env.int("MANCHETTE_PAGE_CACHE_SECONDS", default=24 * 3600)
# What shared caches (nginx, a CDN) may keep between purges.
PAGE_CACHE_CONTROL = (
    "public, max-age=0, s-maxage=300, stale-while-revalidate=60, stale-if-error=86400"
)

# Background tasks -----------------------------------------------------------------
# https://github.com/RealOrangeOne/django-tasks — the database backend by default so that
# no queued email is lost when a process dies; RQ on Redis when asked for.
TASK_BACKEND = env("MANCHETTE_TASK_BACKEND", default="database")
if TASK_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0"}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASK_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
SCHEDULER_INTERVAL_SECONDS = env.int("MANCHETTE_SCHEDULER_INTERVAL", default=30)

# Internationalisation ----------------------------------------------------------------
# The newsroom chooses the site's language; French first, English available.
LANGUAGE_CODE = env("MANCHETTE_LANGUAGE", default="fr")
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("MANCHETTE_TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = [(LANGUAGE_CODE, dict(LANGUAGES)[LANGUAGE_CODE])]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_USER_TIME_ZONES = [TIME_ZONE]

# Static and media files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MANCHETTE_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Fingerprinted names, so that the server can give them a one-year lifetime.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}

# Email ---------------------------------------------------------------------------------
# SMTP when EMAIL_URL is set (smtp://user:pass@host:587/?tls=True); otherwise every email
# is written to the console, and kept in the local outbox by the newsletter app.
EMAIL_URL = env("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "manchette.core.mail.OutboxBackend"
DEFAULT_FROM_EMAIL = env(
    "DJANGO_DEFAULT_FROM_EMAIL", default="Manchette <redaction@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Wagtail ---------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = env("MANCHETTE_SITE_NAME", default="Manchette")
WAGTAILSEARCH_BACKENDS = {
    "default": {
        "BACKEND": "wagtail.search.backends.database",
        "SEARCH_CONFIG": "french",  # PostgreSQL's French text search configuration
    }
}
WAGTAILEMBEDS_RESPONSIVE_HTML = True
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "odt", "xlsx", "ods", "csv", "txt", "zip"]
WAGTAILIMAGES_FORMAT_CONVERSIONS = {"avif": "webp", "heic": "jpeg"}
FRONTEND_CACHE_URL = env("MANCHETTE_FRONTEND_CACHE_URL", default="")
if FRONTEND_CACHE_URL:
    # nginx (or Varnish) in front; see docs/deploy.md.
    WAGTAILFRONTENDCACHE = {
        "proxy": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": FRONTEND_CACHE_URL,
        }
    }

# Security -----------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("MANCHETTE_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
HTTPS = env.bool(
    "MANCHETTE_HTTPS", default=not DEBUG and SITE_URL.startswith("https://")
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
if HTTPS:
    SECURE_SSL_REDIRECT = env.bool("MANCHETTE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env("DJANGO_LOG_LEVEL", default="WARNING"),
    },
    "loggers": {
        "manchette": {"level": env("MANCHETTE_LOG_LEVEL", default="INFO")},
        # One line per task run is noise on a console; failures still show.
        "django_tasks_db": {
            "level": env("MANCHETTE_TASKS_LOG_LEVEL", default="WARNING")
        },
        "django_tasks": {"level": env("MANCHETTE_TASKS_LOG_LEVEL", default="WARNING")},
    },
}
