"""`runbook evidence verify|show|list|diff`: archived runs as an auditor reads them.

Exit codes: 0 as expected, 1 a run folder changed since it was sealed (verify, show), 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import InputError
from .common import Parser, add_json, print_table
from .exit_codes import ExitCode


def add_commands(commands) -> None:
    evidence = commands.add_parser("evidence", help="archived runs: verify, show, list, diff")
    verbs = evidence.add_subparsers(dest="verb", required=True, parser_class=Parser)
    verify = verbs.add_parser("verify", help="check every file's hash and the manifest; exit 1 naming what changed")
    verify.add_argument("folder", metavar="RUN_DIR")
    show = verbs.add_parser(
        "show",
        help="verify the folder, then a run's summary: who, what, where, how it ended, "
        "what it changed; exit 1 when it does not verify",
    )
    show.add_argument("folder", metavar="RUN_DIR")
    add_json(show)
    listing = verbs.add_parser("list", help="the runs in runs/index.jsonl, as a table")
    listing.add_argument("--runs", default="runs", metavar="DIR", help="where the runs are (default runs/)")
    listing.add_argument("--scenario", metavar="NAME", help="only this scenario's runs")
    add_json(listing)
    diff = verbs.add_parser("diff", help="what changed between two runs of the same target")
    diff.add_argument("first", metavar="RUN_A")
    diff.add_argument("second", metavar="RUN_B")
    add_json(diff)


def run(args: argparse.Namespace) -> int:
    return {"verify": _verify, "show": _show, "list": _list, "diff": _diff}[args.verb](args)


def _verify(args: argparse.Namespace) -> int:
    from ..evidence.manifest import verify_folder

    problems = verify_folder(_folder(args.folder))
    for problem in problems:
        print(f"runbook: {args.folder}: {problem}", file=sys.stderr)
    if not problems:
        print(f"{args.folder}: every file matches its manifest")
    return ExitCode.FAILED if problems else ExitCode.OK


def _show(args: argparse.Namespace) -> int:
    """The folder is verified first: when it does not verify, the first line says so and the exit code is 1, and
    the summary (of a manifest that may not be the sealed one) still follows."""
    from ..evidence.manifest import check_folder, describe_problems, read_manifest

    folder = _folder(args.folder)
    problems = check_folder(folder)
    if problems and not args.json:
        print(describe_problems(problems), flush=True)
    m = read_manifest(folder)
    try:
        _print_summary(m, args.json, [str(p) for p in problems], wide=args.wide)
    except _SHAPE_ERRORS as error:
        raise _unreadable(args.folder, error) from None
    return ExitCode.FAILED if problems else ExitCode.OK


def _print_summary(m: dict, as_json: bool, problems: list[str], *, wide: bool = False) -> None:
    import pandas as pd

    changes = [e for e in m["journal"] if e.get("kind") == "change"]
    checks = pd.Series([c["status"] for c in m["validation"]], dtype=str).value_counts().to_dict()
    summary = {
        "run": m["run_id"],
        "scenario": m["scenario"],
        "mode": m["mode"],
        **({"undoes": m["undoes"]} if m.get("undoes") else {}),
        "status": m["status"],  # runbook undo
        "why": m.get("status_detail", ""),
        "target": f"{m['target']['kind']} ({m['target']['cloud']})",
        "subscriptions": ", ".join(m["target"]["subscriptions"]),
        "started": m["started"],
        "ended": m["ended"],
        "operator": ", ".join(f"{k} {v}" for k, v in m["operator"].items()),
        "tool": f"{m['tool']['version']} ({m['tool'].get('git_commit') or 'no git commit'})",
        "changes": len(changes),
        "checks": ", ".join(f"{n} {s}" for s, n in checks.items()) or "none",
        "files": len(m["files"]),
    }
    actions = [
        {"Step": s["id"], "Status": s["status"], **{k.capitalize(): a[k] for k in ("action", "via", "by", "time")}}
        for s in m.get("steps", [])
        for a in s["actions"]
    ]
    if as_json:
        print(
            json.dumps(
                {"verified": not problems, "problems": problems, **summary, "journal": changes, "actions": actions}
            )
        )
        return
    width = max(map(len, summary))
    print("\n".join(f"{name:<{width}}  {value}" for name, value in summary.items()))
    if changes:
        print()
        print_table(
            pd.DataFrame(
                [
                    {
                        "Step": c.get("step"),
                        "Action": c["action"],
                        "Resource": c["resource_id"],
                        "Request": c.get("request_id") or "",
                    }
                    for c in changes
                ]
            ),
            wide=wide,
        )
    if actions:  # an interactive run: what each step's buttons and cells did, in order
        print()
        print_table(pd.DataFrame(actions), wide=wide)


def _list(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..evidence.manifest import read_index

    if not Path(args.runs).is_dir():
        raise InputError(f"--runs: {args.runs} is not a folder of runs")
    rows = [r for r in read_index(Path(args.runs)) if not args.scenario or r.get("scenario") == args.scenario]
    columns = ["started", "scenario", "mode", "target", "status", "operator", "run_id", "undoes", "folder"]
    print_table(pd.DataFrame(rows, columns=columns), args.json, wide=args.wide)
    return ExitCode.OK


def _diff(args: argparse.Namespace) -> int:
    from ..evidence.diff import diff_runs

    first, second = _folder(args.first), _folder(args.second)
    try:
        table = diff_runs(first, second)
    except _SHAPE_ERRORS as error:
        raise InputError(
            f"RUN_A, RUN_B: a manifest.json or snapshots/after.json is not of the shape this version "
            f"reads ({_what(error)}); `runbook evidence verify` checks each folder"
        ) from None
    print_table(table, args.json, wide=args.wide)
    return ExitCode.OK


_SHAPE_ERRORS = (KeyError, TypeError, AttributeError, ValueError)  # a field missing, or of another shape


def _what(error: Exception) -> str:
    return f"no field {error}" if isinstance(error, KeyError) else str(error)


def _unreadable(folder: str, error: Exception) -> InputError:
    return InputError(
        f"{Path(folder) / 'manifest.json'}: not a manifest this version reads ({_what(error)}); "
        f"`runbook evidence verify {folder}` checks the folder"
    )


def _folder(text: str) -> Path:
    folder = Path(text)
    if not (folder / "manifest.json").is_file():
        raise InputError(f"RUN_DIR: {text} is not a run folder (no manifest.json); `runbook evidence list` shows them")
    return folder
