"""axe-core in Chromium on every page of the tour, logged out and as an owner with data, at
1280x800 and 390x844: no violation of serious or critical impact.

axe-core comes from the npm registry, pinned by tests/browser/axe/package-lock.json and
installed by `make test` (npm ci). The pages' CSP allows no injected script, so the browser
context bypasses CSP for the test only; tests/test_security_headers.py checks the real policy.
"""

from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import PASSWORD, skip_or_fail

from .conftest import log_in
from .tour import owner_pages, pages, populate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        skip_or_fail(f"axe-core is not installed at {AXE} (run `make axe`, which needs npm)")
    return AXE.read_text()


def violations(page, axe_source: str) -> list[str]:
    """Serious and critical violations on the page as it is now, one line each."""
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        """async () => {
            const report = await axe.run(document, {resultTypes: ["violations"]});
            return report.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
            }));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'])}"
        for v in result
        if v["impact"] in BLOCKING
    ]


def sweep(chromium, live_server, axe_source, paths, email=None) -> list[str]:
    problems = []
    for width, viewport in WIDTHS.items():
        context = chromium.new_context(base_url=live_server.url, viewport=viewport, bypass_csp=True)
        page = context.new_page()
        if email:
            log_in(page, email, PASSWORD)
        for _name, path in paths:
            page.goto(path)
            problems += [f"{width} {path}: {line}" for line in violations(page, axe_source)]
        context.close()
    return problems


def test_every_page_has_no_serious_or_critical_violation(
    chromium, live_server, browser_settings, make_user, catalog, axe_source
):
    anonymous = pages(Client())
    tour = populate(make_user)
    visited = owner_pages(tour)
    assert len(anonymous) >= 8 and len(visited) >= 30, "the tour lost its pages"

    problems = sweep(chromium, live_server, axe_source, anonymous)
    problems += sweep(chromium, live_server, axe_source, visited, tour.owner.email)

    assert not problems, "\n".join(problems)


def test_a_failed_form_has_no_violation_either(
    chromium, live_server, browser_settings, axe_source, alice
):
    """Pages as they look after a refused POST: the error summary and invalid fields."""
    context = chromium.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    log_in(page, alice.email)
    page.goto("/apps/new/")
    page.get_by_role("button", name="Create app").click()
    assert page.locator("[data-error-summary]").count() == 1

    assert violations(page, axe_source) == []
    context.close()


def test_the_sweep_catches_a_planted_violation(chromium, live_server, browser_settings, axe_source):
    context = chromium.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.goto("/accounts/login/")
    assert violations(page, axe_source) == []

    page.evaluate(
        """() => {
            const field = document.createElement("input");
            field.type = "text";  // no label, no name: axe's "label" rule, critical
            document.querySelector("form").append(field);
        }"""
    )

    found = violations(page, axe_source)
    assert any(line.startswith("label (critical)") for line in found), found
    context.close()
