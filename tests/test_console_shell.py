import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url_name", "label"),
    [("home", "Home"), ("apps:list", "Apps"), ("settings_index", "Settings")],
)
def test_the_navigation_marks_the_current_section(alice_client, url_name, label):
    page = alice_client.get(reverse(url_name)).content.decode()
    assert page.count('aria-current="page"') == 1
    assert f'aria-current="page">{label}</a>' in page


def test_the_top_bar_shows_the_organization_and_the_user(alice_client):
    page = alice_client.get(reverse("home")).content.decode()
    assert 'title="Organization">Alice Fintech</span>' in page
    assert "alice@example.com" in page
    assert ">Log out</button>" in page
