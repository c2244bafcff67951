"""Validation: the troubleshooting checks (dns.checks) over a runbook's endpoints, each result journaled."""

from __future__ import annotations

from collections.abc import Iterable

from ...dns.checks import Inspection, inspect_endpoints
from ...engine import Row, Run, Step, blocked, unchanged
from ...journal import CheckResult, CheckStatus
from ...ops import endpoints


class Validate(Step):
    """The troubleshooting checks of "Using Azure Migrate with private endpoints" (dns.checks) over the endpoints
    ``endpoint_ids`` names that exist; each result goes to the journal, and a failure blocks an apply."""

    id, title = "validate", "Validate: connection, zones, links, records, resolution"

    def endpoint_ids(self, run: Run) -> list[str]:
        return [run.params.endpoint_id]

    def inspect(self, run: Run, ids: list[str] | None = None) -> Inspection | None:
        """The checks over ``ids`` (default: this step's endpoints that exist); None when there is none yet."""
        p = run.params
        if ids is None:
            ids = [e for e in self.endpoint_ids(run) if endpoints.get_endpoint(run.clients, e) is not None]
        if not ids:
            return None
        return inspect_endpoints(
            run.clients, ids, nameserver=p.nameserver, vnets=p.link_vnets, zone_groups=[p.zones_group]
        )

    def plan(self, run: Run) -> list[Row]:
        p = run.params
        inspection = self.inspect(run)
        if inspection is None:
            return [unchanged(p.endpoint_id, reason="after the endpoints exist")]
        results = inspection.results
        for r in results.itertuples(index=False):
            run.journal.record(CheckResult(r.Check, r.Resource, r.Status, r.Detail))
        failed = results[results["Status"] == CheckStatus.FAIL]
        if run.mode == "apply" and not failed.empty:
            return [blocked(r.Resource, f"{r.Check}: {r.Detail}; {r.Fix}") for r in failed.itertuples(index=False)]
        passed = int((results["Status"] == CheckStatus.PASS).sum())
        return [
            unchanged(p.endpoint_id, f"{passed} of {len(results)} checks pass on {len(inspection.endpoints)} endpoints")
        ]


def validated_endpoints(steps: Iterable[Step], run: Run) -> list[str]:
    """The endpoints a runbook's validation steps check (made or not yet), each once."""
    return list(dict.fromkeys(e for step in steps if isinstance(step, Validate) for e in step.endpoint_ids(run)))
