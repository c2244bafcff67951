"""The project's own promises: environment.yml matches pyproject, and CI runs the README's test command."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_has_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {
        _name(r): r.replace(" ", "") for r in [*project["dependencies"], *project["optional-dependencies"]["test"]]
    }
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = {}
    for entry in environment["dependencies"]:
        for requirement in entry["pip"] if isinstance(entry, dict) else [entry]:
            name = _name(requirement)
            if name not in ("python", "pip", "-e"):
                listed[name] = requirement.replace(" ", "")
    assert listed == wanted


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section)


def test_readme_quick_start_is_two_one_line_commands_and_ci_runs_the_second():
    commands = quick_start_commands()
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    assert "runbook sandbox" in commands[0] and "pytest" in commands[1]
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert commands[1] in ci_lines


def test_a_missing_tool_skips_in_one_line_and_fails_where_ci_requires_it(monkeypatch):
    from tests.conftest import REQUIRE_TOOLS, require_tool

    monkeypatch.delenv(REQUIRE_TOOLS, raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"^needs no-such-tool: apt-get install no-such-package$"):
        require_tool("no-such-tool", "no-such-package")
    monkeypatch.setenv(REQUIRE_TOOLS, "1")
    with pytest.raises(pytest.fail.Exception, match="apt-get install no-such-package"):
        require_tool("no-such-tool", "no-such-package")


def test_a_fresh_clone_runs_the_quick_start_without_anything_beside_it(tmp_path):
    """The repository cloned alone (no shared folder beside it): the quick start's first command, its install left out
    (this interpreter has the dependencies), builds the demo estate and runs the Backup runbook headless to its
    evidence."""
    import subprocess
    import sys

    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    clone = tmp_path / "alone" / "main"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    first = quick_start_commands()[0]
    assert first.startswith("python3 -m venv .venv && .venv/bin/pip install -q -e . && ")
    runbook = f"{sys.executable} -m runbook_lib.cli"
    command = first.split(" && ", 2)[2].replace(".venv/bin/runbook", runbook)
    env = {**os.environ, "PYTHONPATH": str(clone)}
    env.pop("RUNBOOK_SANDBOX", None)
    done = subprocess.run(command, shell=True, cwd=clone, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    printed = [line for line in done.stdout.splitlines() if line.endswith("backup.ipynb")]
    assert printed and Path(clone, printed[-1]).exists(), done.stdout  # where the executed notebook is
    assert not (tmp_path / "alone" / "shared").exists()
