"""`runbook run NOTEBOOK -f FILE` and `runbook batch FILE...`: notebooks run headless (papermill) into run folders."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cluster import add_cluster_options, run_on_cluster
from .common import add_json, bounded, check_output_folder, check_principal, print_table
from .quiet_kernel import without_kernel_tcp_warning
from .runbooks import check_named_for

MAX_TIMEOUT = 86400  # seconds a cell may run: a day
MAX_JOBS = 16  # parallel headless runs: each is a kernel (and, on Azure, its share of ARM's throttling limits)


def add_commands(commands) -> None:
    add_run_command(commands)
    add_batch_command(commands)


def add_run_command(commands) -> None:
    run = commands.add_parser("run", help="run a notebook headless (papermill) into a run folder")
    run.add_argument(
        "scenario",
        metavar="NOTEBOOK",
        help="a scenario (see `runbook scenarios`), dns_entries or troubleshoot_private_link",
    )
    run.add_argument("-f", "--parameters", required=True, metavar="FILE", help="the parameters (YAML)")
    run.add_argument("--target", choices=("sandbox", "azure"), default="sandbox")
    run.add_argument("--mode", choices=("plan", "apply"), default="plan")
    run.add_argument("--output", default="runs", metavar="DIR", help="where run folders go (default runs/)")
    run.add_argument("--as", dest="principal", metavar="PRINCIPAL", help="sandbox only: who runs it")
    run.add_argument("--state", metavar="PATH", help="sandbox: the estate file")
    run.add_argument("--subscription", metavar="ID", help="azure: the subscription to start from")
    run.set_defaults(handler=run_headless)
    run.add_argument(
        "--timeout",
        type=bounded(1, MAX_TIMEOUT),
        metavar="SECONDS",
        help=f"stop a cell that runs longer (the run is archived as timed-out); 1 to {MAX_TIMEOUT}",
    )


def run_headless(args: argparse.Namespace) -> int:
    from ..kernels import KernelPool

    # the process the run's kernel is forked from imports pandas and the SDK while this one imports and checks; the
    # kernel itself starts only once the parameters pass (a refused run stops the template)
    with without_kernel_tcp_warning(), KernelPool(0, limit=1, fork=True) as kernel:
        from ..engine.parameters import read_parameters
        from ..headless import notebook_names, run_notebook
        from ..ui.session import DEMO_ESTATE

        check_named_for(args.parameters, args.scenario, notebook_names(), "run")
        parameters = read_parameters(args.parameters)
        check_output_folder(args.output, "--output")
        check_principal(args.target, args.state, args.principal, demo=DEMO_ESTATE)
        options = {
            k: v
            for k, v in (("operator", args.principal), ("state", args.state), ("subscription", args.subscription))
            if v
        }
        done = run_notebook(
            args.scenario,
            parameters,
            target=args.target,
            mode=args.mode,
            options=options,
            runs=Path(args.output),
            timeout=args.timeout,
            source=args.parameters,
            kernels=kernel,
        )
    print(done.notebook)  # stdout: the executed notebook alone, for a script
    why = f": {done.message}" if done.message else ""
    print(f"status: {done.status}{why}", file=sys.stderr)
    print(f"evidence: {done.folder}", file=sys.stderr)
    return done.exit_code


def add_batch_command(commands) -> None:
    batch = commands.add_parser("batch", help="run many parameter files headless, a few at a time")
    batch.add_argument("files", nargs="+", metavar="FILE", help="parameter files named {notebook}.*.yaml")
    batch.add_argument(
        "--jobs", type=bounded(1, MAX_JOBS, int), default=2, help=f"runs at a time (default 2, at most {MAX_JOBS})"
    )
    batch.add_argument("--target", choices=("sandbox", "azure"), default="sandbox")
    batch.add_argument("--mode", choices=("plan", "apply"), default="plan")
    batch.add_argument("--output", default="runs", metavar="DIR", help="where run folders go (default runs/)")
    batch.add_argument("--state", metavar="PATH", help="sandbox: the estate file")
    batch.add_argument("--subscription", metavar="ID", help="azure: the subscription to start from")
    add_cluster_options(batch)
    add_json(batch)
    batch.set_defaults(handler=run_batch)


def run_batch(args: argparse.Namespace) -> int:
    from ..headless import batch_exit_code
    from ..headless import run_batch as batch

    check_output_folder(args.output, "--output")
    options = {k: v for k, v in (("state", args.state), ("subscription", args.subscription)) if v}
    if args.scheduler or args.shared_output:  # on a Dask cluster (runbook_lib.dask_batch)
        results = run_on_cluster(args, options)
    else:
        with without_kernel_tcp_warning():
            results = batch(
                args.files, jobs=args.jobs, target=args.target, mode=args.mode, options=options, runs=Path(args.output)
            )
    print_table(results, args.json, wide=args.wide)
    failed = results[results["Exit"] != 0]
    if not failed.empty:
        print(f"runbook: {len(failed)} of {len(results)} runs did not go through", file=sys.stderr)
    return batch_exit_code(results)
