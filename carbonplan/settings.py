"""carbonplan settings: one module, driven by the environment.

With nothing set it runs the embedded default: SQLite in the checkout and Celery jobs
executed in-process. DATABASE_URL and REDIS_URL switch to PostgreSQL and a Redis-backed
worker and beat (see docker-compose.yml).
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

from .env import envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DEBUG", True)
SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "carbonplan-local-development-key-not-for-production"
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "agencies",
    "plans",
    "tasks",
    "indicators",
    "reports",
    # Counts failed logins per username and address and locks them out (see Authentication).
    "axes",
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
    "agencies.first_login.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A write that cannot get the database in time answers 503, not 500 (carbonplan/db_busy.py).
    "carbonplan.db_busy.DatabaseBusyMiddleware",
    # Last, so it can turn a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "carbonplan.urls"
WSGI_APPLICATION = "carbonplan.wsgi.application"

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
                "agencies.context_processors.roles",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = envstr("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
# Health checks: a kept connection is tried before a request uses it, so the first
# requests after a database restart get a new one instead of an error.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=envint("CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a whole office from one file, every request a thread
    # of its own (README, "How many users the embedded default serves"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Django's SQLite backend, with this process's writers queueing for the write lock
    # in turn rather than polling SQLite for it (carbonplan/sqlite3/base.py).
    DATABASES["default"]["ENGINE"] = "carbonplan.sqlite3"
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        # A transaction takes the write lock at BEGIN, waiting its turn, instead of
        # reading first and failing with "database is locked" when it comes to write
        # after another writer (SQLite cannot upgrade a stale read to a write, and its
        # busy timeout does not apply then). It also makes select_for_update, a no-op
        # on SQLite, hold: the rows read in a transaction cannot change before it ends.
        transaction_mode="IMMEDIATE",
        # Seconds a write waits for the lock before the request is refused with 503
        # (carbonplan/db_busy.py); the waits measured in a deadline-hour burst are far
        # shorter (README, "How many users the embedded default serves").
        timeout=envint("SQLITE_BUSY_TIMEOUT", 30),
        # WAL: readers never wait for the writer, nor the writer for readers. FULL
        # syncs the journal at every commit, so an acknowledged save survives a power
        # cut, not only a crash of the server.
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery ---------------------------------------------------------------------------
REDIS_URL = envstr("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without a broker the jobs run in-process, so the demo needs nothing but Python.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A job whose worker dies is handed to another worker instead of being lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A job held by a worker that died (killed, out of memory, its machine lost) is handed
# to another worker by Redis once its visibility timeout has passed since the worker
# took it; Redis cannot tell a dead worker from a slow one. So every job is short — long
# work is split into parts (a rollup per plan, a bulletin per file), none may run past
# JOB_TIME_LIMIT (the pool process is killed and the job fails) and no job waits longer
# than JOB_MAX_COUNTDOWN in a worker before it runs (longer waits are kept in the
# database and swept every minute) — and the timeout covers both: a job is never
# handed out twice while it still runs, and a lost one runs again within five minutes
# (the timeout plus the sweep that looks for it every BROKER_RESTORE_INTERVAL seconds).
JOB_TIME_LIMIT = envint("JOB_TIME_LIMIT", 150)
JOB_MAX_COUNTDOWN = 60
CELERY_TASK_TIME_LIMIT = JOB_TIME_LIMIT
CELERY_TASK_SOFT_TIME_LIMIT = JOB_TIME_LIMIT - 20
BROKER_VISIBILITY_TIMEOUT = envint("BROKER_VISIBILITY_TIMEOUT", JOB_TIME_LIMIT + JOB_MAX_COUNTDOWN + 30)
BROKER_RESTORE_INTERVAL = 10
if BROKER_VISIBILITY_TIMEOUT < JOB_TIME_LIMIT + JOB_MAX_COUNTDOWN:
    raise ImproperlyConfigured(
        "BROKER_VISIBILITY_TIMEOUT must exceed JOB_TIME_LIMIT plus one minute, or a slow job would run twice"
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    # kombu sweeps for jobs past their timeout every interval × throttle seconds
    # (100 by default); every 10 s keeps a lost job's wait within the timeout's reach.
    "unacked_restore_interval": BROKER_RESTORE_INTERVAL,
    "unacked_restore_throttle": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {
    "nightly-rollup": {
        "task": "reports.jobs.recompute_all_rollups",
        "schedule": crontab(hour=1, minute=30),
    },
    # Stale figures whose job never ran (broker down at commit time, a worker lost) are
    # computed here; one indexed query when nothing is marked.
    "catch-up-stale-rollups": {
        "task": "reports.jobs.recompute_stale_rollups",
        "schedule": timedelta(minutes=1),
    },
    # Draft assessment scores whose figures moved (or whose day passed) are computed again.
    "refresh-stale-assessments": {
        "task": "reports.assessment.jobs.refresh_stale_assessments",
        "schedule": timedelta(minutes=1),
    },
    "daily-reminders": {
        "task": "reports.jobs.send_due_reminders",
        "schedule": crontab(hour=8, minute=30),
    },
    # Group robot retries whose time has come, and deliveries whose job was lost.
    "send-due-channel-deliveries": {
        "task": "agencies.jobs.send_due_deliveries",
        "schedule": timedelta(minutes=1),
    },
    # Bulletins whose run stalled (a worker killed mid-way) or whose job was lost on the
    # way to the broker are queued again (reports/bulletin_runs.py).
    "resume-stalled-bulletins": {
        "task": "reports.jobs.resume_stalled_bulletins",
        "schedule": timedelta(minutes=1),
    },
    "daily-bulletins-after-deadline": {
        "task": "reports.jobs.generate_due_bulletins",
        "schedule": crontab(hour=6, minute=0),
    },
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Authentication -------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "agencies.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": envint("PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username+address is refused before the password is checked,
    # on the login form and on the API token endpoint alike.
    "agencies.auth_backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): 5 failures from one address for one username lock that
# pair out for 15 minutes; another user on the same office network can still log in.
AXES_ENABLED = envbool("LOGIN_THROTTLE", True)
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "agencies/lockout.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_COOLOFF_MESSAGE = gettext_lazy("登录失败次数过多，该账号已暂时锁定，请 15 分钟后再试。")
AXES_PERMALOCK_MESSAGE = gettext_lazy("登录失败次数过多，该账号已锁定，请联系管理员解锁。")
# Successful logins are already recorded by the session table; keep only the failures.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded evidence and generated reports live outside the web root: there is no
# MEDIA_URL route, every download goes through a view that checks permissions.
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# No URL route serves this prefix (not even with DEBUG): it only names the files.
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
EVIDENCE_MAX_BYTES = envint("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
PLAN_UPLOAD_MAX_BYTES = envint("PLAN_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "carbonplan@localhost")

# --- Group robots (钉钉 / 企业微信) --------------------------------------------------
# The site's address as people open it, for the links in robot messages
# (e.g. https://carbon.example.gov.cn); without it messages say "log in to see".
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
# Fernet keys that encrypt webhooks and signing secrets at rest, newest first (see
# agencies/channels/crypto.py). A development site derives one from SECRET_KEY.
CHANNEL_SECRET_KEYS = envlist("CHANNEL_SECRET_KEYS", [])
if not CHANNEL_SECRET_KEYS and DEBUG:
    import base64
    import hashlib

    CHANNEL_SECRET_KEYS = [
        base64.urlsafe_b64encode(
            hashlib.sha256(b"carbonplan-channel-secrets:" + SECRET_KEY.encode()).digest()
        ).decode()
    ]
# Internal networks a webhook may reach all the same (a private robot deployment);
# everything else that is not a public address is refused.
CHANNEL_WEBHOOK_ALLOWED_NETWORKS = envlist("CHANNEL_WEBHOOK_ALLOWED_NETWORKS", [])
CHANNEL_TIMEOUT_SECONDS = envint("CHANNEL_TIMEOUT_SECONDS", 10)
CHANNEL_RETRY_BASE_SECONDS = envint("CHANNEL_RETRY_BASE_SECONDS", 30)
CHANNEL_MAX_ATTEMPTS = envint("CHANNEL_MAX_ATTEMPTS", 8)
CHANNEL_PAUSE_AFTER_FAILURES = envint("CHANNEL_PAUSE_AFTER_FAILURES", 10)

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Every error answers {"type", "errors": [{"code", "detail", "attr"}], "detail"} and
    # every operation documents the errors it can answer (carbonplan/api_errors.py).
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "carbonplan.api_errors.AutoSchema",
    # Only views that name a scope are throttled: per-user rates on every endpoint would
    # slow a whole county's agencies reporting from one office network at the deadline.
    "DEFAULT_THROTTLE_RATES": {
        # agencies.views.TokenView: attempts per username and address.
        "login": envstr("LOGIN_RATE", "10/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "carbonplan API",
    "DESCRIPTION": "碳达峰实施方案目标跟踪与任务督办 API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ChannelKindEnum": "agencies.channels.models.ChannelKind.choices",
        **{
            name: f"drf_standardized_errors.openapi_serializers.{name}.choices"
            for name in (
                "ValidationErrorEnum",
                "ClientErrorEnum",
                "ServerErrorEnum",
                "ErrorCode401Enum",
                "ErrorCode403Enum",
                "ErrorCode404Enum",
                "ErrorCode405Enum",
                "ErrorCode406Enum",
                "ErrorCode415Enum",
                "ErrorCode429Enum",
                "ErrorCode500Enum",
            )
        },
    },
    "POSTPROCESSING_HOOKS": ["drf_standardized_errors.openapi_hooks.postprocess_schema_enums"],
}
DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "carbonplan.api_errors.ErrorHandler",
    "EXCEPTION_FORMATTER_CLASS": "carbonplan.api_errors.ErrorFormatter",
    # The API's unhandled errors answer the documented JSON body even with DEBUG on.
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
}

# --- Security -------------------------------------------------------------------------
# A deployment behind TLS sets SECURE_SSL_REDIRECT=true, SECURE_HSTS_SECONDS=31536000
# (and SECURE_HSTS_PRELOAD=true once the domain is on the preload list); with those and
# DEBUG=false, SECRET_KEY and ALLOWED_HOSTS set, `manage.py check --deploy` is clean.
# They stay off by default because plain-HTTP setups (the embedded demo, loopback
# gunicorn) would otherwise redirect every request to an https:// that is not there.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SAMESITE = "Lax"
# A working day; a shared office computer left logged in should not stay so for weeks.
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 12 * 60 * 60)
CSRF_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Every failed password would be an INFO line; lockouts are logged as warnings.
        "axes": {"level": "WARNING"},
    },
}

# Fonts used by generated PDFs; fontconfig finds them by family name.
PDF_FONT_FAMILY = envstr("PDF_FONT_FAMILY", "Noto Sans CJK SC")
