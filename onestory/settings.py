"""OneStory settings: one module, configured from the environment.

`DATABASE_URL` names the database (an SQLite file under var/ by default; PostgreSQL in
production). `ONESTORY_SECRET_KEY` is required except in the demo and the tests, which set
`ONESTORY_ENV` and get a fixed, clearly-labelled insecure key.
"""

import logging
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ONESTORY_VAR_DIR", BASE_DIR / "var"))

ENV = os.environ.get("ONESTORY_ENV", "production")
if ENV not in {"production", "demo", "test"}:
    raise ImproperlyConfigured(f"ONESTORY_ENV must be production, demo or test, not {ENV!r}")

# The production profile is configured by the environment alone, and refuses to start
# without what it cannot guess (docs/DEPLOYMENT.md): every missing name is listed at once.
PRODUCTION_REQUIRES = {
    "ONESTORY_SECRET_KEY": "a long random string that signs sessions",
    "DATABASE_URL": "the database, e.g. postgres://user:password@db.example:5432/onestory",
    "ONESTORY_ALLOWED_HOSTS": "the host names OneStory answers to, comma-separated",
}
if ENV == "production":
    _missing = [n for n in PRODUCTION_REQUIRES if not os.environ.get(n, "").strip()]
    if _missing:
        raise ImproperlyConfigured(
            "OneStory's production profile (ONESTORY_ENV=production) cannot start: "
            + "; ".join(f"{n} is not set ({PRODUCTION_REQUIRES[n]})" for n in _missing)
            + ". Set them in the environment (docs/DEPLOYMENT.md), "
            "or set ONESTORY_ENV=demo for the demo."
        )

SECRET_KEY = os.environ.get("ONESTORY_SECRET_KEY", "")
if not SECRET_KEY:
    SECRET_KEY = f"insecure-{ENV}-only-key-never-use-in-production"

DEBUG = os.environ.get("ONESTORY_DEBUG", "0") == "1"
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ONESTORY_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]
if ENV == "test":
    ALLOWED_HOSTS += ["testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # its templates and static files: the API docs page is served offline
    "onestory.audit",
    "onestory.access",
    "onestory.sources",
    "onestory.people",
    "onestory.record",
    "onestory.portal",
    "onestory.interop",
    "onestory.planning",
    "onestory.budgets",
    "onestory.casework",
    "onestory.sharedlives",
    "onestory.commissioning",
    "onestory.market",
    "onestory.evaluation",
    "onestory.places",
    "onestory.national",
    "onestory.bcf",
    "onestory.initiatives",
    "django_tasks_db",  # the background queue's table (ADR 0018)
    "oauth2_provider",  # SMART App Launch: authorization code with PKCE (ADR 0030)
    "onestory.jobs",
]

MIDDLEWARE = [
    # /health/ and /ready/ answer before anything else (no session, any Host header).
    "onestory.ops.probes.ProbeMiddleware",
    # One JSON line per request: method, path (ids only), status, time taken, user id.
    "onestory.ops.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # A bad number in an address or form is a 400 (or 404 for an impossible id), never a 500.
    "onestory.web.BadRequestMiddleware",
]

ROOT_URLCONF = "onestory.urls"
WSGI_APPLICATION = "onestory.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "onestory" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "onestory.home.context_processors.menu",
            ],
            # nhs_date, nhs_datetime and the other shared filters on every page.
            "builtins": ["onestory.record.templatetags.onestory"],
        },
    },
]

if "DATABASE_URL" not in os.environ:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'onestory.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the page server read while an import writes; the timeout rides out the
    # short write locks taken by audit appends.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_VALIDATION = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATION}.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": f"{_VALIDATION}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATION}.NumericPasswordValidator"},
    {"NAME": f"{_VALIDATION}.UserAttributeSimilarityValidator"},
]
# Username and password, with lockout after repeated failures (onestory.access.auth).
AUTHENTICATION_BACKENDS = ["onestory.access.auth.LockoutBackend"]
# Break-glass access lasts this many hours before it must be asked for again.
ONESTORY_BREAK_GLASS_HOURS = int(os.environ.get("ONESTORY_BREAK_GLASS_HOURS", "4"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # each role's own landing page (onestory.home)
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
# Dates on screen in the NHS style, "2 May 2026" (with a time, "2 May 2026 at 3:15pm", by
# the nhs_datetime filter). Locale formats override these, so onestory/formats/en_GB holds
# the same; ISO 8601 stays in the API and exports.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = r"j F Y \a\t H:i"
FORMAT_MODULE_PATH = ["onestory.formats"]

STATIC_URL = "/static/"
# `onestory collectstatic`-style collection (the container image does it at build time)
# goes here; whitenoise serves it, and finds the rest in the apps when it was not run.
STATIC_ROOT = Path(os.environ.get("ONESTORY_STATIC_ROOT", VAR_DIR / "staticfiles"))
try:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
except OSError:
    pass  # a read-only image: whitenoise still finds the files in the apps
STATICFILES_DIRS = [BASE_DIR / "onestory" / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = ENV != "production"

# Sessions end after 30 minutes without a request (each request renews the cookie) and
# when the browser closes.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
# Cookies only over HTTPS in production; the demo and tests run over plain HTTP locally.
SESSION_COOKIE_SECURE = ENV == "production"
CSRF_COOKIE_SECURE = ENV == "production"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if ENV == "production":
    SECURE_HSTS_SECONDS = int(os.environ.get("ONESTORY_HSTS_SECONDS", "31536000"))
    SECURE_REFERRER_POLICY = "same-origin"
# Behind a proxy that ends TLS, Django sees plain HTTP and so never sends HSTS or marks the
# request secure. ONESTORY_BEHIND_TLS_PROXY=1 makes it trust X-Forwarded-Proto: https. Only
# set it when the proxy always sets (and overwrites) that header: exposed directly, any
# client could send the header and pass a plain-HTTP request off as HTTPS.
if os.environ.get("ONESTORY_BEHIND_TLS_PROXY", "0") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy on every response: scripts only from OneStory itself or inline
# blocks carrying the request's nonce (`nonce="{{ csp_nonce }}"`); nothing from other
# sites. Styles allow inline because Plotly's charts and htmx set style attributes.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Identifiable fields never reach the logs: only ids and counts are logged anywhere.
# A refused request (403) is one line naming the path, without a traceback. In production
# every line is one JSON object (onestory.ops.logs.JsonFormatter), with one line per request
# from RequestLogMiddleware; ONESTORY_LOG_FORMAT=json|text chooses elsewhere.
LOG_FORMAT = os.environ.get("ONESTORY_LOG_FORMAT", "json" if ENV == "production" else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"ONESTORY_LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
# Python's warnings become log lines too, so that every line in production is JSON.
logging.captureWarnings(LOG_FORMAT == "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals_in_one_line": {"()": "onestory.log_filters.RefusalsInOneLine"}},
    "formatters": {"json": {"()": "onestory.ops.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "loggers": {
        "django.request": {"filters": ["refusals_in_one_line"]},
        # The request lines and the worker's job lines: on in production (INFO), off in the
        # demo and tests unless ONESTORY_LOG_REQUESTS=1.
        "onestory.ops": {
            "level": "INFO"
            if ENV == "production" or os.environ.get("ONESTORY_LOG_REQUESTS") == "1"
            else "WARNING"
        },
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Background work (ADR 0018): Django's tasks framework with the database-backed queue of
# django-tasks-db; `onestory worker` runs the queue.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


# SMART App Launch on /fhir (ADR 0030): django-oauth-toolkit as the authorization server.
# Authorization code only, PKCE required and S256 only, read scopes only; tokens last an hour.
SMART_SCOPES = {
    "launch/patient": "Choose the person this app reads about",
    "patient/*.read": "Read the record of the one person you choose",
    "patient/*.rs": "Read and search the record of the one person you choose",
    "user/*.read": "Read every record you may read yourself",
    "user/*.rs": "Read and search every record you may read yourself",
}
OAUTH2_PROVIDER = {
    "SCOPES": SMART_SCOPES,
    "DEFAULT_SCOPES": ["patient/*.read"],
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,  # "plain" refused: S256 only
    # The OAuth 2.0 Security BCP throughout: no implicit or password grant, tokens only in
    # the Authorization header, only their hashes kept, `iss` in the authorization answer.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    # A refresh token lasts a working day, is rotated on use, and a replayed one revokes
    # the whole family; a refreshed token keeps the person its launch chose.
    "REFRESH_TOKEN_EXPIRE_SECONDS": 8 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "REQUEST_APPROVAL_PROMPT": "force",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],
    "OAUTH2_VALIDATOR_CLASS": "onestory.interop.smart_validator.SmartValidator",
}
# The toolkit's own models (named so that migrations can refer to them as swappable).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
