"""A real headless Chromium against mockapi: cross-origin streaming, and the inspector.

Uses Debian's ``chromium`` and ``chromium-driver`` through selenium, with the driver
given by path so that nothing is downloaded. Where they are missing the tests skip
(and fail under CI, where ``.ci/run`` installs them).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from mockapi.web.server import ServerThread
from tests.helpers import REPO, running_server

pytestmark = pytest.mark.integration

CHROMIUM = Path(os.environ.get("MOCKAPI_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("MOCKAPI_CHROMEDRIVER", "/usr/bin/chromedriver"))
PAGES = REPO / "tests" / "browser"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.is_file():
            return f"{path} not found: apt-get install {package} (.ci/run does)"
    return None


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    missing = _missing()
    if missing is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {missing}")
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    with tempfile.TemporaryDirectory(prefix="mockapi-chromium-") as profile:
        for flag in (*FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            yield browser
        finally:
            browser.quit()


@pytest.fixture(scope="module")
def mock() -> Iterator[ServerThread]:
    with running_server(cors_origins=("*",), honor_delays=True) as server:
        yield server


@pytest.fixture(scope="module")
def pages() -> Iterator[ServerThread]:
    """The test pages, served from another origin (another port) than the mock."""
    app = Starlette(routes=[Mount("/", StaticFiles(directory=PAGES))])
    with ServerThread(app) as server:
        yield server


def wait(driver: Any, condition: Any, timeout: float = 15) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition)


def stream_in_page(driver: Any, mock: ServerThread, pages: ServerThread, prompt: str) -> str:
    from selenium.webdriver.common.by import By

    query = urlencode({"api": mock.url + "/v1", "prompt": prompt})
    driver.get(f"{pages.url}/stream.html?{query}")
    status = wait(driver, lambda d: d.find_element(By.ID, "status").text != "streaming" and d)
    assert status.find_element(By.ID, "status").text == "done", driver.page_source
    assert driver.find_element(By.ID, "cross-origin").text == "true"
    assert driver.find_element(By.ID, "request-id").text.startswith("req_")  # exposed header
    assert int(driver.find_element(By.ID, "chunks").text) >= 5
    return str(driver.find_element(By.ID, "out").text)


def test_page_of_another_origin_streams_a_chat_completion(
    driver: Any, mock: ServerThread, pages: ServerThread
) -> None:
    text = stream_in_page(driver, mock, pages, "Count to five")
    assert text == "One, two, three, four, five."


def test_inspector_shows_the_hit_and_the_miss_with_its_diff(
    driver: Any, mock: ServerThread, pages: ServerThread
) -> None:
    from selenium.webdriver.common.by import By

    stream_in_page(driver, mock, pages, "Please count to five")
    driver.get(f"{mock.url}/__mockapi/")
    hit = next(
        entry
        for entry in driver.find_elements(By.CSS_SELECTOR, "#log > li.outcome-hit")
        if "Please count to five" in entry.get_attribute("textContent")
    )
    assert hit.find_element(By.CSS_SELECTOR, "summary .answer").text == "count-to-five"
    hit.find_element(By.TAG_NAME, "summary").click()
    assert "answered by fixture" in hit.text.lower() and "chat/streamed.yaml" in hit.text
    driver.execute_script("window.__notReloaded = true;")

    # A miss sent while the page is open appears without a reload, with its diff.
    prompt = '<img src=x onerror="window.__xss = 1"> tell me about Mars'
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}]}
    headers = {"authorization": "Bearer sk-browser-test"}
    missed = httpx.post(f"{mock.url}/v1/chat/completions", json=body, headers=headers)
    assert missed.status_code == 404

    def missed(d: Any) -> Any:
        for entry in d.find_elements(By.CSS_SELECTOR, "#log > li.outcome-miss"):
            if "tell me about Mars" in entry.text:
                return entry
        return None

    miss = wait(driver, missed)
    report = miss.find_element(By.CSS_SELECTOR, "pre.report").text
    assert "No fixture matched" in report and "did not match" in report
    assert "count-to-five" in report or "greeting" in report
    shown = miss.find_element(By.CSS_SELECTOR, "pre.json").text
    assert json.dumps(prompt) in shown  # shown as text, never run
    assert driver.execute_script("return window.__notReloaded === true && !window.__xss")
    fixtures = driver.find_element(By.ID, "fixtures").text
    assert "count-to-five" in fixtures and "chat/streamed.yaml" in fixtures
