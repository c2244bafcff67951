"""`runbook undo RUN_DIR [--apply] [--yes]`: the reverse of exactly what a sealed run changed, planned from its folder
(the default) or made, and sealed as a run folder of its own that names the run it undid.

Exit codes: 0 planned or undone, 1 a write failed or the folder does not verify, 2 bad input (a folder missing what
undo needs), 3 undone but for the resources changed since the run (conflicts, left as they are).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InputError
from .common import add_json, add_target, clients_for, confirmed, print_table
from .exit_codes import ExitCode


def add_commands(commands) -> None:
    undo = commands.add_parser("undo", help="plan (or with --apply make) the undo of a sealed run's changes")
    undo.add_argument("folder", metavar="RUN_DIR", help="the run's folder (see `runbook evidence list`)")
    undo.add_argument("--apply", action="store_true", help="make the undo and seal it as a run folder")
    undo.add_argument("--yes", action="store_true", help="on azure, apply without asking")
    undo.add_argument(
        "--output",
        metavar="DIR",
        help="the runs folder for the undo's own folder (default: the undone run's runs folder)",
    )
    add_json(undo)
    add_target(undo)
    undo.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..undo import FolderNotVerified, apply_undo, plan_undo

    folder = Path(args.folder)
    try:
        from ..undo.plan import read_undoable

        manifest = read_undoable(folder)
    except FolderNotVerified as error:
        print(f"runbook: error: {error}", file=sys.stderr)
        return ExitCode.FAILED
    if manifest["target"]["kind"] != args.target:
        raise InputError(
            f"--target: run {manifest['run_id']} was on {manifest['target']['kind']}; give --target "
            f"{manifest['target']['kind']}"
        )
    clients = clients_for(args)
    plan = plan_undo(folder, clients)
    print_table(plan.table(), args.json, wide=args.wide)
    if not args.apply:
        if not args.json:
            print(
                f"\n{len(plan.changes)} changes to undo run {plan.run_id}, {len(plan.conflicts)} conflicts"
                + ("; `--apply` makes them" if plan.changes else "")
            )
        return ExitCode.OK
    if not plan.changes:
        print(f"nothing to undo: run {plan.run_id}'s changes are already undone or changed since", file=sys.stderr)
        return ExitCode.BLOCKED if plan.conflicts else ExitCode.OK
    if args.target == "azure" and not args.yes and not confirmed(f"Undo {len(plan.changes)} changes on Azure?"):
        print("runbook: undo not applied (not confirmed)", file=sys.stderr)
        return ExitCode.BLOCKED
    undone = apply_undo(plan, clients, Path(args.output) if args.output else None)
    print(f"{undone.status}: {undone.detail}; sealed in {undone.folder}", file=sys.stderr)
    return {"ok": ExitCode.OK, "incomplete": ExitCode.BLOCKED}.get(undone.status, ExitCode.FAILED)
