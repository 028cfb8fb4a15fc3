"""Moisson settings, configured by environment variables (and an optional `.env` file).

Every setting documented in README.md's configuration table. Defaults give the embedded mode:
SQLite and Celery on kombu's filesystem transport, so `make run` needs no server.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The embedded SQLite database, the filesystem broker and the releases live here. Importing the settings
# writes nothing: `make` creates the folder, and the code that writes under it creates what it needs.
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

# Sessions, password resets and signed links rest on this key: without DEBUG there is no default to fall
# back on. `make` writes a random one into .env once (never committed); production sets its own.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "django-insecure-moisson-debug-only"  # `check --deploy` flags the prefix
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set it in the environment or in .env, for example with "
        "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))'); "
        "`make install` writes one into .env for a laptop."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# The name e-mails are signed with; `migrate` copies it and the domain of SITE_URL into the sites record.
SITE_NAME = env_str("SITE_NAME", "Moisson")
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "axes",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "collect",
    "review",
    "export",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After the static files, before anything that reads the session or the database: a refusal is cheap.
    "moisson.overload.OverloadMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, reading the sessions opened before accounts.authentication's backends under their new names.
    "accounts.authentication.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "moisson.middleware.ContentSecurityPolicyMiddleware",
    "moisson.middleware.PermissionsPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Inside the session, locale and CSP middleware, so that its 503 is in the person's language and has the
    # site's headers; it answers for the web pages and the API alike.
    "moisson.database.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a lockout noted during the request into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "moisson.urls"
WSGI_APPLICATION = "moisson.wsgi.application"

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
                # review's parts of collect's pair pages, without collect's templates naming review.
                "review.context_processors.pair_page_parts",
            ],
            # {% load moisson %}: what makes the shared pages cheaper to render (moisson/template_tags.py).
            "libraries": {"moisson": "moisson.template_tags"},
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'moisson.sqlite3'}"),
        # A connection per request cost 14 % of the time under load (issue 14): keep them open, and check
        # them before reuse so a restarted database costs one failed check, not an error.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process and the worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with the statements repeated on a connection prepared once (moisson/postgresql).
    # 0 keeps Django's client-side binding, for a pooler that cannot keep prepared statements.
    DATABASES["default"]["ENGINE"] = "moisson.postgresql"
    if prepare_threshold := env_int("DATABASE_PREPARE_THRESHOLD", 5):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": prepare_threshold}
        )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account before any password is checked, on every login door.
    "axes.backends.AxesStandaloneBackend",
    # Django's and allauth's, reading the signed-in account with SQL compiled once (issue 14).
    "accounts.authentication.ModelBackend",
    "accounts.authentication.AuthenticationBackend",
]

# Accounts (django-allauth): sign-up by e-mail, verified before the first pair.
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Moisson's labels on allauth's forms (one vocabulary: "Adresse e-mail", "Se connecter", "Créer un compte").
ACCOUNT_FORMS = {
    "add_email": "accounts.forms.AddEmailForm",
    "login": "accounts.forms.LoginForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
    "signup": "accounts.forms.SignupForm",
}
# Confirming the address from the browser that signed up logs the person in (allauth only does it then).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# The sign-up form gets an optional invitation code (accounts.waves).
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.signup.SignupExtraForm"
# allauth's limits per connection, where a class or a lecture hall shares one school address: its defaults
# (20 sign-ups and 30 sign-ins a minute per address) refused a third of a class that signed up at the
# teacher's word. Guessing passwords stays capped by allauth's "login_failed" (10 failures a minute per
# address, 5 per account) and django-axes' lockout below; sign-ups by the hour, and unconfirmed accounts
# take no seat in the waves and are deleted (MOISSON_UNCONFIRMED_ACCOUNT_DAYS). Over a limit, allauth answers
# templates/429.html.
ACCOUNT_RATE_LIMITS = {"signup": "60/m/ip,300/h/ip", "login": "120/m/ip"}
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"

# The client's address, for throttles and lockouts. Behind N reverse proxies that each append to
# X-Forwarded-For, the client is the N-th address from the right; with 0 the header is ignored, so a
# forged X-Forwarded-For buys nothing. One number for DRF, allauth, django-axes and moisson.network.
NUM_PROXIES = env_int("NUM_PROXIES", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = NUM_PROXIES

# Per-account lockout (django-axes) on the login page, the API token endpoint and /admin/login/: after
# LOGIN_FAILURE_LIMIT wrong passwords for one account, whatever the address they come from, the account
# cannot sign in for LOGIN_LOCKOUT_MINUTES. Attempts are rows in the database, shared by every worker.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.lockout.account_key"
AXES_CLIENT_IP_CALLABLE = "moisson.network.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False
# axes.W006 asks to lock addresses as well: a class signs in from one school address, and five typos
# across thirty pupils must not lock them all out. Volume per address is capped by allauth's login limit
# (10 failures a minute per address) and the API's throttles instead.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds a request waits for the mail server before handing the e-mail to the worker (moisson.mail): without
# it, a mail server that stops answering held the request, and its place among those in flight, for ever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Moisson <ne-pas-repondre@moisson.local>")

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# WhiteNoise serves collected files from here in production (`collectstatic` creates it).
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

# Security: sensible when served behind a TLS proxy; see README "Deployment".
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts and styles come only from our own static files (no inline script nor style anywhere: STYLE.md),
# and the browser talks to no one else (SPEC §7). The one exception is DRF's browsable API pages, which are
# allowed inline styles (not scripts) by moisson/renderers.py; the admin needs none (Django 5.2's admin writes
# a <style> block only for a change list without any actions bar, which no ModelAdmin here asks for).
# tests/browser/test_content_security_policy.py visits the pages, the admin's included, in a real browser.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Browser features Moisson never uses, refused for the site and anything it could embed.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)
# Bodies bigger than this are refused before they are read (413, in the API's JSON shape under /api/):
# the biggest pair is a few tens of kilobytes.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)

# Celery: filesystem transport by default (no server), Redis in production. The filesystem transport's
# folders are created when the Celery app is first used (moisson/celery.py).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Tasks outside the apps' tasks modules, which Celery finds by itself.
CELERY_IMPORTS = ("moisson.mail",)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# REST API
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an anonymous request a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's, reading the token and its account with SQL compiled once (issue 14).
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "EXCEPTION_HANDLER": "moisson.api.exception_handler",
    # DRF's own pair, with its HTML pages allowed the inline styles of DRF's templates (moisson/renderers.py).
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "moisson.renderers.BrowsableAPIRenderer",
    ],
    # A JSON parser that refuses oversized and absurdly nested bodies with a 4xx instead of a 500.
    "DEFAULT_PARSER_CLASSES": [
        "moisson.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "moisson.api.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # DRF's anon, user and scoped throttles, kept atomically on Redis (moisson.throttle).
    "DEFAULT_THROTTLE_CLASSES": [
        "moisson.throttle.AnonThrottle",
        "moisson.throttle.UserThrottle",
        "moisson.throttle.ScopedThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "120/minute"),
        "user": env_str("API_THROTTLE_USER", "600/minute"),
        "pairs-write": env_str("API_THROTTLE_PAIRS_WRITE", "60/minute"),
        "votes": env_str("API_THROTTLE_VOTES", "120/minute"),
        "auth": env_str("API_THROTTLE_AUTH", "20/minute"),
    },
}
# The writing page's live checks (collect:live_check), per person: typing pauses send one at most every
# 0.6 s, and each costs a language detection and duplicate lookups.
LIVE_CHECK_THROTTLE = env_str("LIVE_CHECK_THROTTLE", "60/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "Moisson API",
    "DESCRIPTION": "Read and write French question/answer pairs, review them, download releases.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Throttles, allauth's rate limits and cached figures live in the cache. Each process has its own local
# memory, so with several workers every limit is multiplied by their number: production sets CACHE_URL
# to a Redis server that all of them share.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"CACHE_URL must be a Redis URL (redis://host:port/db), got {CACHE_URL!r}")
    CACHES = {
        "default": {
            "BACKEND": "moisson.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "moisson"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions are read on every signed-in request: from the shared cache when there is one (written through to
# the database). Never from a process's own memory, where a logout in one worker would leave the session
# alive in the others.
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if CACHE_URL else "db")

# Moisson: the rules of SPEC.md that are settings.
MOISSON_LICENSE = env_str("MOISSON_LICENSE", "CC-BY-4.0")
MOISSON_LICENSE_NAME = env_str("MOISSON_LICENSE_NAME", "Creative Commons Attribution 4.0 International")
MOISSON_LICENSE_URL = env_str("MOISSON_LICENSE_URL", "https://creativecommons.org/licenses/by/4.0/deed.fr")
MOISSON_QUESTION_MIN_LENGTH = env_int("MOISSON_QUESTION_MIN_LENGTH", 10)
MOISSON_QUESTION_MAX_LENGTH = env_int("MOISSON_QUESTION_MAX_LENGTH", 2000)
MOISSON_CONTEXT_MAX_LENGTH = env_int("MOISSON_CONTEXT_MAX_LENGTH", 8000)
MOISSON_ANSWER_MIN_LENGTH = env_int("MOISSON_ANSWER_MIN_LENGTH", 20)
MOISSON_ANSWER_MAX_LENGTH = env_int("MOISSON_ANSWER_MAX_LENGTH", 8000)
MOISSON_MINHASH_PERMUTATIONS = env_int("MOISSON_MINHASH_PERMUTATIONS", 128)
MOISSON_MINHASH_BANDS = env_int("MOISSON_MINHASH_BANDS", 32)
MOISSON_NEAR_DUPLICATE_THRESHOLD = env_float("MOISSON_NEAR_DUPLICATE_THRESHOLD", 0.7)
MOISSON_REVIEW_HOLD_SECONDS = env_int("MOISSON_REVIEW_HOLD_SECONDS", 300)
# Walking the queue (docs/RELIABILITY.md, "Threat model", step 4). The next pair is drawn at random among the
# first N of the review queue (fewest reviews, then oldest), so that skipping does not walk it in an order one
# can predict (1: always the first, the strict order). A reviewer who passed on MOISSON_REVIEW_SKIPS_PER_HOUR
# pairs within the last hour is handed no new pair until fewer remain within the hour; skipping itself is
# never refused (SPEC §4). 0: no cap.
MOISSON_REVIEW_PICK_AMONG = env_int("MOISSON_REVIEW_PICK_AMONG", 10)
if MOISSON_REVIEW_PICK_AMONG < 1:
    raise ImproperlyConfigured(
        f"MOISSON_REVIEW_PICK_AMONG must be 1 or more, got {MOISSON_REVIEW_PICK_AMONG}"
    )
MOISSON_REVIEW_SKIPS_PER_HOUR = env_int("MOISSON_REVIEW_SKIPS_PER_HOUR", 20)
MOISSON_QUORUM_MIN_APPROVALS = env_int("MOISSON_QUORUM_MIN_APPROVALS", 2)
MOISSON_QUORUM_MARGIN = env_int("MOISSON_QUORUM_MARGIN", 2)
MOISSON_DISPUTE_AFTER_REVIEWS = env_int("MOISSON_DISPUTE_AFTER_REVIEWS", 5)
# Distinct people (not suspended) whose open reports stop the review of a pending pair; fewer only list it
# in the moderation queue, so that a single account cannot pull any pair out of review.
MOISSON_REPORTS_TO_SUSPEND_REVIEW = env_int("MOISSON_REPORTS_TO_SUSPEND_REVIEW", 3)
MOISSON_COLLECTION_GOAL = env_int("MOISSON_COLLECTION_GOAL", 100_000)
# Honest overload (moisson/overload.py): requests served at once per process (0: no limit), beyond which
# the answer is a 503 with Retry-After; and, behind a proxy that sends X-Request-Start, the longest wait in
# its queue before the same 503 (0: not checked). 4 per process on two cores: measured at 200 volunteers,
# 4 keeps served requests under the latency targets where 6 doubled their p95 (the extra requests only
# queue for the GIL), for the same throughput (bench/RESULTS.md, "How many in flight"); at 800, 6 took the
# reads' p95 to 149 ms against 95 ("Lists as rows...").
MOISSON_MAX_IN_FLIGHT = env_int("MOISSON_MAX_IN_FLIGHT", 4)
# The 90th percentile of served requests' durations that each process aims for by letting fewer requests
# in at once while the cores it may use are full, its machine's or its container's CPU quota
# (moisson.overload.Places, moisson.cores; 0: always MOISSON_MAX_IN_FLIGHT).
# On a machine three times slower than the one 4 was measured on, 4 took the p95s to about 280 ms and 2 or 1
# brought them under 150 and 90 for 3 to 10 % fewer served (bench/RESULTS.md).
MOISSON_TARGET_MS = env_int("MOISSON_TARGET_MS", 100)
MOISSON_MAX_QUEUE_MS = env_int("MOISSON_MAX_QUEUE_MS", 0)
# How long a request beyond the limit may wait for a place before its 503 (0: refused at once); at most as
# many wait as are served. 20 ms absorbs the bursts that found the places taken while a core had room: at
# 200 volunteers, 304 -> 327 requests served a second, p95s still under 80 ms (bench/RESULTS.md).
MOISSON_MAX_WAIT_MS = env_int("MOISSON_MAX_WAIT_MS", 20)
MOISSON_OVERLOAD_RETRY_AFTER = env_int("MOISSON_OVERLOAD_RETRY_AFTER", 5)
# Opening in waves (accounts.waves): 0 = everyone is admitted at sign-up; N = waves of N accounts, the
# next ones wait in line until a moderator opens the next wave or they bring an invitation code.
MOISSON_SIGNUP_WAVE_SIZE = env_int("MOISSON_SIGNUP_WAVE_SIZE", 0)
# Accounts made by the sign-up form whose e-mail address is still not confirmed this many days later are
# deleted, with the address (accounts.services.delete_unconfirmed_accounts, every hour): a mistyped or
# made-up address is not kept, its username is free again, and it no longer stands in the waves' line.
# 0 = never.
MOISSON_UNCONFIRMED_ACCOUNT_DAYS = env_int("MOISSON_UNCONFIRMED_ACCOUNT_DAYS", 7)

RELEASES_ROOT = Path(env_str("RELEASES_ROOT", str(VAR_DIR / "releases")))
RELEASE_SHARD_ROWS = env_int("RELEASE_SHARD_ROWS", 250_000)
RELEASE_TEST_SHARE = env_float("RELEASE_TEST_SHARE", 0.05)
RELEASE_MIN_NEW_PAIRS = env_int("RELEASE_MIN_NEW_PAIRS", 500)
RELEASE_CHECK_EVERY_SECONDS = env_int("RELEASE_CHECK_EVERY_SECONDS", 7 * 24 * 3600)
HF_DATASET_REPO = env_str("HF_DATASET_REPO", "")
HF_TOKEN = env_str("HF_TOKEN", "")
HF_ENDPOINT = env_str("HF_ENDPOINT", "")

CELERY_BEAT_SCHEDULE = {
    "cut-release-when-due": {
        "task": "export.tasks.cut_release_if_due",
        "schedule": RELEASE_CHECK_EVERY_SECONDS,
    },
    "delete-unconfirmed-accounts": {
        "task": "accounts.tasks.delete_unconfirmed_accounts",
        "schedule": 3600,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
