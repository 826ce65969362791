"""Every console page a user can reach: each form control has a label, each page a language,
a title and one main heading. Django's admin is Django's and is left out."""

from html.parser import HTMLParser

import pytest

from tests.urlwalk import console_pages

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class PageAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict] = []
        self.label_targets: set[str] = set()
        self.h1 = 0
        self.lang = None
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "label" and attributes.get("for"):
            self.label_targets.add(attributes["for"])
        elif tag in ("input", "select", "textarea"):
            if attributes.get("type", "text") not in UNLABELLED_TYPES:
                self.controls.append(attributes)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def unlabelled(self) -> list[str]:
        return [
            control.get("name") or control.get("id") or "?"
            for control in self.controls
            if control.get("id") not in self.label_targets
            and not control.get("aria-label")
            and not control.get("aria-labelledby")
        ]


@pytest.mark.django_db
def test_every_page_labels_its_controls_and_has_a_title_and_one_heading(visitor):
    problems = []
    for endpoint, response in console_pages(visitor):
        audit = PageAudit()
        audit.feed(response.content.decode())
        where = f"{endpoint.name} ({response.request['PATH_INFO']})"
        if audit.unlabelled():
            problems.append(f"{where}: unlabelled {audit.unlabelled()}")
        if audit.lang != "en" or not audit.title.strip() or audit.h1 != 1:
            problems.append(f"{where}: lang={audit.lang} title={audit.title!r} h1={audit.h1}")
    assert problems == [], "\n".join(problems)
