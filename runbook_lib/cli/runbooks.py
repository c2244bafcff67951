"""`runbook scenarios`, `runbook plan SCENARIO -f FILE`, `runbook apply SCENARIO -f FILE`: the runbooks from the
command line.

Exit codes (cli.exit_codes): 0 done (or planned), 1 a step failed, 2 bad input, 3 blocked by a guard or waiting for a
manual step, 130 interrupted (Ctrl-C; the next run settles the write it was in).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import ScenarioChoices, add_json, add_target, check_output_file, check_principal, clients_for, print_table
from .exit_codes import ExitCode

DEFAULT_JOURNAL = "runs/{scenario}-journal.jsonl"


def add_commands(commands) -> None:
    listing = commands.add_parser("scenarios", help="the runbooks and their steps")
    add_json(listing)
    listing.set_defaults(handler=list_scenarios)
    for mode, text in (
        ("plan", "what a runbook would change (reads only)"),
        ("apply", "run a runbook: apply each step's plan, then verify it"),
    ):
        command = commands.add_parser(mode, help=text)
        command.add_argument("scenario", metavar="SCENARIO", choices=ScenarioChoices(), help="see `runbook scenarios`")
        command.add_argument("-f", "--parameters", required=True, metavar="FILE", help="the parameters (YAML)")
        command.add_argument(
            "--as",
            dest="principal",
            metavar="PRINCIPAL",
            help="sandbox only: who runs it (a principal of the estate; default its admin)",
        )
        command.add_argument(
            "--journal",
            metavar="FILE",
            help=f"append every write (intent, then outcome) and check here; a run starts by settling "
            f"the writes an interrupted run left open in it (default {DEFAULT_JOURNAL})",
        )
        add_json(command)
        add_target(command)
        command.set_defaults(handler=run_scenario)


def list_scenarios(args: argparse.Namespace) -> int:
    """Each scenario: what it sets up, the Microsoft Learn article it follows (its address in --json and --wide),
    and its parameters."""
    import pandas as pd

    from ..scenarios import all_scenarios

    rows = [
        {
            "Scenario": s.name,
            "What": s.summary,
            "Article": s.article.title,
            **({"URL": s.article.url} if args.json or args.wide else {}),
            "Parameters": ", ".join(s.parameters.model_fields),
        }
        for s in all_scenarios()
    ]
    print_table(pd.DataFrame(rows), args.json, wide=args.wide)
    return ExitCode.OK


def run_scenario(args: argparse.Namespace) -> int:
    from ..engine import Run, load_parameters
    from ..engine.status import STOPPED
    from ..journal import Journal
    from ..scenarios import all_scenarios, get_scenario

    scenario = get_scenario(args.scenario, field="SCENARIO")
    check_named_for(args.parameters, args.scenario, [s.name for s in all_scenarios()], args.command)
    others = {s.name: s.parameters for s in all_scenarios() if s.name != args.scenario}
    params = load_parameters(scenario.parameters, args.parameters, others=others, command=args.command)
    runbook = scenario.build(params)
    runbook.check_confirmations(params.confirm)
    if args.journal:
        check_output_file(args.journal, "--journal", appended=True)
    check_principal(args.target, args.state, args.principal)
    clients = clients_for(args, principal=args.principal or "sandbox")
    if args.target == "azure":
        clients.caller()  # sign in before the first step: a missing credential is one line (SignInError)
    journal = Journal(args.journal or DEFAULT_JOURNAL.format(scenario=args.scenario))
    operator = args.principal or "sandbox"
    report = runbook.run(Run(clients, params, args.command, journal, operator, frozenset(params.confirm)))
    for line in reconciled_lines(journal):
        print(f"runbook: {line}", file=sys.stderr)
    table = report.plan_table() if args.command == "plan" else report.table()
    print_table(table, args.json, wide=args.wide)
    stopped = [s for s in report.steps if s.status in STOPPED]
    for step in stopped:
        print(f"runbook: {step.id}: {step.status}: {step.detail}", file=sys.stderr)
    changes = planned_changes(table) if args.command == "plan" else len(journal.changes)
    print(
        f"{args.scenario}: {report.status} ({changes} {'change' if changes == 1 else 'changes'}; journal "
        f"{journal.path})",
        file=sys.stderr,
    )
    return report.exit_code


def reconciled_lines(journal) -> list[str]:
    """What this run found of the writes an earlier run was interrupted in (engine.reconcile), one line each."""
    from ..journal import MADE_BY_INTERRUPTED_RUN, Change, NotMade

    return [
        f"{e.step}: {e.resource_id}: {MADE_BY_INTERRUPTED_RUN}"
        if isinstance(e, Change)
        else f"{e.step}: {e.resource_id}: not made by an interrupted run ({e.why})"
        for e in journal.entries
        if isinstance(e, NotMade) or (isinstance(e, Change) and e.reconciled)
    ]


def check_named_for(path: str, scenario: str, names: list[str], command: str) -> None:
    """Refuse a parameters file named for another runbook (``{notebook}.anything.yaml``, as `runbook batch` names
    them): its keys may all be this runbook's too (backup's are a subset of site_recovery's), so only the name
    tells the mistake."""
    from ..errors import InputError

    named = Path(path).name.split(".")[0]
    if named != scenario and named in names and "." in Path(path).name:
        raise InputError(
            f"-f: {path} is named for {named}, not {scenario}: run `runbook {command} {named} -f {path}`, "
            f"or give {scenario}'s parameters"
        )


def planned_changes(table) -> int:
    """The plan's rows that would write: create or update (not unchanged, blocked or waiting)."""
    from ..engine.step import Action

    return int(table["Action"].map(lambda action: Action(action).changes).sum()) if "Action" in table else 0
