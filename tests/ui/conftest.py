"""The workbench page in a real browser: Debian's Chromium (installed by .ci/setup-browser),
driven by Playwright, against the service served by werkzeug in a thread on a free loopback
port, with API keys configured as in production.

Playwright is only the driver here: it never downloads a browser, it is pointed at the system
one, and the browser is kept off the network beyond the loopback service.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

from service.api import create_app
from service.config import Settings, load_api_keys
from service.engine import Scanner
from tests.conftest import FIXTURES

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"  # ignored by git; see docs/ for the committed one
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
REVIEWER_KEY = "reviewer-key-0123456789abcdef"  # tests/fixtures/api/api_keys.yaml: may reveal


@dataclass
class Workbench:
    base: str

    @property
    def page_url(self) -> str:
        return f"{self.base}/ui/"


@pytest.fixture(scope="session")
def workbench(builtin_scanner: Scanner) -> Iterator[Workbench]:
    settings = replace(
        Settings(fingerprint_key=b"k" * 32),
        api_keys=load_api_keys(FIXTURES / "api" / "api_keys.yaml"),
        allow_reveal=True,
    )
    app = create_app(settings, scanner=builtin_scanner)
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="workbench-server", daemon=True)
    thread.start()
    try:
        yield Workbench(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    executable = shutil.which("chromium") or CHROMIUM
    launched = playwright_driver.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
    try:
        yield launched
    finally:
        launched.close()


@pytest.fixture
def page(browser: Browser, workbench: Workbench) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    opened = context.new_page()
    problems: list[str] = []
    # A script blocked by the page's policy, or any script error, fails the test that caused it. The
    # browser's own note of an API answer of 4xx is not one: the tests provoke those on purpose.
    opened.on(
        "console", lambda message: problems.append(message.text) if is_page_error(message.type, message.text) else None
    )
    opened.on("pageerror", lambda error: problems.append(str(error)))
    opened.goto(workbench.page_url)
    opened.fill("#api-key", REVIEWER_KEY)
    opened.press("#api-key", "Tab")
    try:
        yield opened
    finally:
        context.close()
    assert problems == [], problems


def is_page_error(kind: str, text: str) -> bool:
    return kind == "error" and not text.startswith("Failed to load resource: the server responded with a status of 4")


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_violations(page: Page) -> list[dict[str, object]]:
    """axe-core's violations of impact serious or critical on the page as it is now."""
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    results = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in results
        if v["impact"] in ("serious", "critical")
    ]
