"""The outbound allow-list of Site Recovery's replication appliance: the URLs it still reaches over the internet
behind private endpoints (Microsoft Entra ID has none), from the article's "URLs to be allowed" tables, for a proxy
or firewall team."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..private_link import CLOUDS

URL_COLUMNS = ["cloud", "url", "purpose"]


@cache
def _url_rows() -> tuple[dict[str, str], ...]:
    text = resources.files("runbook_lib").joinpath("data/site_recovery_urls.csv").read_text(encoding="utf-8")
    return tuple(csv.DictReader(text.splitlines()))


def allowed_urls(cloud: str = "public") -> pd.DataFrame:
    """The URLs the replication appliance must reach outside the private endpoints in ``cloud`` (public, usgov,
    china): cloud, url, purpose."""
    if cloud not in CLOUDS:
        raise InputError(f"cloud: unknown cloud '{cloud}'; use one of {', '.join(CLOUDS)}")
    return pd.DataFrame([row for row in _url_rows() if row["cloud"] == cloud], columns=URL_COLUMNS)


def export_allowed_urls(cloud: str, path: str | Path) -> Path:
    """Write ``cloud``'s allow-list as plain text, one URL a line, for a proxy or firewall team; returns the path."""
    target = Path(path)
    target.write_text("".join(f"{url}\n" for url in allowed_urls(cloud)["url"]), encoding="utf-8")
    return target
