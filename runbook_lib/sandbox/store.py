"""The sandbox estate in one SQLite file, shared by every process that opens it.

Each request runs in one ``BEGIN IMMEDIATE`` transaction, so writers from separate processes (papermill
kernels, a served sandbox, the CLI) are serialised by SQLite's lock and nothing is lost; an error rolls the
whole request back.
"""

from __future__ import annotations

import ipaddress
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
CREATE TABLE IF NOT EXISTS in_subnet (
    key TEXT PRIMARY KEY,          -- lower-case id of a resource placed in a subnet (its properties.subnet.id)
    id TEXT NOT NULL,              -- its id as made
    type TEXT NOT NULL,            -- lower-case full type
    subnet TEXT NOT NULL,          -- lower-case subnet id
    address INTEGER                -- its private IP address as a number (a NIC's ip configuration), else NULL
);
CREATE INDEX IF NOT EXISTS in_subnet_by_subnet ON in_subnet (subnet, type, address);
DROP INDEX IF EXISTS ip_configurations_by_subnet;
"""
# in_subnet is kept by Transaction.put and delete_tree: what a subnet holds is read without decoding a body, so a
# new endpoint's address and a subnet's GET cost the same in a subnet of 5 endpoints or of 500.
_IN_SUBNET_VERSION = 1  # PRAGMA user_version once in_subnet holds what an older estate file already had


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
        _place_in_subnet(self._conn, body, type)

    def update(self, record: dict) -> None:
        """Store a changed resource again; its id says where it hangs."""
        path = parse_path(record["id"])
        self.put(record, type=record.get("type") or path.type, parent=path.parent_id, subscription=path.subscription)

    def delete_tree(self, resource_id: str) -> int:
        """Delete a resource and everything below it; return how many rows went."""
        tree = _tree(resource_id)
        self._conn.execute("DELETE FROM in_subnet WHERE key = ? OR (key > ? AND key < ?)", tree)
        return self._conn.execute("DELETE FROM resources WHERE key = ? OR (key > ? AND key < ?)", tree).rowcount

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

    def in_subnet(self, subnet_id: str, resource_type: str) -> list[str]:
        """The ids of the resources of a type placed in the subnet, in the order they were made."""
        rows = self._conn.execute(
            "SELECT id FROM in_subnet WHERE subnet = ? AND type = ? ORDER BY rowid",
            (subnet_id.lower(), resource_type.lower()),
        )
        return [r[0] for r in rows]

    def addresses_in(self, subnet_id: str) -> set[int]:
        """The private IP addresses (as numbers) that resources in the subnet hold."""
        rows = self._conn.execute(
            "SELECT address FROM in_subnet WHERE subnet = ? AND address IS NOT NULL", (subnet_id.lower(),)
        )
        return {r[0] for r in rows}

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
        _, low, high = _tree(scope_id)
        return self._bodies(
            self._conn.execute("SELECT body FROM resources WHERE key > ? AND key < ? ORDER BY rowid", (low, high))
        )

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
        for table in ("resources", "in_subnet", "principals", "operations", "pending_operations", "settings"):
            self._conn.execute(f"DELETE FROM {table}")


def _tree(resource_id: str) -> tuple[str, str, str]:
    """(key, low, high): a resource's key and the bounds of the keys below it ('/' sorts just before '0'), so the
    primary key finds a subtree instead of every row being read."""
    key = resource_id.lower()
    return key, key + "/", key + "0"


def _place_in_subnet(conn: sqlite3.Connection, body: dict, resource_type: str) -> None:
    properties = body.get("properties") or {}
    subnet = (properties.get("subnet") or {}).get("id")
    key = body["id"].lower()
    if not subnet:
        conn.execute("DELETE FROM in_subnet WHERE key = ?", (key,))
        return
    conn.execute(
        "INSERT INTO in_subnet (key, id, type, subnet, address) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE "
        "SET id = excluded.id, subnet = excluded.subnet, address = excluded.address",
        (key, body["id"], resource_type.lower(), subnet.lower(), _address_number(properties.get("privateIPAddress"))),
    )


def _address_number(address: str | None) -> int | None:
    try:  # an ip configuration holding a prefix (ARM's examples show '172.20.2.16/28') holds its first address
        return int(ipaddress.ip_interface(address).ip) if address else None
    except ValueError:
        return None


def _fill_in_subnet(conn: sqlite3.Connection) -> None:
    """An estate file made before in_subnet existed: place what it holds, once."""
    if conn.execute("PRAGMA user_version").fetchone()[0] >= _IN_SUBNET_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    rows = conn.execute(
        "SELECT body, type FROM resources WHERE json_extract(body, '$.properties.subnet.id') IS NOT NULL"
    )
    for body, resource_type in rows.fetchall():
        _place_in_subnet(conn, json.loads(body), resource_type)
    conn.execute(f"PRAGMA user_version = {_IN_SUBNET_VERSION}")
    conn.execute("COMMIT")


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
                    _fill_in_subnet(conn)
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
