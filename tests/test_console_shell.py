import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url_name", "label"),
    [
        ("home", "Home"),
        ("apps:list", "Apps"),
        ("kyb:go_live", "Go live"),
        ("kyb:products", "Products"),
        ("accounts:settings_index", "Settings"),
    ],
)
def test_the_navigation_marks_the_current_section(alice_client, url_name, label):
    """The same navigation twice: the sidebar, and the menu that replaces it on a phone."""
    page = alice_client.get(reverse(url_name)).content.decode()
    for nav in ('aria-label="Console">', 'aria-label="Console menu">'):
        links = page.split(nav, 1)[1].split("</nav>", 1)[0]
        assert links.count('aria-current="page"') == 1, nav
        assert f'aria-current="page">{label}</a>' in links, nav


def test_the_top_bar_shows_the_organization_and_the_user(alice_client):
    page = alice_client.get(reverse("home")).content.decode()
    assert 'title="Organization">Alice Fintech</span>' in page
    assert "alice@example.com" in page
    assert ">Log out</button>" in page
