"""The console speaks PRODUCT.md's words: "Log in", "Log out", "Sign up" — never allauth's
"Sign In", "Sign Out" or "Signup", on any page a user can reach."""

import re

import pytest

from tests.urlwalk import console_pages

FOREIGN = re.compile(r"sign[ -]?in\b|sign[ -]?out\b|\bsignup\b", re.IGNORECASE)


def visible_text(html: str) -> str:
    """The page without tags, URLs and attribute values (routes may say "signup")."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.django_db
def test_no_page_uses_allauths_words(visitor):
    offenders = []
    for endpoint, response in console_pages(visitor):
        found = FOREIGN.findall(visible_text(response.content.decode()))
        if found:
            offenders.append(f"{endpoint.name}: {sorted(set(found))}")
    assert offenders == [], "\n".join(offenders)
