"""Entries files: PrivateIP.ps1's line format (``ResourceName DNS PrivateIP``), CSV and JSON, written and read.

Reading checks every line and names the first bad one; nothing downstream runs on a file with a bad line, nor on
one without entries (empty, or only a header). The same line twice is one entry (PrivateIP.ps1 appended on every
re-run); the same record with two IPs is an error, as one of them would overwrite the other.
"""

from __future__ import annotations

import csv
import ipaddress
import json
import re
from io import StringIO

import pandas as pd

from ..errors import InputError
from ..private_link import public_fqdn
from .choices import ENTRY_FORMATS

HEADER = ("ResourceName", "DNS", "PrivateIP")
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_RECORD = re.compile(rf"{_LABEL}(?:\.{_LABEL})*", re.IGNORECASE)
_ZONE = re.compile(rf"{_LABEL}(?:\.{_LABEL})+\.?", re.IGNORECASE)


def format_entries(entries: pd.DataFrame, fmt: str = "privateip", header: bool = False) -> str:
    """The entries as text: PrivateIP.ps1's aligned columns (entries with a zone, each once), CSV or JSON."""
    if fmt == "csv":
        return entries.to_csv(index=False)
    if fmt == "json":
        return json.dumps(entries.to_dict(orient="records"), indent=1) + "\n"
    if fmt != "privateip":
        raise InputError(f"--format: '{fmt}' is not one of {', '.join(ENTRY_FORMATS)}")
    rows = entries.loc[entries["DNS"] != "", list(HEADER)].drop_duplicates()
    lines = ([HEADER] if header else []) + [tuple(row) for row in rows.itertuples(index=False)]
    if not lines:
        return ""
    widths = [max(len(line[i]) for line in lines) for i in range(2)]
    return "".join(f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c}\n" for a, b, c in lines)


REMAKE = "make it with `runbook dns entries ID... --out FILE`"


def parse_entries(data: str | bytes, source: str) -> pd.DataFrame:
    """Entries from a file in any of ENTRY_FORMATS (told apart by their first line: '[' JSON, a comma CSV);
    ``source`` names the file in errors. Columns ResourceName, DNS, PrivateIP and FQDN (derived from the zone where
    the file has none). A file without entries is an InputError."""
    text = _decoded(data, source) if isinstance(data, bytes) else data
    stripped = text.strip()
    if not stripped:
        raise InputError(f"{source}: the file is empty: no entries to read; {REMAKE}")
    if stripped.startswith(("[", "{")):
        entries = _checked(_json_rows(text, source), source, "entry")
    elif "," in stripped.splitlines()[0]:
        entries = _checked(_csv_rows(text, source), source)
    else:
        entries = _checked(_line_rows(text, source), source)
    if entries.empty:
        first = next(n for n, line in enumerate(text.splitlines(), 1) if line.strip())
        raise InputError(f"{source} line {first}: no entries after it (a header or names without a private-link "
                         f"zone only); {REMAKE}")
    return entries


def _decoded(data: bytes, source: str) -> str:
    """UTF-8, or UTF-16 with its BOM: what Windows PowerShell's Out-File writes by default."""
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{source}: not UTF-8 or UTF-16 text; save it as UTF-8") from None


def _line_rows(text: str, source: str) -> list[tuple[int, dict]]:
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields or line.lstrip().startswith("#") or tuple(fields) == HEADER:
            continue
        if len(fields) != 3:
            raise InputError(f"{source} line {number}: expected 'ResourceName DNS PrivateIP' (three fields), "
                             f"found {len(fields)}: {line.strip()!r}")
        rows.append((number, dict(zip(HEADER, fields))))
    return rows


def _csv_rows(text: str, source: str) -> list[tuple[int, dict]]:
    lines = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    reader = csv.reader(StringIO("\n".join(line for _, line in lines)))
    header = [name.strip() for name in next(reader)]
    missing = [column for column in HEADER if column not in header]
    if missing:
        raise InputError(f"{source} line {lines[0][0]}: no column {', '.join(missing)}; the header must name "
                         f"{', '.join(HEADER)}")
    rows = []
    for (number, _), cells in zip(lines[1:], reader):
        if len(cells) != len(header):
            raise InputError(f"{source} line {number}: {len(cells)} fields, but the header (line {lines[0][0]}) names "
                             f"{len(header)}: {', '.join(header)}")
        rows.append((number, dict(zip(header, cells))))
    return rows


def _json_rows(text: str, source: str) -> list[tuple[int, dict]]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{source} line {error.lineno}: not valid JSON ({error.msg})") from None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise InputError(f"{source}: expected a JSON array of objects with ResourceName, DNS and PrivateIP")
    for number, item in enumerate(items, 1):
        missing = [key for key in HEADER if key not in item]
        if missing:
            raise InputError(f"{source} entry {number}: no {', '.join(missing)}; each entry needs "
                             f"{', '.join(HEADER)}")
    return [(number, item) for number, item in enumerate(items, 1)]


def check_entries(entries: pd.DataFrame, source: str = "entries") -> pd.DataFrame:
    """An entries table checked as a file's lines are (rows numbered from 1) and deduplicated."""
    missing = [column for column in HEADER if column not in entries.columns]
    if missing:
        raise InputError(f"{source}: no column {', '.join(missing)}; use the table `runbook dns entries` gives")
    return _checked(list(enumerate(entries.to_dict(orient="records"), 1)), source, "row")


def _checked(rows: list[tuple[int, dict]], source: str, where: str = "line") -> pd.DataFrame:
    """Checked entries, lower-case and each once; the FQDN derived where a row has none; rows with neither record
    nor zone left out. Names are held to DNS's characters, so no value can break out of a file or script generated
    from them (dns.exports)."""
    seen: dict[tuple[str, str], tuple[int, str]] = {}
    out = []
    for number, row in rows:
        at = f"{source} {where} {number}"
        record, zone, ip, fqdn = (_text(row.get(key)) for key in (*HEADER, "FQDN"))
        if not record and not zone:
            continue  # a name that is no private-link name (dns.entries notes it): no record to make
        if not _RECORD.fullmatch(record):
            raise InputError(f"{at}: ResourceName {record!r} is not a DNS record name")
        if not _ZONE.fullmatch(zone):
            raise InputError(f"{at}: DNS {zone!r} is not a zone name such as privatelink.blob.core.windows.net")
        if fqdn and not _ZONE.fullmatch(fqdn):
            raise InputError(f"{at}: FQDN {fqdn!r} is not a DNS name")
        try:
            address = ipaddress.IPv4Address(ip)
        except ValueError:
            raise InputError(f"{at}: PrivateIP {ip!r} is not an IPv4 address") from None
        if not address.is_private:
            raise InputError(f"{at}: PrivateIP {ip} is not a private address; a private endpoint's IP is")
        key = (record.lower(), zone.lower().rstrip("."))
        if key in seen and seen[key][1] != ip:
            raise InputError(f"{at}: {record}.{zone} -> {ip}, but {where} {seen[key][0]} gives {seen[key][1]}; "
                             "one record cannot hold both: keep the current endpoint's IP")
        if key not in seen:
            seen[key] = (number, ip)
            fqdn = fqdn.lower().rstrip(".") or public_fqdn(*key) or ".".join(key)
            out.append({"ResourceName": key[0], "DNS": key[1], "PrivateIP": ip, "FQDN": fqdn})
    return pd.DataFrame(out, columns=[*HEADER, "FQDN"])


def _text(value: object) -> str:
    """A cell as text: '' for None and NaN (pandas' empty cell)."""
    return "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()
