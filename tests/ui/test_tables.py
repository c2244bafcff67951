"""The tables a notebook shows: coloured by status, secrets redacted first."""

from __future__ import annotations


def test_a_secret_in_a_table_is_redacted_before_it_is_shown(monkeypatch):
    import pandas as pd

    from runbook_lib.ui.tables import styled

    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-a-real-secret-but-long")
    frame = pd.DataFrame(
        [
            {
                "Status": "fail",
                "Detail": "GET https://st.blob.core.windows.net/c?sv=2024&sig=Zm9vYmFyYmF6cXV4cXV1eA%3D%3D failed",
                "Fix": "login with not-a-real-secret-but-long",
            }
        ]
    )
    html = styled(frame).to_html().replace("<wbr>", "")
    assert "Zm9vYmFyYmF6cXV4cXV1eA" not in html and "not-a-real-secret-but-long" not in html
    assert "[redacted]" in html and "st.blob.core.windows.net" in html


VAULT_ID = (
    "/subscriptions/434d2562-9130-5501-a16c-ba0963340153/resourceGroups/rg-hub-backup/providers/"
    "Microsoft.RecoveryServices/vaults/rsv-contoso-hub"
)
LONG_FQDN = "4567890123456789012-ab-pod01-fc1.privatelink.wus3.backup.windowsazure.com"


def _entries():
    import pandas as pd

    return pd.DataFrame(
        [
            {"Status": "fail", "Resource": VAULT_ID, "FQDN": LONG_FQDN, "IP": "10.20.1.4"},
            {"Status": "pass", "Resource": VAULT_ID, "FQDN": "rsv.blob.core.windows.net", "IP": "10.1"},
        ]
    )


def test_html_has_no_index_column_and_shows_ids_as_names_with_the_full_id_on_hover():
    import re

    from runbook_lib.ui.tables import styled

    html = styled(_entries()).to_html()
    assert re.findall(r"<th[^>]*>([^<]*)</th>", html) == ["Status", "Resource", "FQDN", "IP"]  # no index column
    assert f'title="{VAULT_ID}">rsv-contoso-hub</td>' in html
    assert f">{VAULT_ID}<" not in html  # the id is on hover, the name in the cell
    cell = re.search(r'<td style="([^"]*)">([^<]*(?:<wbr>[^<]*)+)</td>', html)
    assert cell and cell[2].replace("<wbr>", "") == LONG_FQDN  # whole: never "…"
    assert "…" not in html and "..." not in html
    # it wraps to the width after a dot or hyphen, never inside a label
    assert (
        cell[2] == "4567890123456789012-<wbr>ab-<wbr>pod01-<wbr>fc1.<wbr>privatelink.<wbr>wus3.<wbr>backup.<wbr>"
        "windowsazure.<wbr>com"
    )
    assert "text-align:left" in cell[1] and "overflow-wrap:break-word" in cell[1] and "anywhere" not in html
    assert ">fail<" in html  # short words keep whole, without break points
    assert "background-color:#f8d7da" in html and "background-color:#d4edda" in html  # status coloured


def test_plain_text_is_left_aligned_with_names_and_full_ids_and_whole_fqdns():
    from runbook_lib.ui.tables import styled

    lines = repr(styled(_entries())).splitlines()
    assert lines[0].split() == ["Status", "Resource", "FQDN", "IP"]
    assert lines[1].startswith("fail    rsv-contoso-hub  " + LONG_FQDN)
    assert lines[2].startswith("pass    rsv-contoso-hub  rsv.blob.core.windows.net ")  # left-aligned
    assert lines[-1] == f"rsv-contoso-hub: {VAULT_ID}" and lines.count(lines[-1]) == 1
    assert "…" not in "\n".join(lines) and "..." not in "\n".join(lines)


def test_the_backup_validate_cell_shows_the_checks_not_only_a_count(tmp_path, capsys):
    """A Backup run applied through its last step: the validate cell shows each check, its status and fix."""
    from pathlib import Path

    import yaml

    from runbook_lib.sandbox import Sandbox
    from runbook_lib.ui.session import start

    params = yaml.safe_load((Path(__file__).resolve().parents[2] / "parameters/backup.sandbox.yaml").read_text())
    values = {**params, "mode": "apply", "state": str(tmp_path / "estate.db")}

    def run_all(confirm: list[str]):
        session = start("backup", {**values, "confirm": confirm}, panel=False)
        for step in session.execution.runbook.steps[:-1]:
            session.step(step.id)
        return session

    run_all([])
    estate = Sandbox(tmp_path / "estate.db")
    assert estate.event("register-container", params["vault"]).succeeded
    run_all(["first-registration"])
    assert estate.event("first-backup", params["vault"]).succeeded
    session = run_all(["first-registration", "first-backup"])
    capsys.readouterr()
    session.step("validate")
    shown = capsys.readouterr().out
    assert "checks pass on" in shown.split("\n\n")[0]  # the step's row (a count), then the checks table
    checks = shown[shown.index("\nCheck ") + 1 :].split("\n\n")[0]
    header, *rows = checks.splitlines()
    assert header.split()[:2] == ["Check", "Resource"] and "Fix" in header
    assert len(rows) > 5 and all(r.split()[2] in ("pass", "warn") for r in rows), checks


def test_an_empty_table_says_none_under_its_header():
    import pandas as pd

    from runbook_lib.ui.tables import styled

    table = styled(pd.DataFrame(columns=["Check", "Resource", "Status"]))
    assert "<i>none</i>" in table.to_html() and repr(table).splitlines()[1] == "(none)"


def test_a_progress_bar_only_where_a_person_watches(monkeypatch, capsys):
    """A terminal gets tqdm's bar over a step's writes; a headless kernel's output (not a tty) gets none, and
    nothing to count draws no bar anywhere."""
    import io
    import sys

    from runbook_lib.progress import no_progress, watched_progress

    assert watched_progress() is no_progress  # pytest's captured stderr: no one watches

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    progress = watched_progress()
    assert list(progress([1, 2], total=2, desc="links", unit="change", file=terminal)) == [1, 2]
    assert "links: 100%" in terminal.getvalue() and "2/2" in terminal.getvalue()
    assert progress([], total=0, desc="vault", unit="change") == []
