"""The backup runbook in the v2 experience ("Create and use private endpoints (v2 experience) for Azure Backup") on
the contoso demo estate, through the real SDK: no identity, no _ecs/_prot rounds, 10 addresses, the 12-endpoint
limit, the experience read from an existing vault's endpoints, the static-IP warning, cross-region restore."""

from __future__ import annotations

from runbook_lib.engine import load_parameters
from runbook_lib.scenarios.backup import BackupParameters
from tests.contoso import DNS_RG, SPOKE_ENDPOINTS, VAULTS, WORKLOAD
from tests.scenarios.conftest import run, statuses

NEW_VAULT = f"{VAULTS}/rsv-backup-v2"
CONFIRMED = ["first-registration", "first-backup"]
SPOKE_RG = "rg-network-spoke"


def params(**change) -> BackupParameters:
    return load_parameters(
        BackupParameters,
        {
            "vault": NEW_VAULT,
            "subnet": SPOKE_ENDPOINTS,
            "endpoint_name": "pe-backup-v2",
            "zones_resource_group": DNS_RG,
            **change,
        },
    )


def detail(report, step: str) -> str:
    """What a step said: its detail (blocked, failed, waiting) and its rows' reasons."""
    found = next(s for s in report.steps if s.id == step)
    return " | ".join([found.detail, *(row.reason for row in found.rows)])


def endpoint_names(owner) -> list[str]:
    return sorted(e.name for e in owner.for_subscription(WORKLOAD).network.private_endpoints.list(SPOKE_RG))


def nic_fqdns(owner, name: str) -> list[str]:
    network = owner.for_subscription(WORKLOAD).network
    endpoint = network.private_endpoints.get(SPOKE_RG, name)
    nic = network.network_interfaces.get(SPOKE_RG, endpoint.network_interfaces[0].id.rsplit("/", 1)[-1])
    return [f for c in nic.ip_configurations for f in c.private_link_connection_properties.fqdns]


def test_a_v2_run_end_to_end(contoso, owner, hub):
    assert params().experience == "v2"  # the default for a new vault
    planned, journal = run(owner, params(), "plan")
    assert journal.changes == [] and "free addresses, 10 needed" in detail(planned, "prerequisites")
    applied, journal = run(owner, params())
    assert (applied.status, applied.exit_code) == ("waiting", 3)  # the first registration, a manual step
    changed = [c.step for c in journal.changes]
    assert "identity" not in changed and "identity-roles" not in changed
    assert changed[:2] == ["vault", "endpoint"] and set(changed[2:]) == {"zones", "links"}
    assert "managed identity" in detail(applied, "identity") and "managed identity" in detail(applied, "identity-roles")
    vault = hub.recoveryservices.vaults.get("rg-recovery", "rsv-backup-v2")
    assert vault.identity is None or vault.identity.type in (None, "None")
    assert vault.properties.public_network_access == "Disabled"
    fqdns = nic_fqdns(owner, "pe-backup-v2")
    assert len(fqdns) == 10 and sum(".backup.windowsazure.com" in f for f in fqdns) == 8

    early, _ = run(owner, params(confirm=["first-registration"]))  # said too early: the vault counts nothing yet
    assert statuses(early)["first-registration"] == "waiting" and "MABContainersCount" in detail(
        early, "first-registration"
    )
    assert contoso.event("register-container", NEW_VAULT).succeeded
    assert contoso.event("first-backup", NEW_VAULT).succeeded
    assert endpoint_names(owner).count("pe-backup-v2") == 1
    assert not [n for n in endpoint_names(owner) if n.startswith("pe-backup-v2_")]  # no _ecs/_prot endpoints
    done, journal = run(owner, params(confirm=["first-registration", "first-backup"]))
    assert (done.status, done.exit_code) == ("done", 0), done.table().to_string()
    assert statuses(done)["dns-after-registration"] == statuses(done)["dns-after-backup"] == "nothing to do"
    assert "makes no blob or queue endpoints" in detail(done, "dns-after-registration")
    observed = [(c.step, c.status) for c in journal.entries if getattr(c, "check", "") == "observe"]
    assert observed == [("first-registration", "pass"), ("first-backup", "pass")]
    assert journal.changes == []


def test_the_thirteenth_endpoint_is_refused_before_anything_changes(contoso, owner):
    vault = f"{VAULTS}/rsv-backup-twelve"
    run(owner, params(vault=vault, endpoint_name="pe-twelve-0", confirm=["first-registration", "first-backup"]))
    network = owner.for_subscription(WORKLOAD).network
    first = network.private_endpoints.get(SPOKE_RG, "pe-twelve-0")
    body = {
        "location": first.location,
        "properties": {
            "subnet": {"id": first.subnet.id},
            "privateLinkServiceConnections": [
                {"name": "c", "properties": {"privateLinkServiceId": vault, "groupIds": ["AzureBackup"]}}
            ],
        },
    }
    # the spoke's endpoint subnet cannot hold 120 addresses: the other 11 go in a wide subnet of the same VNet
    vnet = network.virtual_networks.get(SPOKE_RG, "vnet-spoke")
    wide = network.subnets.begin_create_or_update(
        SPOKE_RG, "vnet-spoke", "snet-wide", {"properties": {"addressPrefix": _free_prefix(vnet)}}
    ).result()
    body["properties"]["subnet"]["id"] = wide.id
    for n in range(1, 12):
        network.private_endpoints.begin_create_or_update(SPOKE_RG, f"pe-twelve-{n}", body).result()
    report, journal = run(owner, params(vault=vault, endpoint_name="pe-thirteen", subnet=wide.id))
    assert statuses(report)["prerequisites"] == "blocked" and journal.changes == []
    assert "12 AzureBackup endpoints, the most a vault may have (12" in detail(report, "prerequisites")


def _free_prefix(vnet) -> str:
    taken = {s.address_prefix for s in vnet.subnets}
    base = vnet.address_space.address_prefixes[0].split("/")[0].rsplit(".", 2)[0]
    return next(f"{base}.{n}.0/24" for n in range(200, 250) if f"{base}.{n}.0/24" not in taken)


def test_the_experience_is_read_from_the_vaults_endpoints(contoso, owner):
    v1_vault, v2_vault = f"{VAULTS}/rsv-backup-classic", f"{VAULTS}/rsv-backup-enhanced"
    run(owner, params(vault=v1_vault, endpoint_name="pe-classic", experience="v1"))
    run(owner, params(vault=v2_vault, endpoint_name="pe-enhanced"))
    assert len(nic_fqdns(owner, "pe-classic")) == 8 and len(nic_fqdns(owner, "pe-enhanced")) == 10

    wrong, _ = run(owner, params(vault=v1_vault, endpoint_name="pe-classic-2"), "plan")
    assert statuses(wrong)["prerequisites"] == "blocked"
    assert "use the v1 experience, and a vault cannot be upgraded" in detail(wrong, "prerequisites")
    assert "set experience: v1, or move the vault to v2 first" in detail(wrong, "prerequisites")
    other, _ = run(owner, params(vault=v2_vault, endpoint_name="pe-enhanced", experience="v1"), "plan")
    assert "use the v2 experience" in detail(other, "prerequisites") and "set experience: v2" in detail(
        other, "prerequisites"
    )
    right, _ = run(owner, params(vault=v1_vault, endpoint_name="pe-classic", experience="v1"), "plan")
    assert statuses(right)["prerequisites"] != "blocked"


def test_an_endpoint_with_static_ips_is_warned_about(contoso, owner):
    vault = f"{VAULTS}/rsv-backup-static"
    run(owner, params(vault=vault, endpoint_name="pe-dynamic"))
    network = owner.for_subscription(WORKLOAD).network
    dynamic = network.private_endpoints.get(SPOKE_RG, "pe-dynamic")
    nic = network.network_interfaces.get(SPOKE_RG, dynamic.network_interfaces[0].id.rsplit("/", 1)[-1])
    taken = {c.private_ip_address for c in nic.ip_configurations}
    free = next(a for a in (f"10.1.1.{n}" for n in range(40, 60)) if a not in taken)
    body = {  # a second endpoint of the vault, one member's address set by hand (Azure accepts it)
        "location": dynamic.location,
        "properties": {
            "subnet": {"id": dynamic.subnet.id},
            "privateLinkServiceConnections": [
                {"name": "c", "properties": {"privateLinkServiceId": vault, "groupIds": ["AzureBackup"]}}
            ],
            "ipConfigurations": [
                {
                    "name": "static-1",
                    "properties": {"groupId": "AzureBackup", "memberName": "backup-fc1", "privateIPAddress": free},
                }
            ],
        },
    }
    network.private_endpoints.begin_create_or_update(SPOKE_RG, "pe-static", body).result()
    report, _ = run(owner, params(vault=vault, endpoint_name="pe-dynamic"), "plan")
    assert statuses(report)["prerequisites"] != "blocked"
    warning = "warning: static IPs, which the v2 experience does not support"
    assert warning in detail(report, "prerequisites") and free in str(
        next(s for s in report.steps if s.id == "prerequisites").rows[-1].after
    )


def test_cross_region_restore_gets_its_secondary_endpoint_in_the_paired_region(contoso, owner, hub):
    vault = f"{VAULTS}/rsv-backup-crr"
    hub.recoveryservices.vaults.begin_create_or_update(
        "rg-recovery",
        "rsv-backup-crr",
        {
            "location": "westus3",
            "sku": {"name": "Standard"},
            "properties": {"redundancySettings": {"crossRegionRestore": "Enabled"}},
        },
    ).result()
    warned, _ = run(owner, params(vault=vault, public_access="keep"), "plan")
    assert "warning: cross-region restore is on" in detail(warned, "secondary-endpoint")
    network = owner.for_subscription(WORKLOAD).network
    east = network.virtual_networks.begin_create_or_update(
        SPOKE_RG,
        "vnet-restore-eus",
        {
            "location": "eastus",  # westus3's pair
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.60.0.0/16"]},
                "subnets": [{"name": "snet-pe", "properties": {"addressPrefix": "10.60.1.0/24"}}],
            },
        },
    ).result()
    secondary = east.subnets[0].id
    crr = params(vault=vault, public_access="keep", secondary_subnet=secondary, confirm=CONFIRMED)
    first, _ = run(owner, crr)  # the secondary endpoint comes last: the article's section is after the first backup
    assert statuses(first)["first-registration"] == "waiting" and statuses(first)["secondary-endpoint"] == "not run"
    assert contoso.event("register-container", vault).succeeded and contoso.event("first-backup", vault).succeeded
    report, journal = run(owner, crr)
    assert statuses(report)["secondary-endpoint"] == "done" and statuses(report)["secondary-links"] == "done"
    made = network.private_endpoints.get(SPOKE_RG, "pe-backup-v2-secondary")
    assert made.location == "eastus"
    assert made.private_link_service_connections[0].group_ids == ["AzureBackup_secondary"]
    zones = {z.name for z in hub.privatedns.private_zones.list_by_resource_group("rg-dns")}
    assert "privatelink.eus.backup.windowsazure.com" in zones
    links = hub.privatedns.virtual_network_links.list("rg-dns", "privatelink.eus.backup.windowsazure.com")
    assert [link.virtual_network.id.lower() for link in links] == [east.id.lower()]
    _, journal = run(owner, crr)
    assert [c.step for c in journal.changes] == []

    plain = f"{VAULTS}/rsv-backup-nocrr"
    refused, journal = run(owner, params(vault=plain, endpoint_name="pe-nocrr", secondary_subnet=secondary))
    assert contoso.event("register-container", plain).succeeded and contoso.event("first-backup", plain).succeeded
    refused, journal = run(
        owner, params(vault=plain, endpoint_name="pe-nocrr", secondary_subnet=secondary, confirm=CONFIRMED)
    )
    assert statuses(refused)["secondary-endpoint"] == "blocked"
    assert "cross-region restore is off" in detail(refused, "secondary-endpoint")


def test_a_customer_managed_key_is_warned_about(contoso, owner, hub):
    key = "https://kv-contoso.vault.azure.net/keys/backup/0123456789abcdef0123456789abcdef"
    hub.recoveryservices.vaults.begin_create_or_update(
        "rg-recovery",
        "rsv-backup-cmk",
        {
            "location": "westus3",
            "sku": {"name": "Standard"},
            "properties": {"encryption": {"keyVaultProperties": {"keyUri": key}}},
        },
    ).result()
    report, _ = run(owner, params(vault=f"{VAULTS}/rsv-backup-cmk"), "plan")
    assert statuses(report)["prerequisites"] != "blocked"
    assert "warning: the vault encrypts with a customer-managed key" in detail(report, "prerequisites")
