"""`runbook sandbox ...`: the local ARM emulator's estate, server, DNS and service events."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import InputError
from .common import Parser, add_json, add_state, bounded, port, print_table
from .exit_codes import ExitCode


def add_commands(commands) -> None:
    from ..sandbox.demo_estates import demo_names
    from ..sandbox.events import EVENTS

    sandbox = commands.add_parser("sandbox", help="the local ARM sandbox").add_subparsers(
        dest="action", required=True, parser_class=Parser
    )
    reset = sandbox.add_parser("reset", help="start an empty estate: one subscription owned by the default caller")
    add_state(reset)
    reset.add_argument(
        "--lro",
        choices=("immediate", "realistic"),
        default="immediate",
        help="answer long-running operations at once, or asynchronously with polling",
    )
    reset.add_argument(
        "--lro-seconds",
        type=bounded(0, 3600),
        default=0.0,
        metavar="S",
        help="simulated duration of a long-running operation (realistic mode), 0 to 3600",
    )
    reset.add_argument(
        "--demo", choices=demo_names(), metavar="NAME", help=f"then build a demo estate ({', '.join(demo_names())})"
    )
    show = sandbox.add_parser("show", help="what is in the estate, as a table")
    add_state(show)
    add_json(show)
    serve = sandbox.add_parser("serve", help="serve the sandbox over loopback HTTPS")
    add_state(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=port, default=0, help="default: a free port")
    resolve = sandbox.add_parser("resolve", help="what Azure DNS answers a client in a VNet for a name")
    resolve.add_argument("fqdn", metavar="FQDN")
    resolve.add_argument("--vnet", required=True, metavar="ID", help="the client's virtual network (full resource id)")
    add_state(resolve)
    resolve.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    dns_server = sandbox.add_parser("dns-server", help="serve Azure DNS as a VNet sees it on loopback (UDP, TCP)")
    dns_server.add_argument("--vnet", required=True, metavar="ID", help="the clients' VNet (full resource id)")
    add_state(dns_server)
    dns_server.add_argument("--host", default="127.0.0.1")
    dns_server.add_argument("--port", type=port, default=0, help="default: a free port")
    event = sandbox.add_parser(
        "event",
        help="what a service does on its own: Backup's first registration and backup, "
        "Migrate's generate key, a Site Recovery server's registration, a "
        "machine's replication",
    )
    event.add_argument("event", choices=EVENTS)
    event.add_argument(
        "--vault",
        metavar="ID",
        help="register-container, first-backup, register-server, replicate: the Recovery Services vault",
    )
    event.add_argument("--project", metavar="ID", help="generate-key: the Azure Migrate project")
    event.add_argument(
        "--dns-server",
        metavar="HOST:PORT",
        help="the client's DNS server (default: Azure DNS as the endpoint's VNet sees it)",
    )
    event.add_argument("--as", dest="caller", metavar="PRINCIPAL", help="generate-key: who generates it")
    event.add_argument("--json", action="store_true", help="one JSON object")
    add_state(event)


def run(args: argparse.Namespace) -> int:
    from ..sandbox import Sandbox, SandboxSettings
    from ..sandbox.server import serve

    if args.action == "reset":
        sandbox = Sandbox(args.state)
        built = sandbox.reset(SandboxSettings(lro=args.lro, lro_seconds=args.lro_seconds), demo=args.demo)
        print(f"sandbox estate reset at {sandbox.path} (subscription {sandbox.subscriptions()[0]})")
        if built:
            print(built.summary())
        return ExitCode.OK
    if args.action == "show":
        sandbox = Sandbox(args.state, must_exist=True)
        rows = sandbox.resources()
        if args.json:
            print(json.dumps(rows))
        else:
            import pandas as pd

            print_table(pd.DataFrame(rows, columns=["type", "name", "location", "state", "id"]), wide=args.wide)
            principals = pd.DataFrame([p.__dict__ for p in sandbox.principals()])
            print()
            print_table(principals[["name", "kind", "object_id"]], wide=args.wide)
        return ExitCode.OK
    if args.action == "serve":
        serve(Sandbox(args.state).ensure_initialised(), args.host, args.port)
        return ExitCode.OK
    if args.action == "resolve":
        return _resolve(Sandbox(args.state, must_exist=True), args.fqdn, args.vnet, args.json)
    if args.action == "dns-server":
        from ..sandbox.dns_server import serve_dns

        serve_dns(Sandbox(args.state, must_exist=True), args.vnet, args.host, args.port)
        return ExitCode.OK
    if args.action == "event":
        return _event(Sandbox(args.state, must_exist=True), args)
    raise AssertionError(args.action)


def _event(sandbox, args: argparse.Namespace) -> int:
    """Run the event; 1 with the service's error code when it fails the way Azure would."""
    option, target = ("--project", args.project) if args.event == "generate-key" else ("--vault", args.vault)
    if not target:
        raise InputError(f"{option}: {args.event} needs {option} ID (the full resource id)")
    result = sandbox.event(args.event, target, dns_server=args.dns_server, caller=args.caller)
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        print(f"{args.event}: {'done' if result.succeeded else 'failed'}. {result.message}")
        for created in result.created:
            print(f"  created   {created}")
        for name in result.unresolved:
            print(f"  unresolved  {name}")
    if not result.succeeded:
        print(f"runbook: {result.code}: {result.message}", file=sys.stderr)
        return ExitCode.FAILED
    return ExitCode.OK


def _resolve(sandbox, fqdn: str, vnet_id: str, as_json: bool) -> int:
    """Print the answer; 1 (and one line on stderr) when the name does not resolve."""
    answer = sandbox.resolve(fqdn, vnet_id)
    if as_json:
        print(json.dumps(answer.to_dict()))
    else:
        rows = [
            ("name", answer.name),
            *(("cname", target) for target in answer.chain),
            ("addresses", ", ".join(answer.addresses) or "(none)"),
            ("answered by", answer.answered_by),
        ]
        for label, value in rows:
            print(f"{label:<12} {value}")
    if not answer.found:
        print(
            f"runbook: NXDOMAIN: {answer.name} does not resolve from this VNet ({answer.answered_by})", file=sys.stderr
        )
        return ExitCode.FAILED
    return ExitCode.OK
