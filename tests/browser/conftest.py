"""Browser tests: the app served by a real server on a loopback port, driven by Debian's Chromium.

Tenant subdomains of ``sloty.test`` are mapped to 127.0.0.1 with Chromium's
--host-resolver-rules, so each tenant is a real host with its own cookies.
"""
import os
import threading
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server

from tests.support import services

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP *.sloty.test 127.0.0.1",
]


@dataclass(frozen=True)
class LiveServer:
    port: int

    def url(self, subdomain: str, path: str = "/") -> str:
        return f"http://{subdomain}.sloty.test:{self.port}{path}"


@pytest.fixture
def live_server(app):
    """Serve ``app`` on a free loopback port with a threaded server, for the length of a test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_DOMAIN"] = f"sloty.test:{server.server_port}"
    app.config["SESSION_COOKIE_SECURE"] = False  # plain http on loopback, as in development
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(server.server_port)
    server.shutdown()
    thread.join(timeout=5)


def browser_environment() -> dict:
    """The machine's environment, less libfaketime's: Chromium's own timers stall under it. The app's
    clock (the test's, through time-machine) is what the pages show; the browser only renders them."""
    return {name: value for name, value in os.environ.items() if name not in FAKETIME_VARIABLES}


FAKETIME_VARIABLES = {"LD_PRELOAD", "FAKETIME", "DONT_FAKE_MONOTONIC", "FAKETIME_DONT_FAKE_MONOTONIC"}


@pytest.fixture(scope="session")
def chromium():
    services.require("browser")
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait as long as actions do (the pages' 10 s), not expect's 5 s: CI machines can be busy.
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=services.CHROMIUM, headless=True, args=CHROMIUM_ARGS, env=browser_environment(),
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser profile (cookies, storage) with JavaScript on."""
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def page_without_js(chromium):
    """A fresh browser profile with JavaScript turned off, as some customers browse."""
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
