"""Secrets: recognise them and redact them before anything is displayed or written.

No access token, client secret, SAS token, storage key or password may land in an executed notebook, its HTML, a
journal or a manifest. Two tools:

- ``secret_kind(value)``: is this whole value a credential? (parameters refuse such values)
- ``redact(text, known)``: the text with every secret found inside it replaced by ``REDACTED``: by shape (JWTs, SAS
  query strings, AccountKey=..., storage keys, client secrets, password=..., Authorization headers) and the exact
  ``known`` values (the environment's secrets: ``environment_secrets()``). ``redact_value`` and ``redact_notebook``
  apply it to structures and to notebooks; ``find_secrets`` is the final check that none is left in a folder.

A foundation module: it imports nothing from runbook_lib. (Inside the package, ``import secrets`` still means the
standard library's module: imports are absolute.)
"""

from __future__ import annotations

import copy
import html
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote, quote_plus

if TYPE_CHECKING:  # nbformat is imported only by redact_notebook (the journal imports this module)
    from nbformat import NotebookNode

REDACTED = "[redacted]"
MIN_KNOWN = 8  # shorter known values are ignored: replacing them would destroy ordinary text

# values that are credentials: they never belong in parameters (credentials come from azure-identity), since
# parameters are copied into executed notebooks and archives. Whole-value classification (secret_kind).
_SECRETS = {
    "an access token (JWT)": re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\."),
    "a SAS token": re.compile(r"(^|[?&])sig=[\w%+/=]{16,}", re.IGNORECASE),
    "a storage connection string": re.compile(r"AccountKey=", re.IGNORECASE),
    "a storage account key": re.compile(r"^[A-Za-z0-9+/]{86}==$"),
    "a client secret": re.compile(r"^[A-Za-z0-9_~.-]{3}8Q~[A-Za-z0-9_~.-]{31,}$"),
    "a password": re.compile(r"(^|;)\s*password\s*=", re.IGNORECASE),
}


def secret_kind(value: object) -> str | None:
    """What kind of credential ``value`` looks like (None: it does not), looking inside lists too."""
    if isinstance(value, (list, tuple)):
        return next((kind for item in value if (kind := secret_kind(item))), None)
    if isinstance(value, str):
        return next((kind for kind, pattern in _SECRETS.items() if pattern.search(value)), None)
    return None


# --- secrets inside a longer text ----------------------------------------------------------------------------------

_SEP = r"(?:&amp;|&|\\u0026)"  # a query string's separator: raw, HTML-escaped, JSON-escaped
_QVALUE = r"[^\s&\"'<>#;\\=?]*"  # a query parameter's value other than the signature (SAS values hold no '=')
_SIG = r"sig=[^\s&\"'<>#;\\]{8,}"  # base64 (raw or %-encoded), may end in '='

# (pattern, replacement): applied in order; each replacement keeps the name and redacts only the value
_PATTERNS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    # Authorization: Bearer <token> (any scheme's credential), as a header line, in a dict repr or in JSON
    (
        re.compile(
            r"(\bauthorization[\"']?\s*[:=]\s*[\"']?(?:bearer|basic|sharedkey(?:lite)?|sharedaccesssignature)"
            r"\s+)[^\s\"',;\\]+",
            re.IGNORECASE,
        ),
        r"\1" + REDACTED,
    ),
    (re.compile(r"(\bbearer\s+)[A-Za-z0-9._~+/-]{16,}=*", re.IGNORECASE), r"\1" + REDACTED),
    # JWTs: header.payload.signature (the signature may be empty)
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"), REDACTED),
    # a SAS: the whole query string that holds sig= (sv, se, sp, ... as well as the signature)
    (
        re.compile(
            rf"(?<![\w%.~+-])(?:[A-Za-z][\w-]*={_QVALUE}{_SEP})*{_SIG}(?:{_SEP}[A-Za-z][\w-]*={_QVALUE})*",
            re.IGNORECASE,
        ),
        REDACTED,
    ),
    # a signature the SAS pattern did not take (after a JSON-escaped '&' not in a query string, %-encoded: sig%3D)
    (re.compile(r"(sig(?:=|%3D))[A-Za-z0-9%+/=_-]{16,}", re.IGNORECASE), r"\1" + REDACTED),
    # connection strings: AccountKey=...; SharedAccessKey=... (base64: up to ';', a space, a quote or the end)
    (re.compile(r"((?:AccountKey|SharedAccessKey)\s*=\s*)[^;\s\"'<>\\`]+", re.IGNORECASE), r"\1" + REDACTED),
    # passwords: Password=... (up to ';' or the line's end), ;Pwd=... (ODBC; not a shell's PWD=/home/...),
    # password = "..." (the quoted value)
    (
        re.compile(
            r"(?P<head>(?:(?<![A-Za-z0-9])(?:password|passwd)|(?<=;)pwd)\s*=\s*)"
            r"""(?:(?P<q>["'])(?:\\.|(?!(?P=q))[^\\\n])*(?P=q)|[^;\r\n"'<>\\]+)""",
            re.IGNORECASE,
        ),
        lambda m: m["head"] + (f"{m['q']}{REDACTED}{m['q']}" if m["q"] else REDACTED),
    ),
    # a secret as a quoted dict or JSON item: "password": "...", 'client_secret': '...'
    (
        re.compile(
            r"""(?P<head>(?P<q>["'])(?:password|passwd|client_?secret|secret|access_?token|refresh_?token|"""
            r"""id_?token|account_?key|storage_?key|sas_?token|sas|connection_?string)(?P=q)\s*:\s*"""
            r"""(?P<v>["']))(?:\\.|(?!(?P=v))[^\\])*(?P=v)""",
            re.IGNORECASE,
        ),
        r"\g<head>" + REDACTED + r"\g<v>",
    ),
    # storage account keys: 86 base64 characters and '==' (not inside a longer base64 run)
    (re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])"), REDACTED),
    # Azure AD client secrets: three characters, a digit (8 today), 'Q~', then 31 to 34 more (a final '.' is the
    # sentence's)
    (re.compile(r"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{30,}[A-Za-z0-9_~-]"), REDACTED),
]

# what a text must hold (lower case) for each pattern to be worth running
_NEEDLES = dict(
    zip(
        (pattern for pattern, _ in _PATTERNS),
        [
            ("authorization",),
            ("bearer",),
            ("eyj",),
            ("sig=",),
            ("sig=", "sig%3d"),
            ("accountkey", "sharedaccesskey"),
            ("password", "passwd", ";pwd"),
            ("password", "passwd", "secret", "token", "key", "sas", "connection"),
            ("==",),
            ("q~",),
        ],
    )
)
assert len(_NEEDLES) == len(_PATTERNS)
# any needle at all: one search, where a text with none (most of a notebook's widget state) skips every pattern
_ANY_NEEDLE = re.compile("|".join(sorted({re.escape(n) for needles in _NEEDLES.values() for n in needles})))


def _known_forms(known: Iterable[str]) -> list[str]:
    """The known values worth replacing (at least MIN_KNOWN characters), with their URL-encoded, JSON-escaped and
    HTML-escaped forms, longest first (so a value inside a longer one does not leave the longer one's rest)."""
    forms = set()
    for value in known:
        if isinstance(value, str) and len(value) >= MIN_KNOWN:
            forms.update(_encodings(value))
    return sorted(forms, key=len, reverse=True)


def _encodings(value: str) -> set[str]:
    return {
        value,
        quote(value, safe=""),
        quote_plus(value, safe=""),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        html.escape(value, quote=True),
    }


def redact(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with every secret inside it replaced by REDACTED, the text around it kept: JWTs, SAS query strings,
    AccountKey=/SharedAccessKey=/password= values, quoted "password": "..." items, storage account keys, Azure AD
    client secrets, Authorization header credentials, and every exact occurrence of a ``known`` value (values
    shorter than MIN_KNOWN characters are ignored). Resource ids, FQDNs, GUIDs and IPs are left alone."""
    return _redact(text, _known_forms(known))


def _redact(text: str, forms: list[str]) -> str:
    if not isinstance(text, str) or not text:
        return text
    for form in forms:
        if form in text:
            text = text.replace(form, REDACTED)
    lowered = text.lower()
    if not _ANY_NEEDLE.search(lowered):
        return text
    for pattern, replacement in _PATTERNS:
        if any(needle in lowered for needle in _NEEDLES[pattern]):  # cheap: most texts hold no secret
            text = pattern.sub(replacement, text)
    return text


# --- the environment's secrets -------------------------------------------------------------------------------------

# (not CREDENTIAL: a target's 'credential' names a kind of credential, such as 'default' or 'cli')
_SECRET_WORDS = {
    "SECRET",
    "SECRETS",
    "PASSWORD",
    "PASSWORDS",
    "PASSWD",
    "PASSPHRASE",
    "TOKEN",
    "TOKENS",
    "SAS",
    "APIKEY",
    "ACCOUNTKEY",
    "ACCESSKEY",
    "SHAREDKEY",
    "PRIVATEKEY",
}
_KEY_WORDS = {"KEY", "KEYS"}  # a secret when the name ends with it: STORAGE_KEY, API_KEY (not KEYBOARD, KEY_VAULT)
# a name ending with one of these names where a secret is, not the secret: SECRET_NAME, TOKEN_FILE, SAS_URL
_NOT_SECRET_ENDINGS = {
    "FILE",
    "PATH",
    "DIR",
    "URL",
    "URI",
    "NAME",
    "ID",
    "TYPE",
    "ENDPOINT",
    "HOST",
    "PORT",
    "VERSION",
    "EXPIRY",
    "EXPIRES",
    "TTL",
    "LENGTH",
    "SIZE",
    "COUNT",
    "ENABLED",
    "DISABLED",
    "MODE",
    "KIND",
    "FORMAT",
    "SCOPE",
    "SCOPES",
    "AUTHORITY",
    "CACHE",
    "PROVIDER",
    "ALGORITHM",
    "SOURCE",
}
_NOT_SECRET_WORDS = {"PUBLIC"}  # SSH_PUBLIC_KEY


def _words(name: str) -> list[str]:
    """AZURE_CLIENT_SECRET -> [AZURE, CLIENT, SECRET]; clientSecret -> [CLIENT, SECRET]."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return [word for word in re.split(r"[^A-Za-z0-9]+", spaced.upper()) if word]


def secret_name(name: str, anywhere: bool = True) -> bool:
    """Whether a variable (or a key) named ``name`` holds a secret: AZURE_CLIENT_SECRET, AZURE_PASSWORD,
    AZURE_CLIENT_CERTIFICATE_PASSWORD, GITHUB_TOKEN, STORAGE_SAS, *_ACCOUNT_KEY, *_CONNECTION_STRING, clientSecret; not
    PATH, KEYBOARD, KEY_VAULT_NAME, SECRET_NAME, AZURE_FEDERATED_TOKEN_FILE, SSH_PUBLIC_KEY, nor a bare KEY. With
    ``anywhere`` false, the secret word must end the name (keys of data: 'sasExpirationPeriod' holds no secret)."""
    words = _words(name)
    if not words or words[-1] in _NOT_SECRET_ENDINGS or _NOT_SECRET_WORDS & set(words):
        return False
    if words[-2:] == ["CONNECTION", "STRING"] or words[-1] == "CONNECTIONSTRING":
        return True
    if words[-1] in _KEY_WORDS:
        return len(words) > 1  # STORAGE_KEY, primaryKey; a bare 'key' is a tag's or a table's
    return words[-1] in _SECRET_WORDS or (anywhere and bool(_SECRET_WORDS & set(words)))


def environment_secrets(environ: Mapping[str, str] | None = None) -> list[str]:
    """The values (at least MIN_KNOWN characters) of the environment variables that hold secrets: by name
    (``secret_name``) or by value (``secret_kind`` flags it). ``environ`` defaults to os.environ."""
    environ = os.environ if environ is None else environ
    found = {
        value
        for name, value in environ.items()
        if isinstance(value, str) and len(value) >= MIN_KNOWN and (secret_name(name) or secret_kind(value))
    }
    return sorted(found)


# --- structures and notebooks --------------------------------------------------------------------------------------


def redact_value(value: Any, known: Iterable[str] = ()) -> Any:
    """``value`` with every string in it redacted, string keys too (dicts, lists and tuples recursively; other
    scalars unchanged), the environment's secrets and ``known`` as known values. A string under a key that names a
    secret (``secret_name(key, anywhere=False)``: "password", "clientSecret", "accountKey") is replaced whole."""
    return _redact_value(value, _known_forms([*environment_secrets(), *known]))


def _redact_value(value: Any, forms: list[str]) -> Any:
    if isinstance(value, str):
        return _redact(value, forms)
    if isinstance(value, Mapping):
        # keys too: a snapshot is keyed by resource id, which may hold a pasted secret
        items = {
            (_redact(key, forms) if isinstance(key, str) else key): (
                REDACTED
                if isinstance(key, str) and isinstance(item, str) and item and secret_name(key, anywhere=False)
                else _redact_value(item, forms)
            )
            for key, item in value.items()
        }
        try:
            # the concrete mapping class (dict, OrderedDict, ...) takes a dict; the abstract Mapping's __init__ does
            # not say so, and a class that refuses it raises TypeError, handled below
            return cast(Callable[[dict[Any, Any]], Any], type(value))(items)
        except TypeError:
            return items
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a namedtuple
        return type(value)(*(_redact_value(item, forms) for item in value))
    if isinstance(value, (list, tuple)):
        return type(value)(_redact_value(item, forms) for item in value)
    return value


def _redact_text(value: Any, forms: list[str]) -> Any:
    """A notebook's multi-line string: a str, or a list of lines (as on disk) kept a list of lines."""
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return _redact("".join(value), forms).splitlines(keepends=True)
    return _redact_value(value, forms)


def _textual(mimetype: str) -> bool:
    """Whether a mime bundle's entry is text or JSON (redacted) rather than a base64 payload (left alone)."""
    base = mimetype.split(";")[0].strip().lower()
    return (
        base.startswith("text/")
        or base.endswith(("json", "+xml", "/xml"))
        or base == "image/svg+xml"
        or base
        in {
            "application/javascript",
            "application/x-javascript",
            "application/ecmascript",
            "application/x-latex",
            "application/x-tex",
        }
    )


def _redact_bundle(bundle: Any, forms: list[str]) -> None:
    if not isinstance(bundle, dict):
        return
    for mimetype, data in list(bundle.items()):
        if _textual(mimetype):
            bundle[mimetype] = _redact_text(data, forms)


def redact_notebook(nb: NotebookNode, known: Iterable[str] = ()) -> NotebookNode:
    """A copy of ``nb`` with every secret redacted (the environment's and ``known`` as known values): each cell's
    source, attachments' text and metadata; each output's text, traceback lines, ename/evalue, every text or JSON
    entry of its data (base64 images and other binary payloads are left alone) and its metadata; and the
    notebook's metadata (papermill's parameters included)."""
    import nbformat

    forms = _known_forms([*environment_secrets(), *known])
    clean = nbformat.from_dict(copy.deepcopy(nb))
    if "metadata" in clean:
        clean.metadata = nbformat.from_dict(_redact_value(clean.metadata, forms))
    for cell in clean.get("cells", []):
        if "source" in cell:
            cell.source = _redact_text(cell.source, forms)
        if "metadata" in cell:
            cell.metadata = nbformat.from_dict(_redact_value(cell.metadata, forms))
        for attachment in (cell.get("attachments") or {}).values():
            _redact_bundle(attachment, forms)
        for output in cell.get("outputs", []):
            if "text" in output:
                output.text = _redact_text(output.text, forms)
            for name in ("ename", "evalue"):
                if name in output:
                    output[name] = _redact_value(output[name], forms)
            if "traceback" in output:
                output.traceback = [_redact_value(line, forms) for line in output.traceback]
            _redact_bundle(output.get("data"), forms)
            if "metadata" in output:
                output.metadata = nbformat.from_dict(_redact_value(output.metadata, forms))
    return clean


# --- the final check -----------------------------------------------------------------------------------------------


def find_secrets(root: str | Path, secrets: Iterable[str]) -> list[tuple[str, str]]:
    """Every (file path relative to ``root``, secret) where a secret occurs in a file under ``root``: as is,
    URL-encoded, JSON-escaped or HTML-escaped (a bytes search, any file). Empty secrets are skipped."""
    root = Path(root)
    wanted = [
        (secret, [form.encode("utf-8") for form in _encodings(secret)])
        for secret in dict.fromkeys(s for s in secrets if isinstance(s, str) and s)
    ]
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        found += [
            (path.relative_to(root).as_posix(), secret)
            for secret, forms in wanted
            if any(form in data for form in forms)
        ]
    return found
