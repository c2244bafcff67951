"""The ``runbook`` command. A face: it parses options and calls the library."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from azure.core.exceptions import AzureError, HttpResponseError

from . import __version__
from .azure.clouds import CLOUD_NAMES
from .azure.credentials import CREDENTIAL_NAMES
from .errors import InputError, RunbookError

# pandas and the management SDKs load only in the commands that use them: `sandbox serve` starts fast


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        self.exit(2, f"{self.prog}: error: {message}\n")


def _add_state(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state", metavar="PATH",
                        help="sandbox estate file (default: $RUNBOOK_SANDBOX, else .sandbox/estate.db)")


def _add_target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", choices=("sandbox", "azure"), default="sandbox", help="default: sandbox")
    parser.add_argument("--subscription", metavar="ID", help="subscription id (sandbox: its default subscription)")
    parser.add_argument("--cloud", choices=CLOUD_NAMES, default="public", help="azure only; default: public")
    parser.add_argument("--credential", choices=CREDENTIAL_NAMES, default="default", help="azure only")
    _add_state(parser)


def build_parser() -> argparse.ArgumentParser:
    from .sandbox.events import EVENTS
    from .sandbox.seeds import seed_names

    parser = _Parser(prog="runbook", description="Private-endpoint runbooks for Azure Backup, Site Recovery and Migrate.")
    parser.add_argument("--version", action="version", version=f"runbook {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sandbox = commands.add_parser("sandbox", help="the local ARM sandbox").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    reset = sandbox.add_parser("reset", help="start an empty estate: one subscription owned by the default caller")
    _add_state(reset)
    reset.add_argument("--lro", choices=("immediate", "realistic"), default="immediate",
                       help="answer long-running operations at once, or asynchronously with polling")
    reset.add_argument("--lro-seconds", type=_non_negative, default=0.0, metavar="S",
                       help="simulated duration of a long-running operation (realistic mode)")
    reset.add_argument("--seed", choices=seed_names(), metavar="NAME",
                       help=f"then build a demo estate from a seed ({', '.join(seed_names())})")
    show = sandbox.add_parser("show", help="what is in the estate, as a table")
    _add_state(show)
    show.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    serve = sandbox.add_parser("serve", help="serve the sandbox over loopback HTTPS")
    _add_state(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=0, help="default: a free port")
    resolve = sandbox.add_parser("resolve", help="what Azure DNS answers a client in a VNet for a name")
    resolve.add_argument("fqdn", metavar="FQDN")
    resolve.add_argument("--vnet", required=True, metavar="ID", help="the client's virtual network (full resource id)")
    _add_state(resolve)
    resolve.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    dns_server = sandbox.add_parser("dns-server", help="serve Azure DNS as a VNet sees it on loopback (UDP, TCP)")
    dns_server.add_argument("--vnet", required=True, metavar="ID", help="the clients' VNet (full resource id)")
    _add_state(dns_server)
    dns_server.add_argument("--host", default="127.0.0.1")
    dns_server.add_argument("--port", type=_port, default=0, help="default: a free port")
    event = sandbox.add_parser("event", help="what a service does on its own: Backup's first registration and backup, "
                                             "Migrate's generate key")
    event.add_argument("event", choices=EVENTS)
    event.add_argument("--vault", metavar="ID", help="register-container, first-backup: the Recovery Services vault")
    event.add_argument("--project", metavar="ID", help="generate-key: the Azure Migrate project")
    event.add_argument("--dns-server", metavar="HOST:PORT",
                       help="the client's DNS server (default: Azure DNS as the endpoint's VNet sees it)")
    event.add_argument("--as", dest="caller", metavar="PRINCIPAL", help="generate-key: who generates it")
    event.add_argument("--json", action="store_true", help="one JSON object")
    _add_state(event)

    resources = commands.add_parser("resources", help="list resources through the Azure SDK (either target)")
    _add_target(resources)
    resources.add_argument("--resource-group", metavar="NAME", help="only this resource group")
    return parser


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"'{text}' is negative")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a TCP port (0-65535)")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except RunbookError as error:
        print(f"runbook: error: {error}", file=sys.stderr)
        return 2
    except HttpResponseError as error:
        code = getattr(error.error, "code", None) or error.status_code
        message = getattr(error.error, "message", None) or error.message
        print(f"runbook: {code}: {message}", file=sys.stderr)
        return 1
    except AzureError as error:
        print(f"runbook: {type(error).__name__}: {error.message}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.command == "sandbox":
        return _sandbox(args)
    if args.command == "resources":
        return _list_resources(args)
    raise AssertionError(args.command)


def _sandbox(args: argparse.Namespace) -> int:
    from .sandbox import Sandbox, SandboxSettings
    from .sandbox.server import serve

    if args.action == "reset":
        sandbox = Sandbox(args.state)
        seeded = sandbox.reset(SandboxSettings(lro=args.lro, lro_seconds=args.lro_seconds), seed=args.seed)
        print(f"sandbox estate reset at {sandbox.path} (subscription {sandbox.subscriptions()[0]})")
        if seeded:
            print(seeded.summary())
        return 0
    if args.action == "show":
        sandbox = Sandbox(args.state, must_exist=True)
        rows = sandbox.resources()
        if args.json:
            for row in rows:
                print(json.dumps(row))
        else:
            import pandas as pd

            _print_table(pd.DataFrame(rows, columns=["type", "name", "location", "state", "id"]))
            principals = pd.DataFrame([p.__dict__ for p in sandbox.principals()])
            print()
            _print_table(principals[["name", "kind", "object_id"]])
        return 0
    if args.action == "serve":
        serve(Sandbox(args.state).ensure_initialised(), args.host, args.port)
        return 0
    if args.action == "resolve":
        return _resolve(Sandbox(args.state, must_exist=True), args.fqdn, args.vnet, args.json)
    if args.action == "dns-server":
        from .sandbox.dns_server import serve_dns

        serve_dns(Sandbox(args.state, must_exist=True), args.vnet, args.host, args.port)
        return 0
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
        return 1
    return 0


def _resolve(sandbox, fqdn: str, vnet_id: str, as_json: bool) -> int:
    """Print the answer; 1 (and one line on stderr) when the name does not resolve."""
    answer = sandbox.resolve(fqdn, vnet_id)
    if as_json:
        print(json.dumps(answer.to_dict()))
    else:
        rows = [("name", answer.name), *(("cname", target) for target in answer.chain),
                ("addresses", ", ".join(answer.addresses) or "(none)"), ("answered by", answer.answered_by)]
        for label, value in rows:
            print(f"{label:<12} {value}")
    if not answer.found:
        print(f"runbook: NXDOMAIN: {answer.name} does not resolve from this VNet ({answer.answered_by})",
              file=sys.stderr)
        return 1
    return 0


def _list_resources(args: argparse.Namespace) -> int:
    from .azure import Target, get_clients

    if args.target == "sandbox" and args.state:
        from .sandbox import Sandbox

        Sandbox(args.state, must_exist=True)  # a mistyped --state must not start a new estate
    target = Target(args.target, args.subscription, args.cloud, args.credential, args.state)
    clients = get_clients(target)
    if args.resource_group:
        found = clients.resources.resources.list_by_resource_group(args.resource_group)
    else:
        found = clients.resources.resources.list()
    rows = [{"type": r.type, "name": r.name, "location": r.location, "id": r.id} for r in found]
    import pandas as pd

    _print_table(pd.DataFrame(rows, columns=["type", "name", "location", "id"]))
    return 0


def _print_table(frame) -> None:
    print("(none)" if frame.empty else frame.to_string(index=False))


if __name__ == "__main__":
    sys.exit(main())
