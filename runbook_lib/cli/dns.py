"""`runbook dns ...`: entries (PrivateIP.ps1), plan and apply (CreateDNSEntries.ps1), exports, zones; the checks are
in dns_checks."""

from __future__ import annotations

import argparse
import sys

from ..clouds import cloud_names
from .common import Parser, ScenarioChoices, add_json, add_target, clients_for, print_table, read_input, write_output
from .dns_checks import add_check_commands
from .exit_codes import ExitCode

DEFAULT_JOURNAL = "runs/dns-journal.jsonl"


def add_commands(commands) -> None:
    from ..dns.choices import DEFAULT_TTL, ENTRY_FORMATS
    from ..dns.exports import WRITERS, describe_formats

    dns = commands.add_parser("dns", help="DNS records for private endpoints").add_subparsers(
        dest="action", required=True, parser_class=Parser
    )
    entries = dns.add_parser("entries", help="each FQDN of the endpoints with its private IP, zone and record")
    entries.add_argument(
        "ids",
        nargs="+",
        metavar="ID",
        help="a private endpoint, a Recovery Services vault or a resource group (full ids)",
    )
    entries.add_argument("--out", metavar="FILE", help="write the entries to FILE ('-': stdout), overwriting it")
    entries.add_argument("--header", action="store_true", help="with --format privateip: the column names first")
    entries.add_argument(
        "--format", choices=ENTRY_FORMATS, help="privateip (PrivateIP.ps1's lines; default with --out), csv or json"
    )
    add_json(entries)
    add_target(entries)

    for name, text in (
        ("plan", "what applying the entries' A records would change"),
        ("apply", "create the entries' A records (only what the plan shows)"),
    ):
        command = dns.add_parser(name, help=text)
        command.add_argument(
            "--from",
            dest="source",
            required=True,
            metavar="FILE",
            help="entries from `runbook dns entries` (privateip, csv or json; '-': stdin)",
        )
        command.add_argument(
            "--zones",
            required=True,
            metavar="RESOURCE_GROUP_ID",
            help="the resource group holding the private DNS zones (any subscription)",
        )
        command.add_argument(
            "--create-missing-zones",
            action="store_true",
            help="create the private-link zones the group lacks (only zones the runbooks use)",
        )
        command.add_argument(
            "--allow-zone",
            dest="allowed_zones",
            action="append",
            default=[],
            metavar="ZONE",
            help="with --create-missing-zones: create this zone too, though no runbook uses it",
        )
        command.add_argument(
            "--link",
            nargs="+",
            action="extend",
            default=[],
            metavar="VNET_ID",
            help="link every zone of the plan to these VNets",
        )
        command.add_argument("--ttl", type=int, default=DEFAULT_TTL, help=f"seconds (default {DEFAULT_TTL})")
        if name == "apply":
            command.add_argument(
                "--overwrite-conflicts",
                action="store_true",
                help="replace records holding another IP (the old value goes to the journal)",
            )
            command.add_argument(
                "--journal",
                default=DEFAULT_JOURNAL,
                metavar="FILE",
                help=f"append every change here (default {DEFAULT_JOURNAL})",
            )
        add_json(command)
        add_target(command)

    export = dns.add_parser("export", help="the entries for a custom DNS server or a hosts file")
    export.add_argument("--from", dest="source", required=True, metavar="FILE", help="entries ('-': stdin)")
    export.add_argument("--format", required=True, choices=list(WRITERS), help=describe_formats())
    export.add_argument(
        "--out", required=True, metavar="DIR", help="directory to write the files into (made when missing)"
    )
    export.add_argument("--force", action="store_true", help="overwrite export files already in DIR")
    export.add_argument("--ttl", type=int, default=DEFAULT_TTL, help=f"seconds (default {DEFAULT_TTL})")
    export.add_argument(
        "--fqdns-from",
        nargs="+",
        action="extend",
        default=[],
        metavar="ID",
        help="read from ARM the FQDNs the file lacks (PrivateIP.ps1's lines): the endpoints' NICs, "
        "named by endpoint, vault or resource group ids",
    )
    add_target(export)

    add_check_commands(dns)

    zones = dns.add_parser("zones", help="the private DNS zones a scenario needs in a region (reads no Azure)")
    zones.add_argument(
        "--scenario", required=True, choices=ScenarioChoices(), metavar="SCENARIO", help="one of `runbook scenarios`"
    )
    zones.add_argument("--region", required=True, help="an Azure region name, e.g. westus3")
    zones.add_argument("--cloud", choices=cloud_names(), help="default: the region's cloud")
    add_json(zones)


def run(args: argparse.Namespace) -> int:
    return {
        "entries": _entries,
        "plan": _plan,
        "apply": _apply,
        "export": _export,
        "zones": _zones,
    }[args.action](args)


def _entries(args: argparse.Namespace) -> int:
    from ..azure.ids import parse_id
    from ..dns.entries import entries_for, ready_entries
    from ..dns.entry_file import format_entries

    clients = clients_for(args, parse_id(args.ids[0]).subscription)
    entries = entries_for(clients, args.ids)
    writing = bool(args.out or args.format)  # a file of records to create: only the entries ready for one
    for endpoint, note in entries.loc[entries["Note"] != "", ["PrivateEndpoint", "Note"]].drop_duplicates().values:
        print(f"runbook: warning: {endpoint}: {note}{' (left out)' if writing else ''}", file=sys.stderr)
    if writing:
        write_output(format_entries(ready_entries(entries), args.format or "privateip", args.header), args.out or "-")
    else:
        print_table(entries, args.json, wide=args.wide)
    return ExitCode.OK


def _planned(args: argparse.Namespace):
    from ..azure.ids import parse_id
    from ..dns.entry_file import parse_entries
    from ..dns.records import plan_records

    entries = parse_entries(*read_input(args.source, "--from"))
    clients = clients_for(args, parse_id(args.zones, "--zones").subscription)
    plan = plan_records(
        clients,
        entries,
        args.zones,
        create_missing_zones=args.create_missing_zones,
        link_vnets=args.link,
        ttl=args.ttl,
        allowed_zones=args.allowed_zones,
    )
    return clients, plan


def _plan(args: argparse.Namespace) -> int:
    _, plan = _planned(args)
    print_table(plan.table.drop(columns="ETag"), args.json, wide=args.wide)
    blocking = int(plan.table["Action"].isin(["conflict", "zone-missing"]).sum())
    if blocking:  # apply writes all or nothing: say so now
        print(
            f"runbook: apply would write nothing while {blocking} rows are conflict or zone-missing (see Reason)",
            file=sys.stderr,
        )
    return ExitCode.OK


def _apply(args: argparse.Namespace) -> int:
    from ..dns.records import apply_plan
    from ..journal import Journal

    clients, plan = _planned(args)
    journal = Journal(args.journal)
    done = apply_plan(clients, plan, overwrite_conflicts=args.overwrite_conflicts, journal=journal)
    print_table(done.drop(columns="ETag"), args.json, wide=args.wide)
    refused = done[done["Result"].str.startswith("refused:")]
    if not refused.empty:  # nothing was written: say what to fix, one line each
        for row in refused.itertuples(index=False):
            what = f"{row.Kind} {row.Name + ' in ' if row.Name else ''}{row.Zone}"
            print(f"runbook: refused: {what}: {row.Result.removeprefix('refused: ')}", file=sys.stderr)
        print(
            f"runbook: nothing was written: {len(refused)} of the planned changes were refused (see above)",
            file=sys.stderr,
        )
        return ExitCode.FAILED
    counts = done["Result"].value_counts()
    print(", ".join(f"{result} {count}" for result, count in counts.items()) or "nothing to do", file=sys.stderr)
    if journal.changes:
        print(f"journal: {journal.path} ({len(journal.changes)} changes)", file=sys.stderr)
    conflicts = done[done["Result"].str.startswith("conflict:")]  # another change made them otherwise meanwhile
    for row in conflicts.itertuples(index=False):
        print(f"runbook: not written: {row.Kind} {row.Name} in {row.Zone}: {row.Result}", file=sys.stderr)
    return ExitCode.BLOCKED if not conflicts.empty else ExitCode.OK


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..azure.ids import parse_id
    from ..dns.entries import complete_fqdns
    from ..dns.entry_file import parse_entries
    from ..dns.exports import export_entries

    entries = parse_entries(*read_input(args.source, "--from"))
    if args.fqdns_from:
        clients = clients_for(args, parse_id(args.fqdns_from[0], "--fqdns-from").subscription)
        entries = complete_fqdns(clients, entries, args.fqdns_from)
    for path in export_entries(entries, args.format, Path(args.out), ttl=args.ttl, force=args.force):
        print(path)
    return ExitCode.OK


def _zones(args: argparse.Namespace) -> int:
    from ..dns.zones import required_zones
    from ..scenarios import get_scenario

    needs = get_scenario(args.scenario, field="--scenario").zones
    print_table(required_zones(needs, args.region, args.cloud), args.json, wide=args.wide)
    return ExitCode.OK
