"""console.settings reads PRODUCT.md's environment table, and a bad value stops the start-up.

Each case starts a fresh interpreter with a controlled environment (nothing inherited from the
shell running the tests), because settings are read once, at import.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SETUP = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='console.settings'; django.setup()"
# Prints the settings under test as JSON; passwords and the secret key are never printed.
DUMP = (
    SETUP
    + """
import json
from django.conf import settings as s
db = {k: v for k, v in s.DATABASES["default"].items() if k != "PASSWORD"}
print(json.dumps({
    "DEBUG": s.DEBUG,
    "DATABASE": db,
    "CACHE_BACKEND": s.CACHES["default"]["BACKEND"],
    "CACHE_LOCATION": s.CACHES["default"].get("LOCATION"),
    "CELERY_BROKER_URL": s.CELERY_BROKER_URL,
    "CELERY_TASK_ALWAYS_EAGER": s.CELERY_TASK_ALWAYS_EAGER,
    "EMAIL_BACKEND": s.EMAIL_BACKEND,
    "EMAIL_HOST": getattr(s, "EMAIL_HOST", None),
    "EMAIL_PORT": getattr(s, "EMAIL_PORT", None),
    "EMAIL_HOST_USER": getattr(s, "EMAIL_HOST_USER", None),
    "EMAIL_USE_TLS": getattr(s, "EMAIL_USE_TLS", None),
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": s.CSRF_TRUSTED_ORIGINS,
    "CONSOLE_BASE_URL": s.CONSOLE_BASE_URL,
    "PORT": s.PORT,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
}))
"""
)


def strong_secret_key() -> str:
    return secrets.token_urlsafe(50)


def run(code: str | list[str], **env: str) -> subprocess.CompletedProcess:
    """Run the project's interpreter with only PATH, HOME and the given variables."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}
    args = [sys.executable, *code] if isinstance(code, list) else [sys.executable, "-c", code]
    return subprocess.run(
        args, cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def production(**env: str) -> dict[str, str]:
    """A production environment (DEBUG unset) with a secret key, plus the given variables."""
    return {
        "SECRET_KEY": strong_secret_key(),
        "CONSOLE_SIGNING_KEYS": "8Kx4hJ0Yb8t0gkq2v5m3Qe1nTjz7RcWfA6dLsPuVyXo",
        **env,
    }


def settings_from(**env: str) -> dict:
    result = run(DUMP, **env)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def assert_refused(result: subprocess.CompletedProcess, *, naming: str) -> None:
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured:"), last_line
    assert naming in last_line


# --- Fails loudly ---------------------------------------------------------------------------


SERVE = "import console.wsgi"  # what gunicorn does first


def test_production_refuses_to_serve_without_a_secret_key():
    assert_refused(run(SERVE), naming="SECRET_KEY")


def test_an_empty_secret_key_is_refused_like_a_missing_one():
    assert_refused(run(SERVE, SECRET_KEY=""), naming="SECRET_KEY")


def test_the_worker_refuses_to_start_without_a_secret_key():
    result = run(["-m", "celery", "-A", "console", "worker", "--pool", "solo"])
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off." in result.stderr


def test_serving_starts_with_a_secret_key():
    assert run(SERVE, **production()).returncode == 0


def test_createsuperuser_needs_no_secret_key(tmp_path):
    """PRODUCT.md's command works as written, in a shell with nothing else set."""
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    manage = [str(ROOT / "manage.py")]
    assert run([*manage, "migrate", "--noinput"], DATABASE_URL=database).returncode == 0

    result = run(
        [*manage, "createsuperuser", "--noinput"],
        DATABASE_URL=database,
        DJANGO_SUPERUSER_EMAIL="staff@example.com",
        DJANGO_SUPERUSER_PASSWORD="a-long-staff-passphrase-1",
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "Superuser created successfully." in result.stdout


def test_debug_mode_starts_without_a_secret_key():
    assert settings_from(DEBUG="1")["DEBUG"] is True


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "mysql://x/y"),
        ("DATABASE_URL", "nonsense"),
        ("REDIS_URL", "http://x"),
        ("EMAIL_URL", "ftp://x"),
        ("PORT", "abc"),
        ("PORT", "0"),
        ("CONSOLE_BASE_URL", "ftp://x"),
        ("CSRF_TRUSTED_ORIGINS", "example.com"),
        ("CONSOLE_USAGE_FLUSH_SECONDS", "soon"),
        ("CONSOLE_USAGE_FLUSH_SECONDS", "-1"),
    ],
)
def test_a_bad_value_stops_the_start_up_and_names_the_variable(name, value):
    assert_refused(run(SETUP, **production(**{name: value})), naming=name)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://console:{password}@db.example/console"),
        ("REDIS_URL", "http://:{password}@redis.example:6379/0"),
        ("EMAIL_URL", "ftp://mailer:{password}@mail.example:21"),
    ],
)
def test_a_refused_url_is_not_echoed_with_its_password(name, value):
    password = secrets.token_hex(12)
    result = run(SETUP, **production(**{name: value.format(password=password)}))
    assert result.returncode != 0
    assert password not in result.stderr
    assert password not in result.stdout


# --- Good values are read -------------------------------------------------------------------


def test_database_defaults_to_the_sqlite_file_in_the_project():
    db = settings_from(**production())["DATABASE"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(ROOT / "db.sqlite3")
    assert db["ATOMIC_REQUESTS"] is True


def test_database_url_sqlite_points_at_the_given_file(tmp_path):
    path = tmp_path / "console.sqlite3"
    db = settings_from(**production(DATABASE_URL=f"sqlite:///{path}"))["DATABASE"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(path)


SQLITE_PRAGMAS = (
    SETUP
    + """
import json
from django.db import connection
with connection.cursor() as cursor:
    pragmas = {}
    for name in ("journal_mode", "synchronous", "busy_timeout"):
        cursor.execute(f"PRAGMA {name}")
        pragmas[name] = cursor.fetchone()[0]
print(json.dumps({"transaction_mode": connection.transaction_mode, **pragmas}))
"""
)


def test_sqlite_writers_wait_for_each_other_instead_of_failing(tmp_path):
    """A transaction takes the write lock when it begins (IMMEDIATE), so a second writer
    waits up to 20 s for it rather than fail with "database is locked" when it upgrades; WAL
    lets readers outside a transaction read meanwhile."""
    result = run(SQLITE_PRAGMAS, **production(DATABASE_URL=f"sqlite:///{tmp_path / 'c.sqlite3'}"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "transaction_mode": "IMMEDIATE",
        "journal_mode": "wal",
        "synchronous": 1,  # NORMAL: safe with WAL, one fsync per checkpoint, not per commit
        "busy_timeout": 20_000,
    }


def test_database_url_postgres_is_read_with_persistent_checked_connections():
    url = f"postgres://console:{secrets.token_hex(8)}@db.example:5433/console_prod"
    db = settings_from(**production(DATABASE_URL=url))["DATABASE"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["HOST"], db["PORT"], db["NAME"]) == (
        "console",
        "db.example",
        5433,
        "console_prod",
    )
    assert db["CONN_MAX_AGE"] == 60
    assert db["CONN_HEALTH_CHECKS"] is True
    assert db["ATOMIC_REQUESTS"] is True


def test_email_url_smtp_sends_through_that_server_without_tls():
    conf = settings_from(**production(EMAIL_URL="smtp://mail.example:2525"))
    assert conf["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (conf["EMAIL_HOST"], conf["EMAIL_PORT"]) == ("mail.example", 2525)
    assert conf["EMAIL_USE_TLS"] is False


def test_email_url_smtp_tls_turns_on_starttls_and_logs_in():
    url = f"smtp+tls://mailer:{secrets.token_hex(8)}@mail.example:587"
    conf = settings_from(**production(EMAIL_URL=url))
    assert conf["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (conf["EMAIL_HOST"], conf["EMAIL_PORT"]) == ("mail.example", 587)
    assert conf["EMAIL_HOST_USER"] == "mailer"
    assert conf["EMAIL_USE_TLS"] is True


def test_without_email_url_emails_are_printed_to_the_terminal():
    conf = settings_from(**production())
    assert conf["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_redis_url_is_the_cache_and_the_celery_broker():
    url = "redis://redis.example:6379/0"
    conf = settings_from(**production(REDIS_URL=url))
    assert conf["CACHE_BACKEND"] == "django_redis.cache.RedisCache"
    assert conf["CACHE_LOCATION"] == url
    assert conf["CELERY_BROKER_URL"] == url
    assert conf["CELERY_TASK_ALWAYS_EAGER"] is False


def test_without_redis_url_tasks_run_in_process_with_a_local_cache():
    conf = settings_from(**production())
    assert conf["CACHE_BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert conf["CELERY_TASK_ALWAYS_EAGER"] is True
    assert conf["CELERY_BROKER_URL"] == "memory://"


def test_allowed_hosts_and_csrf_trusted_origins_are_comma_separated():
    conf = settings_from(
        **production(
            ALLOWED_HOSTS="console.example.com, admin.example.com",
            CSRF_TRUSTED_ORIGINS="https://console.example.com,https://admin.example.com",
        )
    )
    assert conf["ALLOWED_HOSTS"] == ["console.example.com", "admin.example.com"]
    assert conf["CSRF_TRUSTED_ORIGINS"] == [
        "https://console.example.com",
        "https://admin.example.com",
    ]


def test_hosts_default_to_localhost_only():
    conf = settings_from(**production())
    assert set(conf["ALLOWED_HOSTS"]) == {"localhost", "127.0.0.1", "[::1]"}
    assert conf["CSRF_TRUSTED_ORIGINS"] == []


def test_port_sets_the_default_base_url_of_email_links():
    conf = settings_from(**production(PORT="8123"))
    assert conf["PORT"] == 8123
    assert conf["CONSOLE_BASE_URL"] == "http://127.0.0.1:8123"


def test_console_base_url_is_read_without_a_trailing_slash():
    conf = settings_from(**production(CONSOLE_BASE_URL="https://console.example.com/"))
    assert conf["CONSOLE_BASE_URL"] == "https://console.example.com"


def test_production_redirects_to_https_and_sends_secure_cookies_while_debug_does_not():
    prod = settings_from(**production())
    dev = settings_from(DEBUG="1")
    assert (prod["SECURE_SSL_REDIRECT"], prod["SESSION_COOKIE_SECURE"]) == (True, True)
    assert (dev["SECURE_SSL_REDIRECT"], dev["SESSION_COOKIE_SECURE"]) == (False, False)


# --- The deployment checklist ---------------------------------------------------------------


def test_deploy_check_passes_without_a_single_warning():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **production(ALLOWED_HOSTS="console.example.com"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr
    assert result.stderr.strip() == ""


def test_without_redis_token_counts_are_buffered_for_a_second_unless_told_otherwise():
    read = SETUP + "\nfrom django.conf import settings as s; print(s.CONSOLE_USAGE_FLUSH_SECONDS)"
    assert run(read, **production()).stdout.split()[-1] == "1"
    assert run(read, **production(CONSOLE_USAGE_FLUSH_SECONDS="0")).stdout.split()[-1] == "0"
