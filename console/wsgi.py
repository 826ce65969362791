import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")

application = get_wsgi_application()

from .startup import (  # noqa: E402 - needs settings
    require_secret_key,
    require_signing_keys,
    warn_if_rate_limits_are_per_process,
)

require_secret_key()
require_signing_keys()
warn_if_rate_limits_are_per_process()
