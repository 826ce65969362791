"""Settings, read from the environment (see PRODUCT.md's table).

One module for every shape: `make run` sets DEBUG=1, production leaves it unset. A bad
value fails at start-up with ImproperlyConfigured, never silently falls back.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_flag(name: str, default: bool) -> bool:
    """A strict boolean: django-environ reads "maybe" as False; we refuse it."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1 or 0.")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = env.str(name, default=None)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = env.str(name, default=None)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_flag("DEBUG", False)
PORT = env_int("PORT", 8000, minimum=1)

if DEBUG:
    # Only ever used on a developer's machine; production refuses to start without its own.
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-" + "x" * 40)
else:
    # Left empty when unset: the web and worker processes refuse to start without it
    # (console/startup.py), Django refuses any use of an empty key, and commands that need
    # none, such as `manage.py createsuperuser --noinput`, still work.
    SECRET_KEY = env.str("SECRET_KEY", default="")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
for _origin in CSRF_TRUSTED_ORIGINS:
    if "://" not in _origin:
        raise ImproperlyConfigured(f"CSRF_TRUSTED_ORIGINS entry {_origin!r} needs a scheme.")

CONSOLE_BASE_URL = env.str("CONSOLE_BASE_URL", default=f"http://127.0.0.1:{PORT}").rstrip("/")
if not CONSOLE_BASE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("CONSOLE_BASE_URL must start with http:// or https://.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_countries",
    "accounts",
    "products",
    "apps",
    "kyb",
    "sandbox",
    "api",
    "console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # DEBUG only: the Console's 404 page instead of Django's list of URL patterns.
    "console.middleware.DebugNotFoundMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "console.middleware.CSPMiddleware",  # django-csp's, see the module
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Deny by default: a view is public only when marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Records each session's IP, browser and last activity for the Sessions page.
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "accounts.middleware.CurrentOrganizationMiddleware",
    # After the organization is known: sends whoever needs two-factor log-in to set it up.
    "accounts.middleware.TwoFactorRequiredMiddleware",
    # Before a page's view: this process's buffered token counts reach the database first.
    "console.middleware.UsageFlushMiddleware",
]

ROOT_URLCONF = "console.urls"
WSGI_APPLICATION = "console.wsgi.application"

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
                "accounts.context_processors.console",
                "accounts.context_processors.two_factor_setup",
                "apps.context_processors.app_menu",
            ],
            # {% messages_here %} and |browser in every template, without a {% load %}.
            "builtins": ["console.templatetags.console_ui"],
        },
    },
]
# Lets templates/django/forms/ restyle every form field once.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# .get: django-environ leaves ENGINE out for a URL without a scheme ("nonsense").
if DATABASES["default"].get("ENGINE") not in (
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
):
    raise ImproperlyConfigured("DATABASE_URL must be postgres://… or sqlite:///path.")
# Every request is one transaction: a failed request leaves no half-written rows, and mail
# queued with on_commit is only sent for what was committed.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # SQLite: a transaction takes the write lock as it begins, so a second writer waits (20 s)
    # instead of failing with "database is locked"; WAL lets readers read meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=20,
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured("REDIS_URL must start with redis:// or rediss://.")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                # Rate limits fail open rather than turning a Redis outage into 500s on
                # sign-up and log-in; the outage is logged.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Without a broker, tasks run in the web process right away (`make run`).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CONSOLE_CELERY_QUEUE", default="console")
# A message is acknowledged only after its task ran: a worker that dies mid-send gets the
# message redelivered, which is why every task is idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker outlives any Redis outage instead of exiting after 100 reconnection attempts.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Publishing must fail fast when Redis is down: the outbox keeps the message instead.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": 3600,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BEAT_SCHEDULE = {
    "accounts.outbox_flush": {
        "task": "accounts.tasks.outbox_flush",
        "schedule": float(env_int("CONSOLE_OUTBOX_FLUSH_SECONDS", 30, minimum=1)),
    },
    "api.usage_fold": {
        "task": "api.tasks.usage_fold",
        "schedule": float(env_int("CONSOLE_USAGE_FOLD_SECONDS", 30, minimum=1)),
    },
    "kyb.storage_sweep": {"task": "kyb.tasks.storage_sweep", "schedule": 3600.0},
    # Frees expired secrets' slots; the token endpoint refuses them without it.
    "apps.client_secrets_expire": {"task": "apps.tasks.client_secrets_expire", "schedule": 60.0},
    "sandbox.authorization_codes_sweep": {
        "task": "sandbox.tasks.authorization_codes_sweep",
        "schedule": 3600.0,
    },
    "apps.unused_secrets_notify": {
        "task": "apps.tasks.unused_secrets_notify",
        "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
    },
}

# --- Email ----------------------------------------------------------------------------------
_email_url = env.str("EMAIL_URL", default="")
if _email_url:
    try:
        globals().update(env.email_url_config(_email_url))
    except (KeyError, ValueError, ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(f"EMAIL_URL is not a valid smtp:// URL: {exc}") from None
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Console <no-reply@console.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Retries of a failed SMTP delivery: base of the exponential backoff, in seconds.
CONSOLE_EMAIL_RETRY_BACKOFF = env_int("CONSOLE_EMAIL_RETRY_BACKOFF", 5, minimum=1)
CONSOLE_EMAIL_MAX_RETRIES = env_int("CONSOLE_EMAIL_MAX_RETRIES", 8)
# A pending outbox row older than this is queued again by outbox_flush.
CONSOLE_OUTBOX_STALE_SECONDS = env_int("CONSOLE_OUTBOX_STALE_SECONDS", 60)

# --- Going to production -------------------------------------------------------------------
# Where Contact sales leads and KYB submissions are announced.
CONSOLE_SALES_EMAIL = env.str("CONSOLE_SALES_EMAIL", default="sales@console.localhost")
CONSOLE_KYB_REVIEW_EMAIL = env.str(
    "CONSOLE_KYB_REVIEW_EMAIL", default="kyb-review@console.localhost"
)

# Fernet keys (comma-separated, newest first) for data at rest; unset: derived from SECRET_KEY.
CONSOLE_ENCRYPTION_KEYS = env_list("CONSOLE_ENCRYPTION_KEYS", [])
# Key of the HMAC that stores client secrets; unset: derived from SECRET_KEY. Changing it makes
# every existing client secret stop working, so set it once in production and keep it.
CONSOLE_SECRET_HASH_KEY = env.str("CONSOLE_SECRET_HASH_KEY", default="")

# --- The Tink API ---------------------------------------------------------------------------
# Ed25519 signing keys (base64url seeds, comma-separated, newest first; `manage.py signing_key`
# makes one). Required when DEBUG is off; under `make run` a dev key derives from SECRET_KEY.
CONSOLE_SIGNING_KEYS = env_list("CONSOLE_SIGNING_KEYS", [])
CONSOLE_TOKEN_ISSUER = env.str("CONSOLE_TOKEN_ISSUER", default=CONSOLE_BASE_URL)
# Failed client authentications allowed per minute before the token endpoint answers 429.
CONSOLE_TOKEN_FAILURES_PER_CLIENT = env_int("CONSOLE_TOKEN_FAILURES_PER_CLIENT", 20, minimum=1)
CONSOLE_TOKEN_FAILURES_PER_IP = env_int("CONSOLE_TOKEN_FAILURES_PER_IP", 100, minimum=1)
# How long the shared cache keeps "this secret is valid" for introspection: the most a revoke
# takes to be seen if its invalidation of the cache failed (0: ask the database every time).
CONSOLE_TOKEN_SECRET_CACHE_SECONDS = env_int("CONSOLE_TOKEN_SECRET_CACHE_SECONDS", 5)
# GitHub secret scanning (api.secret_scanning): where its public keys are published, and how
# long they are kept before they are fetched again (an unknown key identifier fetches at once).
CONSOLE_SECRET_SCANNING_KEYS_URL = env.str(
    "CONSOLE_SECRET_SCANNING_KEYS_URL",
    default="https://api.github.com/meta/public_keys/secret_scanning",
)
if not CONSOLE_SECRET_SCANNING_KEYS_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("CONSOLE_SECRET_SCANNING_KEYS_URL must be an http(s):// URL.")
CONSOLE_SECRET_SCANNING_KEYS_CACHE_SECONDS = env_int(
    "CONSOLE_SECRET_SCANNING_KEYS_CACHE_SECONDS", 3600, minimum=1
)
# Token counts go to Redis and are folded into the database by the worker's beat; without
# Redis (make run) each process buffers them and writes them in one transaction this often
# (0: each as it is made), so that token requests don't queue on SQLite's write lock.
CONSOLE_USAGE_REDIS_URL = REDIS_URL
CONSOLE_USAGE_FLUSH_SECONDS = env_int("CONSOLE_USAGE_FLUSH_SECONDS", 1)
CONSOLE_USAGE_PREFIX = env.str("CONSOLE_USAGE_PREFIX", default="console:usage")

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_FORMS = {
    "login": "accounts.allauth_forms.LoginForm",
    "signup": "accounts.allauth_forms.SignupForm",
    "change_password": "accounts.allauth_forms.ChangePasswordForm",
    "set_password": "accounts.allauth_forms.SetPasswordForm",
    "reset_password_from_key": "accounts.allauth_forms.ResetPasswordKeyForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # a link preview must not verify; the page has a button
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Console: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if CONSOLE_BASE_URL.startswith("https") else "http"
# The session that changed the password stays logged in; every other session of the account
# is logged out by Django's session hash, which the new password changes.
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
# Re-authentication asks for the password (or, once set up, a second factor); emailed codes
# would make a mailbox enough to confirm access to client secrets.
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "reauthenticate": "10/m/user",
    # Console's own (accounts.adapters.CAPPED_EMAILS): emails anyone can cause, per address.
    "console_email_password_reset": "3/h/key",
    "console_email_verification": "3/h/key",
}
# A new address counts only once its link is followed; until then the old one logs in.
ACCOUNT_CHANGE_EMAIL = True
# Adding or changing an address asks for the password (or a second factor) again, whatever the
# age of the log-in: an open session alone can't move the account to another mailbox.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# The account's address hears of every change to its email, password and two-factor log-in
# (the old address, for an email change), each email with a link that secures the account.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# A password reset asked for an address with no account sends nothing (and says the same).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False

# --- Two-factor log-in and sessions ---------------------------------------------------------
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Console"
# The code that confirms an authenticator app is spent; the security-key forms take only JSON
# that Python can parse (accounts/allauth_forms.py).
MFA_FORMS = {
    "activate_totp": "accounts.allauth_forms.ActivateTOTPForm",
    "add_webauthn": "accounts.allauth_forms.AddWebAuthnForm",
    "authenticate_webauthn": "accounts.allauth_forms.AuthenticateWebAuthnForm",
    "reauthenticate_webauthn": "accounts.allauth_forms.ReauthenticateWebAuthnForm",
}
# Recovery codes are shown once, right after they are made; later only new ones can be made.
MFA_RECOVERY_CODES_SHOW_ONCE = True
# MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN stays off, even under `make run`: fido2 already accepts
# http://localhost, browsers refuse security keys on http://127.0.0.1 whatever the server says,
# and the setting would only turn the origin check off.
# The Sessions page shows each session's address and start. Tracking each session's last
# activity would cost an UPDATE on every request; it stays off.
USERSESSIONS_TRACK_ACTIVITY = False

# --- Security headers and cookies -----------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
# Flash messages ride in the session: no extra cookie outside the __Host- session cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

if DEBUG:
    # `make run` serves plain http on localhost, where Secure and __Host- cookies can't be set.
    SESSION_COOKIE_SECURE = False
    CSRF_COOKIE_SECURE = False
else:
    SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", True)
    # TLS ends at the proxy in front of gunicorn, which says so in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host-: the browser only accepts them over https, for the whole host, no Domain.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# An oversized upload is dropped while it streams in, before it reaches memory or disk.
FILE_UPLOAD_HANDLERS = [
    "kyb.uploads.OversizedFileSkipper",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# KYB documents: encrypted files under server-made names, outside every public URL (no
# base_url); served only by kyb.views.document_download after a permission check.
CONSOLE_PRIVATE_ROOT = Path(env.str("CONSOLE_PRIVATE_ROOT", default=str(BASE_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "kyb": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": CONSOLE_PRIVATE_ROOT / "kyb",
            "base_url": None,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# "2 Dec 2026, 14:27" wherever Django formats a date itself (the admin): the locale's formats
# win over DATE_FORMAT/DATETIME_FORMAT settings, so they are set in a format module.
FORMAT_MODULE_PATH = ["console.formats"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Invitation, email-confirmation and password-reset keys never reach a log line.
    "filters": {"redact_keys": {"()": "accounts.log_filters.RedactKeyedPaths"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_keys"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Request lines can carry query strings; keep them out of production logs.
        "django.request": {"level": "ERROR"},
        # At DEBUG it logs every failed variable lookup with the whole template context,
        # which on the new-secret page holds the secret.
        "django.template": {"level": "INFO"},
        # runserver's request lines (make run), through the redacting handler.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
