"""The Content Security Policy in a real browser: nothing the desk needs is blocked.

Chromium reports every blocked script, style or connection as a ``securitypolicyviolation``
event and a console error. The pages below (login, the annotation page with htmx, the
review desk, the admin with its JavaScript) must produce none, and htmx must still work.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`);
});
"""


def watch(page: Page) -> list[str]:
    """Collect CSP complaints from the console and uncaught page errors."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.add_init_script(RECORD_VIOLATIONS)
    return problems


def violations(page: Page) -> list[str]:
    recorded = page.evaluate("() => window.__cspViolations")
    assert recorded is not None, "the violation recorder did not run on this page"
    return recorded


def test_the_desk_pages_run_under_the_policy(page: Page, live_server, login):
    problems = watch(page)
    checker = factories.FactCheckerFactory()
    claim = factories.ClaimFactory(created_by=checker)
    login(page, checker)
    assert violations(page) == []

    page.goto(f"{live_server.url}{claim.article.get_absolute_url()}?claim={claim.pk}")
    expect(page.locator("#claim-panel")).to_contain_text("Unemployment fell")
    # htmx is alive: a panel form posts without a page load and the panel answers.
    page.get_by_role("textbox", name="Comment").fill("Checked under the CSP.")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator("#claim-panel")).to_contain_text("Checked under the CSP.")
    assert violations(page) == []

    page.goto(f"{live_server.url}/review/desk/")
    expect(page.locator("h1")).to_be_visible()
    assert violations(page) == []
    assert problems == []

    # And the policy does bite: an injected inline script is refused (and would be reported).
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__pwned = 1';"
        " document.body.appendChild(s); }"
    )
    assert page.evaluate("() => window.__pwned") is None
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert any(v.startswith("script-src") for v in violations(page))


def test_the_admin_runs_under_the_policy(page: Page, live_server, login):
    problems = watch(page)
    admin = factories.AdminFactory()
    factories.ClaimFactory()
    login(page, admin)
    page.goto(f"{live_server.url}/admin/annotations/claim/")
    # The admin's actions.js sets up "select all": it only works if its static script ran.
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    expect(page.locator("#article_form")).to_be_visible()
    assert violations(page) == []
    assert problems == []
