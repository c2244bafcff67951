"""What a run is about, known before it starts: the private endpoints it makes or checks, and where their zones
may be (for the snapshots taken before and after it)."""

from __future__ import annotations

from typing import Any

from ..azure import AzureClients
from ..dns.endpoints import read_endpoints
from ..engine import Run
from ..scenarios import SCENARIOS
from ..scenarios.steps import VaultEndpointParameters, validated_endpoints


def run_scope(clients: AzureClients, notebook: str, params: Any) -> tuple[list[str], list[str], list[str]]:
    """(endpoint ids, zone resource groups, zone ids): a scenario's validation steps' endpoints (made or not yet)
    and the zones its vault endpoint needs; for the DNS notebooks, the endpoints their ``ids`` name now."""
    if notebook in SCENARIOS:
        endpoint_ids = validated_endpoints(SCENARIOS[notebook][1](params).steps, Run(clients, params))
        # a vault's zones depend on its region; a Migrate project's on the project's own
        names = (params.zone_names(params.location) if isinstance(params, VaultEndpointParameters)
                 else params.zone_names())
        return endpoint_ids, [params.zones_group], [params.zone_id(z) for z in names]
    values = params.model_dump()
    ids = values.get("ids") or []
    return [e.id for e in read_endpoints(clients, ids)] if ids else [], list(values.get("zone_groups") or []), []
