"""`runbook notebooks build [--out DIR] [--check]`: the notebooks, generated from the scenarios (and the DNS
notebooks' specs); `--check` writes nothing and fails when a stored notebook differs from what it would write."""

from __future__ import annotations

import argparse
import sys

from .common import check_output_folder
from .exit_codes import ExitCode


def add_commands(commands) -> None:
    notebooks = commands.add_parser("notebooks", help="the notebooks, generated from the scenarios")
    actions = notebooks.add_subparsers(dest="action", required=True, parser_class=type(notebooks))
    build = actions.add_parser(
        "build",
        help="write every notebook (a scenario's and the DNS notebooks) from its scenario; never edit one by hand",
    )
    build.add_argument("--out", metavar="DIR", help="where to write them (default: the project's notebooks/)")
    build.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 naming each notebook that differs from what it would write",
    )
    build.set_defaults(handler=build_notebooks)


def build_notebooks(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..notebook_builder import build_all, notebooks_dir

    out = Path(args.out) if args.out else notebooks_dir()
    if not args.check:
        check_output_folder(str(out), "--out")
    differences = build_all(out, check=args.check)
    if args.check:
        again = f"runbook notebooks build --out {args.out}" if args.out else "runbook notebooks build"
        for difference in differences:
            print(f"{difference.path}: {difference.problem}; run `{again}`", file=sys.stderr)
        return ExitCode.FAILED if differences else ExitCode.OK
    for difference in differences:
        print(difference.path)  # stdout: each notebook written (new or changed), for a script
    print(f"{len(differences)} notebook(s) written into {out}", file=sys.stderr)
    return ExitCode.OK
