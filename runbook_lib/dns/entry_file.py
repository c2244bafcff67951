"""Entries files: PrivateIP.ps1's line format (``ResourceName DNS PrivateIP``), CSV and JSON, written and read.

Reading checks every line and names the first bad one; nothing downstream runs on a file with a bad line, nor on
one without entries (empty, or only a header). The same line twice is one entry (PrivateIP.ps1 appended on every
re-run); the same record with two IPs is an error, as one of them would overwrite the other.

An entry keeps the number of its line (column ``Line``) and the table the file's name, so what is refused later
(dns.exports) still names the lines. An entry without an FQDN gets the one its zone and record give, except in
the storage zones: there the record (the account name) answers both ``{account}.blob.core.windows.net`` and the
Azure DNS zone endpoint ``{account}.zNN.blob.storage.azure.net``, and only the endpoint's NIC knows which one
clients ask for. Its FQDN stays empty (``missing_fqdns``) until dns.entries.complete_fqdns reads it from ARM.
"""

from __future__ import annotations

import csv
import ipaddress
import json
import re
from collections.abc import Iterable
from io import StringIO

import pandas as pd

from ..errors import InputError
from ..private_link import PARTITIONED, alias, public_fqdn, zone_name
from .choices import ENTRY_FORMATS

HEADER = ("ResourceName", "DNS", "PrivateIP")
# "Azure DNS zone endpoints (preview)" (Microsoft Learn, Storage account overview): such an account is named
# {account}.z[00-50].{service}.storage.azure.net, public cloud only, and its public CNAME still points at
# {account}.privatelink.{service}.core.windows.net: the same record as a standard account's, another FQDN.
_FQDN_UNKNOWN = {zone_name(service, "public"): suffix for suffix, service in PARTITIONED.items()}
_PLURAL = {"line": "lines", "entry": "entries", "row": "rows"}
MAX_NAMED = 10  # lines named in one error; the rest are counted
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
        first = next((n for n, line in enumerate(text.splitlines(), 1) if line.strip()), 1)
        raise InputError(
            f"{source} line {first}: no entries after it (a header or names without a private-link zone only); {REMAKE}"
        )
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
            raise InputError(
                f"{source} line {number}: expected 'ResourceName DNS PrivateIP' (three fields), "
                f"found {len(fields)}: {line.strip()!r}"
            )
        rows.append((number, dict(zip(HEADER, fields))))
    return rows


def _csv_rows(text: str, source: str) -> list[tuple[int, dict]]:
    lines = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    reader = csv.reader(StringIO("\n".join(line for _, line in lines)))
    header = [name.strip() for name in next(reader, [])]
    missing = [column for column in HEADER if column not in header]
    if missing:
        raise InputError(
            f"{source} line {lines[0][0]}: no column {', '.join(missing)}; the header must name {', '.join(HEADER)}"
        )
    rows = []
    for (number, _), cells in zip(lines[1:], reader):
        if len(cells) != len(header):
            raise InputError(
                f"{source} line {number}: {len(cells)} fields, but the header (line {lines[0][0]}) names "
                f"{len(header)}: {', '.join(header)}"
            )
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
            raise InputError(f"{source} entry {number}: no {', '.join(missing)}; each entry needs {', '.join(HEADER)}")
    return [(number, item) for number, item in enumerate(items, 1)]


def check_entries(entries: pd.DataFrame, source: str | None = None) -> pd.DataFrame:
    """An entries table checked as a file's lines are and deduplicated. A table read from a file (parse_entries)
    keeps its file's name and line numbers; another's rows are numbered from 1."""
    source = source or entries.attrs.get("source", "entries")
    missing = [column for column in HEADER if column not in entries.columns]
    if missing:
        raise InputError(f"{source}: no column {', '.join(missing)}; use the table `runbook dns entries` gives")
    numbers = [int(n) for n in entries["Line"]] if "Line" in entries.columns else range(1, len(entries) + 1)
    return _checked(list(zip(numbers, entries.to_dict(orient="records"))), source, entries.attrs.get("where", "row"))


def missing_fqdns(checked: pd.DataFrame) -> pd.DataFrame:
    """The entries of a checked table without an FQDN: storage records whose name clients ask for only the
    endpoint's NIC knows (see the module docstring)."""
    return checked[checked["FQDN"] == ""]


def lines_of(checked: pd.DataFrame, lines: Iterable[int]) -> str:
    """Where ``lines`` (of checked's Line column) are, e.g. 'dnsentries.txt lines 4, 7' (at most MAX_NAMED)."""
    numbers = [str(n) for n in lines]
    where = checked.attrs.get("where", "row")
    named = ", ".join(numbers[:MAX_NAMED]) + (
        f" and {len(numbers) - MAX_NAMED} more" if len(numbers) > MAX_NAMED else ""
    )
    return f"{checked.attrs.get('source', 'entries')} {_PLURAL[where] if len(numbers) > 1 else where} {named}"


def fqdn_choices(record: str, zone: str) -> str:
    """The names a storage record may answer, e.g. 'st1.blob.core.windows.net or st1.zNN.blob.storage.azure.net'."""
    return f"{public_fqdn(record, zone)} or {record}.zNN.{_FQDN_UNKNOWN[zone]}"


def _checked(rows: list[tuple[int, dict]], source: str, where: str = "line") -> pd.DataFrame:
    """Checked entries, lower-case and each once; the FQDN derived where a row has none and its zone tells it (see
    the module docstring); rows with neither record nor zone left out. Names are held to DNS's characters, so no
    value can break out of a file or script generated from them (dns.exports)."""
    kept: dict[tuple[str, str], dict] = {}  # (record, zone) -> its first entry
    for number, row in rows:
        at = f"{source} {where} {number}"
        record, zone, ip, fqdn = (_text(row.get(key)) for key in (*HEADER, "FQDN"))
        if not record and not zone:
            continue  # a name that is no private-link name (dns.entries notes it): no record to make
        _check_names(at, record, zone, ip, fqdn)
        key = (record.lower(), zone.lower().rstrip("."))
        fqdn = fqdn.lower().rstrip(".") or _derived_fqdn(*key)
        first = kept.get(key)
        if first is None:
            kept[key] = {"ResourceName": key[0], "DNS": key[1], "PrivateIP": ip, "FQDN": fqdn, "Line": number}
        elif first["PrivateIP"] != ip:
            raise InputError(
                f"{at}: {record}.{zone} -> {ip}, but {where} {first['Line']} gives "
                f"{first['PrivateIP']}; one record cannot hold both: keep the current endpoint's IP"
            )
        else:  # the same entry again: it may give the FQDN the first one lacked
            first["FQDN"] = first["FQDN"] or fqdn
    checked = pd.DataFrame(list(kept.values()), columns=[*HEADER, "FQDN", "Line"])
    checked.attrs.update(source=source, where=where)
    return checked


def _check_names(at: str, record: str, zone: str, ip: str, fqdn: str) -> None:
    if not _RECORD.fullmatch(record):
        raise InputError(f"{at}: ResourceName {record!r} is not a DNS record name")
    if not _ZONE.fullmatch(zone):
        raise InputError(f"{at}: DNS {zone!r} is not a zone name such as privatelink.blob.core.windows.net")
    if fqdn and not _ZONE.fullmatch(fqdn):
        raise InputError(f"{at}: FQDN {fqdn!r} is not a DNS name")
    answered_by = alias(fqdn) if fqdn else None
    if answered_by and answered_by != (zone.lower().rstrip("."), record.lower()):
        raise InputError(
            f"{at}: FQDN {fqdn} is answered by {answered_by[1]}.{answered_by[0]}, not by "
            f"{record}.{zone}; correct the line, or make the file again with `runbook dns entries`"
        )
    try:
        address = ipaddress.IPv4Address(ip)
    except ValueError:
        raise InputError(f"{at}: PrivateIP {ip!r} is not an IPv4 address") from None
    if not address.is_private:
        raise InputError(f"{at}: PrivateIP {ip} is not a private address; a private endpoint's IP is")


def _derived_fqdn(record: str, zone: str) -> str:
    """The name clients ask for, from the record and zone alone; '' where they do not tell it (a storage zone)."""
    if zone in _FQDN_UNKNOWN:
        return ""
    return public_fqdn(record, zone) or f"{record}.{zone}"


def _text(value: object) -> str:
    """A cell as text: '' for None and NaN (pandas' empty cell)."""
    return "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()
