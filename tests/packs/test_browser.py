"""A real browser opens a report and a pack index from file:// with the network cut off.

Headless Chromium (Debian's ``chromium``; ``make browser`` installs it) is driven
over the Chrome DevTools Protocol on a pipe (``--remote-debugging-pipe``), so no
driver package is needed.  Every request the page makes is seen first: ``file:``
and ``data:`` go on, anything else is recorded and failed.  Screenshots are
saved in ``build/screenshots/`` for people to look at.
"""
from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pytest

from flp_inquiry.packs.index import render_index
from flp_inquiry.packs.report import render_report
from tests.conftest import PROJECT
from tests.packs.test_report import HEADER, JOBS, built_notebook, executed_fixture

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = PROJECT / "build" / "screenshots"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--hide-scrollbars", "--remote-debugging-pipe"]

# What each chart drew: an inline SVG's mark elements (not axes), or a canvas's painted pixels.
DRAWN_CHARTS = """
JSON.stringify(Array.from(document.querySelectorAll('figure.chart')).map(figure => {
  const svg = figure.querySelector('svg'), canvas = figure.querySelector('canvas');
  if (svg) {
    const box = svg.getBoundingClientRect();
    return {kind: 'svg', label: svg.getAttribute('aria-label'), width: box.width, height: box.height,
            marks: svg.querySelectorAll('g.role-mark path, g.role-mark rect, g.role-mark circle, g.role-mark line, g.role-mark symbol').length};
  }
  if (canvas) {
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0; for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
    return {kind: 'canvas', marks: painted, width: canvas.width, height: canvas.height};
  }
  const image = figure.querySelector('img');
  return {kind: 'img', marks: image && image.complete ? image.naturalWidth : 0, width: image ? image.width : 0, height: 1};
}))
"""


class Chromium:
    """One headless Chromium, one tab, spoken to over the DevTools pipe (fd 3 in, fd 4 out)."""

    def __init__(self, executable: Path, allowed: tuple[str, ...] = ("file:", "data:")):
        self.allowed = allowed  # where requests may go; any other is recorded and failed
        self.profile = tempfile.mkdtemp(prefix="flp-chromium-")
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def give_pipes():  # runs in the child: the protocol wants exactly fds 3 and 4
            os.dup2(to_browser_read, 3)
            os.dup2(from_browser_write, 4)

        self.process = subprocess.Popen(
            [str(executable), *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=give_pipes, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer, self._next_id, self.events = b"", 0, []
        self.blocked: list[str] = []
        self.requested: list[str] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for method, params in [("Page.enable", {}), ("Network.enable", {}),
                               ("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}),
                               ("Emulation.setDeviceMetricsOverride",
                                {"width": 1100, "height": 900, "deviceScaleFactor": 1, "mobile": False})]:
            self.call(method, session=True, **params)

    def call(self, method: str, session: bool = False, timeout: float = 30, **params) -> dict:
        self._next_id += 1
        call_id = self._next_id  # requests answered meanwhile (_send_quietly) take ids of their own
        message = {"id": call_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == call_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def open(self, url: str, timeout: float = 30) -> None:
        """Navigate and wait for the load event, answering every intercepted request meanwhile."""
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        deadline = time.monotonic() + timeout
        while not any(event["method"] == "Page.loadEventFired" for event in self.events):
            self._receive(deadline)

    def evaluate(self, expression: str, timeout: float = 30):
        """The value of a JavaScript expression; a promise is waited for."""
        result = self.call("Runtime.evaluate", session=True, timeout=timeout, expression=expression,
                           returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60):
        """Evaluate ``expression`` until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"still false after {timeout} s: {expression}")
            time.sleep(0.25)

    def screenshot(self, path: Path) -> None:
        size = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
        shot = self.call("Page.captureScreenshot", session=True, format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
        shutil.rmtree(self.profile, ignore_errors=True)

    def _receive(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._from_browser], [], [], remaining)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message = json.loads(raw)
        if "method" in message:
            self._on_event(message)
        return message

    def _on_event(self, event: dict) -> None:
        self.events.append(event)
        params = event.get("params", {})
        if event["method"] == "Network.requestWillBeSent":
            self.requested.append(params["request"]["url"])
        elif event["method"] == "Fetch.requestPaused":
            url = params["request"]["url"]
            if url.startswith(self.allowed):
                self._send_quietly("Fetch.continueRequest", requestId=params["requestId"])
            else:
                self.blocked.append(url)
                self._send_quietly("Fetch.failRequest", requestId=params["requestId"], errorReason="BlockedByClient")

    def _send_quietly(self, method: str, **params) -> None:
        """A command whose reply is not waited for (answering a paused request inside the event loop)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params, "sessionId": self.session}
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")


def require_chromium() -> None:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run 'make browser' (Debian's chromium) to run the browser tests"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    chromium = Chromium(CHROMIUM)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> Path:
    """A tiny pack laid out as the index links it: a kernel-executed report, two built in the test."""
    folder = tmp_path_factory.mktemp("pack")
    district_wide, school, _, long_beach = JOBS
    render_report(built_notebook(), folder / district_wide.report, replace(HEADER, school=None))
    render_report(executed_fixture(), folder / school.report, HEADER)
    render_report(built_notebook(), folder / long_beach.report, replace(HEADER, district="long_beach", school=None))
    render_index(JOBS, folder / "index.html", "March meeting pack")
    return folder


def opened(browser: Chromium, page: Path) -> list[dict]:
    browser.requested.clear()
    browser.blocked.clear()
    browser.open(page.as_uri())
    return json.loads(browser.evaluate(DRAWN_CHARTS))


def test_report_draws_every_chart_offline(browser, pack):
    charts = opened(browser, pack / JOBS[1].report)
    assert charts, "the report has no chart"
    for chart in charts:
        assert chart["kind"] == "svg" and chart["marks"] > 0 and chart["width"] > 100 and chart["height"] > 50, chart
    assert charts[0]["label"].startswith("Bar chart of Percent met or exceeded by School.")
    assert browser.blocked == []
    assert browser.requested and all(url.startswith(("file:", "data:")) for url in browser.requested)
    browser.screenshot(SCREENSHOTS / "report.png")
    assert (SCREENSHOTS / "report.png").stat().st_size > 10_000


def test_report_with_several_charts_and_an_image_draws_them_all(browser, pack):
    charts = opened(browser, pack / JOBS[0].report)
    assert [chart["kind"] for chart in charts] == ["svg", "svg", "img"]
    assert all(chart["marks"] > 0 for chart in charts), charts
    assert browser.blocked == []


def test_index_opens_offline_and_links_reports_that_exist(browser, pack):
    opened(browser, pack / "index.html")
    links = browser.evaluate("Array.from(document.querySelectorAll('a')).map(a => a.href)")
    assert links and all(link.startswith("file://") for link in links)
    assert [Path(link.removeprefix("file://")) for link in links] == [pack / job.report for job in JOBS if job.report]
    assert all((pack / job.report).exists() for job in JOBS if job.report)
    assert browser.blocked == [] and all(url.startswith("file:") for url in browser.requested)
    browser.screenshot(SCREENSHOTS / "index.png")


def test_the_blocking_really_sees_requests_to_other_hosts(browser, tmp_path):
    """The check above could not fail if requests went unseen: a page that fetches must be caught."""
    page = tmp_path / "leaky.html"
    page.write_text('<img src="https://example.org/pixel.png"><link rel="stylesheet" href="http://cdn.example/x.css">')
    opened(browser, page)
    assert sorted(browser.blocked) == ["http://cdn.example/x.css", "https://example.org/pixel.png"]
