"""The token request an app's pages show: curl with the app's client_id filled in."""

from django import template
from django.urls import reverse

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
