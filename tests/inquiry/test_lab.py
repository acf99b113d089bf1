"""A data coach's path in a real JupyterLab: open the root-cause explorer, run it, pick another group.

JupyterLab runs on this machine (``make lab`` does the same) over a copy of the notebook, with the
sample harmonised where the notebook looks for it (``build/harmonised`` above the notebook's
folder). Headless Chromium opens it, runs every cell, changes the group dropdown as a coach
would, and the explorer must redraw for the new group, with its charts drawn by JupyterLab
itself. Nothing may be fetched from any host but the local server.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import PROJECT
from tests.packs.test_browser import CHROMIUM, SCREENSHOTS, Chromium, require_chromium

# The notebook's own starting pattern (its parameters cell): grade 7 English learners' math DFS in Fresno.
START = "English learners in Grade 7"
PICKED = "English-only students in Grade 7"  # after the coach picks EO in the group dropdown

# Every Vega chart JupyterLab drew in the explorer's own output area, with how much it drew.
WIDGET_CHARTS = """
Array.from(document.querySelectorAll('.widget-output .jp-RenderedVega5')).map(chart => {
  const svg = chart.querySelector('svg.marks'), canvas = chart.querySelector('canvas.marks');  // not the menu's icon
  if (svg) return svg.querySelectorAll('g.role-mark path, g.role-mark rect, g.role-mark line, g.role-mark symbol').length;
  if (!canvas) return 0;
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0; for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return painted;
})
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab(sample_harmonised, tmp_path_factory):
    """A JupyterLab server over a copy of the explorer notebook; its address with the token."""
    require_chromium()
    root = tmp_path_factory.mktemp("lab")
    (root / "build").mkdir()
    (root / "build" / "harmonised").symlink_to(sample_harmonised)
    (root / "notebooks").mkdir()
    shutil.copy(PROJECT / "notebooks" / "root_cause_explorer.ipynb", root / "notebooks")
    # every cell kept in the page (JupyterLab 4 leaves out cells scrolled out of view), so the test reads the
    # whole notebook, the controls' section at the top too
    tracker = root / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}', encoding="utf-8")
    port, token = _free_port(), secrets.token_hex(16)
    # the coach's own settings and workspaces stay out of it
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root / "config"), JUPYTER_RUNTIME_DIR=str(root / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(root / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(root / "workspaces"))
    log = open(root / "lab.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root / 'notebooks'}",
         "--LabApp.expose_app_in_browser=True", *(["--allow-root"] if os.geteuid() == 0 else [])],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    address = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{address}/api/status?token={token}", timeout=2).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"JupyterLab did not start: {(root / 'lab.log').read_text(errors='replace')[-2000:]}")
            time.sleep(0.3)
    yield address, token
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    log.close()


def test_a_coach_runs_the_explorer_in_jupyterlab_and_picks_another_group(lab):
    address, token = lab
    browser = Chromium(CHROMIUM, allowed=("data:", "blob:", f"{address}/"))
    try:
        browser.open(f"{address}/lab/tree/root_cause_explorer.ipynb?token={token}", timeout=60)
        browser.wait_for("window.jupyterapp && jupyterapp.shell.currentWidget"
                         " && jupyterapp.shell.currentWidget.sessionContext !== undefined", timeout=90)
        kernel = browser.evaluate("""(async () => {
            const notebook = jupyterapp.shell.currentWidget;
            await notebook.context.ready;
            await notebook.sessionContext.ready;
            return notebook.sessionContext.session.kernel.name;
        })()""", timeout=90)
        assert kernel == "flp-inquiry"  # the notebook's own kernelspec, as `make lab` gives it

        browser.evaluate("jupyterapp.commands.execute('notebook:run-all-cells')", timeout=180)
        selects = browser.wait_for("""(() => {
            const labels = Array.from(document.querySelectorAll('.widget-dropdown')).map(
                d => d.querySelector('.widget-label').textContent);
            return labels.length === 7 ? labels : null;
        })()""", timeout=180)
        assert selects == ["District", "School", "Grade", "Measure", "Subject", "Group type", "Group"]
        page = browser.evaluate("document.querySelector('.jp-Notebook').innerText")
        assert START in page and "Traceback" not in page and "Error" not in page
        # the controls come first, above the analysis they redraw
        assert browser.evaluate("""(() => {
            const control = document.querySelector('.widget-dropdown'), heading = document.querySelector('.widget-output h2');
            return !!(control && heading && (control.compareDocumentPosition(heading) & Node.DOCUMENT_POSITION_FOLLOWING));
        })()""")

        def pick(control: str, words: str) -> str:  # as a coach does: ipywidgets reads the select's change event
            return browser.evaluate(f"""(() => {{
                const box = Array.from(document.querySelectorAll('.widget-dropdown')).find(
                    d => d.querySelector('.widget-label').textContent === {control!r});
                const select = box.querySelector('select');
                const words = option => option.textContent.replace(/\u00a0/g, ' ');  // (ipywidgets: no-break spaces)
                select.selectedIndex = Array.from(select.options).findIndex(option => words(option) === {words!r});
                select.dispatchEvent(new Event('change', {{bubbles: true}}));
                return select.selectedIndex < 0 ? '' : words(select.options[select.selectedIndex]);
            }})()""")

        def shown_after(text: str) -> str:
            try:
                return browser.wait_for(
                    f"(() => {{ const text = document.querySelector('.jp-Notebook').innerText;"
                    f" return text.includes({text!r}) && text.includes('Showing') ? text : null; }})()", timeout=120)
            except TimeoutError:  # what the coach would see instead
                page = browser.evaluate("document.querySelector('.jp-Notebook').innerText")
                pytest.fail(f"{text!r} not shown after 120 s; the notebook shows:\n{page[:6000]}")

        assert pick("Group", "English only") == "English only"
        redrawn = shown_after(f"{PICKED}:")
        # replaced, not appended: the first pattern's heading and question are gone, each part drawn once
        assert f"{START}:" not in redrawn and redrawn.count(f"{PICKED}: Fresno Unified, 2024-25") == 1
        assert "What the data shows" in redrawn and "Hypotheses" in redrawn
        assert pick("Subject", "ELA") == "ELA"
        redrawn = shown_after(f"ELA distance from standard of {PICKED}:")
        assert redrawn.count(f"ELA distance from standard of {PICKED}: Fresno Unified, 2024-25") == 1
        assert f"Math distance from standard of {PICKED}: Fresno Unified" not in redrawn
        assert pick("School", "Sample Peñasco Middle") == "Sample Peñasco Middle"
        redrawn = shown_after("Sample Peñasco Middle (Fresno Unified)")
        assert "All schools of Fresno Unified" not in redrawn  # the scope line redrawn too
        assert redrawn.count("Sample Peñasco Middle (Fresno Unified), 2024-25") == 1  # the heading, once
        assert f"{PICKED}: Fresno Unified, 2024-25" not in redrawn
        assert "To share it, paste into the parameters cell: district = 'fresno'; school = 'Sample Peñasco Middle'" \
            in redrawn
        charts = browser.wait_for(f"(() => {{ const drawn = {WIDGET_CHARTS}; "
                                  "return drawn.length && drawn.every(marks => marks > 0) ? drawn : null; })()",
                                  timeout=60)
        # the trend at least: the funnel needs 5 schools with 11 or more of the group (a sentence says so otherwise)
        assert len(charts) >= 1
        assert browser.blocked == []  # nothing fetched from any host but the local server
        browser.evaluate("document.querySelector('.widget-dropdown').scrollIntoView()")  # the dropdowns in sight
        browser.screenshot(SCREENSHOTS / "lab-explorer.png")
    finally:
        browser.close()
