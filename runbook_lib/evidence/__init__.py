"""Executed runs as audit evidence: run folders, manifests, offline HTML, verification."""
