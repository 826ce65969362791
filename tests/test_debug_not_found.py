"""Under `make run` (DEBUG on) an unknown URL gets the Console's 404 page, not Django's list of
URL patterns (issue 12, point 11); a view's own 404 is left alone."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_an_unknown_url_under_debug_gets_the_consoles_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Page not found</h1>" in page
    assert "URLconf" not in page and "Page not found at" not in page


@override_settings(DEBUG=True)
def test_a_views_own_404_under_debug_is_kept(client):
    response = client.get("/invitations/not-a-real-token/")

    assert response.status_code == 404
    assert "invitation" in response.content.decode().lower()
