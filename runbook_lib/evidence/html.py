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
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from jinja2 import DictLoader
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


def render_html(notebook: Path, out: Path) -> Path:
    """Render the executed notebook at `notebook` as one self-contained HTML file at `out` (UTF-8); return `out`."""
    notebook, out = Path(notebook), Path(out)
    nb = nbformat.read(notebook, as_version=4)
    nb.metadata.pop("widgets", None)
    exporter = HTMLExporter(template_name="lab", template_file=_TEMPLATE,
                            extra_loaders=[DictLoader({_TEMPLATE: _OFFLINE})], embed_images=True)
    resources = {"metadata": {"name": notebook.stem, "path": str(notebook.parent)}}  # embed_images reads from path
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    body = _STYLE.sub(lambda m: m[1] + _CSS_COMMENT.sub("", m[2]) + m[3], body)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body, encoding="utf-8")
    return out
