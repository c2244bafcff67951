"""An HTML rendering of an executed notebook that an auditor can read offline.

Executed notebooks are archived as audit evidence, and the auditor often opens them on a machine with no network.
nbconvert's default HTML loads require.js, MathJax and the widget manager from CDNs (and MermaidJS when a diagram
is shown), so offline a reader sees blank widget cells. This rendering needs no network at all:

- the widget state is dropped, so nbconvert picks each widget output's text/plain fallback (which this project's
  widgets make meaningful) and emits neither the widget manager nor the widget state;
- a small template on top of nbconvert's lab template empties the blocks that emit require.js, MathJax and
  MermaidJS (configuration can only change their URLs, never remove the ``<script src=...>``), and puts SVG inline;
- the lab template already inlines its CSS (its own images are ``data:`` URIs) and ``embed_images`` embeds the
  markdown cells' images; PNG and JPEG outputs are ``data:`` URIs anyway;
- the one post-processing step removes CSS comments, which cite web pages (``/* https://... */``), so that no
  ``http(s)://`` is left in any stylesheet.

Math stays as its TeX source (``$x^2$``), readable without MathJax.

On top, a banner says which run this is (id, scenario, status and why, target, subscriptions, operator, start and
end in UTC) and whether its folder verified when the page was rendered; code and tables wrap at the right edge
instead of being clipped; a run that stopped on purpose (a check failed, a step blocked: one of this toolkit's
errors) shows its message, not a Python traceback through library files.
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

from ..errors import RunbookError
from .status import EvidenceStatus

if TYPE_CHECKING:  # nbconvert (with bleach, mistune, pygments: 0.5 s) loads when a page is rendered
    from nbconvert import HTMLExporter

_TEMPLATE = "runbook_offline.html.j2"

# The lab template (share/jupyter/nbconvert/templates/lab/index.html.j2, base.html.j2) minus what needs a network.
_OFFLINE = """\
{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block data_svg scoped -%}
<div class="jp-RenderedSVG jp-OutputArea-output {{ extra_class }}" data-mime-type="image/svg+xml">
{{ output.data['image/svg+xml'] }}
</div>
{%- endblock data_svg -%}
"""

_STYLE = re.compile(r"(<style\b[^>]*>)(.*?)(</style>)", re.DOTALL | re.IGNORECASE)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


_WRAP = """
.runbook-banner { font-family: system-ui, sans-serif; border: 2px solid #555; border-radius: 6px; padding: 8px 12px;
  margin: 8px; background: #f7f7f7; }
.runbook-banner.failed, .runbook-banner.unverified { border-color: #c0392b; background: #fdecea; }
.runbook-banner table { border-collapse: collapse; }
.runbook-banner th { text-align: left; padding: 1px 12px 1px 0; vertical-align: top; }
.runbook-banner td { overflow-wrap: anywhere; }
pre, code, .jp-RenderedText pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
.jp-RenderedHTMLCommon table { table-layout: auto; max-width: 100%; }
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { white-space: normal; overflow-wrap: anywhere; }
.jp-OutputArea-output { overflow-x: visible; }
"""


def render_html(notebook: Path, out: Path, banner: Mapping[str, Any] | None = None) -> Path:
    """Render the executed notebook at `notebook` as one self-contained HTML file at `out` (UTF-8); return `out`.
    ``banner``: the run's manifest fields (run_id, scenario, status, status_detail, target, operator, started,
    ended) and ``verified`` (True, False, or None when the folder is not sealed yet), shown at the top."""
    notebook, out = Path(notebook), Path(out)
    nb = nbformat.read(notebook, as_version=4)
    nb.metadata.pop("widgets", None)
    shorten_expected_errors(nb)
    resources = {"metadata": {"name": notebook.stem, "path": str(notebook.parent)}}  # embed_images reads from path
    body = _render(nb, resources)
    body = _STYLE.sub(lambda m: m[1] + _CSS_COMMENT.sub("", m[2]) + m[3], body)
    body = body.replace("</head>", f"<style>{_WRAP}</style>\n</head>", 1)
    if banner is not None:
        body = re.sub(r"(<body\b[^>]*>)", lambda m: m[1] + "\n" + banner_html(banner), body, count=1)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body, encoding="utf-8")
    return out


# An exporter compiles its templates on first use (about a second): exporters are kept for the next page, each used
# by one rendering at a time (a batch renders in several threads).
_EXPORTERS: queue.SimpleQueue[HTMLExporter] = queue.SimpleQueue()


def _new_exporter() -> HTMLExporter:
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="lab",
        template_file=_TEMPLATE,
        extra_loaders=[DictLoader({_TEMPLATE: _OFFLINE})],
        embed_images=True,
    )


def _render(nb: nbformat.NotebookNode, resources: dict[str, Any]) -> str:
    try:
        exporter = _EXPORTERS.get_nowait()
    except queue.Empty:
        exporter = _new_exporter()
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    _EXPORTERS.put(exporter)
    return body


_WARMING = threading.Lock()


def warm_up_renderer() -> None:
    """Compile the page's templates ahead, while a run's cells still execute: a small notebook rendered on an
    exporter that the run's page then reuses. Nothing when one is ready or being made (a batch's runs share them)."""
    if not _EXPORTERS.empty() or not _WARMING.acquire(blocking=False):
        return
    sample = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    try:
        with contextlib.suppress(Exception):  # a warm-up that fails leaves the real rendering to pay, and to say why
            _render(sample, {"metadata": {"name": "warm-up"}})
    finally:
        _WARMING.release()


def expected_error_names() -> set[str]:
    """The names of this toolkit's errors: RunbookError and its subclasses (all in runbook_lib.errors)."""
    names, todo = set(), [RunbookError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo += cls.__subclasses__()
    return names


def shorten_expected_errors(nb: nbformat.NotebookNode) -> None:
    """Replace the traceback of an error the toolkit raised on purpose by its one-line message: the reader needs
    what went wrong (the table above it shows the checks), not the library's call stack."""
    expected = expected_error_names()
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") in expected:
                output["traceback"] = [f"{output['ename']}: {output.get('evalue', '')}"]


def banner_html(banner: Mapping[str, Any]) -> str:
    """The run's banner: what ran, where, by whom, when, how it ended and why, and whether the folder verified."""
    target = banner.get("target") or {}
    if isinstance(target, Mapping):
        where = " ".join(str(target.get(k) or "") for k in ("kind", "cloud")).strip()
        subscriptions = ", ".join(target.get("subscriptions") or []) or "none recorded"
    else:
        where, subscriptions = str(target), "none recorded"
    operator = banner.get("operator") or ""
    if isinstance(operator, Mapping):
        operator = ", ".join(f"{v} ({k})" for k, v in operator.items())
    verified, files = banner.get("verified"), banner.get("files") or {}
    check = {
        True: "yes: every file matched its manifest when this page was rendered",
        False: f"NO: {banner.get('problems') or 'the folder differs from its manifest'}",
        None: (
            f"yes: sealed with this page; the {len(files)} files beside it had, when it was rendered, the "
            "SHA-256 listed below, the same that manifest.json seals (`runbook evidence verify` on the "
            "folder checks them and this page)"
        )
        if files
        else "sealed with this page: `runbook evidence verify` on the folder checks it",
    }[verified]
    status = str(banner.get("status") or "")
    rows = [
        ("Run", banner.get("run_id")),
        ("Scenario", banner.get("scenario")),
        ("Status", f"{status}: {banner.get('status_detail') or ''}".rstrip(": ")),
        ("Target", where),
        ("Subscriptions", subscriptions),
        ("Operator", operator),
        ("Started (UTC)", _utc(banner.get("started"))),
        ("Ended (UTC)", _utc(banner.get("ended"))),
        ("Folder verified", check),
    ]
    classes = " ".join(
        [
            "runbook-banner",
            *(["failed"] if status != EvidenceStatus.OK else []),
            *(["unverified"] if verified is False else []),
        ]
    )
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v or ''))}</td></tr>" for k, v in rows)
    listed = "".join(
        f"<tr><td><code>{escape(name)}</code></td><td><code>{escape(digest)}</code></td></tr>"
        for name, digest in sorted(files.items())
    )
    hashes = (
        f"<details><summary>SHA-256 of the files beside this page</summary><table>{listed}</table></details>"
        if files
        else ""
    )
    return f"<div class='{classes}' id='runbook-banner'><table>{body}</table>{hashes}</div>"


def _utc(stamp: Any) -> str:
    """An ISO time as 'YYYY-MM-DD HH:MM:SS' (UTC, as the manifest holds it)."""
    text = str(stamp or "")
    return text[:19].replace("T", " ") if text else ""
