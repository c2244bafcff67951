"""What a run is about, known before it starts: the private endpoints it makes or checks, and where their zones
may be (for the snapshots taken before and after it)."""

from __future__ import annotations

from typing import Any

from ..azure import AzureClients
from ..azure.ids import parse_id
from ..dns.endpoints import read_endpoints
from ..engine import Run
from ..scenarios import find_scenario

ZONE_TYPE = "microsoft.network/privatednszones"
ENDPOINT_TYPE = "microsoft.network/privateendpoints"


def run_scope(clients: AzureClients, notebook: str, params: Any) -> tuple[list[str], list[str], list[str]]:
    """(endpoint ids, zone resource groups, zone ids): for a scenario, what its Scenario's scope names (the
    endpoints its validation checks, made or not yet, and the zones they need); for the DNS notebooks, the
    endpoints their ``ids`` name now and the resource groups their ``zone_groups`` name. Other ids a scope names
    are the parameters' own, which the snapshots take anyway."""
    scenario = find_scenario(notebook)
    if scenario is not None:
        ids = scenario.scope(params, Run(clients, params))
        zones = [i for i in ids if _is_a(ZONE_TYPE, i)]
        groups = list(dict.fromkeys(parse_id(z).resource_group_id for z in zones))
        return [i for i in ids if _is_a(ENDPOINT_TYPE, i)], groups, zones
    values = params.model_dump()
    ids = values.get("ids") or []
    return [e.id for e in read_endpoints(clients, ids)] if ids else [], list(values.get("zone_groups") or []), []


def _is_a(resource_type: str, resource_id: str) -> bool:
    return f"/providers/{resource_type}/" in resource_id.lower()
