"""The backup notebook in a real JupyterLab, in a real (headless) Chromium driven by Playwright: run it, click a
step's Plan and Apply, see the step turn to done, save the run as evidence from the panel; then check that what a
consultant sees reads: a refused parameter is shown next to its field, a zone's whole FQDN is visible in a step's
table, the evidence HTML opens with its banner, and (the dns_entries notebook, once the endpoint exists) an
endpoint's whole FQDN is visible in the DNS entries table. Each is kept as a screenshot (PNG, the test's artifact).

Chromium is Debian's (/usr/bin/chromium, installed by .ci/run); Playwright never downloads a browser here. The
screenshot goes to $RUNBOOK_ARTIFACTS (default: artifacts/ in the project, ignored by git).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from runbook_lib.evidence.manifest import read_manifest, verify_folder
from runbook_lib.headless import notebooks_dir
from tests.conftest import require_tool

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# no background traffic: the machine has no internet, and a refused connection costs each time
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]
NO_NEWS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False}
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jupyterlab(tmp_path):
    """JupyterLab on a loopback port, serving a copy of the backup notebook; yields its URL."""
    work = tmp_path / "work"
    work.mkdir()
    for name in ("backup.ipynb", "dns_entries.ipynb"):
        shutil.copy(notebooks_dir() / name, work)
    settings = tmp_path / "settings"
    for name, value in NO_NEWS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(value))
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(settings)}
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={work}",
            "--ServerApp.port_retries=0",
            "--allow-root",
            "--LabApp.extension_manager=readonly",
            f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",  # no tabs restored from an earlier run
        ],
        cwd=work,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start: {(tmp_path / 'jupyterlab.log').read_text()[-2000:]}")
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/lab/tree/backup.ipynb?token={token}", work
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


ZONE = "privatelink.wus3.backup.windowsazure.com"  # Backup's zone for westus3 (geo code wus3)

# where the text `fqdn` sits in the first table cell holding it, and the box it must fit in: the table's output
# area and the window (a table clipped at the right edge, or scrolled sideways, hides the end of a name)
_TEXT_BOX = """(cell, fqdn) => {
  // the cell's text, which may run through several text nodes (a long name has <wbr> break points)
  const range = document.createRange();
  range.selectNodeContents(cell);
  const shown = cell.textContent.trim();
  const text = range.getBoundingClientRect(), area = cell.closest('.jp-OutputArea-output').getBoundingClientRect();
  return {shown: shown, text: [text.left, text.right], area: [area.left, area.right], window: window.innerWidth,
          lines: range.getClientRects().length};
}"""


# the first body cell of the first table whose header has an FQDN column: the DNS entries table
_FIRST_FQDN = """() => {
  for (const table of document.querySelectorAll('.jp-OutputArea-output table')) {
    const heads = [...table.querySelectorAll('th')].map(th => th.textContent.trim());
    const row = table.querySelector('tbody tr');
    if (heads.includes('FQDN') && row && row.cells.length === heads.length) {
      return row.cells[heads.indexOf('FQDN')].textContent.trim();
    }
  }
  return null;
}"""


def open_and_run_all(page, url: str) -> None:
    """Open a notebook in JupyterLab, accept the kernel it offers (when JupyterLab asks before it has listed the
    kernel specs: a race), and run all its cells."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    page.goto(url)
    page.locator(".jp-Notebook").wait_for(timeout=60_000)
    with contextlib.suppress(PlaywrightTimeout):
        page.locator(".jp-Dialog .jp-mod-accept").click(timeout=10_000)
    expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(1, timeout=60_000)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def assert_whole_text_visible(cell, fqdn: str) -> None:
    box = cell.evaluate(_TEXT_BOX, fqdn)
    assert box["shown"] == fqdn, box  # the cell holds the whole name, nothing cut
    left, right = box["text"]
    assert box["area"][0] - 1 <= left and right <= min(box["area"][1], box["window"]) + 1, box


def test_run_the_notebook_then_plan_and_apply_a_step_from_its_panel(jupyterlab):
    from playwright.sync_api import expect, sync_playwright

    url, work = jupyterlab
    require_tool("chromium", "chromium")  # Debian's, at CHROMIUM
    artifacts = Path(os.environ.get("RUNBOOK_ARTIFACTS", ROOT / "artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            open_and_run_all(page, url)

            step = page.locator(".runbook-step-vault")
            status = step.locator(".runbook-status-value")
            expect(page.locator(".runbook-step-validate .runbook-status-value")).not_to_have_text(
                "not run", timeout=120_000
            )  # every step cell has run: the panel shows their statuses
            expect(status).to_have_text("planned")

            step.get_by_role("button", name="Plan").click()
            expect(status).to_have_text("planned", timeout=30_000)
            step.get_by_role("button", name="Apply").click()
            expect(status).to_have_text("done", timeout=60_000)
            step.scroll_into_view_if_needed()
            page.screenshot(path=str(artifacts / "backup-panel.png"))

            # the result is a plain output too: saved with the notebook, readable without the widget runtime
            page.keyboard.press("Control+s")
            expect(page.locator(".jp-mod-dirty")).to_have_count(0, timeout=30_000)

            # the run as evidence, from the panel: the saved notebook, the journal, the snapshots, sealed
            page.get_by_role("button", name="Save the run as evidence").click()
            expect(page.locator(".runbook-panel")).to_contain_text("saved as evidence in", timeout=60_000)
            # its undo, planned: the plan's table and a question; Cancel writes nothing
            page.get_by_role("button", name="Undo this run").click()
            expect(page.locator(".runbook-undo-plan")).to_contain_text("Undo of run", timeout=60_000)
            expect(page.locator(".runbook-panel")).to_contain_text("change(s) of run")
            page.get_by_role("button", name="Cancel").click()
            expect(page.get_by_role("button", name="Yes, undo")).to_have_count(0)

            # a refused parameter: its message under the field (highlighted) and next to the button pressed
            panel = page.locator(".runbook-panel")
            panel.get_by_text("Parameters", exact=True).click()
            field = panel.locator(".runbook-field-location")
            field.locator("input").fill("mars")
            panel.get_by_role("button", name="Start again with these parameters").click()
            expect(field).to_contain_text("unknown Azure region 'mars'", timeout=30_000)
            expect(field).to_have_class(re.compile(r"runbook-refused"))
            expect(panel.locator(".runbook-form-message")).to_contain_text("location")
            entry = field.locator("input").bounding_box()
            said = field.get_by_text("unknown Azure region").bounding_box()
            assert 0 <= said["y"] - entry["y"] < 120  # right under its field, not below the fold
            expect(panel.locator(".runbook-step-vault .runbook-step-note")).to_contain_text("apply")
            field.scroll_into_view_if_needed()
            page.screenshot(path=str(artifacts / "panel.png"))  # the panel is taller than the window: what shows

            # a step's DNS table: the zone's whole name is on screen (not clipped, not scrolled out of sight)
            cell = page.locator(".jp-OutputArea-output td", has_text=ZONE).first
            cell.scroll_into_view_if_needed()
            expect(cell).to_be_visible()
            assert_whole_text_visible(cell, ZONE)
            cell.locator("xpath=ancestor::table").first.screenshot(path=str(artifacts / "dns-table.png"))

            # the evidence HTML, opened offline: the banner first, saying which run and how it ended
            evidence = next((work / "runs" / "backup").glob("*/*/backup.html"))
            page.goto(evidence.as_uri())
            banner = page.locator("#runbook-banner")
            expect(banner).to_be_visible()
            for words in (
                "Run",
                "Scenario",
                "backup",
                "Status",
                "Target",
                "sandbox",
                "Operator",
                "Started (UTC)",
                "Folder verified",
            ):
                expect(banner).to_contain_text(words)
            assert banner.bounding_box()["y"] < 100  # at the top of the page
            page.screenshot(path=str(artifacts / "evidence.png"))

            # the DNS entries table (PrivateIP.ps1's, done right): the endpoint's FQDNs, each whole on screen. The
            # endpoint is made first by the Backup runbook from the command line, on the same estate
            made = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "runbook_lib.cli",
                    "apply",
                    "backup",
                    "-f",
                    str(ROOT / "parameters" / "backup.sandbox.yaml"),
                    "--as",
                    "owner",
                    "--state",
                    str(work / ".sandbox" / "estate.db"),
                    "--journal",
                    str(work / "journal.jsonl"),
                ],
                cwd=work,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert made.returncode == 3 and "first-registration" in made.stderr, made.stderr  # waits for a person
            # ?reset: a fresh workspace, so that only this notebook is open (not the backup one as well)
            open_and_run_all(page, url.replace("backup.ipynb?", "dns_entries.ipynb?reset&"))
            expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(
                1, timeout=120_000
            )
            fqdn = page.evaluate(_FIRST_FQDN)
            assert fqdn and fqdn.endswith(".wus3.backup.windowsazure.com") and "…" not in fqdn, fqdn
            entry = page.locator(".jp-OutputArea-output td", has_text=fqdn).first
            entry.scroll_into_view_if_needed()
            expect(entry).to_be_visible()
            assert_whole_text_visible(entry, fqdn)
            entry.locator("xpath=ancestor::table").first.screenshot(path=str(artifacts / "dns-entries.png"))
        except Exception:
            page.screenshot(path=str(artifacts / "backup-panel-failed.png"))  # what the browser showed
            raise
        finally:
            browser.close()
    saved = json.loads((work / "backup.ipynb").read_text())
    setup = next(c for c in saved["cells"] if "ui.start" in "".join(c["source"]))
    tables = ["".join(o["data"]["text/html"]) for o in setup["outputs"] if "text/html" in o.get("data", {})]
    assert any(">vault<" in t and ">done<" in t for t in tables)
    assert (artifacts / "backup-panel.png").stat().st_size > 10_000
    assert all(
        (artifacts / name).stat().st_size > 5_000
        for name in ("panel.png", "dns-table.png", "evidence.png", "dns-entries.png")
    )
    archived = next((work / "runs" / "backup").glob("*/*"))
    assert verify_folder(archived) == []
    assert [c["step"] for c in read_manifest(archived)["journal"] if c["kind"] == "change"] == ["vault"]
