"""What every `runbook` command shares: the parser's error line, target options, input files, tables."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import NoReturn

from ..azure.credentials import CREDENTIAL_NAMES
from ..clouds import cloud_names
from ..errors import InputError
from .table import print_table  # noqa: F401  (every command prints its tables through it)


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block
        self.exit(2, f"{self.prog}: error: {message}\n")


def add_state(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state", metavar="PATH", help="sandbox estate file (default: $RUNBOOK_SANDBOX, else .sandbox/estate.db)"
    )


def add_target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", choices=("sandbox", "azure"), default="sandbox", help="default: sandbox")
    parser.add_argument("--subscription", metavar="ID", help="subscription id (sandbox: its default subscription)")
    parser.add_argument("--cloud", choices=cloud_names(), default="public", help="azure only; default: public")
    parser.add_argument("--credential", choices=CREDENTIAL_NAMES, default="default", help="azure only")
    add_state(parser)


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON array of row objects instead of a table")
    add_wide(parser)


def add_wide(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wide",
        action="store_true",
        help="whole resource ids in the table (default: resource-group/name, to fit the terminal)",
    )


def clients_for(args: argparse.Namespace, subscription: str | None = None, principal: str = "sandbox"):
    """The SDK clients for the command's target; ``subscription`` when --subscription is not given; on the sandbox,
    as ``principal``. The sandbox's estate must exist: a command that reads or plans never starts an empty one."""
    from ..azure import Target, get_clients

    if args.target == "sandbox":
        require_estate(args.state)
    return get_clients(
        Target(args.target, args.subscription or subscription, args.cloud, args.credential, args.state, principal)
    )


NO_ESTATE = (
    "no sandbox estate here: run `runbook sandbox reset --demo contoso` first, or point RUNBOOK_SANDBOX at "
    "one (or give --state PATH)"
)


def require_estate(state: str | None) -> None:
    """Refuse when the estate file the sandbox would use (--state, $RUNBOOK_SANDBOX, .sandbox/estate.db) does not
    exist, instead of starting an empty estate that then answers ResourceGroupNotFound."""
    from ..sandbox import Sandbox, state_path
    from ..sandbox.estate import STATE_ENV

    if state is None and not os.environ.get(STATE_ENV) and not state_path().exists():
        raise InputError(NO_ESTATE)
    if state is None and os.environ.get(STATE_ENV) and not state_path().exists():
        raise InputError(
            f"{STATE_ENV}: no sandbox estate at '{state_path()}'; create one with `runbook sandbox reset "
            "--demo contoso`, or point it at an estate file"
        )
    Sandbox(state, must_exist=True)  # a mistyped --state must not start a new estate; not an SQLite file: refused


def check_principal(
    target: str, state: str | None, principal: str | None, *, demo: str | None = None, option: str = "--as"
) -> None:
    """On the sandbox, ``principal`` must name a principal of the estate (by name or object id): the sandbox runs
    any other name, silently, as its default caller. A new estate file is the demo estate ``demo`` once made. On azure the
    caller is whoever azure-identity signs in."""
    if principal is None:
        return
    from ..secrets import secret_kind

    if kind := secret_kind(principal):
        raise InputError(
            f"{option}: looks like a credential ({kind}); give a principal's name or object id, never a token"
        )
    if target != "sandbox":
        raise InputError(
            f"{option}: on azure the caller is whoever azure-identity signs in (`az login`, a managed "
            f"identity); leave {option} out"
        )
    from ..sandbox import DEFAULT_CALLER, Sandbox, state_path

    if demo and not state_path(state).exists():
        from ..sandbox.demo_estates import load_demo

        known = [
            (DEFAULT_CALLER.name, DEFAULT_CALLER.object_id),
            *((p["name"], p["name"]) for p in load_demo(demo).get("principals", [])),
        ]
    else:
        require_estate(state)
        known = [(p.name, p.object_id) for p in Sandbox(state, must_exist=True).principals()]
    if not any(principal.lower() in (name.lower(), object_id.lower()) for name, object_id in known):
        raise InputError(
            f"{option}: no principal '{principal}' in the sandbox estate; use one of "
            f"{', '.join(name for name, _ in known)} (`runbook sandbox show` lists them)"
        )


def read_input(path: str, option: str) -> tuple[str, str]:
    """A file's text and the name errors give it ('-': standard input); refused in one line when it cannot be
    read, is not text, or is over 1 MB (runbook_lib.textfile)."""
    from ..textfile import read_text

    return read_text(path, option), "stdin" if path == "-" else path


def write_output(text: str, path: str) -> None:
    """Write (and overwrite) a UTF-8 file; '-' is standard output."""
    if path == "-":
        sys.stdout.write(text)
    else:
        Path(path).write_text(text, encoding="utf-8")


def check_output_file(path: str, option: str, *, appended: bool = False) -> None:
    """Refuse, before anything is written, a file path that is a folder or whose folder does not exist (or may
    not be written); ``appended``: an existing file must be JSON lines, so a journal never lands in something else."""
    file = Path(path)
    if file.is_dir():
        raise InputError(f"{option}: '{path}' is a folder; give a file path, e.g. {Path(path) / 'journal.jsonl'}")
    _check_parent(file, option, path)
    if appended and file.is_file() and file.stat().st_size:
        with file.open("rb") as stream:
            first = stream.readline(1 << 16)
        try:
            json.loads(first)
        except ValueError:
            raise InputError(
                f"{option}: '{path}' holds something other than a journal (not JSON lines); give a new "
                "file or an earlier journal"
            ) from None


def check_output_folder(path: str, option: str) -> None:
    """Refuse, before anything is written, a folder path that is a file or whose parent does not exist."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{option}: '{path}' is a file; give a folder (made when missing)")
    if not folder.exists():
        _check_parent(folder, option, path)
    elif not os.access(folder, os.W_OK):
        raise InputError(f"{option}: '{path}' cannot be written to; choose another folder")


def _check_parent(path: Path, option: str, shown: str) -> None:
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(
            f"{option}: the folder '{parent}' of '{shown}' does not exist; create it or choose another path"
        )
    if not os.access(parent, os.W_OK):
        raise InputError(f"{option}: the folder '{parent}' of '{shown}' cannot be written to; choose another path")


def bounded(low: float, high: float, kind: type = float):
    """An argparse type: a number from ``low`` to ``high`` (``kind`` int for a count)."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"'{text}' is not {'a whole number' if kind is int else 'a number'}"
            ) from None
        if value != value or not low <= value <= high:  # value != value: NaN
            what = "negative" if value < 0 else f"below {low:g}" if value < low else f"over {high:g}"
            raise argparse.ArgumentTypeError(
                f"'{text}' is {'not a number' if value != value else what}; give {low:g} to {high:g}"
            )
        return value

    return parse


def port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a TCP port (0-65535)")
    return int(text)


class ScenarioChoices:
    """The registered scenarios' names as argparse choices, read only when checked or shown (importing the
    scenarios takes a second most commands never need). Give the argument a metavar, or argparse reads them."""

    def _names(self) -> list[str]:
        from ..scenarios import scenario_names

        return scenario_names()

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __iter__(self):
        return iter(self._names())


def confirmed(question: str) -> bool:
    """Asks ``question`` on the terminal: True only when the answer is 'yes' (no input: no)."""
    try:
        answer = input(f"{question} Type 'yes' to go on: ")
    except EOFError:
        return False
    return answer.strip().lower() == "yes"
