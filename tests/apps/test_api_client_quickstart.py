"""The API client tab's "Get a token" panel and the next steps on the new-secret page: the
absolute token URL from CONSOLE_BASE_URL, curl with the app's client_id and the secret as a
placeholder (never a real one), the scopes, and links to the reference and the JWKS."""

import re
from html import unescape

import pytest

from apps import services
from apps.templatetags.api_client_tags import SECRET_PLACEHOLDER
from tests.apps.test_client_secrets import api_client_url, post_form, shown_secret

pytestmark = pytest.mark.django_db

BASE = "https://console.example.com"


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.CONSOLE_BASE_URL = BASE


def field(page: str, id_: str) -> str | None:
    """The value of a read-only copy field, input or text area."""
    area = re.search(rf'<textarea id="{id_}"[^>]*>([^<]*)</textarea>', page)
    if area:
        return unescape(area[1])
    box = re.search(rf'<input type="text" id="{id_}"[^>]*value="([^"]*)"', page)
    return unescape(box[1]) if box else None


def test_the_panel_gives_the_absolute_token_url_and_a_curl_with_this_apps_client_id(
    alice_client, sandbox_app, alice
):
    services.client_secret_create(app=sandbox_app, created_by=alice)

    page = alice_client.get(api_client_url(sandbox_app)).content.decode()

    assert '<h2 id="quickstart-heading">Get a token</h2>' in page
    assert field(page, "token-url") == f"{BASE}/api/v1/oauth/token"
    assert field(page, "token-curl") == (
        f"curl {BASE}/api/v1/oauth/token \\\n"
        "  -d grant_type=client_credentials \\\n"
        f"  -d client_id={sandbox_app.client_id} \\\n"
        f"  -d client_secret={SECRET_PLACEHOLDER}"
    )
    assert 'data-copy="token-curl">Copy</button>' in page
    assert 'data-copy="token-url">Copy</button>' in page


def test_the_panel_never_holds_a_real_secret(alice_client, sandbox_app, alice):
    secret, plaintext = services.client_secret_create(app=sandbox_app, created_by=alice)

    page = alice_client.get(api_client_url(sandbox_app)).content.decode()

    leaked = plaintext in page or plaintext[12:] in page
    assert not leaked, "a secret is on the API client tab"
    assert "tink_cs_" not in field(page, "token-curl")


def test_the_panel_lists_the_scopes_and_links_the_reference_and_the_jwks(
    alice_client, sandbox_app, catalog
):
    page = alice_client.get(api_client_url(sandbox_app)).content.decode()
    panel = page.split('id="quickstart-heading"')[1].split('id="redirect-uris-heading"')[0]

    assert "Scopes this app may ask for" in panel
    assert re.findall(r"<li><code>([a-z-]+:[a-z-]+)</code></li>", panel), "no scope listed"
    assert 'href="/api/v1/reference">API reference</a>' in panel
    assert 'href="/api/v1/openapi.yaml">OpenAPI document (YAML)</a>' in panel
    assert 'href="/api/v1/oauth/jwks">JWKS</a>' in panel
    assert f"<code>{BASE}/api/v1/oauth/jwks</code>" in panel


def test_the_new_secret_page_says_what_to_do_next_with_the_secret_only_in_its_field(
    alice_client, sandbox_app
):
    response = post_form(alice_client, sandbox_app)
    page = response.content.decode()
    plaintext = shown_secret(response)

    assert plaintext is not None
    shown_once = page.count(plaintext) == 1
    assert shown_once, "the secret is on the page more than once"
    assert '<h3 id="next-heading">What to do next</h3>' in page
    assert "secret manager" in page
    curl = field(page, "token-curl")
    assert f"-d client_id={sandbox_app.client_id}" in curl
    assert f"-d client_secret={SECRET_PLACEHOLDER}" in curl
    assert curl.startswith(f"curl {BASE}/api/v1/oauth/token")
    # The field keeps PRODUCT.md's label, read-only, with Copy and the warning.
    assert '<label for="client-secret">Client secret</label>' in page
    assert "It can't be revealed later" in page
