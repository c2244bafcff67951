"""The offline HTML rendering of an executed notebook: no network needed, every output still there."""

from __future__ import annotations

import base64
import html
import re
import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import papermill
import pytest
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from runbook_lib.evidence.html import render_html

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><circle cx="10" cy="10" r="8" fill="green"/></svg>'
)


def tiny_png() -> bytes:
    """A valid 2x2 red PNG, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))  # filter byte, then two RGB pixels
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG_B64 = base64.b64encode(tiny_png()).decode()


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> Path:
    """A small notebook with a styled table, an SVG, a PNG, a widget and math, executed by papermill."""
    folder = tmp_path_factory.mktemp("run")
    cells = [
        new_markdown_cell("# Vault check, résumé ✓\n\nThe area is $x^2$."),
        new_code_cell(
            "import pandas as pd\n"
            "pd.DataFrame({'vault': ['rsv-hub-01'], 'state': ['Succeeded']})"
            ".style.map(lambda v: 'background-color: #ff0000' if v == 'Succeeded' else '')"
        ),
        new_code_cell(f"from IPython.display import SVG\nSVG({SVG!r})"),
        new_code_cell(
            f"import base64\nfrom IPython.display import Image\nImage(data=base64.b64decode({PNG_B64!r}), format='png')"
        ),
        new_code_cell("import ipywidgets\nipywidgets.Button(description='Confirm step 3')"),
        new_code_cell("print('x' * 400)"),
        new_code_cell(
            "from runbook_lib.errors import RunbookError\n"
            "raise RunbookError('validate: 2 checks failed: record rsv-hub-01-ab-pod01-fc1 missing')"
        ),
    ]
    source = folder / "source.ipynb"
    nbformat.write(
        new_notebook(
            cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
        ),
        source,
    )
    out = folder / "evidence.ipynb"
    with pytest.raises(papermill.PapermillExecutionError):  # the last cell fails on purpose, as a summary does
        papermill.execute_notebook(str(source), str(out), kernel_name="python3", progress_bar=False, cwd=str(folder))
    return out


@pytest.fixture(scope="module")
def rendered(executed) -> str:
    out = executed.parent / "html" / "evidence.html"
    assert render_html(executed, out, banner=BANNER) == out
    return out.read_text(encoding="utf-8")


BANNER = {
    "run_id": "a1b2c3",
    "scenario": "backup",
    "status": "failed",
    "status_detail": "validate: 2 checks failed",
    "verified": True,
    "target": {
        "kind": "sandbox",
        "cloud": "public",
        "subscriptions": ["00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"],
    },
    "operator": {"upn": "owner@contoso.com"},
    "started": "2026-12-03T14:01:02.123456+00:00",
    "ended": "2026-12-03T14:05:06.654321+00:00",
}


@pytest.fixture(scope="module")
def plain(executed) -> str:
    """What nbconvert's HTML exporter gives by default (what `jupyter nbconvert --to html` writes)."""
    body, _ = HTMLExporter(template_name="lab").from_filename(str(executed))
    return body


class _References(HTMLParser):
    """Everything in a page that a browser would fetch from elsewhere, or that names a web address where a
    browser fetches: script src, link href, any src= or style= with http(s)://, http(s):// in script or style."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" in attrs:
            self.found.append(f"<script src={attrs['src']!r}>")
        if tag == "link" and not (attrs.get("href") or "data:").startswith("data:"):
            self.found.append(f"<link href={attrs['href']!r}>")
        for name in ("src", "style", "href") if tag in ("link", "script", "img", "iframe") else ("src", "style"):
            if re.search(r"https?://", attrs.get(name) or ""):
                self.found.append(f"<{tag} {name}={attrs[name]!r}>")
        self._in = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in and (url := re.search(r"https?://", data)):
            self.found.append(f"<{self._in}>...{data[max(0, url.start() - 40) : url.start() + 80]}")


def external_references(page: str) -> list[str]:
    parser = _References()
    parser.feed(page)
    parser.close()
    return parser.found


def test_the_executed_notebook_holds_widget_state_and_every_kind_of_output(executed):
    nb = nbformat.read(executed, as_version=4)
    assert "application/vnd.jupyter.widget-state+json" in nb.metadata["widgets"]
    kinds = {kind for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs for kind in o.get("data", {})}
    assert {"text/html", "image/svg+xml", "image/png", "application/vnd.jupyter.widget-view+json"} <= kinds


def test_nothing_is_fetched_from_the_network(rendered):
    assert external_references(rendered) == []
    assert "mathjax" not in rendered.lower() and "require.js" not in rendered and "unpkg.com" not in rendered
    assert "@import" not in rendered


def test_the_styled_table_svg_and_png_are_in_the_file(rendered):
    assert "rsv-hub-01" in rendered and "Succeeded" in rendered
    assert "background-color: #ff0000" in rendered
    inline_svg = r'data-mime-type="image/svg\+xml"[^>]*>\s*<svg[^>]*>\s*<circle[^>]*fill="green"'
    assert re.search(inline_svg, rendered)
    assert f"data:image/png;base64,{PNG_B64}" in rendered


def test_the_widget_shows_its_text_fallback_and_no_widget_manager_is_asked_for(rendered):
    assert "Button(description='Confirm step 3'" in html.unescape(rendered)
    assert "application/vnd.jupyter.widget" not in rendered


def test_markdown_and_math_read_as_written_in_utf8(rendered):
    assert "résumé ✓" in rendered
    assert "$x^2$" in rendered


def test_the_checks_fail_on_what_plain_nbconvert_writes(plain):
    found = external_references(plain)
    assert any("require" in f for f in found) and any("mathjax" in f for f in found)
    assert "Button(description='Confirm step 3'" not in html.unescape(plain)


def banner_text(page: str) -> str:
    found = re.search(r"<div class='runbook-banner[^']*' id='runbook-banner'>(.*?)</div>", page, re.DOTALL)
    assert found, "no banner"
    return html.unescape(re.sub(r"<[^>]+>", " ", found[1]))


def test_the_banner_opens_the_page_with_the_run_and_how_it_ended(rendered):
    assert rendered.index("runbook-banner'") < rendered.index("<main")
    text = " ".join(banner_text(rendered).split())
    for expected in (
        "Run a1b2c3",
        "Scenario backup",
        "Status failed: validate: 2 checks failed",
        "Target sandbox public",
        "00000000-0000-0000-0000-000000000001, 00000000-0000-0000-0000-000000000002",
        "owner@contoso.com",
        "Started (UTC) 2026-12-03 14:01:02",
        "Ended (UTC) 2026-12-03 14:05:06",
        "Folder verified yes",
    ):
        assert expected in text, expected
    assert "class='runbook-banner failed'" in rendered


def test_a_folder_that_did_not_verify_says_so_in_its_banner(executed, tmp_path):
    out = render_html(
        executed,
        tmp_path / "e.html",
        banner={**BANNER, "status": "ok", "verified": False, "problems": "1 file changed: journal.jsonl"},
    )
    page = out.read_text(encoding="utf-8")
    assert "Folder verified NO: 1 file changed: journal.jsonl" in " ".join(banner_text(page).split())
    assert "runbook-banner unverified" in page


def test_without_a_banner_there_is_none(executed, tmp_path):
    assert "runbook-banner'" not in render_html(executed, tmp_path / "e.html").read_text(encoding="utf-8")


def test_code_and_tables_wrap_instead_of_being_clipped(rendered):
    assert re.search(r"pre, code[^{]*\{[^}]*white-space: pre-wrap", rendered)
    assert re.search(r"\.jp-RenderedHTMLCommon td[^{]*\{[^}]*overflow-wrap: anywhere", rendered)


def test_a_check_failure_reads_as_its_message_not_a_traceback(rendered):
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    assert "RunbookError: validate: 2 checks failed: record rsv-hub-01-ab-pod01-fc1 missing" in text
    assert "Traceback" not in text and "site-packages" not in text and "----> " not in text


def test_an_unexpected_error_keeps_its_traceback(tmp_path):
    nb = new_notebook(
        cells=[new_code_cell("1/0")], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    )
    nbformat.write(nb, tmp_path / "s.ipynb")
    with pytest.raises(papermill.PapermillExecutionError):
        papermill.execute_notebook(
            str(tmp_path / "s.ipynb"), str(tmp_path / "o.ipynb"), kernel_name="python3", progress_bar=False
        )
    page = html.unescape(render_html(tmp_path / "o.ipynb", tmp_path / "o.html").read_text(encoding="utf-8"))
    assert "ZeroDivisionError" in page and "1/0" in re.sub(r"<[^>]+>", "", page).replace(" ", "")
