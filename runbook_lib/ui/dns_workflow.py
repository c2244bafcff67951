"""The DNS notebooks' work (the PrivateIP.ps1 -> CreateDNSEntries.ps1 workflow of "Create and use private endpoints
(v1 experience) for Azure Backup", the checks of "Using Azure Migrate with private endpoints"): each cell calls one
method, which shows its table as a plain output and keeps what the next cell needs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..azure import get_clients
from ..dns.checks import Inspection, inspect_endpoints, zones_needed
from ..dns.endpoints import read_endpoints
from ..dns.entries import entries_frame, ready_entries
from ..dns.exports import export_entries
from ..dns.records import RecordPlan, apply_plan, plan_links, plan_records
from ..errors import DnsChecksFailed, RunbookError
from ..journal import CheckResult, CheckStatus, Journal
from ..progress import watched_progress
from .session import RUN_OPTIONS, notebook_target
from .tables import note, show, styled
from .topology import draw_topology


class DnsWorkflow:
    def __init__(self, namespace: Mapping[str, Any]):
        self.options = {name: namespace.get(name, default) for name, default in RUN_OPTIONS.items()}
        self.values = dict(namespace)
        self.clients = get_clients(notebook_target(self.options))
        self.journal = Journal(self.options["journal"] or None)
        self.entries: pd.DataFrame | None = None
        self.plan: RecordPlan | None = None
        self.results: pd.DataFrame | None = None
        self.inspection: Inspection | None = None

    def _list(self, name: str) -> list[str]:
        value = self.values.get(name) or []
        return [value] if isinstance(value, str) else list(value)

    # each method is a cell: it shows its result, keeps it on self, and returns nothing (no second display)
    def show_entries(self) -> None:
        """Each FQDN of the endpoints ``ids`` names, with its private IP, zone and record (PrivateIP.ps1's table)."""
        self.endpoints = read_endpoints(self.clients, self._list("ids"))
        self.entries = entries_frame(self.endpoints)
        show(self.entries)

    def show_plan(self) -> None:
        """What creating the ready entries' records in ``zones_resource_group`` would change, and linking every
        zone the endpoints need (a Backup endpoint's blob and queue zones too) to ``link_vnets``."""
        zones, create = self.values["zones_resource_group"], bool(self.values.get("create_missing_zones"))
        records = plan_records(
            self.clients,
            ready_entries(self.entries),
            zones,
            create_missing_zones=create,
            ttl=int(self.values.get("ttl") or 10),
        )
        table = records.table
        if self._list("link_vnets"):
            needed = [zone for endpoint in self.endpoints for zone in zones_needed(endpoint)]
            links = plan_links(self.clients, needed, zones, self._list("link_vnets"), create_missing_zones=create)
            table = pd.concat([table, links.table], ignore_index=True)
        self.plan = RecordPlan(records.zones, records.ttl, table)
        show(styled(table.drop(columns="ETag"), "Action"))

    def apply(self) -> None:
        """In apply mode, exactly the planned changes (conflicts only with ``overwrite_conflicts``)."""
        if self.options["mode"] != "apply":
            show(note("Plan mode: nothing applied."))
            return
        if self.plan is None:
            raise RunbookError("nothing planned to apply: run the plan cell (show_plan) first")
        done = apply_plan(
            self.clients,
            self.plan,
            overwrite_conflicts=bool(self.values.get("overwrite_conflicts")),
            journal=self.journal,
            progress=watched_progress(),
        )
        show(styled(done.drop(columns="ETag"), "Action"))

    def export(self) -> None:
        """The ready entries for a custom DNS server (``export_format`` into ``export_dir``); nothing when unset."""
        fmt, folder = self.values.get("export_format"), self.values.get("export_dir")
        ready = ready_entries(self.entries)
        if not fmt or not folder or ready.empty:
            show(note("No export asked for." if not fmt or not folder else "No entries to export."))
            return
        paths = export_entries(ready, fmt, Path(folder))
        show(pd.DataFrame({"Written": [str(p) for p in paths]}))

    def check(self) -> None:
        """The troubleshooting checks of "Using Azure Migrate with private endpoints", each with the fix for a failure
        (also in the journal)."""
        self.inspection = inspect_endpoints(
            self.clients,
            self._list("ids"),
            nameserver=self.values.get("nameserver") or None,
            vnets=self._list("link_vnets"),
            zone_groups=self._list("zone_groups"),
        )
        self.results = self.inspection.results
        for r in self.results.itertuples(index=False):
            self.journal.record(CheckResult(r.Check, r.Resource, r.Status, r.Detail))
        show(styled(self.results))

    def check_machine_results(self) -> None:
        """The results a `runbook dns script` script wrote on a VM, appliance or host (``probe_results``: its
        file), as checks with their fixes, journaled and counted by ``summary``; nothing when unset."""
        from ..dns.probe_results import probe_rows, read_probe_results

        path = self.values.get("probe_results")
        if not path:
            show(note("No results from a machine to read (probe_results)."))
            return
        rows = probe_rows(read_probe_results(path, "probe_results"))
        for r in rows.itertuples(index=False):
            self.journal.record(CheckResult(r.Check, r.Resource, r.Status, r.Detail))
        self.results = rows if self.results is None else pd.concat([self.results, rows], ignore_index=True)
        show(styled(rows))

    def topology(self) -> None:
        """The checked endpoints, their NICs' IPs, the zones and their links as a picture (red where a check
        failed); after ``check``."""
        from IPython.display import SVG

        show(
            SVG(draw_topology(self.inspection))
            if self.inspection and self.inspection.endpoints
            else note("Nothing to draw: no endpoint was checked.")
        )

    def summary(self) -> None:
        """The checks' counts; raises DnsChecksFailed when one failed."""
        counts = self.results["Status"].value_counts() if self.results is not None else pd.Series(dtype=int)
        table = pd.DataFrame([{"Status": status, "Checks": int(counts.get(status, 0))} for status in CheckStatus])
        show(styled(table))
        if counts.get(CheckStatus.FAIL, 0) and self.results is not None:  # counts are the results' (none: empty)
            failed = self.results[self.results["Status"] == CheckStatus.FAIL]
            raise DnsChecksFailed("; ".join(f"{r.Check} {r.Resource}: {r.Fix}" for r in failed.itertuples()))
