"""`runbook scenarios`, `runbook plan SCENARIO -f FILE`, `runbook apply SCENARIO -f FILE`: the runbooks headless.

Exit codes (cli.exit_codes): 0 done (or planned), 1 a step failed, 2 bad input, 3 blocked by a guard or waiting for a
manual step, 130 interrupted (Ctrl-C; the next run settles the write it was in).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..azure.clouds import CLOUD_NAMES
from .exit_codes import ExitCode
from .quiet_kernel import without_kernel_tcp_warning
from .common import (add_json, add_target, bounded, check_output_file, check_output_folder, check_principal,
                     clients_for, print_table)

DEFAULT_JOURNAL = "runs/{scenario}-journal.jsonl"
MAX_TIMEOUT = 86400  # seconds a cell may run: a day
MAX_JOBS = 16  # parallel headless runs: each is a kernel (and, on Azure, its share of ARM's throttling limits)


def add_commands(commands) -> None:
    add_run_command(commands)
    add_batch_command(commands)
    add_installer_command(commands)
    add_urls_command(commands)
    listing = commands.add_parser("scenarios", help="the runbooks and their steps")
    add_json(listing)
    for mode, text in (("plan", "what a runbook would change (reads only)"),
                       ("apply", "run a runbook: apply each step's plan, then verify it")):
        command = commands.add_parser(mode, help=text)
        command.add_argument("scenario", metavar="SCENARIO", help="see `runbook scenarios`")
        command.add_argument("-f", "--parameters", required=True, metavar="FILE", help="the parameters (YAML)")
        command.add_argument("--as", dest="principal", metavar="PRINCIPAL",
                             help="sandbox only: who runs it (a principal of the estate; default its admin)")
        command.add_argument("--journal", metavar="FILE",
                             help=f"append every write (intent, then outcome) and check here; a run starts by settling "
                                  f"the writes an interrupted run left open in it (default {DEFAULT_JOURNAL})")
        add_json(command)
        add_target(command)


def add_run_command(commands) -> None:
    run = commands.add_parser("run", help="run a notebook headless (papermill) into a run folder")
    run.add_argument("scenario", metavar="NOTEBOOK",
                     help="a scenario (see `runbook scenarios`), dns_entries or troubleshoot_private_link")
    run.add_argument("-f", "--parameters", required=True, metavar="FILE", help="the parameters (YAML)")
    run.add_argument("--target", choices=("sandbox", "azure"), default="sandbox")
    run.add_argument("--mode", choices=("plan", "apply"), default="plan")
    run.add_argument("--output", default="runs", metavar="DIR", help="where run folders go (default runs/)")
    run.add_argument("--as", dest="principal", metavar="PRINCIPAL", help="sandbox only: who runs it")
    run.add_argument("--state", metavar="PATH", help="sandbox: the estate file")
    run.add_argument("--subscription", metavar="ID", help="azure: the subscription to start from")
    run.add_argument("--timeout", type=bounded(1, MAX_TIMEOUT), metavar="SECONDS",
                     help=f"stop a cell that runs longer (the run is archived as timed-out); 1 to {MAX_TIMEOUT}")


def run_headless(args: argparse.Namespace) -> int:
    from ..engine.parameters import read_parameters
    from ..ui.headless import notebook_names, run_notebook
    from ..ui.session import DEMO_SEED

    check_named_for(args.parameters, args.scenario, notebook_names(), "run")
    parameters = read_parameters(args.parameters)
    check_output_folder(args.output, "--output")
    check_principal(args.target, args.state, args.principal, seed=DEMO_SEED)
    options = {k: v for k, v in (("operator", args.principal), ("state", args.state),
                                 ("subscription", args.subscription)) if v}
    with without_kernel_tcp_warning():
        done = run_notebook(args.scenario, parameters, target=args.target, mode=args.mode, options=options,
                            runs=Path(args.output), timeout=args.timeout, source=args.parameters)
    print(done.notebook)  # stdout: the executed notebook alone, for a script
    why = f": {done.message}" if done.message else ""
    print(f"status: {done.status}{why}", file=sys.stderr)
    print(f"evidence: {done.folder}", file=sys.stderr)
    return done.exit_code


def add_batch_command(commands) -> None:
    batch = commands.add_parser("batch", help="run many parameter files headless, a few at a time")
    batch.add_argument("files", nargs="+", metavar="FILE", help="parameter files named {notebook}.*.yaml")
    batch.add_argument("--jobs", type=bounded(1, MAX_JOBS, int), default=2,
                       help=f"runs at a time (default 2, at most {MAX_JOBS})")
    batch.add_argument("--target", choices=("sandbox", "azure"), default="sandbox")
    batch.add_argument("--mode", choices=("plan", "apply"), default="plan")
    batch.add_argument("--output", default="runs", metavar="DIR", help="where run folders go (default runs/)")
    batch.add_argument("--state", metavar="PATH", help="sandbox: the estate file")
    add_json(batch)


def run_batch(args: argparse.Namespace) -> int:
    from ..ui.headless import batch_exit_code, run_batch as batch

    check_output_folder(args.output, "--output")
    options = {"state": args.state} if args.state else {}
    with without_kernel_tcp_warning():
        results = batch(args.files, jobs=args.jobs, target=args.target, mode=args.mode, options=options,
                        runs=Path(args.output))
    print_table(results, args.json, wide=args.wide)
    failed = results[results["Exit"] != 0]
    if not failed.empty:
        print(f"runbook: {len(failed)} of {len(results)} runs did not go through", file=sys.stderr)
    return batch_exit_code(results)


def add_installer_command(commands) -> None:
    from ..ops.installer import SCENARIOS

    verify = commands.add_parser("verify-installer", help="is a downloaded Azure Migrate appliance installer the "
                                                          "one Microsoft published (its SHA256, as \"Using Azure "
                                                          "Migrate with private endpoints\" lists it)?")
    verify.add_argument("file", metavar="FILE")
    verify.add_argument("--scenario", required=True, choices=SCENARIOS)
    verify.add_argument("--cloud", default="public", help="default: public (the only cloud the article lists)")


def add_urls_command(commands) -> None:
    urls = commands.add_parser("allowed-urls", help="the URLs Site Recovery's appliance must reach besides its "
                                                    "private endpoints (\"Replicate on-premises machines by "
                                                    "using private endpoints\"), for a proxy or firewall team")
    urls.add_argument("--cloud", choices=CLOUD_NAMES, default="public")
    urls.add_argument("--out", metavar="FILE", help="write the URLs one a line to FILE instead of the table")
    add_json(urls)


def allowed_urls(args: argparse.Namespace) -> int:
    from ..scenarios.site_recovery import allowed_urls as urls, export_allowed_urls

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


def list_scenarios(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..scenarios import SCENARIOS

    rows = [{"Scenario": name, "What": describe(sys.modules[build.__module__].__doc__ or ""),
             "Parameters": ", ".join(model.model_fields)} for name, (model, build) in SCENARIOS.items()]
    print_table(pd.DataFrame(rows), args.json, wide=args.wide)
    return ExitCode.OK


def describe(docstring: str) -> str:
    """A runbook module's first sentence as one line, whole (the table wraps it), without the source file numbers
    its docstring cites the articles by (a consultant knows them by title)."""
    import re

    first = re.split(r"(?<=\.)\s+(?=[A-Z])", " ".join(docstring.strip().split()), maxsplit=1)[0]
    return re.sub(r"\s*\((?:[^()]*;\s*)?seeds? \d{3}[^()]*\)", "", first)


def run_scenario(args: argparse.Namespace) -> int:
    from ..engine import Run, load_parameters
    from ..errors import InputError
    from ..journal import Journal
    from ..scenarios import SCENARIOS

    if args.scenario not in SCENARIOS:
        raise InputError(f"SCENARIO: unknown scenario '{args.scenario}'; use one of {', '.join(SCENARIOS)}")
    check_named_for(args.parameters, args.scenario, list(SCENARIOS), args.command)
    model, build = SCENARIOS[args.scenario]
    others = {name: other for name, (other, _) in SCENARIOS.items() if name != args.scenario}
    params = load_parameters(model, args.parameters, others=others, command=args.command)
    runbook = build(params)
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
    stopped = [s for s in report.steps if s.status in ("failed", "blocked", "waiting")]
    for step in stopped:
        print(f"runbook: {step.id}: {step.status}: {step.detail}", file=sys.stderr)
    changes = planned_changes(table) if args.command == "plan" else len(journal.changes)
    print(f"{args.scenario}: {report.status} ({changes} {'change' if changes == 1 else 'changes'}; journal "
          f"{journal.path})", file=sys.stderr)
    return report.exit_code


def reconciled_lines(journal) -> list[str]:
    """What this run found of the writes an earlier run was interrupted in (engine.reconcile), one line each."""
    from ..journal import MADE_BY_INTERRUPTED_RUN, Change, NotMade

    return [f"{e.step}: {e.resource_id}: {MADE_BY_INTERRUPTED_RUN}" if isinstance(e, Change)
            else f"{e.step}: {e.resource_id}: not made by an interrupted run ({e.why})"
            for e in journal.entries if isinstance(e, NotMade) or (isinstance(e, Change) and e.reconciled)]


def check_named_for(path: str, scenario: str, names: list[str], command: str) -> None:
    """Refuse a parameters file named for another runbook (``{notebook}.anything.yaml``, as `runbook batch` names
    them): its keys may all be this runbook's too (backup's are a subset of site_recovery's), so only the name
    tells the mistake."""
    from ..errors import InputError

    named = Path(path).name.split(".")[0]
    if named != scenario and named in names and "." in Path(path).name:
        raise InputError(f"-f: {path} is named for {named}, not {scenario}: run `runbook {command} {named} -f {path}`, "
                         f"or give {scenario}'s parameters")


def planned_changes(table) -> int:
    """The plan's rows that would write: create or update (not unchanged, blocked or waiting)."""
    return int(table["Action"].isin(["create", "update"]).sum()) if "Action" in table else 0
