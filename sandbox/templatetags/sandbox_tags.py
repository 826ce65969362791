"""What the Users page shows a developer who has none yet: creating one with curl."""

from django import template
from django.urls import reverse

from accounts.links import console_url

register = template.Library()


@register.simple_tag
def user_create_curl() -> str:
    return "\n".join(
        [
            f"curl {console_url(reverse('api:user_create'))} \\",
            '  -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\',
            '  -d \'{"external_user_id": "customer-42", "market": "SE", "locale": "sv_SE"}\'',
        ]
    )
