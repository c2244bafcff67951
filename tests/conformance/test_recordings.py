"""The sandbox against real Azure traffic: the Azure CLI's recorded tests, replayed (tests/conformance/replay.py).

``recordings/`` holds request/response captures from real Azure, published (MIT) in Azure/azure-cli;
``recordings/SOURCES.md`` names each one's repository path, the version read, and what it covers. Every recording
is replayed in a fresh estate and must get the answers Azure gave. One the sandbox does not answer the same yet is
an expected failure (``EXPECTED_FAILURES``, strict: it fails the day it passes, so the mark is removed), never a
skip; ``test_summary`` counts them, and the aim is none.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from tests.conformance.recorded_answers import compare_bodies
from tests.conformance.replay import RECORDINGS, Replay, count, load_recording

SOURCES = RECORDINGS / "SOURCES.md"

# Key paths compared besides id, name, type, location, provisioningState and the etag: what the CLI test asserts.
FIELDS: dict[str, tuple[str, ...]] = {
    "test_PutZone_ZoneNotExists_ExpectZoneCreated.yaml": (
        "properties.numberOfRecordSets",
        "properties.numberOfVirtualNetworkLinks",
        "properties.numberOfVirtualNetworkLinksWithRegistration",
        "properties.maxNumberOfRecordSets",
    ),
    "test_PutZone_ZoneExistsIfNoneMatchFailure_ExpectError.yaml": ("properties.numberOfRecordSets",),
    "test_PatchRecordSet_IfMatchFailure_ExpectError.yaml": (
        "properties.fqdn",
        "properties.ttl",
        "properties.aRecords",
        "properties.isAutoRegistered",
    ),
    "test_ListRecordSetsAcrossType_DefaultRecordSetPresent_ExpectDefaultRecordSetRetrieved.yaml": (
        "properties.fqdn",
        "properties.ttl",
        "properties.isAutoRegistered",
        "properties.soaRecord.host",
        "properties.soaRecord.email",
        "properties.soaRecord.serialNumber",
        "properties.soaRecord.refreshTime",
        "properties.soaRecord.retryTime",
        "properties.soaRecord.expireTime",
        "properties.soaRecord.minimumTtl",
    ),
    "test_PutLink_LinkExistsIfNoneMatchFailure_ExpectError.yaml": (
        "properties.registrationEnabled",
        "properties.virtualNetwork.id",
        "properties.virtualNetworkLinkState",
        "properties.addressSpace.addressPrefixes",
        "properties.dhcpOptions.dnsServers",
        "properties.subnets",
    ),
    "test_PatchRecordSet_IfMatchSuccess_ExpectRecordSetUpdated.yaml": (
        "properties.fqdn",
        "properties.ttl",
        "properties.aRecords",
        "properties.metadata",
    ),
    "test_PatchLink_LinkExistsIfMatchFailure_ExpectError.yaml": (
        "properties.registrationEnabled",
        "properties.virtualNetwork.id",
        "properties.virtualNetworkLinkState",
    ),
    "test_PutRecordSet_IfNoneMatchFailure_ExpectError.yaml": (
        "properties.fqdn",
        "properties.ttl",
        "properties.aRecords",
        "properties.isAutoRegistered",
    ),
    "test_role_assignment_create_using_principal_type.yaml": (
        "properties.roleName",
        "properties.type",
        "properties.roleDefinitionId",
        "properties.principalId",
        "properties.principalType",
        "properties.scope",
    ),
    "test_storage_account_private_endpoint.yaml": (
        "properties.addressPrefix",
        "properties.privateEndpointNetworkPolicies",
        "properties.groupId",
        "properties.requiredMembers",
        "properties.requiredZoneNames",
        "kind",
        "sku.name",
        "properties.primaryEndpoints.blob",
        "properties.privateEndpoint.id",
        "properties.privateLinkServiceConnectionState.status",
        "properties.customDnsConfigs[].fqdn",
        "properties.customDnsConfigs[].ipAddresses",
        "properties.privateLinkServiceConnections[].properties.privateLinkServiceConnectionState.status",
    ),
    "test_role_assignment_no_graph.yaml": (
        "properties.roleDefinitionId",
        "properties.principalId",
        "properties.principalType",
        "properties.scope",
    ),
    "test_network_private_endpoint_private_dns_zone_group.yaml": (
        "properties.numberOfRecordSets",
        "properties.privateDnsZoneConfigs[].name",
        "properties.privateDnsZoneConfigs[].id",
        "properties.privateDnsZoneConfigs[].type",
        "properties.privateDnsZoneConfigs[].properties.privateDnsZoneId",
        "properties.privateDnsZoneConfigs[].properties.recordSets",
    ),
    "test_backup_identity.yaml": (
        "sku.name",
        "identity.type",
        "properties.privateEndpointStateForBackup",
        "properties.privateEndpointStateForSiteRecovery",
    ),
}

# What the CLI's test framework made before it recorded (a StorageAccountPreparer), as the recording shows it, and
# what the interactions trimmed from a recording's head made (SOURCES.md), from their own request bodies.
SA_PE = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/cli_test_sa_pe000001/providers"
ZONE_GROUP = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
    "fanqiu_cli_test_network_private_endpoints000001/providers"
)
STORAGE_V2 = {"location": "westus", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}
GIVEN: dict[str, dict[str, dict]] = {
    "test_storage_account_private_endpoint.yaml": {
        f"{SA_PE}/Microsoft.Storage/storageAccounts/saplr000002?api-version=2021-08-01": STORAGE_V2,
    },
    "test_PatchRecordSet_IfMatchSuccess_ExpectRecordSetUpdated.yaml": {
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/clitest_privatedns000001/providers/"
        "Microsoft.Network/privateDnsZones/clitest.privatedns.com000002?api-version=2018-09-01": {"location": "global"},
    },
    "test_network_private_endpoint_private_dns_zone_group.yaml": {
        f"{ZONE_GROUP}/Microsoft.Storage/storageAccounts/saplr000002?api-version=2021-09-01": STORAGE_V2,
        f"{ZONE_GROUP}/Microsoft.Network/virtualNetworks/cli-vnet-000003?api-version=2021-08-01": {
            "location": "CentralUSEuap",
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [
                    {
                        "name": "cli-subnet-000004",
                        "properties": {"addressPrefix": "10.0.0.0/24", "privateEndpointNetworkPolicies": "Disabled"},
                    }
                ],
            },
        },
        f"{ZONE_GROUP}/Microsoft.Network/privateEndpoints/cli-pe-000005?api-version=2021-08-01": {
            "location": "CentralUSEuap",
            "properties": {
                "subnet": {
                    "id": f"{ZONE_GROUP}/Microsoft.Network/virtualNetworks/cli-vnet-000003/subnets/cli-subnet-000004"
                },
                "privateLinkServiceConnections": [
                    {
                        "name": "cli-pec-000006",
                        "properties": {
                            "privateLinkServiceId": f"{ZONE_GROUP}/Microsoft.Storage/storageAccounts/saplr000002",
                            "groupIds": ["blob"],
                        },
                    }
                ],
            },
        },
    },
}

# A recording the sandbox answers differently today -> exactly how (interaction numbers count from 1 in the file).
EXPECTED_FAILURES: dict[str, str] = {}


def recording_names() -> list[str]:
    return sorted(p.name for p in RECORDINGS.glob("*.yaml"))


class KnownDifferences(AssertionError):
    """The sandbox differs from Azure only at the interactions its expected failure names."""


def named_interactions(reason: str) -> set[int]:
    """The interaction numbers a reason names: '#6-#8, #10' -> {6, 7, 8, 10}."""
    found = set()
    for first, last in re.findall(r"#(\d+)(?:-#(\d+))?", reason):
        found |= set(range(int(first), int(last or first) + 1))
    return found


def case(name: str):
    reason = EXPECTED_FAILURES.get(name)
    marks = [pytest.mark.xfail(strict=True, raises=KnownDifferences, reason=reason)] if reason else []
    return pytest.param(name, marks=marks, id=name.removeprefix("test_").removesuffix(".yaml"))


@pytest.mark.parametrize("name", [case(n) for n in recording_names()])
def test_recording(name: str, tmp_path: Path) -> None:
    """Replays one recording. A recording expected to fail must fail only where its reason says (a difference at
    another interaction fails the test), and one that passes fails it too (strict), so the mark is removed."""
    replay = Replay(name, FIELDS.get(name, ()), GIVEN.get(name, {})).run(tmp_path)
    assert replay.sent, f"{name}: no interaction was replayed"
    if not replay.differences:
        return
    said = (
        f"{name}: the sandbox answers differently from Azure ({len(replay.differences)} difference(s)):\n  "
        + "\n  ".join(replay.differences)
    )
    expected = named_interactions(EXPECTED_FAILURES.get(name, ""))
    where = {int(re.match(r"#(\d+)", d).group(1)) for d in replay.differences}
    if expected and where <= expected:
        raise KnownDifferences(said)
    raise AssertionError(said)


def test_every_recording_has_its_source() -> None:
    names = recording_names()
    assert names, f"no recordings in {RECORDINGS}"
    sources = SOURCES.read_text()
    assert [n for n in names if f"`{n}`" not in sources] == [], "recordings SOURCES.md does not name"
    named = set(FIELDS) | set(GIVEN) | set(EXPECTED_FAILURES)
    assert named <= set(names), f"entries for recordings not shipped: {sorted(named - set(names))}"
    assert "seed" not in sources.lower()


def test_summary() -> None:
    """One count line, and one line per expected failure; run with -s to see them."""
    names = recording_names()
    kinds = sum((count(load_recording(name)) for name in names), Counter())
    print(
        f"\nAzure CLI recordings: {len(names)} shipped, {sum(kinds.values())} interactions: "
        f"{kinds['replayed']} replayed, {kinds['polls left out']} polls of operations still in progress left out, "
        f"{kinds['not ARM']} to other hosts than ARM; {len(names) - len(EXPECTED_FAILURES)} recordings pass, "
        f"{len(EXPECTED_FAILURES)} expected to fail"
    )
    for name, reason in sorted(EXPECTED_FAILURES.items()):
        print(f"  xfail {name}: {reason}")
    assert set(EXPECTED_FAILURES) <= set(names)


def test_replay_finds_what_differs(tmp_path: Path) -> None:
    """The replay itself can fail: a zone that exists where Azure had none is a different status, and a body
    differs at the key fields it compares."""
    zone = (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/clitest_privatedns000001/providers/"
        "Microsoft.Network/privateDnsZones/clitest.privatedns.com000002?api-version=2018-09-01"
    )
    replay = Replay("test_GetZone_ZoneNotExists_ExpectError.yaml", given={zone: {"location": "global"}})
    differences = replay.run(tmp_path).differences
    assert len(differences) == 1 and differences[0].startswith("#1 GET ")
    assert differences[0].split(": ", 1)[1].startswith("status 200, Azure answered 404")
    azure = {"id": "/subscriptions/X/resourceGroups/rg/providers/A.B/c/d", "name": "d", "properties": {"ttl": 5}}
    same = {**azure, "id": azure["id"].upper().replace("/SUBSCRIPTIONS/X", "/subscriptions/s")}
    assert compare_bodies(azure, same, ("properties.ttl",), "s") == []  # ids compare case-insensitively
    assert compare_bodies(azure, {**same, "properties": {"ttl": 6}}, ("properties.ttl",), "s") == [
        "properties.ttl is 6, Azure's is 5"
    ]
    assert compare_bodies({"value": [azure]}, {"value": []}, (), "s") == ["the list holds [], Azure's holds ['None/d']"]
    assert named_interactions("#6-#8: x; #10") == {6, 7, 8, 10}
