"""Playwright (sync API) driving Debian's Chromium: never a browser Playwright downloads.

In CI a missing /usr/bin/chromium fails the run (.ci/run installs it); on a developer's
machine without it the browser tests are skipped with the reason."""

import os
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio loop in the test thread; the test's own ORM calls
# are still synchronous, so Django's async-safety check would refuse them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
# Headless, no sandbox (CI runs as root), and none of Chromium's own network traffic: the
# machine has no network beyond loopback and the package registries.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session."""
    if not CHROMIUM.exists():
        if _in_ci():
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run installs Debian's chromium")
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies carried between tests) and one page in it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        yield page
    finally:
        # A test that routes requests through a handler may end while a response is
        # still in flight; closing then must not turn into an error in teardown.
        page.unroute_all(behavior="ignoreErrors")
        context.close()
