"""Headless Chromium for the browser tests: the system's Debian ``chromium``, driven by Playwright.

Nothing is downloaded: Playwright is told where the system browser is
(``executable_path``). Where no Chromium is installed, the tests that need it
are skipped with the reason and the command that installs it.
"""
from __future__ import annotations

import os
import shutil

import pytest

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
INSTALL = "apt-get install -y chromium chromium-driver (Debian's packages)"
# Chromium's own background traffic (updates, sync, QUIC probes) has nowhere to go on a closed
# network: turn it off so that only the page under test talks, and to loopback.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    """The system Chromium (``ALLIANCE_SIM_CHROMIUM`` overrides), or None."""
    env = os.environ.get("ALLIANCE_SIM_CHROMIUM")
    if env:
        return env if os.access(env, os.X_OK) else None
    for path in CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session; skipped, with the reason, where none is installed."""
    path = chromium_path()
    if path is None:
        pytest.skip(f"no system Chromium found (looked for {', '.join(CANDIDATES)}); install it with {INSTALL}")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras: "
                                   "pip install '.[test]'")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, tmp_path):
    """A fresh page whose screenshots go to the test's temporary folder (``page.shot(name)``)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.shot = lambda name: pg.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    try:
        yield pg
    finally:
        context.close()
