"""The sandbox estate in one SQLite file, shared by every process that opens it.

Each request runs in one ``BEGIN IMMEDIATE`` transaction, so writers from separate processes (papermill
kernels, a served sandbox, the CLI) are serialised by SQLite's lock and nothing is lost; an error rolls the
whole request back.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .paths import parse_path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    key TEXT PRIMARY KEY,          -- lower-case id
    parent TEXT NOT NULL,          -- lower-case id of the parent resource or scope
    type TEXT NOT NULL,            -- lower-case full type
    subscription TEXT NOT NULL,    -- lower-case subscription id ('' for tenant resources)
    body TEXT NOT NULL             -- the resource as ARM returns it (id keeps the creator's casing)
);
CREATE INDEX IF NOT EXISTS resources_by_parent ON resources (parent, type);
CREATE INDEX IF NOT EXISTS resources_by_type ON resources (subscription, type);
CREATE INDEX IF NOT EXISTS resources_by_kind ON resources (type);
CREATE TABLE IF NOT EXISTS principals (
    object_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,            -- User | ServicePrincipal
    tenant_id TEXT NOT NULL,
    visible_at REAL NOT NULL DEFAULT 0  -- unix time from which role assignments can target it
);
CREATE INDEX IF NOT EXISTS principals_by_id ON principals (object_id COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS principals_by_name ON principals (name COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS operations (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL             -- the long-running operation's record (see lro.py)
);
CREATE TABLE IF NOT EXISTS pending_operations (
    id TEXT PRIMARY KEY,           -- an operation still InProgress
    ready_at REAL NOT NULL         -- unix time from which it is finished, polled or not
);
CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL            -- JSON
);
"""
# A resource property read by value, with the index that makes the read cost what it finds: (lower-case type,
# JSON path) -> index name. A query must repeat the index's type literal and expression for SQLite to use it.
_PROPERTY_INDEXES = {
    ("microsoft.network/networkinterfaces/ipconfigurations", "$.properties.subnet.id"): "ip_configurations_by_subnet",
}
_SCHEMA += "".join(
    f"CREATE INDEX IF NOT EXISTS {index} ON resources (lower(json_extract(body, '{path}'))) WHERE type = '{kind}';\n"
    for (kind, path), index in _PROPERTY_INDEXES.items()
)


@dataclass
class Workload:
    """What the store did while it was measured (Store.measure): a figure that grows with the estate when a
    read scans instead of seeking."""

    statements: int = 0  # SQL statements run
    vm_steps: int = 0  # SQLite virtual-machine instructions, in units of STEP
    rows: int = 0  # resource bodies decoded from JSON


STEP = 100  # SQLite virtual-machine instructions per Workload.vm_steps
_measured = threading.local()


@contextmanager
def measure() -> Iterator[Workload]:
    """Count what every store's transactions in this thread do inside the block (the in-process transport answers
    in the caller's thread): for tests that a request's cost does not grow with the estate."""
    _measured.work = work = Workload()
    try:
        yield work
    finally:
        _measured.work = None


def _watch(conn: sqlite3.Connection, work: Workload | None) -> None:
    if work is None:
        conn.set_trace_callback(None)
        conn.set_progress_handler(None, 0)
        return

    def step() -> int:
        work.vm_steps += 1
        return 0

    def statement(_sql: str) -> None:
        work.statements += 1

    conn.set_trace_callback(statement)
    conn.set_progress_handler(step, STEP)


@dataclass(frozen=True)
class Principal:
    object_id: str
    name: str
    kind: str
    tenant_id: str
    visible_at: float = 0.0


class Transaction:
    """Reads and writes of one request. Bodies are plain dicts (JSON)."""

    def __init__(self, conn: sqlite3.Connection, work: Workload | None = None):
        self._conn = conn
        self._work = work

    def _decode(self, text: str) -> Any:
        if self._work is not None:
            self._work.rows += 1
        return json.loads(text)

    def _bodies(self, rows: Iterable[tuple]) -> list[dict]:
        return [self._decode(r[0]) for r in rows]

    # resources
    def get(self, resource_id: str) -> dict | None:
        row = self._conn.execute("SELECT body FROM resources WHERE key = ?", (resource_id.lower(),)).fetchone()
        return self._decode(row[0]) if row else None

    def put(self, body: dict, *, type: str, parent: str, subscription: str | None) -> None:
        self._conn.execute(
            "INSERT INTO resources (key, parent, type, subscription, body) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET body = excluded.body",
            (body["id"].lower(), parent.lower(), type.lower(), (subscription or "").lower(), json.dumps(body)),
        )

    def update(self, record: dict) -> None:
        """Store a changed resource again; its id says where it hangs."""
        path = parse_path(record["id"])
        self.put(record, type=record.get("type") or path.type, parent=path.parent_id, subscription=path.subscription)

    def delete_tree(self, resource_id: str) -> int:
        """Delete a resource and everything below it; return how many rows went."""
        key = resource_id.lower()
        cur = self._conn.execute(
            "DELETE FROM resources WHERE key = ? OR substr(key, 1, ?) = ?", (key, len(key) + 1, key + "/")
        )
        return cur.rowcount

    def children(self, parent_id: str, resource_type: str | None = None) -> list[dict]:
        if resource_type is None:
            rows = self._conn.execute(
                "SELECT body FROM resources WHERE parent = ? ORDER BY rowid", (parent_id.lower(),)
            )
        else:
            rows = self._conn.execute(
                "SELECT body FROM resources WHERE parent = ? AND type = ? ORDER BY rowid",
                (parent_id.lower(), resource_type.lower()),
            )
        return self._bodies(rows)

    def at_parents(
        self, parent_ids: list[str], resource_type: str, *, match: tuple[str, str] | None = None
    ) -> list[dict]:
        """Resources of a type hanging off any of ``parent_ids`` (through the parent index); ``match`` (JSON path,
        value) keeps those whose property equals value, ignoring case."""
        marks = ", ".join("?" * len(parent_ids))
        # named: with the ORDER BY SQLite would otherwise walk every row of the type
        sql = f"SELECT body FROM resources INDEXED BY resources_by_parent WHERE parent IN ({marks}) AND type = ?"
        args: list[str] = [p.lower() for p in parent_ids] + [resource_type.lower()]
        if match is not None:
            sql += " AND lower(json_extract(body, ?)) = ?"
            args += [match[0], match[1].lower()]
        return self._bodies(self._conn.execute(sql + " ORDER BY rowid", args))

    def named(self, resource_type: str, name: str) -> dict | None:
        """The resource of a type with this last name segment, wherever it hangs (e.g. a custom role by GUID)."""
        tail = "/" + name.lower()
        row = self._conn.execute(
            "SELECT body FROM resources WHERE type = ? AND substr(key, -?) = ? ORDER BY rowid",
            (resource_type.lower(), len(tail), tail),
        ).fetchone()
        return self._decode(row[0]) if row else None

    def property_values(self, resource_type: str, path: str, value: str, select: str) -> list[Any]:
        """``select`` (a JSON path) of every resource of the type whose ``path`` equals value, ignoring case; only
        for the pairs in _PROPERTY_INDEXES, whose index the query uses."""
        kind = resource_type.lower()
        if (kind, path) not in _PROPERTY_INDEXES:
            raise ValueError(f"no index on {resource_type} {path}: add it to _PROPERTY_INDEXES")
        rows = self._conn.execute(
            f"SELECT json_extract(body, ?) FROM resources WHERE type = '{kind}' "
            f"AND lower(json_extract(body, '{path}')) = ? ORDER BY rowid",
            (select, value.lower()),
        )
        return [r[0] for r in rows]

    def of_type(self, resource_type: str, subscription: str | None = None) -> list[dict]:
        if subscription is None:
            rows = self._conn.execute(
                "SELECT body FROM resources WHERE type = ? ORDER BY rowid", (resource_type.lower(),)
            )
        else:
            rows = self._conn.execute(
                "SELECT body FROM resources WHERE subscription = ? AND type = ? ORDER BY rowid",
                (subscription.lower(), resource_type.lower()),
            )
        return self._bodies(rows)

    def below(self, scope_id: str) -> list[dict]:
        """Every resource whose id starts with scope_id (the scope itself excluded)."""
        key = scope_id.lower() + "/"
        rows = self._conn.execute(
            "SELECT body FROM resources WHERE substr(key, 1, ?) = ? ORDER BY rowid", (len(key), key)
        )
        return self._bodies(rows)

    # principals
    def add_principal(self, principal: Principal) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO principals VALUES (?, ?, ?, ?, ?)",
            (principal.object_id, principal.name, principal.kind, principal.tenant_id, principal.visible_at),
        )

    def find_principal(self, name_or_id: str) -> Principal | None:
        row = self._conn.execute(  # both through their NOCASE indexes, not a scan of every principal
            "SELECT * FROM principals WHERE object_id = ? COLLATE NOCASE OR name = ? COLLATE NOCASE "
            "ORDER BY object_id = ? COLLATE NOCASE DESC LIMIT 1",
            (name_or_id, name_or_id, name_or_id),
        ).fetchone()
        return Principal(*row) if row else None

    def principals(self) -> list[Principal]:
        return [Principal(*r) for r in self._conn.execute("SELECT * FROM principals ORDER BY name")]

    # long-running operations
    def get_operation(self, op_id: str) -> dict | None:
        row = self._conn.execute("SELECT body FROM operations WHERE id = ?", (op_id.lower(),)).fetchone()
        return self._decode(row[0]) if row else None

    def put_operation(self, op: dict) -> None:
        key = op["id"].lower()
        self._conn.execute("INSERT OR REPLACE INTO operations (id, body) VALUES (?, ?)", (key, json.dumps(op)))
        if op["status"] == "InProgress":
            self._conn.execute(
                "INSERT OR REPLACE INTO pending_operations (id, ready_at) VALUES (?, ?)", (key, op["ready_at"])
            )
        else:
            self._conn.execute("DELETE FROM pending_operations WHERE id = ?", (key,))

    def pending_operations(self) -> list[dict]:
        """The operations still InProgress."""
        rows = self._conn.execute("SELECT o.body FROM pending_operations p JOIN operations o ON o.id = p.id")
        return self._bodies(rows)

    def due_operations(self, now: float) -> list[dict]:
        """The operations still InProgress whose time has come, oldest first."""
        rows = self._conn.execute(
            "SELECT o.body FROM pending_operations p JOIN operations o ON o.id = p.id WHERE p.ready_at <= ? "
            "ORDER BY p.ready_at",
            (now,),
        )
        return self._bodies(rows)

    # settings
    def setting(self, key: str, default: Any = None) -> Any:
        row = self._conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        self._conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def next_serial(self) -> int:
        """1, 2, 3... per estate: what the sandbox numbers instead of drawing at random, so reruns repeat."""
        serial = self.setting("serial", 0) + 1
        self.set_setting("serial", serial)
        return serial

    def clear(self) -> None:
        for table in ("resources", "principals", "operations", "pending_operations", "settings"):
            self._conn.execute(f"DELETE FROM {table}")


class Store:
    """Opens the SQLite file (one connection per thread) and hands out transactions."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._local = threading.local()
        self._schema_lock = threading.Lock()
        self._schema_ready = False  # the tables and indexes, made once per Store (a served sandbox opens one
        # connection per thread: none of them needs to run the schema again)

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            conn.execute("PRAGMA synchronous=NORMAL")  # per connection; WAL mode is kept in the file
            with self._schema_lock:
                if not self._schema_ready:
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.executescript(_SCHEMA)
                    self._schema_ready = True
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Transaction]:
        """One atomic unit of work: committed on success, rolled back on any exception. A read-only one
        (``write=False``) does not wait for writers: it sees the last committed state."""
        conn = self._connection()
        work = getattr(_measured, "work", None)
        if work is not None:
            _watch(conn, work)
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield Transaction(conn, work)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            if work is not None:
                _watch(conn, None)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
