"""The add_endpoint runbook through the real SDK on the contoso estate: a further endpoint for a Backup vault that has
items (allowed once it has an approved one) and for a Migrate project in use, each in another network with zones of
its own; a shared zone the first endpoint answers from is refused; a vault or project not in use is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from runbook_lib.engine import load_parameters
from runbook_lib.errors import InputError
from runbook_lib.ops import endpoints, migrate, privatedns
from runbook_lib.scenarios.endpoint_add import AddEndpointParameters
from tests.contoso import BYPASS_VNET, DNS_RG, HUB_VNET, SPOKE_ENDPOINTS, VAULTS, WORKLOAD
from tests.scenarios.conftest import detail, run, statuses

# another network of the region, not linked to the hub's shared zones: the further endpoint's, with zones of its own
BYPASS_ENDPOINTS = f"{BYPASS_VNET}/subnets/snet-endpoints"
BYPASS_RG = f"/subscriptions/{WORKLOAD}/resourceGroups/rg-network-bypass"
WORKLOAD_RG = f"/subscriptions/{WORKLOAD}/resourceGroups/rg-workload"
PROJECT = f"{WORKLOAD_RG}/providers/{migrate.PROJECTS}/migrate-in-use"


def params(**values) -> AddEndpointParameters:
    return load_parameters(
        AddEndpointParameters,
        {"subnet": BYPASS_ENDPOINTS, "endpoint_name": "pe-further", "zones_resource_group": BYPASS_RG, **values},
    )


@pytest.fixture(params=["v1", "v2"])
def vault_in_use(request, contoso, owner):
    """The backup runbook's vault (either experience) with its approved endpoint in the spoke, after the first
    registration and backup (so it has items)."""
    from tests.scenarios.test_backup import NEW_VAULT
    from tests.scenarios.test_backup import params as backup_params

    run(owner, backup_params(experience=request.param, confirm=["first-registration", "first-backup"]))
    assert contoso.event("register-container", NEW_VAULT).succeeded
    assert contoso.event("first-backup", NEW_VAULT).succeeded
    return NEW_VAULT


def test_a_further_backup_endpoint_for_a_vault_with_items(owner, vault_in_use):
    planned, journal = run(owner, params(resource=vault_in_use), "plan")
    assert journal.changes == [] and planned.status == "planned", planned.table().to_string()
    vault_rows = next(s for s in planned.steps if s.id == "vault").rows
    assert any("a further endpoint is allowed" in r.reason for r in vault_rows)

    done, journal = run(owner, params(resource=vault_in_use))
    assert done.status == "done", done.table().to_string()
    assert statuses(done)["endpoint"] == "done" and statuses(done)["zones"] == "done"
    further = params(resource=vault_in_use).endpoint_id
    assert endpoints.connection_state(endpoints.get_endpoint(owner, further)) == "Approved"
    # its records went into its own zones; the first endpoint's records in the shared zones are untouched
    own = privatedns.zone_names_in_group(owner, BYPASS_RG)
    assert "privatelink.wus3.backup.windowsazure.com" in own
    first = endpoints.get_endpoint(
        owner, f"{SPOKE_ENDPOINTS.split('/providers/')[0]}/providers/Microsoft.Network/privateEndpoints/pe-backup"
    )
    first_ips = {
        c.private_ip_address
        for c in owner.network.network_interfaces.get(
            "rg-network-spoke", first.network_interfaces[0].id.rsplit("/", 1)[-1]
        ).ip_configurations
    }
    shared = f"{DNS_RG}/providers/Microsoft.Network/privateDnsZones/privatelink.wus3.backup.windowsazure.com"
    assert {ip for r in privatedns.a_records(owner, shared).values() for ip in r.ips} <= first_ips

    again, journal = run(owner, params(resource=vault_in_use))
    assert journal.changes == [] and again.status == done.status


def test_a_further_endpoint_may_not_overwrite_the_first_ones_records(owner, vault_in_use):
    report, journal = run(owner, params(resource=vault_in_use, zones_resource_group=DNS_RG))
    assert statuses(report)["zone-guard"] == "blocked" and journal.changes == []
    assert "would overwrite" in detail(report, "zone-guard") and "pe-backup" in detail(report, "zone-guard")


def test_a_vault_not_in_use_is_refused(owner):
    report, journal = run(owner, params(resource=f"{VAULTS}/rsv-backup-wus3"))
    assert statuses(report)["in-use"] == "blocked" and journal.changes == []
    assert "its first one comes from the `backup` runbook" in detail(report, "in-use")
    missing, journal = run(owner, params(resource=f"{VAULTS}/rsv-typo"))
    assert statuses(missing)["in-use"] == "blocked" and journal.changes == []
    assert "no Recovery Services vault 'rsv-typo'" in detail(missing, "in-use")


def test_a_vault_that_had_items_and_never_an_endpoint_stays_refused(owner):
    report, journal = run(owner, params(resource=f"{VAULTS}/rsv-legacy-wus3"))
    assert report.exit_code == 3 and journal.changes == []
    assert "has no approved private endpoint yet" in detail(report, "in-use")


def test_a_further_endpoint_for_a_migrate_project_in_use(owner):
    migrate.create_project(owner, PROJECT, "westus3", "Enabled")()
    first = (
        f"/subscriptions/{WORKLOAD}/resourceGroups/rg-network-spoke/providers/Microsoft.Network/privateEndpoints/pe-mig"
    )
    body = endpoints.endpoint_body("westus3", SPOKE_ENDPOINTS, PROJECT, "Default", manual=False)
    endpoints.put_endpoint(owner, first, body)()

    done, journal = run(owner, params(resource=PROJECT))
    assert done.status == "done", done.table().to_string()
    further = params(resource=PROJECT).endpoint_id
    assert endpoints.connection_state(endpoints.get_endpoint(owner, further)) == "Approved"
    assert [c.step for c in journal.changes][:2] == ["endpoint", "zones"]
    assert len(migrate.project_connections(migrate.get_project(owner, PROJECT))) == 2
    again, journal = run(owner, params(resource=PROJECT))
    assert journal.changes == [] and again.status == "done"


def test_a_project_without_an_endpoint_is_refused(owner):
    migrate.create_project(owner, PROJECT, "westus3", "Enabled")()
    report, journal = run(owner, params(resource=PROJECT))
    assert statuses(report)["in-use"] == "blocked" and journal.changes == []
    assert "`migrate_project` runbook" in detail(report, "in-use")


def test_bad_parameters_are_named():
    with pytest.raises(InputError, match="resource"):
        params(resource=HUB_VNET)
    with pytest.raises(InputError, match="zones_resource_group"):
        load_parameters(
            AddEndpointParameters, {"resource": PROJECT, "subnet": BYPASS_ENDPOINTS, "endpoint_name": "pe-further"}
        )


def test_undo_of_an_add_run_removes_exactly_what_it_made(contoso, owner, tmp_path):
    """The sandbox file's run, applied headless on the backup runbook's vault, then `runbook undo`: the further
    endpoint, its zones and links go; the vault and its first endpoint stay; a second undo plans nothing."""
    import yaml

    from runbook_lib.headless import run_notebook
    from runbook_lib.undo import plan_undo
    from tests.cli import runbook
    from tests.scenarios.test_backup import params as backup_params

    run(owner, backup_params())
    first = endpoints.get_endpoint(owner, backup_params().endpoint_id)
    sandbox_file = Path(__file__).resolve().parents[2] / "parameters" / "add_endpoint.sandbox.yaml"
    values = yaml.safe_load(sandbox_file.read_text())
    done = run_notebook("add_endpoint", values, mode="apply", options={"state": str(contoso.path)}, runs=tmp_path)
    further = load_parameters(AddEndpointParameters, values).endpoint_id
    assert endpoints.get_endpoint(owner, further) is not None, done

    result = runbook("undo", str(done.folder), "--apply", "--state", str(contoso.path))
    assert result.returncode == 0, result.stderr
    assert endpoints.get_endpoint(owner, further) is None
    assert endpoints.get_endpoint(owner, first.id).id == first.id
    assert not privatedns.zone_names_in_group(owner, BYPASS_RG)  # its own zones went with it
    again = plan_undo(done.folder, owner)
    assert not again.changes and not again.conflicts
