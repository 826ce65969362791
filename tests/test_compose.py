"""docker-compose.yml and the Dockerfile describe a deployment that the settings accept.

No Docker engine runs on the developers' machines or in CI, so the files are read, not run:
the services are wired to each other by name, every variable they set is one settings read,
and the commands name a WSGI application and a Celery app that load, with the compose
environment, in a fresh interpreter.
"""

import json
import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]

# PRODUCT.md's Environment table: the variables promised to users.
PRODUCT_VARIABLES = {
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
    "CONSOLE_BASE_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "PORT",
}
# The contract users and scripts rely on, kept in the repository.
PRODUCT_MD = ROOT / "docs" / "PRODUCT.md"

# What settings read: env.str("NAME", env_flag("NAME", env_int(…), env_list(…), env.db_url(…).
SETTINGS_READ = re.compile(r"""\benv(?:\.\w+|_\w+)\(\s*["']([A-Z][A-Z0-9_]*)["']""")
# ${NAME:?message}: compose refuses to start while NAME is unset.
REQUIRED = re.compile(r"^\$\{(?P<name>\w+):\?[^}]*\}$")


def variables_read_by_settings() -> set[str]:
    return set(SETTINGS_READ.findall((ROOT / "console" / "settings.py").read_text()))


def environment(service: str) -> dict[str, str]:
    env = SERVICES[service]["environment"]
    assert isinstance(env, dict), "environment is written as a mapping"
    return {name: str(value) for name, value in env.items()}


def interpolated(env: dict[str, str], **values: str) -> dict[str, str]:
    """The environment as compose hands it over, with the required variables given."""
    result = {}
    for name, value in env.items():
        match = REQUIRED.match(value)
        if match:
            value = values[match["name"]]
        assert "$" not in value, f"{name} uses an interpolation this test doesn't know"
        result[name] = value
    return result


def argv(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else list(command)


def shell_steps(command: str | list[str]) -> list[list[str]]:
    """The commands of `sh -c "a && b"`, each split into its words."""
    words = argv(command)
    assert words[:2] == ["sh", "-c"], words
    return [shlex.split(step) for step in words[2].split("&&")]


def gunicorn_target(command: str | list[str]) -> str:
    serve = shell_steps(command)[-1]
    serve = serve[1:] if serve[0] == "exec" else serve
    assert serve[0] == "gunicorn", serve
    return next(word for word in serve[1:] if not word.startswith("-") and ":" in word)


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines = [
        line
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if not line.lstrip().startswith("#")
    ]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
        for line in joined.splitlines()
        if line.strip()
    ]


def published(service: dict) -> dict[int, int]:
    """Host port → container port; only on this machine's loopback, never on the network."""
    ports = {}
    for mapping in service.get("ports", []):
        address, host, container = str(mapping).split(":")
        assert address == "127.0.0.1", mapping
        ports[int(host)] = int(container)
    return ports


def python(code: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """The project's interpreter with only PATH, HOME and the given variables."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_it_has_the_five_services():
    assert set(SERVICES) == {"postgres", "redis", "mailpit", "web", "worker"}
    assert SERVICES["postgres"]["image"].startswith("postgres:16")
    assert SERVICES["redis"]["image"].startswith("redis:7")
    assert SERVICES["mailpit"]["image"].startswith("axllent/mailpit")


def test_web_and_worker_run_one_image_with_one_environment():
    web, worker = SERVICES["web"], SERVICES["worker"]
    assert web["build"] == worker["build"]
    assert web["image"] == worker["image"]
    assert environment("web") == environment("worker")


def test_every_variable_it_sets_is_read_by_settings():
    unknown = set(environment("web")) - variables_read_by_settings()
    assert not unknown, f"settings never read {sorted(unknown)}"


def test_every_product_variable_is_read_by_settings():
    assert not PRODUCT_VARIABLES - variables_read_by_settings()


def test_the_product_variables_here_are_product_md_s():
    text = PRODUCT_MD.read_text()
    table = text.split("## Environment", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    assert {name for cell in rows for name in re.findall(r"`(\w+)`", cell)} == PRODUCT_VARIABLES


def test_it_sets_every_product_variable_but_the_port_of_make_run():
    assert set(environment("web")) >= PRODUCT_VARIABLES - {"PORT"}


def test_it_runs_with_debug_off_and_a_secret_key_it_requires():
    env = environment("web")
    assert env["DEBUG"] == "0"
    # No default key: one written in a public repository would be no secret.
    match = REQUIRED.match(env["SECRET_KEY"])
    assert match and match["name"] == "SECRET_KEY"


def test_it_requires_the_token_signing_keys_too():
    match = REQUIRED.match(environment("web")["CONSOLE_SIGNING_KEYS"])
    assert match and match["name"] == "CONSOLE_SIGNING_KEYS"


def test_database_url_is_the_postgres_service_s_database():
    url = urlsplit(environment("web")["DATABASE_URL"])
    postgres = SERVICES["postgres"]["environment"]
    assert url.scheme in ("postgres", "postgresql")
    assert url.hostname == "postgres"
    assert url.port in (None, 5432)
    assert url.username == postgres["POSTGRES_USER"]
    assert url.password == postgres["POSTGRES_PASSWORD"]
    assert url.path.lstrip("/") == postgres["POSTGRES_DB"]


def test_redis_url_is_the_redis_service():
    url = urlsplit(environment("web")["REDIS_URL"])
    assert url.scheme == "redis"
    assert url.hostname == "redis"
    assert url.port in (None, 6379)


def test_email_goes_to_mailpit_s_smtp_port():
    url = urlsplit(environment("web")["EMAIL_URL"])
    assert (url.scheme, url.hostname, url.port) == ("smtp", "mailpit", 1025)
    assert published(SERVICES["mailpit"]) == {8025: 8025}


def test_web_migrates_then_serves_console_wsgi_with_gunicorn():
    migrate, serve = shell_steps(SERVICES["web"]["command"])
    assert migrate == ["python", "manage.py", "migrate", "--noinput"]
    assert serve[:2] == ["exec", "gunicorn"]  # exec: gunicorn gets the stop signal
    assert gunicorn_target(SERVICES["web"]["command"]) == "console.wsgi:application"
    assert serve[serve.index("--bind") + 1] == "0.0.0.0:8000"
    assert published(SERVICES["web"]) == {8000: 8000}


def test_worker_runs_celery_with_beat():
    command = argv(SERVICES["worker"]["command"])
    assert command[:4] == ["celery", "-A", "console", "worker"]
    assert "--beat" in command or "-B" in command
    # The image's user can't write to /app, where beat would put its schedule by default.
    assert command[command.index("--schedule") + 1].startswith("/tmp/")


@pytest.mark.parametrize("service", ["web", "worker"])
def test_it_waits_for_healthy_postgres_and_redis(service):
    depends_on = SERVICES[service]["depends_on"]
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"
    assert "pg_isready" in SERVICES["postgres"]["healthcheck"]["test"]
    assert SERVICES["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]


def test_postgres_keeps_its_data_in_a_volume():
    volume = SERVICES["postgres"]["volumes"][0].split(":")
    assert volume[0] in COMPOSE["volumes"]
    assert volume[1] == "/var/lib/postgresql/data"


def test_the_image_installs_the_project_and_runs_as_another_user():
    instructions = dockerfile()
    assert instructions[0] == ("FROM", "python:3.12-slim")
    runs = [args for op, args in instructions if op == "RUN"]
    assert any(re.search(r"pip install\b[^&]*\s\.(\s|$)", run) for run in runs)
    users = [i for i, (op, _) in enumerate(instructions) if op == "USER"]
    assert users, "the image runs as root"
    assert instructions[users[-1]][1] not in ("root", "0")
    assert all(op != "RUN" for op, _ in instructions[users[-1] :])


def test_the_image_collects_static_files_with_a_key_for_the_build_only():
    instructions = dockerfile()
    collect = next(args for op, args in instructions if op == "RUN" and "collectstatic" in args)
    assert re.match(r"SECRET_KEY=\S+ python manage\.py collectstatic --noinput", collect)
    assert not any(op in ("ENV", "ARG") and "SECRET_KEY" in args for op, args in instructions)


def test_the_image_s_default_command_is_the_web_s():
    cmd = next(args for op, args in dockerfile() if op == "CMD")
    assert json.loads(cmd) == argv(SERVICES["web"]["command"])


def test_the_image_leaves_out_local_state_and_secrets():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", ".git", "db.sqlite3", "staticfiles"} <= ignored


# In a fresh interpreter, as in the containers: what gunicorn and `celery -A` load, with the
# compose environment. Nothing connects (the hosts need not resolve); nothing secret printed.
LOAD = """
import json, os, sys
from urllib.parse import urlsplit
os.environ["DJANGO_SETTINGS_MODULE"] = "console.settings"
from gunicorn.util import import_app
from celery.app.utils import find_app
application = import_app(sys.argv[1])
app = find_app(sys.argv[2])
app.loader.import_default_modules()
from django.conf import settings as s
db = s.DATABASES["default"]
broker = urlsplit(app.conf.broker_url)
print(json.dumps({
    "wsgi": type(application).__name__,
    "celery_main": app.main,
    "broker": [broker.scheme, broker.hostname],
    "beat_tasks_registered": all(e["task"] in app.tasks for e in app.conf.beat_schedule.values()),
    "engine": db["ENGINE"],
    "db_host": db["HOST"],
    "cache": s.CACHES["default"]["BACKEND"],
    "email": [s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT],
    "debug": s.DEBUG,
    "ssl_redirect": s.SECURE_SSL_REDIRECT,
    "session_cookie": s.SESSION_COOKIE_NAME,
}))
"""


def test_the_commands_load_their_apps_with_the_compose_environment():
    env = interpolated(
        environment("web"),
        SECRET_KEY=secrets.token_urlsafe(50),
        CONSOLE_SIGNING_KEYS="8Kx4hJ0Yb8t0gkq2v5m3Qe1nTjz7RcWfA6dLsPuVyXo",
    )
    celery_app = argv(SERVICES["worker"]["command"])[2]
    result = python(LOAD, gunicorn_target(SERVICES["web"]["command"]), celery_app, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == {
        "wsgi": "WSGIHandler",
        "celery_main": "console",
        "broker": ["redis", "redis"],
        "beat_tasks_registered": True,
        "engine": "django.db.backends.postgresql",
        "db_host": "postgres",
        "cache": "django_redis.cache.RedisCache",
        "email": ["django.core.mail.backends.smtp.EmailBackend", "mailpit", 1025],
        "debug": False,
        "ssl_redirect": False,
        "session_cookie": "__Host-sessionid",
    }


COLLECT = """
import os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "console.settings"
from django.conf import settings
settings.STATIC_ROOT = sys.argv[1]
django.setup()
from django.core.management import call_command
call_command("collectstatic", "--noinput", verbosity=0)
"""


def test_the_image_build_s_collectstatic_succeeds(tmp_path):
    """The manifest storage fails the build on a stylesheet's url() to a missing file."""
    collect = next(args for op, args in dockerfile() if op == "RUN" and "collectstatic" in args)
    build_env = dict(re.findall(r"(\w+)=(\S+)", collect.split(" python ", 1)[0]))
    result = python(COLLECT, str(tmp_path / "staticfiles"), env=build_env)
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads((tmp_path / "staticfiles" / "staticfiles.json").read_text())
    assert manifest["paths"], "no static file was collected"
