"""Pathways settings, read once from the environment.

Defaults are for a first run on one machine: SQLite in the project folder, Celery tasks run
eagerly in-process, email printed to the console. Production sets DEBUG=false, SECRET_KEY,
ALLOWED_HOSTS, DATABASE_URL and REDIS_URL; `manage.py check --deploy` then reports nothing.
"""
import sys
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# The fallback key starts with "django-insecure-" so `check --deploy` flags it if it ever
# reaches production; a real deployment sets SECRET_KEY.
SECRET_KEY = env(
    "SECRET_KEY",
    default="django-insecure-local-only-pathways-key-never-use-in-production",
)
# Old keys still accepted while signed sessions and links made with them expire (rotation,
# docs/operations.md).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "simple_history",
    "axes",
    "csp",
    "viewflow",
    "viewflow.workflow",
    "pathways",
    "accounts",
    "audit",
    "referrals",
    "intervenors",
    "reviews",
    "workflows",
    "records",
    "exports",
    "notifications",
    "oversight",
    "cis2",
    "imports",
    "clinical_safety",
]

# The demo and scale loaders (`demo`: seed_demo, seed_scale) are installed for a first run
# (DEBUG), the test suite and benchmarks, never in production: bulk writers stay out of the
# runtime (issue 30). DEMO_DATA=true installs them anywhere else they are wanted.
DEMO_DATA = env.bool("DEMO_DATA", default=DEBUG or "pytest" in sys.modules)
if DEMO_DATA:
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "pathways.middleware.PermissionsPolicyMiddleware",
    "config.observability.RequestLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "pathways.middleware.RejectControlCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    "cis2.middleware.SignOutFormActionMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        # The product's pages: `*.jinja` under templates/, drawn with NHS England's
        # nhsuk-frontend-jinja macros (config/jinja2.py, decision 0019). Other names fall
        # through to the Django engine below (the admin, viewflow's and other packages' pages).
        "BACKEND": "config.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "config.jinja2.environment",
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "accounts.context_processors.navigation",
                "notifications.context_processors.unread_notices",
            ],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "notifications.context_processors.unread_notices",
            ],
        },
    },
]

# An undefined name in one of our Jinja templates fails the page in development and the tests;
# in production it is logged and drawn as nothing (config/jinja2.py).
TEMPLATES_STRICT_UNDEFINED = env.bool("TEMPLATES_STRICT_UNDEFINED", default=DEBUG)

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the database lock when their transaction begins, so two requests cannot
    # both read "two active cases" and then both write a third (see intervenors.services).
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"]["timeout"] = 20
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Keep connections between requests, and check one before reusing it, so a database restart
# costs a reconnect, not an error (issue 17).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# On PostgreSQL the app connects (DATABASE_URL) as a role that owns nothing, and migrations run
# as the owner (MIGRATION_DATABASE_URL, used by `make migrate` and `make serve`). After each
# migrate the owner grants this role what the app needs; on the audit tables, only SELECT and
# INSERT (audit/database.py).
DATABASE_APP_ROLE = env("DATABASE_APP_ROLE", default="")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.PasswordBackend",
    "guardian.backends.ObjectPermissionBackend",
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

# Sign-in through NHS Care Identity Service 2 (OpenID Connect; the cis2 app, docs/operations.md).
# On when the provider's metadata, Pathways' client id and its private key are all set.
CIS2_SERVER_METADATA_URL = env("CIS2_SERVER_METADATA_URL", default="")
CIS2_CLIENT_ID = env("CIS2_CLIENT_ID", default="")
# Pathways' signing key for private_key_jwt (PEM; "\n" in an environment variable is read as a
# line break). Its public half is published at /auth/cis2/jwks.json.
CIS2_PRIVATE_KEY = env("CIS2_PRIVATE_KEY", default="").replace("\\n", "\n")
# Other public keys (PEM blocks, one after another) published beside it during a key rotation.
CIS2_EXTRA_PUBLIC_KEYS = env("CIS2_EXTRA_PUBLIC_KEYS", default="").replace("\\n", "\n")
CIS2_SCOPES = env("CIS2_SCOPES", default="openid profile email nationalrbacaccess associatedorgs")
# Authentication assurance level below which a sign-in is refused: 3 is a smartcard or an
# authenticator app (CIS2's AAL3).
CIS2_MIN_ASSURANCE = env.int("CIS2_MIN_ASSURANCE", default=3)
# How long the provider's metadata and keys are kept before they are read again.
CIS2_METADATA_SECONDS = env.int("CIS2_METADATA_SECONDS", default=60 * 60)
# Passwords: on for the demo and the test suite, off in production, where CIS2 is the only way
# in and no password route exists (issue 31).
PASSWORD_SIGN_IN = env.bool("PASSWORD_SIGN_IN", default=DEBUG or "pytest" in sys.modules)

# django-guardian: no anonymous user row; object permissions are for named people only.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# How many proxies of our own stand in front of the app (each appends to X-Forwarded-For).
# Throttles and lockouts key on the one address this implies (accounts/network.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# django-axes: lock an account and address pair after repeated failures. Keyed on both, so
# nobody can lock a person out from everywhere by failing their sign-in from one place.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.jinja"
AXES_CLIENT_IP_CALLABLE = "accounts.network.client_address"

# Sessions: idle timeout (renewed on each request) and cookies a script cannot read.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
# However active, a session ends this long after sign-in (accounts.middleware); API tokens
# expire this long after they are issued (pathways.api).
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=10 * 60 * 60)
API_TOKEN_SECONDS = env.int("API_TOKEN_SECONDS", default=8 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy on every response (django-csp): scripts, styles, fonts and images
# only from our own static files; no inline script or style, no framing, forms post only here.
# The API docs use drf-spectacular's split view, whose start-up script is a file too.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Our files, and the apps' files less those never served (config/staticfiles.py says which).
STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder",
                       "config.staticfiles.AppFilesServed"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=False)
if STATIC_MANIFEST:
    # Static files straight from the app server, compressed and cached (no proxy needed);
    # development and tests let runserver and the test server serve them instead.
    MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                      "whitenoise.middleware.WhiteNoiseMiddleware")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names and compressed copies once `collectstatic` has run (STATIC_MANIFEST=true,
    # as `make serve` and production set it); otherwise the plain storage, which needs no
    # manifest (development, tests).
    "staticfiles": {"BACKEND": (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST else
        "django.contrib.staticfiles.storage.StaticFilesStorage")},
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="pathways@localhost")
# Where people reach Pathways: links in emails start with it.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# GOV.UK Notify (issue 43; docs/configuration.md). With an API key, email goes through Notify
# with delivery receipts; without one, through EMAIL_URL (SMTP or the console), as before.
NOTIFY_API_KEY = env("NOTIFY_API_KEY", default="")
NOTIFY_BASE_URL = env("NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk")
# One generic email template whose subject and body are personalisation ((subject), (body)).
NOTIFY_TEMPLATE_ID = env("NOTIFY_TEMPLATE_ID", default="")
# Optional per-kind templates, as JSON: {"overdue": "<template id>", ...}; the same
# personalisation. A kind not named uses NOTIFY_TEMPLATE_ID.
NOTIFY_TEMPLATE_IDS = env.json("NOTIFY_TEMPLATE_IDS", default={})
# The bearer token Notify is set to send with each delivery receipt (the service's callback
# settings); receipts are refused without it.
NOTIFY_CALLBACK_BEARER_TOKEN = env("NOTIFY_CALLBACK_BEARER_TOKEN", default="")
# Seconds to wait for Notify's answer before counting the attempt as failed (it is retried).
NOTIFY_TIMEOUT = env.float("NOTIFY_TIMEOUT", default=15)

# Celery: a real broker when REDIS_URL is set; otherwise tasks run eagerly in-process so a
# first run needs no broker. (Celery 5.7 still wants a broker URL in eager mode.)
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_DEFAULT_RETRY_DELAY = 60
CELERY_TIMEZONE = TIME_ZONE
# Every 30 seconds, each kind of background work still waiting 30 seconds after it was asked for
# is queued again: its message was lost on the way to the broker (down, or the process died
# after committing). So it goes out within a minute of the broker's return, however long the
# outage (round 4): waiting at most 30 seconds more to count as lost, then at most 30 for the
# next sweep. Each sweep is one small indexed query; each task is idempotent, so a message
# queued twice does its work once.
LOST_WORK_SWEEP_SECONDS = 30
CELERY_BEAT_SCHEDULE = {
    "refresh-action-deadlines": {
        "task": "workflows.tasks.sweep_action_deadlines",
        "schedule": 60 * 60,
    },
    "sweep-exports": {      # expire downloads, queue again any export whose queueing was lost
        "task": "workflows.exports.sweep_exports",
        "schedule": LOST_WORK_SWEEP_SECONDS,
    },
    "fetch-notify-statuses": {     # GOV.UK Notify statuses whose receipt never came (72 h)
        "task": "notifications.fetch_statuses",
        "schedule": 60 * 60,
    },
    "requeue-owed-notifications": {
        "task": "notifications.requeue_owed",
        "schedule": LOST_WORK_SWEEP_SECONDS,
    },
    "requeue-meeting-packs": {
        "task": "oversight.requeue_packs",
        "schedule": LOST_WORK_SWEEP_SECONDS,
    },
    "requeue-imports": {
        "task": "imports.requeue_imports",
        "schedule": LOST_WORK_SWEEP_SECONDS,
    },
    "apply-retention": {
        "task": "audit.tasks.apply_retention",
        "schedule": 24 * 60 * 60,
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated call is told how to authenticate (401).
        "pathways.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {"token": env("TOKEN_THROTTLE_RATE", default="10/minute")},
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "EXCEPTION_HANDLER": "pathways.api.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["pathways.parsers.BoundedJSONParser"],
}

# Throttle counters live in the cache: shared through Redis when there is one, so a second
# web process sees the same counts.
# Give the cache its own Redis database (CACHE_REDIS_URL) in production: clearing a cache
# flushes its whole database, which must never hold the Celery queue.
CACHE_REDIS_URL = env("CACHE_REDIS_URL", default=REDIS_URL)
CACHES = {"default": (
    {"BACKEND": "pathways.cache.ForgivingRedisCache", "LOCATION": CACHE_REDIS_URL,
     # Fail fast when Redis is away, rather than hold a request (pathways/cache.py).
     "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}
    if CACHE_REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"})}
# Ranked lists keep their order in the cache until a fact behind a score changes (decision
# 0013). The stamp that says so must be seen by every web process, so orders are kept only
# with a shared cache (Redis); a process-local cache would leave another process's order stale.
KEEP_RANKED_ORDERS = env.bool("KEEP_RANKED_ORDERS", default=bool(CACHE_REDIS_URL))
SPECTACULAR_SETTINGS = {
    "TITLE": "Pathways API",
    "DESCRIPTION": "Referrals, prioritisation, IC(E)TR reviews and senior intervenor casework.",
    # Bump with every schema change, with an entry in docs/api-changelog.md (make schema).
    "VERSION": "2.10.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and docs describe every endpoint: for signed-in people only (issue 10).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files (drf-spectacular-sidecar), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "pathways.api.document_errors",
        "pathways.api.close_bodies",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ReferralStatusEnum": "referrals.models.Referral.Status",
        "ReviewStatusEnum": "reviews.models.Review.Status",
        "ActionStatusEnum": "reviews.models.ActionStatus",
        "CaseStatusEnum": "intervenors.models.IntervenorCase.Status",
        "CaseOutcomeEnum": "intervenors.models.IntervenorCase.Outcome",
        "RouteEnum": "referrals.models.Route",
        "WorkItemKindEnum": "workflows.inbox.WORK_KINDS",
        "KindEnum": "reviews.models.Review.Kind",   # its name before 1.2.0, kept
        "ExportKindEnum": "exports.models.Export.Kind",
        "ExportStatusEnum": "exports.models.Export.Status",
        "NoticeKindEnum": "notifications.models.Notification.Kind",   # its name before 2.0.0, kept
    },
}

# simple-history: never erase history when a row is deleted.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# JSON lines with a request id on every line (config/observability.py).
from config.observability import configure_structlog, logging_config  # noqa: E402

LOGGING = logging_config(env("LOG_LEVEL", default="INFO"))
configure_structlog()

# The name the demo loader and the system actor use for changes no person made directly.
SYSTEM_USERNAME = "system"
