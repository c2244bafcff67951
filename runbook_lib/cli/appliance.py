"""`runbook verify-installer` and `runbook allowed-urls`: what the appliance's download and its network need."""

from __future__ import annotations

import argparse
import sys

from ..clouds import cloud_names
from .common import add_json, print_table
from .exit_codes import ExitCode


def add_commands(commands) -> None:
    add_installer_command(commands)
    add_urls_command(commands)


def add_installer_command(commands) -> None:
    from ..ops.installer import SCENARIOS

    verify = commands.add_parser(
        "verify-installer",
        help="is a downloaded Azure Migrate appliance installer the "
        'one Microsoft published (its SHA256, as "Using Azure '
        'Migrate with private endpoints" lists it)?',
    )
    verify.add_argument("file", metavar="FILE")
    verify.add_argument("--scenario", required=True, choices=SCENARIOS)
    verify.add_argument("--cloud", default="public", help="default: public (the only cloud the article lists)")
    verify.set_defaults(handler=verify_installer)


def add_urls_command(commands) -> None:
    urls = commands.add_parser(
        "allowed-urls",
        help="the URLs Site Recovery's appliance must reach besides its "
        'private endpoints ("Replicate on-premises machines by '
        'using private endpoints"), for a proxy or firewall team',
    )
    urls.add_argument("--cloud", choices=cloud_names(), default="public")
    urls.add_argument("--out", metavar="FILE", help="write the URLs one a line to FILE instead of the table")
    add_json(urls)
    urls.set_defaults(handler=allowed_urls)


def allowed_urls(args: argparse.Namespace) -> int:
    from ..scenarios.site_recovery import allowed_urls as urls
    from ..scenarios.site_recovery import export_allowed_urls

    if args.out:
        print(export_allowed_urls(args.cloud, args.out))
    else:
        print_table(urls(args.cloud), args.json, wide=args.wide)
    return ExitCode.OK


def verify_installer(args: argparse.Namespace) -> int:
    from ..ops.installer import verify_installer as verify

    check = verify(args.file, args.scenario, args.cloud)
    print(check.message, file=sys.stdout if check.matches else sys.stderr)
    return ExitCode.OK if check.matches else ExitCode.FAILED
