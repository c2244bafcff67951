"""Check scripts for the machines the notebook never runs on (the protected VM, the appliance, the Hyper-V host):
"Check VM connectivity" of "Create and use private endpoints (v1 experience) for Azure Backup" asks for nslookup of
each endpoint's FQDN from there, and for access to Microsoft Entra ID.

Each script embeds the expected FQDN -> private IP pairs and the cloud's Entra ID host, resolves every FQDN, tries
TCP 443 to each private IP and to Entra ID, and writes what it saw as JSON (read back by dns.probe_results).

The sh script is POSIX (runs under dash or busybox sh). It needs, to resolve: nslookup (Debian: bind9-dnsutils),
dig or host (bind9-host) when a DNS server is given, else getent (libc) or nslookup; to test TCP 443: nc, else curl,
else bash's /dev/tcp with timeout (coreutils); without any of them tcp443 is null (not tested). The PowerShell script
uses Resolve-DnsName and Test-NetConnection (Windows Server 2012 R2 and later).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from ..clouds import CLOUDS
from ..errors import InputError
from ..private_link import cloud_of

SCRIPT_VERSION = "runbook-dns-check/1"
_HOST_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")


class ScriptOs(StrEnum):
    LINUX = "linux"
    WINDOWS = "windows"


@dataclass(frozen=True)
class Probe:
    """One FQDN a machine should resolve to the endpoint's private IP."""

    fqdn: str
    expected_ip: str


def probes_of(entries: pd.DataFrame) -> list[Probe]:
    """The (FQDN, private IP) pairs of entries (dns.entries' frame), once each; entries without an FQDN are left
    out. A name or address that is not one is refused: it would be pasted into a script."""
    probes: dict[tuple[str, str], Probe] = {}
    for fqdn, ip in entries[["FQDN", "PrivateIP"]].itertuples(index=False):
        if not fqdn:
            continue
        if not _HOST_NAME.match(fqdn):
            raise InputError(f"FQDN '{fqdn}' is not a host name; the check script would not be safe to run")
        try:
            address = str(ipaddress.IPv4Address(ip))
        except ValueError:
            raise InputError(f"{fqdn}: private IP '{ip}' is not an IPv4 address") from None
        probes.setdefault((fqdn.lower(), address), Probe(fqdn.lower(), address))
    return list(probes.values())


def entra_host(probes: Iterable[Probe]) -> str:
    """The Microsoft Entra ID host of the probes' cloud (the public cloud's when they name none)."""
    clouds = {cloud for p in probes if (cloud := cloud_of(p.fqdn)) is not None}
    if len(clouds) > 1:
        raise InputError(
            f"the endpoints are in more than one cloud ({', '.join(sorted(clouds))}); make one script per cloud"
        )
    return CLOUDS[clouds.pop() if clouds else "public"].authority_host


def render_script(probes: list[Probe], os_name: ScriptOs) -> str:
    if not probes:
        raise InputError("no endpoint FQDN to check: the ids name no private endpoint with an approved connection")
    render = render_sh if os_name == ScriptOs.LINUX else render_powershell
    return render(probes, entra_host(probes))


def render_sh(probes: list[Probe], entra: str) -> str:
    pairs = "\n".join(f"{p.fqdn} {p.expected_ip}" for p in probes)
    return _SH.replace("@VERSION@", SCRIPT_VERSION).replace("@ENTRA@", entra).replace("@PAIRS@", pairs)


def render_powershell(probes: list[Probe], entra: str) -> str:
    pairs = "\n".join(f"    @{{ fqdn = '{p.fqdn}'; expected_ip = '{p.expected_ip}' }}" for p in probes)
    return _PS.replace("@VERSION@", SCRIPT_VERSION).replace("@ENTRA@", entra).replace("@PAIRS@", pairs)


_SH = r"""#!/bin/sh
# Private endpoint checks from this machine (made by `runbook dns script`, @VERSION@).
# Resolves each FQDN below, expecting its private IP; tries TCP 443 to that IP and to Microsoft Entra ID; writes
# the results as JSON for `runbook dns check --results FILE`.
# Usage: sh THIS_SCRIPT [-s SERVER[:PORT]] [-o FILE] [-n]
#   -s  ask this DNS server (needs nslookup, dig or host); default: this machine's resolver (getent, or nslookup)
#   -o  the results file (default: dns-check-HOSTNAME.json)
#   -n  no TCP tests (tcp443 is null)
# TCP 443 needs nc, curl, or bash with timeout; with none of them tcp443 is null.
set -u
PAIRS='@PAIRS@'
ENTRA='@ENTRA@'
SERVER=''; OUT=''; TCP=1
while getopts 's:o:n' opt; do
  case "$opt" in
    s) SERVER=$OPTARG ;;
    o) OUT=$OPTARG ;;
    n) TCP=0 ;;
    *) echo "usage: sh $0 [-s SERVER[:PORT]] [-o FILE] [-n]" >&2; exit 2 ;;
  esac
done
HOST_NAME=$(hostname 2>/dev/null | tr -cd 'A-Za-z0-9._-')
[ -n "$OUT" ] || OUT="dns-check-${HOST_NAME:-host}.json"
NS_HOST=${SERVER%%:*}; NS_PORT=53
case "$SERVER" in *:*) NS_PORT=${SERVER#*:} ;; esac

have() { command -v "$1" >/dev/null 2>&1; }

if [ -n "$SERVER" ]; then
  if have nslookup; then RESOLVER=nslookup; elif have dig; then RESOLVER=dig; elif have host; then RESOLVER=host
  else echo "-s needs nslookup, dig or host (Debian: apt-get install bind9-dnsutils)" >&2; exit 2; fi
elif have getent; then RESOLVER=getent
elif have nslookup; then RESOLVER=nslookup
else echo "needs getent or nslookup to resolve names" >&2; exit 2; fi

if [ "$TCP" = 0 ]; then TCP_TOOL=none
elif have nc; then TCP_TOOL=nc
elif have curl; then TCP_TOOL=curl
elif have bash && have timeout; then TCP_TOOL=bash
else TCP_TOOL=none; fi

# the IPv4 addresses NAME resolves to, one a line (none: it does not resolve)
resolve() {
  case "$RESOLVER" in
    getent) getent ahostsv4 "$1" 2>/dev/null | awk '{ print $1 }' ;;
    nslookup)
      if [ -n "$SERVER" ]; then nslookup -port="$NS_PORT" "$1" "$NS_HOST" 2>/dev/null
      else nslookup "$1" 2>/dev/null; fi |
        awk '/^Name:/ { n = 1; next } n && /^Address/ { for (i = 2; i <= NF; i++) print $i }' ;;
    dig) dig +short +time=3 +tries=2 -p "$NS_PORT" "@$NS_HOST" "$1" A 2>/dev/null ;;
    host) host -W 3 -t A -p "$NS_PORT" "$1" "$NS_HOST" 2>/dev/null | awk '/has address/ { print $NF }' ;;
  esac | grep -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' | sort -u
}

# true when TCP 443 of IP connects within 3 seconds, false when not, null when not tested
tcp443() {
  case "$TCP_TOOL" in
    nc) if nc -z -w 3 "$1" 443 >/dev/null 2>&1; then echo true; else echo false; fi ;;
    curl) curl -sk --noproxy '*' --connect-timeout 3 -m 6 -o /dev/null "https://$1/" >/dev/null 2>&1
          case $? in 7|28) echo false ;; *) echo true ;; esac ;;  # 7: refused, 28: timed out; else it connected
    bash) if timeout 3 bash -c "exec 3<>/dev/tcp/$1/443" >/dev/null 2>&1; then echo true; else echo false; fi ;;
    *) echo null ;;
  esac
}

json_list() {  # the lines of $1 as a JSON list of strings
  printf '['; sep=''
  for item in $1; do printf '%s"%s"' "$sep" "$item"; sep=', '; done
  printf ']'
}

{
  printf '{"host": "%s", "ran_at": "%s", "script": "@VERSION@",\n' "$HOST_NAME" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf ' "resolver": "%s", "server": "%s", "tcp_tool": "%s",\n "results": [' "$RESOLVER" "$SERVER" "$TCP_TOOL"
  sep=''
  while read -r fqdn ip; do
    found=$(resolve "$fqdn")
    open=$(tcp443 "$ip")
    printf '%s\n  {"fqdn": "%s", "expected_ip": "%s", "resolved": %s, "tcp443": %s}' \
      "$sep" "$fqdn" "$ip" "$(json_list "$found")" "$open"
    sep=','
    if [ "$found" = "$ip" ]; then said=ok; else said=FAILED; fi
    echo "$said: $fqdn -> ${found:-(no address)}, expected $ip; tcp 443: $open" | tr '\n' ' ' >&2; echo >&2
  done <<EOF
$PAIRS
EOF
  found=$(resolve "$ENTRA")
  open=null
  first=$(echo "$found" | head -n 1)
  [ -n "$first" ] && open=$(tcp443 "$first")
  printf '\n ],\n "entra": {"host": "%s", "resolved": %s, "tcp443": %s}}\n' "$ENTRA" "$(json_list "$found")" "$open"
  echo "Microsoft Entra ID $ENTRA -> ${first:-(no address)}; tcp 443: $open" >&2
} > "$OUT"
echo "results: $OUT (read them with: runbook dns check --results $OUT)" >&2
"""

_PS = r"""# Private endpoint checks from this machine (made by `runbook dns script`, @VERSION@).
# Resolves each FQDN below, expecting its private IP; tries TCP 443 to that IP and to Microsoft Entra ID; writes
# the results as JSON for `runbook dns check --results FILE`.
# Usage: powershell -ExecutionPolicy Bypass -File THIS_SCRIPT [-Server DNS_SERVER] [-Out FILE] [-NoTcp]
param([string]$Server = '', [string]$Out = '', [switch]$NoTcp)

$Pairs = @(
@PAIRS@
)
$Entra = '@ENTRA@'
if (-not $Out) { $Out = "dns-check-$($env:COMPUTERNAME).json" }

function Resolve-Ipv4([string]$Name) {
    $query = @{ Name = $Name; Type = 'A'; ErrorAction = 'Stop' }
    if ($Server) { $query.Server = $Server }
    try {
        @(Resolve-DnsName @query | Where-Object { $_.Type -eq 'A' } | ForEach-Object { $_.IPAddress } |
            Sort-Object -Unique)
    }
    catch { @() }
}

function Test-Tcp443([string]$Ip) {
    if ($NoTcp -or -not $Ip) { return $null }
    [bool](Test-NetConnection -ComputerName $Ip -Port 443 -InformationLevel Quiet -WarningAction SilentlyContinue)
}

$results = foreach ($pair in $Pairs) {
    $found = @(Resolve-Ipv4 $pair.fqdn)
    $open = Test-Tcp443 $pair.expected_ip
    $said = if (($found.Count -eq 1) -and ($found[0] -eq $pair.expected_ip)) { 'ok' } else { 'FAILED' }
    Write-Host "${said}: $($pair.fqdn) -> $($found -join ', '), expected $($pair.expected_ip); tcp 443: $open"
    [ordered]@{ fqdn = $pair.fqdn; expected_ip = $pair.expected_ip; resolved = $found; tcp443 = $open }
}
$entraFound = @(Resolve-Ipv4 $Entra)
$entraOpen = Test-Tcp443 ($entraFound | Select-Object -First 1)
Write-Host "Microsoft Entra ID $Entra -> $($entraFound -join ', '); tcp 443: $entraOpen"

[ordered]@{
    host = $env:COMPUTERNAME; ran_at = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
    script = '@VERSION@'; resolver = 'Resolve-DnsName'; server = $Server; tcp_tool = 'Test-NetConnection'
    results = @($results); entra = [ordered]@{ host = $Entra; resolved = $entraFound; tcp443 = $entraOpen }
} | ConvertTo-Json -Depth 5 | Set-Content -Path $Out -Encoding UTF8
Write-Host "results: $Out (read them with: runbook dns check --results $Out)"
"""
