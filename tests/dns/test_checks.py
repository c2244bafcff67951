"""The checks of "Using Azure Migrate with private endpoints" against the contoso demo estate: a Backup endpoint in the
spoke to rsv-backup-wus3, its zones in the hub. Everything passes once the spoke is linked; then each check fails for
its own cause and passes once fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest
from azure.mgmt.recoveryservicesbackup.models import (
    PrivateEndpointConnection,
    PrivateEndpointConnectionResource,
    PrivateLinkServiceConnectionState,
)

from runbook_lib.azure import AzureClients, Target, get_clients
from runbook_lib.dns.checks import CHECKS, COLUMNS, check_endpoints
from runbook_lib.errors import InputError
from runbook_lib.private_link import alias
from runbook_lib.sandbox.dns_server import DnsServer
from tests.builders import (
    add_a_record,
    attach_zones,
    link_zone,
    make_endpoint,
    make_zone,
    member_ips,
)
from tests.contoso import (
    BYPASS_VNET,
    DNS_RG,
    SPOKE_ENDPOINTS,
    SPOKE_VNET,
    STORAGE,
    VAULTS,
)

BACKUP_ZONE = "privatelink.wus3.backup.windowsazure.com"
BLOB_ZONE = "privatelink.blob.core.windows.net"
ZONES = (BACKUP_ZONE, BLOB_ZONE, "privatelink.queue.core.windows.net")
SPOKE_RG = "rg-network-spoke"
VAULT = f"{VAULTS}/rsv-backup-wus3"


@dataclass(frozen=True)
class Backup:
    """The spoke's Backup endpoint and its members (FQDN -> private IP)."""

    id: str
    members: dict[str, str]

    @property
    def fqdn(self) -> str:  # the fc1 member
        return next(iter(self.members))

    @property
    def record(self) -> str:
        return alias(self.fqdn)[1]

    @property
    def ip(self) -> str:
        return self.members[self.fqdn]

    @property
    def vault_id(self) -> str:  # the vault's numeric id, the prefix of its record names
        return self.record.split("-ab-")[0]


def make_backup(
    clients: AzureClients,
    hub: AzureClients,
    *,
    by: AzureClients | None = None,
    manual: bool = False,
    zone_group: bool = True,
) -> Backup:
    """The endpoint (made by ``by``, the default caller if not given), with a zone group to the hub's zones."""
    endpoint = make_endpoint(by or clients, SPOKE_RG, "pe-backup", SPOKE_ENDPOINTS, VAULT, "AzureBackup", manual=manual)
    if zone_group:
        attach_zones(clients, SPOKE_RG, "pe-backup", [hub.privatedns.private_zones.get("rg-dns", z).id for z in ZONES])
    return Backup(endpoint.id, member_ips(endpoint))


@pytest.fixture
def backup(contoso, clients, hub) -> Backup:
    return make_backup(clients, hub)


def link_spoke(hub: AzureClients, vnet_id: str = SPOKE_VNET) -> None:
    for zone in ZONES:
        link_zone(hub, "rg-dns", zone, vnet_id)


@pytest.fixture
def linked(backup, hub) -> Backup:
    link_spoke(hub)
    return backup


def only(frame: pd.DataFrame, check: str, resource: str | None = None) -> pd.DataFrame:
    rows = frame[frame["Check"] == check]
    return rows if resource is None else rows[rows["Resource"] == resource]


def one(frame: pd.DataFrame, check: str, resource: str | None = None, contains: str = "") -> dict[str, str]:
    """The single row of ``check`` (for ``resource``, with ``contains`` in its Detail)."""
    rows = only(frame, check, resource)
    rows = rows[rows["Detail"].str.contains(contains, regex=False)]
    assert len(rows) == 1, rows.to_string()
    return rows.iloc[0].to_dict()


def set_connection(hub: AzureClients, status: str) -> None:
    """The vault owner approves or rejects the vault's one connection (Private endpoint connections)."""
    vault = hub.recoveryservices.vaults.get("rg-recovery", "rsv-backup-wus3")
    (connection,) = vault.properties.private_endpoint_connections
    hub.backup.private_endpoint_connection.begin_put(
        "rsv-backup-wus3",
        "rg-recovery",
        connection.id.rsplit("/", 1)[-1],
        PrivateEndpointConnectionResource(
            properties=PrivateEndpointConnection(
                private_link_service_connection_state=PrivateLinkServiceConnectionState(
                    status=status, description="by the owner"
                )
            )
        ),
    ).result()


# --- all good ------------------------------------------------------------------------------------------------------


def test_everything_passes_when_the_spoke_is_linked_resolution_included(contoso, clients, linked):
    with DnsServer(contoso, SPOKE_VNET) as server:
        frame = check_endpoints(clients, [linked.id], nameserver=f"{server.host}:{server.port}")
    assert list(frame.columns) == COLUMNS
    assert frame["Status"].tolist() == ["pass"] * len(frame), frame.to_string()
    assert frame["Check"].unique().tolist() == list(CHECKS)
    assert (frame["Fix"] == "").all()
    assert sorted(only(frame, "record")["Resource"]) == sorted(linked.members)
    assert sorted(only(frame, "resolution")["Resource"]) == sorted(linked.members)
    assert linked.ip in one(frame, "resolution", linked.fqdn)["Detail"]
    assert "10.1.1.0/26" in one(frame, "resolution", linked.fqdn)["Detail"]  # the spoke's snet-endpoints
    # a Backup endpoint needs the blob and queue zones too, for the storage endpoints Azure Backup adds later
    assert sorted(only(frame, "zone")["Resource"]) == sorted(ZONES)
    assert "zone group" in one(frame, "zone", BACKUP_ZONE)["Detail"]
    by_vault = check_endpoints(clients, [VAULT])  # the vault's endpoints: the same checks
    assert by_vault.equals(frame[frame["Check"] != "resolution"].reset_index(drop=True))


def test_checks_only_read_and_make_each_read_once(contoso, clients, linked, target):
    """Two storage endpoints share the blob zone: it is listed once; nothing is written."""
    for name, account in (("pe-cache", "stcontosocache7f3k"), ("pe-prem", "stcontosoprem7f3k")):
        make_endpoint(clients, SPOKE_RG, name, SPOKE_ENDPOINTS, f"{STORAGE}/{account}", "blob")
        attach_zones(clients, SPOKE_RG, name, [f"{DNS_RG}/providers/Microsoft.Network/privateDnsZones/{BLOB_ZONE}"])
    seen: list[tuple[str, str]] = []
    counting = get_clients(
        target, raw_request_hook=lambda r: seen.append((r.http_request.method, r.http_request.url.split("?")[0]))
    )
    frame = check_endpoints(counting, [linked.id.split("/providers/")[0]])  # the spoke's resource group
    assert set(frame["Status"]) == {"pass"} and len(only(frame, "connection")) == 3
    assert {method for method, _ in seen} == {"GET"}
    urls = [url for _, url in seen]
    assert len(urls) == len(set(urls)), urls
    assert sum(url.endswith(f"/{BLOB_ZONE}/virtualNetworkLinks") for url in urls) == 1
    # endpoints and NICs; a zone-group list each; links and records of the backup and blob zones, links of the
    # queue zone (the Backup endpoint needs it linked, but no endpoint here has a queue record); the vault
    assert len(urls) == 2 + 3 + 2 * 2 + 1 + 1


# --- a. connection -------------------------------------------------------------------------------------------------


def test_a_pending_connection_fails_until_the_vault_owner_approves(contoso, clients, hub):
    operator = get_clients(Target(state=str(contoso.path), principal="operator"))  # may not approve on the hub
    backup = make_backup(clients, hub, by=operator, manual=True)
    link_spoke(hub)
    pending = check_endpoints(clients, [backup.id])
    connection = one(pending, "connection")
    assert connection["Status"] == "fail" and "Pending" in connection["Detail"]
    assert "approve" in connection["Fix"].lower() and "Private endpoint connections" in connection["Fix"]
    assert one(pending, "vault", contains="privateEndpointStateForBackup")["Status"] == "fail"
    assert one(pending, "record", backup.fqdn)["Detail"].startswith("no A record")  # no records while Pending

    set_connection(hub, "Approved")
    approved = check_endpoints(clients, [backup.id])
    assert set(approved["Status"]) == {"pass"}, approved.to_string()


def test_a_rejected_connection_must_be_recreated(contoso, clients, hub):
    operator = get_clients(Target(state=str(contoso.path), principal="operator"))
    backup = make_backup(clients, hub, by=operator, manual=True)
    set_connection(hub, "Rejected")
    connection = one(check_endpoints(clients, [backup.id]), "connection")
    assert connection["Status"] == "fail" and "Rejected" in connection["Detail"]
    assert "delete pe-backup and create it again" in connection["Fix"]


# --- b. zone -------------------------------------------------------------------------------------------------------


def test_a_missing_zone_fails_until_it_is_created(contoso, clients, hub):
    backup = make_backup(clients, hub, zone_group=False)  # nothing says where its zone is
    missing = one(check_endpoints(clients, [backup.id]), "zone", BACKUP_ZONE)
    assert (missing["Status"], missing["Resource"]) == ("fail", BACKUP_ZONE)
    assert "zone group" in missing["Detail"] and "subscription" in missing["Detail"]
    assert "--zones" in missing["Fix"] and "--create-missing-zones" in missing["Fix"]
    assert only(check_endpoints(clients, [backup.id]), "link").empty  # no zone, nothing else to check in it

    make_zone(clients, SPOKE_RG, BACKUP_ZONE)  # in the endpoint's own subscription: found by name
    found = one(check_endpoints(clients, [backup.id]), "zone", BACKUP_ZONE)
    assert found["Status"] == "pass" and f"/resourceGroups/{SPOKE_RG}/" in found["Detail"]


def test_zones_filled_by_hand_are_found_in_the_resource_groups_given(contoso, clients, hub):
    """CreateDNSEntries' way: no zone group; the records were added to the hub's zones by hand."""
    backup = make_backup(clients, hub, zone_group=False)
    link_spoke(hub)
    for fqdn, ip in backup.members.items():
        add_a_record(hub, "rg-dns", BACKUP_ZONE, alias(fqdn)[1], ip)
    frame = check_endpoints(clients, [backup.id], zone_groups=[DNS_RG])
    assert set(frame["Status"]) == {"pass"}, frame.to_string()
    assert f"resource group {DNS_RG}" in one(frame, "zone", BACKUP_ZONE)["Detail"]


# --- c. link -------------------------------------------------------------------------------------------------------


def test_a_zone_not_linked_to_the_endpoints_vnet_fails_until_linked(clients, hub, backup):
    link = one(check_endpoints(clients, [backup.id]), "link", BACKUP_ZONE)
    assert (link["Status"], link["Resource"]) == ("fail", BACKUP_ZONE)
    assert "not linked" in link["Detail"] and "vnet-spoke" in link["Detail"]
    assert BACKUP_ZONE in link["Fix"] and SPOKE_VNET in link["Fix"]

    link_spoke(hub)
    assert set(only(check_endpoints(clients, [backup.id]), "link")["Status"]) == {"pass"}


def test_a_consuming_vnet_given_must_be_linked_too(clients, hub, linked):
    bypass = one(check_endpoints(clients, [linked.id], vnets=[BYPASS_VNET]), "link", BACKUP_ZONE, "vnet-bypass")
    assert bypass["Status"] == "fail" and BYPASS_VNET in bypass["Fix"]

    link_spoke(hub, BYPASS_VNET)
    links = only(check_endpoints(clients, [linked.id], vnets=[BYPASS_VNET]), "link")
    assert links["Status"].tolist() == ["pass"] * 2 * len(ZONES)


# --- d. records ----------------------------------------------------------------------------------------------------


def test_a_missing_record_fails_until_added(clients, hub, linked):
    hub.privatedns.record_sets.delete("rg-dns", BACKUP_ZONE, "A", linked.record)
    missing = one(check_endpoints(clients, [linked.id]), "record", linked.fqdn)
    assert missing["Status"] == "fail" and missing["Detail"] == f"no A record {linked.record} in {BACKUP_ZONE}"
    assert f"{linked.record} = {linked.ip}" in missing["Fix"]

    add_a_record(hub, "rg-dns", BACKUP_ZONE, linked.record, linked.ip)
    assert one(check_endpoints(clients, [linked.id]), "record", linked.fqdn)["Status"] == "pass"


def test_a_stale_record_fails_naming_the_stale_ip(clients, hub, linked):
    add_a_record(hub, "rg-dns", BACKUP_ZONE, linked.record, "10.1.1.60")  # a deleted endpoint's IP
    stale = one(check_endpoints(clients, [linked.id]), "record", linked.fqdn)
    assert stale["Status"] == "fail" and "10.1.1.60 (stale)" in stale["Detail"] and linked.ip in stale["Detail"]
    assert "remove the whole record" in stale["Fix"] and "flush the DNS cache" in stale["Fix"]

    add_a_record(hub, "rg-dns", BACKUP_ZONE, linked.record, linked.ip)
    assert one(check_endpoints(clients, [linked.id]), "record", linked.fqdn)["Status"] == "pass"


def test_an_extra_ip_beside_the_right_one_fails_naming_it(clients, hub, linked):
    hub.privatedns.record_sets.create_or_update(
        "rg-dns",
        BACKUP_ZONE,
        "A",
        linked.record,
        {"properties": {"ttl": 10, "aRecords": [{"ipv4Address": linked.ip}, {"ipv4Address": "10.1.1.61"}]}},
    )
    extra = one(check_endpoints(clients, [linked.id]), "record", linked.fqdn)
    assert extra["Status"] == "fail" and "extra IPs 10.1.1.61" in extra["Detail"]
    assert "remove 10.1.1.61" in extra["Fix"]

    add_a_record(hub, "rg-dns", BACKUP_ZONE, linked.record, linked.ip)
    assert one(check_endpoints(clients, [linked.id]), "record", linked.fqdn)["Status"] == "pass"


def test_a_leftover_record_of_the_same_vault_warns(clients, hub, linked):
    leftover = f"{linked.vault_id}-ab-pod01-old1"
    add_a_record(hub, "rg-dns", BACKUP_ZONE, leftover, "10.1.1.40")
    add_a_record(hub, "rg-dns", BACKUP_ZONE, "1234567890123456789-ab-pod01-fc1", "10.0.1.4")  # another vault's
    warned = only(check_endpoints(clients, [linked.id]), "record")
    warned = warned[warned["Status"] != "pass"]
    assert warned["Resource"].tolist() == [f"{leftover}.{BACKUP_ZONE}"]
    row = warned.iloc[0]
    assert row["Status"] == "warn" and "extra record" in row["Detail"] and "10.1.1.40" in row["Detail"]
    assert f"delete {leftover}" in row["Fix"]

    hub.privatedns.record_sets.delete("rg-dns", BACKUP_ZONE, "A", leftover)
    assert set(only(check_endpoints(clients, [linked.id]), "record")["Status"]) == {"pass"}


# --- e. resolution -------------------------------------------------------------------------------------------------


def test_resolution_fails_through_the_spokes_dns_until_the_spoke_is_linked(contoso, clients, hub, backup):
    with DnsServer(contoso, SPOKE_VNET) as server:
        nameserver = f"{server.host}:{server.port}"
        public = one(check_endpoints(clients, [backup.id], nameserver=nameserver), "resolution", backup.fqdn)
        assert public["Status"] == "fail" and "a public address" in public["Detail"]
        assert f"the NIC holds {backup.ip}" in public["Detail"]
        assert "168.63.129.16" in public["Fix"] and f"link {BACKUP_ZONE}" in public["Fix"]

        link_spoke(hub)
        resolved = one(check_endpoints(clients, [backup.id], nameserver=nameserver), "resolution", backup.fqdn)
        assert resolved["Status"] == "pass" and resolved["Detail"] == (
            f"{nameserver} answers {backup.ip}, in the endpoint subnet 10.1.1.0/26"
        )


def test_a_missing_record_resolves_to_nothing(contoso, clients, hub, linked):
    hub.privatedns.record_sets.delete("rg-dns", BACKUP_ZONE, "A", linked.record)
    with DnsServer(contoso, SPOKE_VNET) as server:
        row = one(
            check_endpoints(clients, [linked.id], nameserver=f"127.0.0.1:{server.port}"), "resolution", linked.fqdn
        )
    assert row["Status"] == "fail" and "no address (NXDOMAIN)" in row["Detail"]


# --- f. vault ------------------------------------------------------------------------------------------------------


def test_a_vault_open_to_the_public_warns_until_denied(clients, hub, linked):
    def public_access(value: str) -> dict[str, str]:
        hub.recoveryservices.vaults.begin_update(
            "rg-recovery", "rsv-backup-wus3", {"properties": {"publicNetworkAccess": value}}
        ).result()
        return one(check_endpoints(clients, [linked.id]), "vault", contains="public network access")

    opened = public_access("Enabled")
    assert opened["Status"] == "warn" and opened["Detail"] == "public network access Enabled"
    assert "deny public network access" in opened["Fix"]
    assert public_access("Disabled")["Status"] == "pass"


# --- options -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, field",
    [
        ({"nameserver": "127.0.0.1:dns"}, "--nameserver"),
        ({"nameserver": ":53"}, "--nameserver"),
        ({"vnets": [SPOKE_ENDPOINTS]}, "--vnet"),  # a subnet, not a VNet
        ({"zone_groups": [VAULT]}, "--zones"),  # a vault, not a resource group
    ],
)
def test_bad_options_are_input_errors_naming_the_option(clients, linked, options, field):
    with pytest.raises(InputError, match=field):
        check_endpoints(clients, [linked.id], **options)


def test_a_zone_resource_group_that_does_not_exist_is_an_input_error(clients, hub):
    backup = make_backup(clients, hub, zone_group=False)
    with pytest.raises(InputError, match=r"--zones: .*rg-nowhere"):
        check_endpoints(clients, [backup.id], zone_groups=[DNS_RG.replace("rg-dns", "rg-nowhere")])
