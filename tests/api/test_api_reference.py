"""The API's description at stable URLs: the OpenAPI document as it is, and a reference page
rendered from it on the server (no script), both public like the JWKS."""

import re

import pytest
import yaml
from django.urls import reverse

from api import openapi

DOCUMENT = "/api/v1/openapi.yaml"
REFERENCE = "/api/v1/reference"


def test_the_urls_are_stable():
    assert reverse("api:openapi") == DOCUMENT
    assert reverse("api:reference") == REFERENCE


@pytest.mark.django_db
def test_the_document_is_served_as_it_is_as_yaml_to_anyone(client):
    response = client.get(DOCUMENT)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml"
    assert response.content.decode() == openapi.PATH.read_text()
    assert yaml.safe_load(response.content)["openapi"].startswith("3.1.")
    assert response["Cache-Control"] == "public, max-age=300"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "Set-Cookie" not in response.headers
    assert client.head(DOCUMENT).status_code == 200
    assert client.post(DOCUMENT).status_code == 405


@pytest.fixture
def reference(client, settings) -> str:
    settings.CONSOLE_BASE_URL = "https://console.example.com"
    response = client.get(REFERENCE)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_reference_lists_every_operation_of_the_document(reference):
    for path, item in yaml.safe_load(openapi.PATH.read_text())["paths"].items():
        for method, operation in item.items():
            anchor = operation["operationId"]
            heading = re.search(rf'<h2 id="{anchor}-heading">(.*?)</h2>', reference, re.S)
            assert heading, f"{method} {path} has no section"
            assert f"<code>{path}</code>" in heading[1] and method.upper() in heading[1]
            for status in operation["responses"]:
                assert f'">{status}</span>' in reference.split(f'id="{anchor}"')[1]


@pytest.mark.django_db
def test_the_token_endpoint_is_described_with_its_fields_and_absolute_url(reference):
    token = reference.split('id="tokenCreate"')[1].split('class="card operation"')[0]

    assert "<code>https://console.example.com/api/v1/oauth/token</code>" in token
    assert "Get an access token (client credentials grant)." in token
    assert "<code>application/x-www-form-urlencoded</code>" in token
    for field in ("grant_type", "client_id", "client_secret", "scope", "code"):
        assert f"<dt><code>{field}</code>" in token
    assert "string, required" in token  # grant_type
    assert "One of: <code>client_credentials, authorization_code</code>" in token
    assert "<code>access_token</code>" in token and "Always: <code>1800</code>" in token
    assert 'href="#tokenCreate"' in reference


@pytest.mark.django_db
def test_the_reference_links_the_document_and_the_jwks(reference):
    assert f'href="{DOCUMENT}"' in reference
    assert 'href="/api/v1/oauth/jwks"' in reference
    assert "<script" not in reference.split("</head>")[1], "the page needs no script"


def test_descriptions_are_escaped_and_keep_their_code_spans():
    paragraphs = openapi.prose("Send `a<b>` & more,\nwrapped.\n\nSecond <i>one</i>.")

    assert paragraphs == [
        "Send <code>a&lt;b&gt;</code> &amp; more, wrapped.",
        "Second &lt;i&gt;one&lt;/i&gt;.",
    ]
