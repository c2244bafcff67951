"""The ``runbook`` command. A face: it parses options and calls the library.

pandas and the management SDKs load only in the commands that use them: `sandbox serve` starts fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from azure.core.exceptions import AzureError, HttpResponseError

from .. import __version__
from ..azure.errors import arm_code, describe_arm_error
from ..errors import RunbookError
from . import appliance, dns, endpoint, evidence, headless, notebooks, runbooks, sandbox, undo
from .common import Parser, add_target, add_wide, clients_for, print_table
from .exit_codes import ExitCode, exit_code_of_arm_error


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="runbook", description="Private-endpoint runbooks for Azure Backup, Site Recovery and Migrate."
    )
    parser.add_argument("--version", action="version", version=f"runbook {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    sandbox.add_commands(commands)
    dns.add_commands(commands)
    runbooks.add_commands(commands)
    headless.add_commands(commands)
    appliance.add_commands(commands)
    evidence.add_commands(commands)
    undo.add_commands(commands)
    endpoint.add_commands(commands)
    notebooks.add_commands(commands)
    resources = commands.add_parser("resources", help="list resources through the Azure SDK (either target)")
    add_target(resources)
    resources.add_argument("--resource-group", metavar="NAME", help="only this resource group")
    add_wide(resources)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        handler = (
            getattr(args, "handler", None)
            or {"sandbox": sandbox.run, "dns": dns.run, "resources": _list_resources, "evidence": evidence.run}[
                args.command
            ]
        )
        return handler(args)
    except RunbookError as error:
        print(f"runbook: error: {error}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    except HttpResponseError as error:
        print(f"runbook: {describe_arm_error(error)}", file=sys.stderr)
        return exit_code_of_arm_error(arm_code(error), error.status_code)
    except AzureError as error:
        print(f"runbook: {type(error).__name__}: {error.message}", file=sys.stderr)
        return ExitCode.FAILED
    except KeyboardInterrupt as interrupt:  # Ctrl-C: one line; a write begun stays an intent the next run settles
        step = getattr(interrupt, "step", None)
        where = f" during step {step}" if step else ""
        print(f"runbook: interrupted{where}; run the same command again to finish", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:  # `runbook ... | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.OK
    except OSError as error:  # a file the command writes or reads: full disk, no permission (one line, no traceback)
        where = f"{error.filename}: " if error.filename else ""
        print(f"runbook: error: {where}{error.strerror or error}", file=sys.stderr)
        return ExitCode.FAILED


def _list_resources(args: argparse.Namespace) -> int:
    import pandas as pd

    clients = clients_for(args)
    if args.resource_group:
        found = clients.resources.resources.list_by_resource_group(args.resource_group)
    else:
        found = clients.resources.resources.list()
    rows = [{"type": r.type, "name": r.name, "location": r.location, "id": r.id} for r in found]
    print_table(pd.DataFrame(rows, columns=["type", "name", "location", "id"]), wide=args.wide)
    return ExitCode.OK
