"""The test suite's settings: production settings, with what a test process needs changed.

DEBUG stays off, so tests see the production security headers and cookies. Each change
below says why.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-key-for-the-suite-" + "k7Qz" * 12)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("CONSOLE_SIGNING_KEYS", "8Kx4hJ0Yb8t0gkq2v5m3Qe1nTjz7RcWfA6dLsPuVyXo")

from console.settings import *  # noqa: E402,F403

# The test client speaks plain http; the header sweep turns the redirect back on.
SECURE_SSL_REDIRECT = False

# Unit tests deliver email in-process to django.core.mail.outbox; integration tests point
# Celery at the real broker and a real worker themselves.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Token counts are written directly; tests of the Redis path and of the buffer (which set their
# own) set these themselves. A flushing thread would write outside the test's transaction.
CONSOLE_USAGE_REDIS_URL = ""
CONSOLE_USAGE_FLUSH_SECONDS = 0

# Argon2 stays first (it is what users get), tuned down: hashing cost is not under test.
PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # KYB documents of a test run go to a directory of its own, never into the checkout.
    "kyb": {
        **STORAGES["kyb"],  # noqa: F405
        "OPTIONS": {
            **STORAGES["kyb"]["OPTIONS"],  # noqa: F405
            "location": tempfile.mkdtemp(prefix="console-test-kyb-"),
        },
    },
}

# Serve static files straight from static/ (no collectstatic in the test run).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
