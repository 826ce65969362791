"""The token request an app's pages show (curl with the app's client_id filled in), and how a
secret's expiry reads."""

import math
from datetime import datetime

from django import template
from django.urls import reverse
from django.utils import timezone

from accounts.links import console_url

register = template.Library()

# Where the secret goes. Pages never put a real secret in the command: the new-secret page
# shows it only in its "Client secret" field.
SECRET_PLACEHOLDER = "YOUR_CLIENT_SECRET"  # noqa: S105 - a placeholder, not a secret


@register.simple_tag
def token_curl(client_id: str) -> str:
    """curl's form fields are form-encoded, as the token endpoint takes them."""
    return "\n".join(
        [
            f"curl {console_url(reverse('api:token'))} \\",
            "  -d grant_type=client_credentials \\",
            f"  -d client_id={client_id} \\",
            f"  -d client_secret={SECRET_PLACEHOLDER}",
        ]
    )


@register.filter
def expires_in(expires_at: datetime | None, now: datetime | None = None) -> str:
    """ "Expires in 3 h", as a secret's row says it: minutes (rounded up) under an hour, then
    the nearest hour under two days, then the nearest day; "Expired" once past."""
    if expires_at is None:
        return ""
    seconds = (expires_at - (now or timezone.now())).total_seconds()
    if seconds <= 0:
        return "Expired"
    if seconds < 3600:
        return f"Expires in {max(1, math.ceil(seconds / 60))} min"
    if seconds < 47.5 * 3600:
        return f"Expires in {_nearest(seconds / 3600)} h"
    return f"Expires in {_nearest(seconds / 86400)} days"


def _nearest(value: float) -> int:
    return math.floor(value + 0.5)  # half up, unlike round()'s half to even
