"""Playwright driving Debian's Chromium against pytest-django's live server.

Playwright cannot download browsers here, so it launches /usr/bin/chromium; without it the
browser tests are skipped with a reason that says how to install it.
"""

import json
import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse the
# database calls the fixtures make next to it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
NARROWEST = {"width": 320, "height": 640}


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A phone-sized page that honours the site's Content Security Policy."""
    context = browser.new_context(viewport=PHONE, locale="sv-SE")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def axe_page(browser):
    """A page for axe runs: the CSP would block the injected axe script, so it is bypassed."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` first")
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _browser_settings(settings):
    # A person in a browser fills in the form faster than the robot guard expects in tests.
    settings.CONTRIBUTION_MIN_SECONDS = 0
    settings.CONTRIBUTION_RATE_LIMIT = "1000/h"


def axe_violations(page) -> list[dict]:
    """Run axe-core on the loaded page and return its violations."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return result["violations"]


def format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            lines.append(
                f"  at {json.dumps(node['target'])}: {node['failureSummary']}".replace("\n", " ")
            )
    return "\n".join(lines)


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
