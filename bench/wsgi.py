"""gunicorn's entry for the token benchmark: console.wsgi (with its start-up checks) on
bench.settings."""

import os

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

from console.wsgi import application  # noqa: E402,F401
