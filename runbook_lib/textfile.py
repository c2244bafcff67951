"""Input files a person hands the toolkit (parameters, DNS entries): read as text, or refused in one line, fast.

A file that is not text (a zip, an executable, a spreadsheet) or is far larger than any parameters or entries file
(over MAX_INPUT_BYTES) is refused before it is parsed, so the error names the file, not a parser's confusion.
UTF-8 (with or without a BOM) and UTF-16 with its BOM (what Windows PowerShell's Out-File writes) are read.

A foundation module: it imports nothing from runbook_lib but errors.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .errors import InputError

MAX_INPUT_BYTES = 1 << 20  # 1 MiB: a thousand endpoints' entries are about 100 KB
STDIN = "-"


def read_text(path: str | Path, field: str) -> str:
    """The text of ``path`` ('-': standard input); an InputError naming ``field`` (an option, or the file's own
    name) and the file when it cannot be read, is over MAX_INPUT_BYTES, or is not UTF-8 / UTF-16 text."""
    return decode_text(read_limited(path, field), str(path), field)


def read_limited(path: str | Path, field: str) -> bytes:
    """The bytes of ``path`` ('-': standard input), refused when there are more than MAX_INPUT_BYTES."""
    head = _head(path, field)
    if str(path) == STDIN:
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    else:
        try:
            file = Path(path)
            if file.is_dir():
                raise InputError(f"{head}: a folder, not a file")
            if file.stat().st_size > MAX_INPUT_BYTES:
                raise InputError(
                    f"{head}: {file.stat().st_size:,} bytes, over the 1 MB an input file may be; is it the right file?"
                )
            with file.open("rb") as stream:
                data = stream.read(MAX_INPUT_BYTES + 1)  # it may have grown since
        except OSError as error:
            raise InputError(f"{head}: cannot read it ({error.strerror})") from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{head}: over the 1 MB an input file may be; is it the right file?")
    return data


def decode_text(data: bytes, shown: str, field: str) -> str:
    """UTF-8 (BOM or not) or UTF-16 with its BOM; an InputError for anything else, or text holding NUL bytes."""
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            f"{_head(shown, field)}: not a text file (not UTF-8 or UTF-16); save it as UTF-8 text"
        ) from None
    if "\x00" in text:
        raise InputError(f"{_head(shown, field)}: not a text file (it holds NUL bytes); is it the right file?")
    return text


def _shown(path: str | Path) -> str:
    return "stdin" if str(path) == STDIN else str(path)


def _head(path: str | Path, field: str) -> str:
    """What an error starts with: the field and the file ('--from: 'x.txt''), or the file alone when it is the
    field ('x.yaml')."""
    shown = _shown(path)
    return shown if field in (shown, str(path)) else f"{field}: '{shown}'"
