"""`runbook endpoint approve|reject|disconnect CONNECTION_ID | --resource ID --endpoint NAME`: what the owner of a
Recovery Services vault, a storage account or an Azure Migrate project does to a private endpoint connection
("Create and use private endpoints (v1 experience) for Azure Backup", "Manual approval of private endpoints using the
Azure Resource Manager Client"). The change is journaled (intent, then outcome).

Exit codes: 0 done (or already so), 1 Azure refused the write, 2 bad input (an id of the wrong shape, a target or
connection that does not exist), 3 refused before writing (what Azure refuses: approving a rejected connection;
on Azure, a change not confirmed).
"""

from __future__ import annotations

import argparse
import sys

from ..azure.ids import name_of
from ..errors import InputError
from .common import add_json, add_target, check_output_file, clients_for, confirmed, print_table
from .exit_codes import ExitCode

DEFAULT_JOURNAL = "runs/endpoint-journal.jsonl"
VERBS = {
    "approve": "approve a Pending connection (clients may then use the endpoint)",
    "reject": "reject a connection (for good: a rejected connection is never approved again)",
    "disconnect": "disconnect a connection (a vault's: Disconnected; a storage account's or project's: removed)",
}


def add_commands(commands) -> None:
    group = commands.add_parser("endpoint", help="approve, reject or disconnect a private endpoint connection")
    verbs = group.add_subparsers(dest="verb", required=True, parser_class=type(group))
    for verb, text in VERBS.items():
        command = verbs.add_parser(verb, help=text)
        command.add_argument(
            "connection",
            nargs="?",
            metavar="CONNECTION_ID",
            help="the connection's id ({vault, account or project id}/privateEndpointConnections/NAME)",
        )
        command.add_argument("--resource", metavar="ID", help="the vault, storage account or Migrate project")
        command.add_argument("--endpoint", metavar="NAME", help="with --resource: the endpoint's name (or id)")
        command.add_argument("--description", metavar="TEXT", help="why, as the connection's state shows it")
        command.add_argument(
            "--journal",
            metavar="FILE",
            help=f"append the change (intent, then outcome) here (default {DEFAULT_JOURNAL})",
        )
        command.add_argument("--yes", action="store_true", help="on azure, write without asking")
        add_json(command)
        add_target(command)
        command.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..engine import Action, Run
    from ..engine.writes import write_row
    from ..journal import Journal
    from ..ops import connections
    from ..ops.connections import Verb
    from ..scenarios.connection_state import PAST, connection_row

    if bool(args.connection) == bool(args.resource or args.endpoint):
        raise InputError("give CONNECTION_ID, or --resource ID with --endpoint NAME (not both)")
    if args.resource and not args.endpoint:
        raise InputError("--endpoint: give the name of the endpoint whose connection to change, with --resource")
    if args.endpoint and not args.resource:
        raise InputError("--resource: give the vault, storage account or project the endpoint connects to")
    if args.journal:  # the default's folder is made when missing
        check_output_file(args.journal, "--journal", appended=True)
    journal_path = args.journal or DEFAULT_JOURNAL
    verb = Verb(args.verb)
    clients = clients_for(args)
    if args.connection:
        connection = connections.connection_by_id(clients, args.connection)
    else:
        connections.target_type(args.resource)  # a wrong type is named before anything is read
        connection = connections.find_connection(clients, args.resource, args.endpoint)
    journal = Journal(journal_path)
    run_ = Run(clients, None, "apply", journal)
    row = connection_row(run_, connection, verb, args.description or "")
    _print_rows([row], args)
    if row.action == Action.BLOCKED:
        print(f"runbook: refused: {row.reason}", file=sys.stderr)
        return ExitCode.BLOCKED
    if row.action == Action.UNCHANGED:
        print(f"nothing to do: {row.reason}", file=sys.stderr)
        return ExitCode.OK
    # a rejection is for good, a disconnection leaves the endpoint serving nothing: asked first on Azure
    if (
        args.target == "azure"
        and not args.yes
        and not confirmed(f"{str(verb).capitalize()} {connection.words()} on Azure?")
    ):
        print("runbook: not changed (not confirmed)", file=sys.stderr)
        return ExitCode.BLOCKED
    write_row(run_, row)
    done = "removed" if row.action == Action.DELETE else PAST[verb]
    print(
        f"{done}: {connection.endpoint_name}'s connection to {name_of(connection.target_id)} (was "
        f"{connection.status}); journal: {journal.path}",
        file=sys.stderr,
    )
    return ExitCode.OK


def _print_rows(rows, args: argparse.Namespace) -> None:
    import pandas as pd

    table = pd.DataFrame(
        [
            {
                "Resource": r.resource,
                "Action": r.action,
                "Before": r.before or "",
                "After": r.after or "",
                "Reason": r.reason,
            }
            for r in rows
        ],
        columns=["Resource", "Action", "Before", "After", "Reason"],
    )
    print_table(table, args.json, wide=args.wide)
