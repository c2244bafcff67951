"""`runbook batch --scheduler ADDRESS [--shared-output]`: the batch's runs on a Dask cluster (runbook_lib.dask_batch).

Cheap to import: Dask is loaded only when --scheduler is given (it is an optional extra).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError


def add_cluster_options(batch: argparse.ArgumentParser) -> None:
    batch.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786); needs "
        "`pip install 'runbook-lib[dask]'`; each worker thread runs one run at a time (--jobs is for local batches)",
    )
    batch.add_argument(
        "--shared-output",
        action="store_true",
        help="with --scheduler: --output is a folder every worker sees at the same path; workers write there "
        "directly (default: run folders are sent back and verified here)",
    )


def run_on_cluster(args: argparse.Namespace, options: dict[str, str]):
    """The batch's table, run on the cluster at --scheduler."""
    from ..dask_batch.scheduler import connect

    if not args.scheduler:
        raise InputError("--shared-output: only with --scheduler ADDRESS (the folder the cluster's workers share)")
    options = dict(options)
    if args.target == "sandbox":
        from ..sandbox import state_path

        options["state"] = str(state_path(args.state).resolve())  # --state, $RUNBOOK_SANDBOX or the default
    with connect(args.scheduler) as client:  # before the batch's imports: a wrong address is said at once
        from ..dask_batch.batch import run_cluster_batch

        return run_cluster_batch(
            [Path(f) for f in args.files],
            client,
            target=args.target,
            mode=args.mode,
            options=options,
            runs=Path(args.output),
            shared=args.shared_output,
        )
