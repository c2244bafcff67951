"""A sandbox estate: where its file lives, resetting it, configuring it, and describing what is in it."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from ..errors import InputError
from ..nslookup import nameserver_lookup
from . import events
from .app import SandboxApp
from .demo_estates import DemoReport, apply_demo, load_demo
from .faults import FaultRule, add_fault, clear_faults
from .resolve import Resolution, resolve
from .settings import SandboxSettings
from .store import Principal, Store
from .tenant import (
    DEFAULT_CALLER,
    DEFAULT_SUBSCRIPTION,
    OWNER_ROLE,
    TENANT_ID,
    add_subscription,
    assign_role,
    sandbox_id,
)

STATE_ENV = "RUNBOOK_SANDBOX"
DEFAULT_STATE = Path(".sandbox") / "estate.db"


def state_path(explicit: str | os.PathLike | None = None) -> Path:
    """The estate file: the explicit path, else $RUNBOOK_SANDBOX, else .sandbox/estate.db under the working dir."""
    return Path(explicit or os.environ.get(STATE_ENV) or DEFAULT_STATE)


class Sandbox:
    """One sandbox estate: its SQLite file and the ARM emulator over it.

    ``must_exist`` refuses a path with no estate yet. A path that holds anything but an SQLite file is always
    refused, so that nothing of someone else's is overwritten.
    """

    def __init__(self, state: str | os.PathLike | None = None, *, must_exist: bool = False):
        self.path = state_path(state)
        check_estate_path(self.path, must_exist=must_exist)
        self.store = Store(self.path)
        self.app = SandboxApp(self.store)

    def is_initialised(self) -> bool:
        with self.store.transaction() as tx:
            return tx.setting("default_caller") is not None

    def ensure_initialised(self) -> Sandbox:
        if not self.is_initialised():
            self.reset()
        return self

    def reset(self, settings: SandboxSettings | None = None, demo: str | None = None) -> DemoReport | None:
        """An empty estate: one subscription whose Owner is the default caller; then the named demo estate
        (demo_estates.py), if any. An unknown name changes nothing; a build that fails leaves the empty estate and
        raises."""
        if demo is not None:
            load_demo(demo)
            self.reset()  # built with immediate answers; the settings asked for apply once it is done
            try:
                report = apply_demo(self, demo)
            except BaseException:
                self.reset(settings)
                raise
            with self.store.transaction() as tx:
                tx.set_setting("settings", (settings or SandboxSettings()).to_dict())
            return report
        with self.store.transaction() as tx:
            tx.clear()
            tx.set_setting("settings", (settings or SandboxSettings()).to_dict())
            tx.set_setting("tenant_id", TENANT_ID)
            tx.set_setting("default_caller", DEFAULT_CALLER.object_id)
            tx.add_principal(DEFAULT_CALLER)
            add_subscription(tx, DEFAULT_SUBSCRIPTION, "Sandbox subscription")
            assign_role(tx, f"/subscriptions/{DEFAULT_SUBSCRIPTION}", OWNER_ROLE, DEFAULT_CALLER)
        return None

    def settings(self) -> SandboxSettings:
        with self.store.transaction() as tx:
            return SandboxSettings.from_dict(tx.setting("settings"))

    def configure(self, **changes) -> SandboxSettings:
        """Change behaviour settings (see SandboxSettings) for every process sharing this estate."""
        with self.store.transaction() as tx:
            current = SandboxSettings.from_dict(tx.setting("settings")).to_dict()
            unknown = set(changes) - set(current)
            if unknown:
                raise ValueError(f"unknown sandbox setting(s): {', '.join(sorted(unknown))}")
            updated = SandboxSettings.from_dict({**current, **changes})
            tx.set_setting("settings", updated.to_dict())
            return updated

    def add_fault(self, rule: FaultRule) -> None:
        with self.store.transaction() as tx:
            add_fault(tx, rule)

    def faults(self) -> list[FaultRule]:
        with self.store.transaction() as tx:
            return [FaultRule(**r) for r in tx.setting("faults", [])]

    def clear_faults(self) -> None:
        with self.store.transaction() as tx:
            clear_faults(tx)

    def add_principal(self, name: str, kind: str = "User", visible_in: float = 0.0) -> Principal:
        """A user or service principal; role assignments can target it ``visible_in`` seconds from now."""
        principal = Principal(sandbox_id(f"principal/{name}"), name, kind, TENANT_ID, time.time() + visible_in)
        with self.store.transaction() as tx:
            tx.add_principal(principal)
        return principal

    def principals(self) -> list[Principal]:
        with self.store.transaction() as tx:
            return tx.principals()

    def subscriptions(self) -> list[str]:
        with self.store.transaction() as tx:
            return [s["subscriptionId"] for s in tx.of_type("Microsoft.Resources/subscriptions")]

    def resolve(self, fqdn: str, vnet_id: str) -> Resolution:
        """What Azure DNS answers for fqdn to a client in the VNet."""
        with self.store.transaction(write=False) as tx:
            vnet = tx.get(vnet_id)
            if vnet is None or vnet.get("type", "").lower() != "microsoft.network/virtualnetworks":
                raise InputError(
                    f"--vnet: no virtual network '{vnet_id}' in the estate; give a VNet's full resource id"
                )
            return resolve(tx, fqdn, vnet["id"])

    def event(
        self, name: str, target_id: str, *, dns_server: str | None = None, caller: str | None = None
    ) -> events.EventResult:
        """Run a service lifecycle event (events.EVENTS). Clients resolve names through Azure DNS from the
        endpoint's VNet, or through ``dns_server`` ('host:port') when the customer runs their own DNS."""

        def lookup_for(vnet_id: str) -> events.Lookup:
            if dns_server:
                return nameserver_lookup(dns_server, "--dns-server")
            return lambda fqdn: self.resolve(fqdn, vnet_id).addresses

        with self.store.transaction() as tx:
            principal = tx.find_principal(caller or tx.setting("default_caller", ""))
        if principal is None:
            raise InputError(f"--as: no principal '{caller}' in the estate; see `runbook sandbox show`")
        try:
            return events.run(self.store, name, target_id, lookup_for, principal)
        except LookupError as error:
            raise InputError(str(error)) from None

    def resources(self) -> list[dict]:
        """Every resource in the estate, one row each: id, type, location, provisioning state."""
        with self.store.transaction() as tx:
            return [describe(r) for r in tx.below("")]


def check_estate_path(path: Path, *, must_exist: bool) -> None:
    if path.is_dir():
        raise InputError(f"--state: '{path}' is a directory; give the estate's file path")
    if not path.exists():
        if must_exist:
            raise InputError(f"--state: no sandbox estate at '{path}'; create one with `runbook sandbox reset`")
        return
    # Ask SQLite, read-only: a plain open()/close() of the file would drop the POSIX locks that this process's
    # live connections hold on it, which can corrupt a shared WAL database.
    try:
        probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            probe.execute("PRAGMA schema_version").fetchone()
        finally:
            probe.close()
    except sqlite3.DatabaseError:
        raise InputError(
            f"--state: '{path}' is not a sandbox estate (not an SQLite file); choose another path"
        ) from None


def describe(record: dict) -> dict:
    return {
        "type": record.get("type") or "Microsoft.Resources/subscriptions",
        "name": record.get("name") or record.get("displayName", ""),
        "location": record.get("location", ""),
        "state": (record.get("properties") or {}).get("provisioningState", record.get("state", "")),
        "id": record["id"],
    }
