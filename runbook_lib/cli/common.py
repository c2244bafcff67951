"""What every `runbook` command shares: the parser's error line, target options, input files, tables."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..azure.clouds import CLOUD_NAMES
from ..azure.credentials import CREDENTIAL_NAMES
from ..errors import InputError


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        self.exit(2, f"{self.prog}: error: {message}\n")


def add_state(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state", metavar="PATH",
                        help="sandbox estate file (default: $RUNBOOK_SANDBOX, else .sandbox/estate.db)")


def add_target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", choices=("sandbox", "azure"), default="sandbox", help="default: sandbox")
    parser.add_argument("--subscription", metavar="ID", help="subscription id (sandbox: its default subscription)")
    parser.add_argument("--cloud", choices=CLOUD_NAMES, default="public", help="azure only; default: public")
    parser.add_argument("--credential", choices=CREDENTIAL_NAMES, default="default", help="azure only")
    add_state(parser)


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON array of row objects instead of a table")


def clients_for(args: argparse.Namespace, subscription: str | None = None, principal: str = "sandbox"):
    """The SDK clients for the command's target; ``subscription`` when --subscription is not given; on the sandbox,
    as ``principal``."""
    from ..azure import Target, get_clients

    if args.target == "sandbox" and args.state:
        from ..sandbox import Sandbox

        Sandbox(args.state, must_exist=True)  # a mistyped --state must not start a new estate
    return get_clients(Target(args.target, args.subscription or subscription, args.cloud, args.credential,
                              args.state, principal))


def read_input(path: str, option: str) -> tuple[bytes, str]:
    """A file's bytes and the name errors give it ('-': standard input)."""
    if path == "-":
        return sys.stdin.buffer.read(), "stdin"
    try:
        return Path(path).read_bytes(), path
    except OSError as error:
        raise InputError(f"{option}: cannot read '{path}' ({error.strerror})") from None


def write_output(text: str, path: str) -> None:
    """Write (and overwrite) a UTF-8 file; '-' is standard output."""
    if path == "-":
        sys.stdout.write(text)
    else:
        Path(path).write_text(text, encoding="utf-8")


def non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"'{text}' is negative")
    return value


def port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a TCP port (0-65535)")
    return int(text)


def print_table(frame, as_json: bool = False) -> None:
    """A DataFrame as a plain table, or as one JSON array of row objects."""
    if as_json:
        print(json.dumps(frame.to_dict(orient="records")))
    else:
        print("(none)" if frame.empty else frame.to_string(index=False))
