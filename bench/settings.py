"""The token benchmark's settings: production settings, plus what only the benchmark mounts.

Everything the console serves runs exactly as in production (DEBUG off, the same middleware,
database, cache, cookies and security headers). The benchmark's client sends
`X-Forwarded-Proto: https` as the TLS proxy in front of gunicorn does, so the https redirect
and the `__Host-` cookies stay on. The additions below say why they are here.
"""

import os

from console.settings import *  # noqa: F403

# The peer the token endpoint is compared with; its tables come with `migrate`.
INSTALLED_APPS = [*INSTALLED_APPS, "oauth2_provider"]  # noqa: F405
# The console's URLs, plus the Django floor and django-oauth-toolkit's token view.
ROOT_URLCONF = "bench.urls"
WSGI_APPLICATION = "bench.wsgi.application"

# client_credentials only; DOT's default scope, and its default hasher: CLIENT_SECRET_HASHER
# "default" is the first of PASSWORD_HASHERS, the same one the console's passwords get
# (`--dot-hasher` of the script picks another, e.g. pbkdf2_sha256, Django's own default).
OAUTH2_PROVIDER = {
    "SCOPES": {"read": "Read"},
    "DEFAULT_SCOPES": ["read"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": 1800,
    "CLIENT_SECRET_HASHER": os.environ.get("BENCH_DOT_HASHER", "default"),
}

# collectstatic writes the manifest here (a temporary folder of the run): the manifest storage
# of production needs one, and the checkout's staticfiles/ stays untouched.
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", STATIC_ROOT)  # noqa: F405

# The benchmark's token counts go to keys of their own, deleted at the end of the run.
CONSOLE_USAGE_PREFIX = "console-bench:usage"

# `--embedded`'s tuned peer: a second server where django-oauth-toolkit keeps its SQLite
# connection (WAL comes with console.settings); the embedded default itself keeps none.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and os.environ.get(  # noqa: F405
    "BENCH_SQLITE_CONN_MAX_AGE"
):
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ["BENCH_SQLITE_CONN_MAX_AGE"])  # noqa: F405
