"""`dns.entries`: PrivateIP.ps1's table, read from the endpoints' NICs through the SDK, right for every service."""

from __future__ import annotations

import pytest

from runbook_lib.azure import Target, get_clients
from runbook_lib.dns.entries import COLUMNS, entries_for
from runbook_lib.errors import InputError
from tests.builders import make_endpoint, make_vnet
from tests.contoso import SPOKE_ENDPOINTS, VAULTS
from tests.dns.conftest import ENDPOINTS, SPOKE_RG

BACKUP_MEMBERS = ("fc1", "fab1", "prot1", "rec2", "ecs1", "id1", "tel1", "wbcm1")


def nic_addresses(clients, rg: str) -> dict[str, str]:
    """FQDN -> IP, from every IP configuration of every NIC in the resource group."""
    return {
        fqdn: config.private_ip_address
        for nic in clients.network.network_interfaces.list(rg)
        for config in nic.ip_configurations
        for fqdn in config.private_link_connection_properties.fqdns
    }


def test_a_vault_gives_its_endpoint_and_its_backup_siblings_and_nothing_else(estate):
    entries = entries_for(estate.clients, [estate.vault("rsv-backup-wus3")])
    assert list(entries.columns) == COLUMNS and COLUMNS[:3] == ["ResourceName", "DNS", "PrivateIP"]
    # pe-bkp2 starts with 'pe-bkp' too: PrivateIP.ps1's prefix match took it and its siblings
    assert set(entries["PrivateEndpoint"]) == {"pe-bkp", "pe-bkp_ecs114_blob", "pe-bkp_ecs114_queue"}
    backup = entries[entries["GroupId"] == "AzureBackup"]
    assert set(backup["DNS"]) == {"privatelink.wus3.backup.windowsazure.com"}
    vault_id = backup["ResourceName"].iloc[0].split("-")[0]
    assert list(backup["ResourceName"]) == [f"{vault_id}-ab-pod01-{m}" for m in BACKUP_MEMBERS]
    storage = entries[entries["GroupId"] != "AzureBackup"].set_index("GroupId")
    assert storage.loc["blob", "DNS"] == "privatelink.blob.core.windows.net"
    assert storage.loc["queue", "DNS"] == "privatelink.queue.core.windows.net"
    assert storage.loc["blob", "ResourceName"] == storage.loc["queue", "ResourceName"]  # the account's name
    # every IP is the one its NIC holds, from all the NIC's IP configurations (not the first)
    assert dict(zip(entries["FQDN"], entries["PrivateIP"])) == {
        fqdn: ip
        for fqdn, ip in nic_addresses(estate.clients, "rg-network-spoke").items()
        if fqdn in set(entries["FQDN"])
    }
    assert (entries["ConnectionState"] == "Approved").all() and (entries["Note"] == "").all()


def test_the_endpoint_id_gives_the_same_as_its_vault(estate):
    by_vault = entries_for(estate.clients, [estate.vault("rsv-backup-uks")])
    by_endpoint = entries_for(estate.clients, [f"{ENDPOINTS}/pe-bkp2"])
    assert by_endpoint.equals(by_vault)
    assert set(by_vault["DNS"]) >= {"privatelink.uks.backup.windowsazure.com"}  # the vault's region: uksouth


def test_a_resource_group_gives_every_endpoint_once(estate):
    entries = entries_for(estate.clients, [SPOKE_RG, estate.vault("rsv-backup-wus3"), f"{ENDPOINTS}/pe-asr"])
    assert entries.groupby("PrivateEndpoint").size().to_dict() == {
        "pe-asr": 5,
        "pe-bkp": 8,
        "pe-bkp2": 8,
        "pe-bkp2_ecs114_blob": 1,
        "pe-bkp2_ecs114_queue": 1,
        "pe-bkp_ecs114_blob": 1,
        "pe-bkp_ecs114_queue": 1,
    }
    assert not entries.duplicated(["ResourceName", "DNS"]).any()


def test_site_recovery_keeps_the_geo_in_the_record_name(estate):
    entries = entries_for(estate.clients, [f"{ENDPOINTS}/pe-asr"])
    assert set(entries["DNS"]) == {"privatelink.siterecovery.windowsazure.com"}
    vault_id = entries["ResourceName"].iloc[0].split("-")[0]
    # PrivateIP.ps1 split at the first dot: record '{id}-asr-pod01-rcm1' in zone 'wus3.siterecovery...'
    assert f"{vault_id}-asr-pod01-rcm1.wus3" in set(entries["ResourceName"])
    assert all(
        f"{r}.{z}".replace("privatelink.", "") == f
        for r, z, f in entries[["ResourceName", "DNS", "FQDN"]].itertuples(index=False)
    )


def test_requests_grow_with_resource_groups_not_endpoints(estate):
    entries_for(estate.clients, [SPOKE_RG])
    assert estate.requests == [
        f"GET {SPOKE_RG.replace('/subscriptions', 'https://management.sandbox.invalid/subscriptions')}"
        f"/providers/Microsoft.Network/{kind}"
        for kind in ("privateEndpoints", "networkInterfaces")
    ]
    estate.requests.clear()
    entries_for(
        estate.clients, [estate.vault("rsv-backup-wus3"), estate.vault("rsv-backup-uks"), f"{ENDPOINTS}/pe-asr"]
    )
    assert len(estate.requests) == 4  # two vault GETs, then the spoke's endpoints and NICs once


def test_a_pending_connection_is_flagged(estate, contoso):
    operator = get_clients(Target(state=str(contoso.path), principal="operator"))
    make_endpoint(
        operator,
        "rg-network-spoke",
        "pe-operator",
        SPOKE_ENDPOINTS,
        f"{VAULTS}/rsv-asr-wus3",
        "AzureSiteRecovery",
        manual=True,
    )
    entries = entries_for(operator, [f"{ENDPOINTS}/pe-operator"])
    assert set(entries["ConnectionState"]) == {"Pending"}
    assert entries["Note"].str.contains("Pending: approve it").all()


def test_migrate_key_vault_storage_and_vault_after_generate_key(contoso, clients, rg):
    net = make_vnet(clients, rg, "vnet-migrate", "10.5.0.0/16", {"pe": "10.5.0.0/27"})
    project_id = (
        f"/subscriptions/{clients.subscription_id}/resourceGroups/{rg}/providers/Microsoft.Migrate/migrateProjects/mig"
    )
    clients.resources.resources.begin_create_or_update_by_id(
        project_id, {"location": "westus3", "properties": {}}, api_version="2020-05-01"
    ).result()
    make_endpoint(clients, rg, "pe-migrate", net["pe"], project_id, "Default")
    assert contoso.event("generate-key", project_id).succeeded
    entries = entries_for(clients, [f"/subscriptions/{clients.subscription_id}/resourceGroups/{rg}"])
    zones = entries.groupby("GroupId")["DNS"].agg(set).to_dict()
    assert zones == {
        "Default": {"privatelink.prod.migration.windowsazure.com"},
        "vault": {"privatelink.vaultcore.azure.net"},
        "blob": {"privatelink.blob.core.windows.net"},
        "AzureSiteRecovery": {"privatelink.siterecovery.windowsazure.com"},
    }
    key_vault = entries[entries["GroupId"] == "vault"].iloc[0]
    assert key_vault["FQDN"] == f"{key_vault['ResourceName']}.vault.azure.net"  # zone vaultcore, name vault
    migrate = entries[entries["GroupId"] == "Default"]
    assert migrate["ResourceName"].str.endswith(".wus3.hub").all()  # the Migrate hub's geo stays in the record


@pytest.mark.parametrize(
    "region, cloud_zone",
    [
        ("usgovvirginia", "backup.windowsazure.us"),
        ("chinanorth3", "backup.windowsazure.cn"),
    ],
)
def test_sovereign_clouds_get_their_suffixes(clients, rg, region, cloud_zone):
    from runbook_lib.geo import geo_code

    net = make_vnet(clients, rg, "vnet-gov", "10.6.0.0/16", {"pe": "10.6.0.0/27"})
    vault = clients.recoveryservices.vaults.begin_create_or_update(
        rg,
        "rsv-gov",
        {
            "location": region,
            "sku": {"name": "Standard"},
            "identity": {"type": "SystemAssigned"},
            "properties": {"publicNetworkAccess": "Disabled"},
        },
    ).result()
    make_endpoint(clients, rg, "pe-gov", net["pe"], vault.id, "AzureBackup")
    entries = entries_for(clients, [vault.id])
    assert set(entries["DNS"]) == {f"privatelink.{geo_code(region)}.{cloud_zone}"}
    assert entries["FQDN"].str.endswith(f".{geo_code(region)}.{cloud_zone}").all()


@pytest.mark.parametrize(
    "bad, message",
    [
        ("pe-bkp", "ID: 'pe-bkp' is not a resource id"),
        (f"{ENDPOINTS}/pe-none", "no private endpoint 'pe-none' in resource group rg-network-spoke"),
        (SPOKE_ENDPOINTS, "is a Microsoft.Network/virtualNetworks/subnets; give a private endpoint"),
    ],
)
def test_an_id_that_names_no_endpoint_is_a_clear_error(estate, bad, message):
    with pytest.raises(InputError, match=message):
        entries_for(estate.clients, [bad])
