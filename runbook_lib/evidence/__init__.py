"""Executed runs as audit evidence: run folders, manifests, offline HTML, verification."""

import sys

# nbformat imports jsonschema, whose optional IRI format checker builds the rfc3987 grammar when imported (3-4 s).
# No notebook schema uses an IRI format and nbformat validates with fastjsonschema: jsonschema goes without it.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
