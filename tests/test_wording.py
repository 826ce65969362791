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


# Words that keep their capital inside a sentence-case label: names, acronyms, the products.
PROPER = {
    "Console",
    "Tink",
    "KYB",
    "VAT",
    "API",
    "UTC",
    "ID",
    "IP",
    "URI",
    "URIs",
    "CSV",
    "JWKS",
    "OpenAPI",
    "URL",
    "Demo",
    "Bank",
    "Sandbox",
    "Production",
    "Owner",
    "Admin",
    "Developer",
    "Viewer",
    "Alice",
    "Fintech",
    "AB",
    "Transactions",
    "Products",
    "Apps",
    "Analytics",
    "Team",
    "Settings",
    "Home",
    "Go",
    "PDF",
    "PNG",
    "JPEG",
    "MB",
    "Chrome",
    "Linux",
    "Safari",
}
LABELLED = re.compile(r"<(label|legend|button|h[1-3]|th)\b[^>]*>(.*?)</\1>", re.S)


def title_case(text: str, names: set[str]) -> bool:
    """More than the first word capitalised, and not a name: "Current Password"."""
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", text)
    capitalised = [word for word in words[1:] if word[0].isupper() and word not in names]
    return bool(capitalised) and not text.isupper()


@pytest.mark.django_db
def test_labels_buttons_and_headings_are_in_sentence_case(visitor):
    """Issue 12, point 11: "Current password", never allauth's "Current Password"."""
    from products.models import Product

    names = PROPER | {
        word for name in Product.objects.values_list("name", flat=True) for word in name.split()
    }
    offenders = set()
    for endpoint, response in console_pages(visitor):
        for _tag, inner in LABELLED.findall(response.content.decode()):
            first_line = inner.split("<br", 1)[0]  # a row header's name, not its description
            text = " ".join(re.sub(r"<[^>]+>", " ", first_line).split())
            if text and title_case(text, names) and "@" not in text:
                offenders.add(f"{endpoint.name}: {text!r}")
    assert not offenders, "\n".join(sorted(offenders))
