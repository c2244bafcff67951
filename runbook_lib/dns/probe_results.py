"""The results file a check script (dns.probe_scripts) wrote on a VM, an appliance or a host, read back as rows of
the checks table (dns.checks' COLUMNS), each failure with its fix."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from ..journal import CheckStatus
from ..private_link import alias
from ..textfile import read_text
from .checks import AZURE_DNS, COLUMNS, check_row

_AGAIN = "is it the file the check script wrote? run the script again"


@dataclass(frozen=True)
class Probed:
    fqdn: str
    expected_ip: str
    resolved: tuple[str, ...]
    tcp443: bool | None


@dataclass(frozen=True)
class ProbeRun:
    """What one run of a check script saw, on one machine."""

    host: str
    ran_at: str
    results: tuple[Probed, ...]
    entra_host: str
    entra_resolved: tuple[str, ...]
    entra_tcp443: bool | None


def read_probe_results(path: str | Path, field: str = "--results") -> ProbeRun:
    """The run a results file holds; an InputError in one line naming the file and what is wrong with it."""
    text = read_text(path, field)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{field}: '{path}': not JSON (line {error.lineno}: {error.msg}); {_AGAIN}") from None
    return parse_probe_run(data, f"{field}: '{path}'")


def parse_probe_run(data: Any, where: str) -> ProbeRun:
    top = _object(data, where, "the file")
    results = top.get("results")
    if not isinstance(results, list):
        raise InputError(f"{where}: 'results' is missing or not a list; {_AGAIN}")
    entra = _object(top.get("entra"), where, "'entra'")
    probed = []
    for index, item in enumerate(results):
        at = f"results[{index}]"
        item = _object(item, where, at)
        fqdn, ip = _text(item, "fqdn", where, at), _text(item, "expected_ip", where, at)
        probed.append(Probed(fqdn.lower(), ip, _addresses(item, where, at), _tcp(item, where, at)))
    return ProbeRun(
        str(top.get("host") or "the machine"),
        str(top.get("ran_at") or ""),
        tuple(probed),
        _text(entra, "host", where, "entra"),
        _addresses(entra, where, "entra"),
        _tcp(entra, where, "entra"),
    )


def probe_rows(run: ProbeRun) -> pd.DataFrame:
    """The checks table's rows: for each FQDN its resolution and TCP 443, then Microsoft Entra ID."""
    rows = []
    for probed in run.results:
        rows.append(resolution_row(run.host, probed))
        rows.append(tcp_row(run.host, probed))
    rows.append(entra_row(run))
    return pd.DataFrame(rows, columns=COLUMNS)


def resolution_row(host: str, probed: Probed) -> dict[str, str]:
    got, want = probed.resolved, probed.expected_ip
    zone = (alias(probed.fqdn) or (probed.fqdn,))[0]
    forward = (
        f"custom DNS server: add the record or forward {zone.removeprefix('privatelink.')} to Azure DNS "
        f"({AZURE_DNS}) from a VNet linked to {zone}"
    )
    if got == (want,):
        return check_row(
            "resolution", probed.fqdn, CheckStatus.PASS, f"{host} resolves it to the endpoint's private IP {want}", ""
        )
    if not got:
        return check_row(
            "resolution",
            probed.fqdn,
            CheckStatus.FAIL,
            f"{host} gets no address for it (NXDOMAIN or no answer)",
            f"add the A record for {want} to {zone} (`runbook dns plan`), or on a {forward}",
        )
    public = [ip for ip in got if not ipaddress.ip_address(ip).is_private]
    if public:
        return check_row(
            "resolution",
            probed.fqdn,
            CheckStatus.FAIL,
            f"{host} resolves it to the public IP {', '.join(public)}, not {want}: the query never reached "
            "the private zone",
            f"link {zone} to the VNet whose DNS {host} uses, or on a {forward}",
        )
    return check_row(
        "resolution",
        probed.fqdn,
        CheckStatus.FAIL,
        f"{host} resolves it to {', '.join(got)}, not the endpoint's {want}",
        f"a stale record or hosts-file line: set it to {want} in {zone}, the custom DNS server or the hosts "
        "file, then flush the DNS cache",
    )


def tcp_row(host: str, probed: Probed) -> dict[str, str]:
    resource = f"{probed.expected_ip}:443 ({probed.fqdn})"
    if probed.tcp443 is None:
        return check_row(
            "tcp443",
            resource,
            CheckStatus.WARN,
            f"not tested from {host} (-n, or no nc, curl or bash there)",
            "run the script again without -n on a machine with nc or curl, or test TCP 443 by hand",
        )
    if probed.tcp443:
        return check_row("tcp443", resource, CheckStatus.PASS, f"{host} connects to TCP 443", "")
    return check_row(
        "tcp443",
        resource,
        CheckStatus.FAIL,
        f"{host} cannot connect to TCP 443 within 3 seconds",
        f"allow TCP 443 from {host} to {probed.expected_ip} in the NSGs and firewalls between it and the "
        "endpoint's subnet (and in the route, if traffic goes through an appliance)",
    )


def entra_row(run: ProbeRun) -> dict[str, str]:
    # "Check VM connectivity": the VM should have access to Microsoft Entra ID
    fix = (
        f"allow outbound TCP 443 from {run.host} to Microsoft Entra ID ({run.entra_host}; NSG service tag "
        "AzureActiveDirectory) or through the proxy (`runbook dns proxy-domains`)"
    )
    first = run.entra_resolved[0] if run.entra_resolved else ""
    if not first:
        return check_row("entra", run.entra_host, CheckStatus.FAIL, f"{run.host} gets no address for it", fix)
    if run.entra_tcp443 is None:
        return check_row(
            "entra",
            run.entra_host,
            CheckStatus.WARN,
            f"resolves to {first}; TCP 443 not tested from {run.host}",
            "run the script again without -n",
        )
    status = CheckStatus.PASS if run.entra_tcp443 else CheckStatus.FAIL
    said = "connects to" if run.entra_tcp443 else "cannot connect to"
    return check_row("entra", run.entra_host, status, f"{run.host} {said} {first}:443", fix)


def _object(value: Any, where: str, what: str) -> dict:
    if not isinstance(value, dict):
        raise InputError(f"{where}: {what} is not a JSON object; {_AGAIN}")
    return value


def _text(item: dict, key: str, where: str, at: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise InputError(f"{where}: {at}.{key} is missing or not a string; {_AGAIN}")
    return value


def _addresses(item: dict, where: str, at: str) -> tuple[str, ...]:
    value = item.get("resolved", [])
    values = [value] if isinstance(value, str) else value  # PowerShell writes a list of one as its item
    if value is None:
        values = []
    if not isinstance(values, list):
        raise InputError(f"{where}: {at}.resolved is not a list of addresses; {_AGAIN}")
    try:
        return tuple(str(ipaddress.ip_address(v)) for v in values if isinstance(v, str) or _not_text(v))
    except ValueError:
        raise InputError(f"{where}: {at}.resolved holds {values!r}, not IP addresses; {_AGAIN}") from None


def _not_text(value: Any) -> bool:
    raise ValueError(value)


def _tcp(item: dict, where: str, at: str) -> bool | None:
    value = item.get("tcp443")
    if value is not None and not isinstance(value, bool):
        raise InputError(f"{where}: {at}.tcp443 is {value!r}: true, false or null; {_AGAIN}")
    return value
