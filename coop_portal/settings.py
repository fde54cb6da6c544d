"""Settings for coop-portal, read from the environment through django-environ.

With no environment at all the portal runs embedded: SQLite under var/, Celery tasks run
in-process, a local-memory cache and e-mail printed to the console. Production sets
DATABASE_URL, REDIS_URL, SECRET_KEY and ALLOWED_HOSTS (see docs/operations.md).
"""

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=not env.str("SECRET_KEY", default=""))
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Only the embedded development default ever uses this key.
    SECRET_KEY = "insecure-embedded-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# How many reverse proxies stand in front of the portal and write X-Forwarded-For: 0 when
# gunicorn or runserver is reached directly, 1 behind docker-compose.yml's nginx. The limits per
# address believe that header only this far (coop_portal/clientaddress.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "simple_history",
    "coop_portal.apps.LockoutConfig",  # django-axes
    "django_otp",
    "coop_portal.apps.TOTPDevicesConfig",  # django_otp.plugins.otp_totp
    "coop_portal.apps.StaticDevicesConfig",  # django_otp.plugins.otp_static
    "coop_portal",
    "members",
    "charter",
    "inspections",
    "complaints",
    "pledges",
]

MIDDLEWARE = [
    # Every request gets its id first, so that everything after logs under it.
    "coop_portal.requestid.RequestIdMiddleware",
    "coop_portal.metrics.MetricsMiddleware",
    # Container and load-balancer probes, answered before the host check and the HTTPS redirect.
    "coop_portal.middleware.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # The API's language comes from Accept-Language alone, English by default.
    "coop_portal.middleware.ApiLanguageMiddleware",
    "coop_portal.middleware.NulInPathMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Public pages for anonymous readers from the cache (coop_portal/public_cache.py): after
    # the language is known, before anything that may set a cookie or add a message.
    "coop_portal.public_cache.PublicPageCacheMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Accounts with administrative rights go nowhere before they log in with two factors.
    "members.two_factor.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes goes last so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "coop_portal.urls"
WSGI_APPLICATION = "coop_portal.wsgi.application"

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
                "django.template.context_processors.i18n",
                "coop_portal.context_processors.site",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # The covering indexes' INCLUDE columns are a PostgreSQL speed-up; SQLite just builds the
    # index without them, which is all the embedded default needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Lockout after repeated failed log-ins (django-axes): after AXES_FAILURE_LIMIT failures for
# one account from one address, and after AXES_ACCOUNT_FAILURE_LIMIT for one account from all
# addresses together (coop_portal/lockout.py), for AXES_COOLOFF_TIME after the last failure.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ACCOUNT_FAILURE_LIMIT = env.int("AXES_ACCOUNT_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "coop_portal.lockout.AccountLockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "coop_portal.clientaddress.client_address"
# The public forms' limits count per client address, as axes does.
RATELIMIT_IP_META_KEY = "coop_portal.clientaddress.client_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Two-factor secrets are shown once, to their owner, at set-up (accounts/two-factor/); the
# admin never shows them, not even to a superuser, and its QR pages answer 403 for any id.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Languages: Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Dates in templates use SHORT_DATE_FORMAT / SHORT_DATETIME_FORMAT, defined per language here.
FORMAT_MODULE_PATH = ["coop_portal.formats"]
# The language a visitor chose with the switcher is remembered for a year, not the session.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# node_modules holds the npm tools of the tests and benchmarks (axe-core, Lighthouse): none of
# it is served.
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Uploads: under MEDIA_ROOT, or in a private S3-compatible bucket when MEDIA_S3_BUCKET is set,
# which production needs as soon as web and worker run on more than one machine: they then
# share no disk (coop_portal/storage.py, docs/operations.md).
MEDIA_S3_BUCKET = env.str("MEDIA_S3_BUCKET", default="")
MEDIA_STORAGE: dict[str, Any] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if MEDIA_S3_BUCKET:
    MEDIA_STORAGE = {
        "BACKEND": "coop_portal.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            # Empty for AWS itself; the address of MinIO, Aliyun OSS, Tencent COS … otherwise.
            "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("MEDIA_S3_REGION", default="") or None,
            "access_key": env.str("MEDIA_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("MEDIA_S3_SECRET_ACCESS_KEY", default="") or None,
            # A folder of the bucket, when the bucket holds more than this portal's files.
            "location": env.str("MEDIA_S3_PREFIX", default=""),
        },
    }
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
# Uploads larger than this are refused before they reach a form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
CSV_IMPORT_MAX_BYTES = env.int("CSV_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)

# Redis carries the Celery broker and the cache in production, each in its own database of the
# same server: REDIS_URL names the broker's (redis://redis:6379/0), the cache takes the next one,
# so that clearing the cache can never drop a queued task.
REDIS_URL = env.str("REDIS_URL", default="")


def redis_database(url: str, offset: int) -> str:
    """The same Redis server as ``url``, ``offset`` databases after the one it names."""
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) + offset
    return urlunsplit(parts._replace(path=f"/{database}"))


# The cache holds what anonymous callers can make it hold (public pages, rate-limit counters),
# so its Redis needs a memory cap and an eviction policy; Redis sets both per server, which the
# broker must not share (an evicted queued task is lost). REDIS_CACHE_URL names a Redis of its
# own for the cache (maxmemory with allkeys-lru, no persistence; docs/operations.md); without
# it the cache takes the database after the broker's, whose server should then evict with
# volatile-lru (only keys with an expiry: every cache entry, never a queued task).
REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default="")
if REDIS_URL or REDIS_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_CACHE_URL or redis_database(REDIS_URL, 1),
            # Every entry expires: an entry set without its own timeout lives five minutes.
            "TIMEOUT": 300,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Public pages served from the cache expire after this even when no data changed (they are
# dropped at once when it does: coop_portal/public_cache.py).
PUBLIC_PAGE_CACHE_SECONDS = env.int("PUBLIC_PAGE_CACHE_SECONDS", default=300)

# Celery. Embedded default: tasks run in-process, so nothing needs a broker.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Two queues, each served by its own worker service (docker-compose.yml): long work (assessment
# chunks, PDFs, big imports) and short work (e-mail, sweeps), so that a 20-minute chunk never
# holds back a complaint's e-mail. A task not named here is short.
CELERY_TASK_DEFAULT_QUEUE = "short"
# Each app's tasks.py is found on its own; these modules of the pledges app hold tasks too
# (assessments: the chunks, the PDFs, the schedule's).
CELERY_IMPORTS = [
    "pledges.assessment.tasks",
    "pledges.assessment.pdf",
    "pledges.assessment.schedule",
    "pledges.assessment.publication",
]
CELERY_TASK_ROUTES = {
    "pledges.*": {"queue": "long"},
    "inspections.tasks.open_missing_rectifications_task": {"queue": "long"},
}
# Processes per worker service.
CELERY_WORKER_CONCURRENCY = env.int("WORKER_CONCURRENCY", default=2)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged only after it finished, so a worker killed mid-task leaves it on the
# queue for another worker; every task is written to be safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One task at a time per worker process: long assessment chunks must not hold others back.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The longest task (a chunk of an assessment, a big import, a PDF) is killed after the hard
# limit; the broker re-delivers an unacknowledged task only after the visibility timeout, which
# is therefore longer than the hard limit so a running task is never delivered twice.
CELERY_TASK_SOFT_TIME_LIMIT = 15 * 60
CELERY_TASK_TIME_LIMIT = 20 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_RESULT_EXPIRES = timedelta(days=1)
# No caller reads a task's result. Without this, queuing a task first subscribes to its
# result in Redis, and with Redis down that retries for longer than gunicorn lets a request
# live: the consumer who just filed a complaint would get an error page instead of their
# tracking code (tests/services/test_faults.py).
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# How long the web side waits for the broker before it leaves work to the outbox sweep.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_POOL_LIMIT = 10

# How often beat sends the e-mail whose immediate dispatch failed; the e-mail it sends is at
# least half as old, so that the immediate dispatch has gone first (the fault tests shorten it).
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=60)

# A run computing that finished no chunk for this long has stalled: beat queues its chunks
# again, and /metrics counts it.
ASSESSMENT_STALLED_SECONDS = 600

# The periodic schedule, in one place. Jobs that run every half hour or less often run at fixed
# clock times (crontab), so that a redeploy does not restart their clocks; beat keeps the
# schedule's state in a file on a volume (coop_portal/processes.py).
CELERY_BEAT_SCHEDULE = {
    # Sends e-mail whose immediate dispatch failed (broker or worker down): nothing is lost.
    "flush-outbox": {
        "task": "coop_portal.tasks.flush_outbox",
        "schedule": timedelta(seconds=OUTBOX_SWEEP_SECONDS),
        "kwargs": {"older_than_seconds": OUTBOX_SWEEP_SECONDS // 2},
    },
    # Proposes removal of suspended members whose rectification period ended (exit mechanism).
    "propose-overdue-removals": {
        "task": "charter.tasks.propose_overdue_removals",
        "schedule": crontab(minute=10, hour="6,18"),
    },
    # The morning digest of exit-mechanism proposals waiting for each cooperative's
    # administrators (one per cooperative and day).
    "proposal-digests": {
        "task": "charter.tasks.send_proposal_digests",
        "schedule": crontab(minute=0, hour=8),
    },
    # Complaint deadline reminders to members and overdue reports to administrators (each once).
    "complaint-reminders": {
        "task": "complaints.tasks.send_complaint_reminders",
        "schedule": crontab(minute=20),
    },
    # Computes the assessment of each period that closed (half-years, years) as a draft.
    "assess-closed-periods": {
        "task": "pledges.assessment.schedule.assess_closed_periods",
        "schedule": crontab(minute=40, hour="*/6"),
    },
    # Computes the chunks of assessment runs that made no progress for ten minutes (their
    # tasks could not be queued, the broker being down, or a worker died with them).
    "resume-stalled-assessments": {
        "task": "pledges.assessment.tasks.resume_stalled_runs",
        "schedule": timedelta(minutes=5),
        "kwargs": {"idle_seconds": ASSESSMENT_STALLED_SECONDS},
    },
    # Makes published assessments final once their public notice period has ended.
    "finalise-assessments": {
        "task": "pledges.assessment.schedule.finalise_runs",
        "schedule": crontab(minute=50),
    },
    # The retention schedule (RETENTION_DAYS), nightly when the portal is quiet: blanks sent
    # e-mail, clears expired sessions and prunes log-in records; blanks earlier values of
    # personal fields in histories; anonymises complaints closed long enough ago.
    "apply-retention": {
        "task": "coop_portal.tasks.apply_retention",
        "schedule": crontab(minute=15, hour=3),
    },
    "prune-personal-history": {
        "task": "members.tasks.prune_personal_history_task",
        "schedule": crontab(minute=20, hour=3),
    },
    "anonymise-closed-complaints": {
        "task": "complaints.tasks.anonymise_closed_complaints",
        "schedule": crontab(minute=30, hour=3),
    },
    # Opens rectifications a large inspection import queued but a lost task never opened.
    "open-missing-rectifications": {
        "task": "inspections.tasks.sweep_missing_rectifications",
        "schedule": crontab(minute="5,35"),
    },
}

# How long personal data is kept (PIPL), in days: the privacy notice (coop_portal/retention.py,
# /privacy/) shows this schedule and the nightly retention jobs below apply it.
RETENTION_DAYS = {
    # The consumer's name, phone, e-mail and evidence, counted from the complaint's closing.
    "complaint_contact": env.int("RETENTION_COMPLAINT_CONTACT_DAYS", default=3 * 365),
    # Recipients and bodies of e-mail the portal sent, counted from sending.
    "sent_email": env.int("RETENTION_SENT_EMAIL_DAYS", default=30),
    # Records of log-in attempts and lockouts (django-axes).
    "login_records": env.int("RETENTION_LOGIN_RECORDS_DAYS", default=90),
    # Earlier values of personal fields (contact persons, phones, e-mail) in change histories.
    "personal_history": env.int("RETENTION_PERSONAL_HISTORY_DAYS", default=2 * 365),
    # Log-in sessions: the longest a session lives (SESSION_COOKIE_AGE, two weeks).
    "sessions": 14,
}
SESSION_COOKIE_AGE = RETENTION_DAYS["sessions"] * 24 * 60 * 60

# E-mail: printed to the console unless EMAIL_URL is set (smtp+tls://user:pass@host:587).
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="coop-portal <noreply@localhost>")
# Seconds a connection to the mail server may block (connecting, each read and write): a hung
# server must not hold a worker, nor outlast the claim of the e-mail being sent
# (coop_portal.tasks.OUTBOX_CLAIM).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security. Production (DEBUG off) runs behind TLS.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REFERRER_POLICY = "same-origin"

# Content security policy: no inline scripts, nothing from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["coop_portal.clientaddress.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env.str("API_THROTTLE_RATE", default="600/minute")},
    # An error the API does not expect is a JSON 500 too, never Django's HTML page.
    "EXCEPTION_HANDLER": "coop_portal.api_errors.json_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "coop-portal open data API",
    "DESCRIPTION": "Published assessments, pledges and statistics of quality cooperatives.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The documentation page's script is served from here, never from a CDN.
    "REDOC_DIST": "SIDECAR",
    # An inspection's verdict and an item's result share one pass/fail choice set.
    "ENUM_NAME_OVERRIDES": {"PassFailEnum": "inspections.models.Inspection.Verdict"},
}

# Logs on standard error, one JSON object a line in production (time, level, logger, message
# and the request id, coop_portal/requestid.py), plain text in development (LOG_FORMAT).
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "coop_portal.requestid.RequestIdFilter"}},
    "formatters": {"portal": {"()": "coop_portal.requestid.formatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "portal",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# Prometheus metrics (coop_portal/metrics.py) answer these networks only, e.g. the monitoring
# network of the compose file.
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])

# Errors go to Sentry, or a self-hosted GlitchTip (the same protocol, and the data stays in
# the country), when SENTRY_DSN is set. Nothing personal is sent: no user, address, cookie or
# form field, and the complaint fields scrubbed wherever they appear.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from coop_portal.errors import init_sentry

    init_sentry(SENTRY_DSN, environment=env.str("SENTRY_ENVIRONMENT", default="production"))

SITE_NAME = _("Quality cooperative portal")
