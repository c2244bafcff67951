"""`runbook sandbox serve`: the same estate over loopback HTTPS for another process (the SDK, curl)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from runbook_lib.azure import Target, get_clients
from tests.conftest import require_tool


@pytest.fixture
def served(sandbox):
    process = subprocess.Popen(
        [sys.executable, "-m", "runbook_lib.cli", "sandbox", "serve", "--state", str(sandbox.path), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    announced = json.loads(process.stdout.readline())
    yield process, announced
    if process.poll() is None:
        process.kill()
        process.wait()


def test_serve_announces_one_json_line_and_the_sdk_talks_https(served, sandbox):
    _process, announced = served
    assert set(announced) == {"base_url", "ca_bundle"}
    assert announced["base_url"].startswith("https://127.0.0.1:")
    clients = get_clients(Target(endpoint=announced["base_url"], ca_bundle=announced["ca_bundle"]))
    clients.resources.resource_groups.create_or_update("rg-over-https", {"location": "eastus"})
    assert "rg-over-https" in {r["name"] for r in sandbox.resources()}  # the same estate file


def test_certificate_is_checked(served):
    _, announced = served
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{announced['base_url']}/subscriptions?api-version=2022-12-01", timeout=10)


def test_curl_reaches_it_with_the_ca_bundle(served):
    _, announced = served
    answer = subprocess.run(
        [
            require_tool("curl", "curl"),
            "-sS",
            "--cacert",
            announced["ca_bundle"],
            "-H",
            "Authorization: Bearer sandbox",
            f"{announced['base_url']}/subscriptions?api-version=2022-12-01",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert json.loads(answer.stdout)["value"][0]["state"] == "Enabled"


def test_sigterm_stops_it_cleanly(served):
    process, announced = served
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    assert not Path(announced["ca_bundle"]).exists()  # the throw-away CA goes with the server
