"""`runbook dns check|script|proxy-domains|proxy-check`: the troubleshooting checks, from here and from inside the
customer's network, and the proxy's."""

from __future__ import annotations

import argparse
import sys

from ..clouds import cloud_names
from .common import add_json, add_target, clients_for, print_table, write_output
from .exit_codes import ExitCode


def add_check_commands(dns) -> None:
    check = dns.add_parser(
        "check",
        help='the checks of "Using Azure Migrate with private endpoints" (Troubleshoot network '
        "connectivity): connection, zones, links, records, resolution",
    )
    check.add_argument("ids", nargs="*", metavar="ID", help="private endpoints, vaults or resource groups")
    check.add_argument(
        "--results",
        metavar="FILE",
        help="also read the results a `runbook dns script` script wrote "
        "on a VM, appliance or host (then ID is optional)",
    )
    check.add_argument("--nameserver", metavar="HOST[:PORT]", help="also resolve every FQDN through this server")
    check.add_argument(
        "--vnet",
        dest="vnets",
        nargs="+",
        action="extend",
        default=[],
        metavar="VNET_ID",
        help="consuming VNets that must be linked to the zones too",
    )
    add_zone_groups(check)
    add_json(check)
    add_target(check)
    check.set_defaults(handler=_check)

    script = dns.add_parser(
        "script",
        help="a script checking the endpoints' DNS and TCP 443 from a VM, appliance or "
        "host (sh or PowerShell); it writes results for `dns check --results`",
    )
    script.add_argument("ids", nargs="+", metavar="ID", help="private endpoints, vaults or resource groups")
    script.add_argument(
        "--os", dest="os_name", required=True, choices=["linux", "windows"], help="linux: POSIX sh; windows: PowerShell"
    )
    script.add_argument("--out", default="-", metavar="FILE", help="write the script to FILE (default: stdout)")
    add_target(script)
    script.set_defaults(handler=_script)

    domains = dns.add_parser(
        "proxy-domains", help="the domains a proxy server must allow for Backup with private endpoints (reads no Azure)"
    )
    domains.add_argument("--cloud", choices=cloud_names(), default="public")
    domains.add_argument("--out", metavar="FILE", help="write them one a line to FILE instead of the table")
    add_json(domains)
    domains.set_defaults(handler=_proxy_domains)

    proxy = dns.add_parser(
        "proxy-check", help="the proxy's VNet is linked to the zones the endpoints need and peered with their VNets"
    )
    proxy.add_argument("ids", nargs="+", metavar="ID", help="private endpoints, vaults or resource groups")
    proxy.add_argument("--proxy-vnet", required=True, metavar="VNET_ID", help="the VNet the proxy server runs in")
    add_zone_groups(proxy)
    add_json(proxy)
    add_target(proxy)
    proxy.set_defaults(handler=_proxy_check)


def add_zone_groups(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--zones",
        dest="zone_groups",
        nargs="+",
        action="extend",
        default=[],
        metavar="RESOURCE_GROUP_ID",
        help="resource groups holding zones the endpoints have no zone group for",
    )


def _check(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..azure.ids import parse_id
    from ..dns.checks import check_endpoints
    from ..dns.probe_results import probe_rows, read_probe_results
    from ..errors import InputError
    from ..journal import CheckStatus

    if not args.ids and not args.results:
        raise InputError("dns check: give the endpoints to check (ID...), or --results FILE, or both")
    probed = probe_rows(read_probe_results(args.results)) if args.results else None  # a bad file: refused first
    results = probed
    if args.ids:
        clients = clients_for(args, parse_id(args.ids[0]).subscription)
        results = check_endpoints(
            clients, args.ids, nameserver=args.nameserver, vnets=args.vnets, zone_groups=args.zone_groups
        )
        results = results if probed is None else pd.concat([results, probed], ignore_index=True)
    if results is None:  # not reached: without ids, --results was given (refused above otherwise)
        raise InputError("dns check: give the endpoints to check (ID...), or --results FILE, or both")
    print_table(results, args.json, wide=args.wide)
    failed = int((results["Status"] == CheckStatus.FAIL).sum())
    if failed:
        print(f"runbook: {failed} checks failed (see Fix)", file=sys.stderr)
    return ExitCode.FAILED if failed else ExitCode.OK


def _script(args: argparse.Namespace) -> int:
    from ..azure.ids import parse_id
    from ..dns.entries import entries_for, ready_entries
    from ..dns.probe_scripts import ScriptOs, probes_of, render_script

    clients = clients_for(args, parse_id(args.ids[0]).subscription)
    entries = entries_for(clients, args.ids)
    for endpoint, note in entries.loc[entries["Note"] != "", ["PrivateEndpoint", "Note"]].drop_duplicates().values:
        print(f"runbook: warning: {endpoint}: {note} (left out)", file=sys.stderr)
    write_output(render_script(probes_of(ready_entries(entries)), ScriptOs(args.os_name)), args.out)
    return ExitCode.OK


def _proxy_domains(args: argparse.Namespace) -> int:
    from ..dns.proxy import export_proxy_domains, proxy_domains

    if args.out:
        write_output(export_proxy_domains(args.cloud), args.out)
        print(args.out)
    else:
        print_table(proxy_domains(args.cloud), args.json, wide=args.wide)
    return ExitCode.OK


def _proxy_check(args: argparse.Namespace) -> int:
    from ..azure.ids import parse_id
    from ..dns.proxy import check_proxy_network
    from ..journal import CheckStatus

    clients = clients_for(args, parse_id(args.ids[0]).subscription)
    results = check_proxy_network(clients, args.proxy_vnet, args.ids, zone_groups=args.zone_groups)
    print_table(results, args.json, wide=args.wide)
    failed = int((results["Status"] == CheckStatus.FAIL).sum())
    if failed:
        print(f"runbook: {failed} checks failed (see Fix)", file=sys.stderr)
    return ExitCode.FAILED if failed else ExitCode.OK
