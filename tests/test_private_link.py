"""Private-link FQDNs map to the zone and record name Azure's privatelink CNAME points at."""

from __future__ import annotations

import pytest

from runbook_lib.private_link import alias, member_fqdn, public_fqdn, zone_name


@pytest.mark.parametrize(
    "fqdn, zone, record",
    [
        (
            "123-ab-pod01-fc1.wus3.backup.windowsazure.com",
            "privatelink.wus3.backup.windowsazure.com",
            "123-ab-pod01-fc1",
        ),
        ("123-ab-pod01-fc1.ugv.backup.windowsazure.us", "privatelink.ugv.backup.windowsazure.us", "123-ab-pod01-fc1"),
        (
            "123-asr-pod01-rcm1.wus3.siterecovery.windowsazure.com",
            "privatelink.siterecovery.windowsazure.com",
            "123-asr-pod01-rcm1.wus3",
        ),  # the geo stays in the record name
        ("StCache01.blob.core.windows.net.", "privatelink.blob.core.windows.net", "stcache01"),
        ("abcpod01prot120.z05.blob.storage.azure.net", "privatelink.blob.core.windows.net", "abcpod01prot120"),
        ("stcache01.queue.core.chinacloudapi.cn", "privatelink.queue.core.chinacloudapi.cn", "stcache01"),
        ("kv-migrate.vault.usgovcloudapi.net", "privatelink.vaultcore.usgovcloudapi.net", "kv-migrate"),
        (
            "guid-isv.wus3.hub.prod.migration.windowsazure.com",
            "privatelink.prod.migration.windowsazure.com",
            "guid-isv.wus3.hub",
        ),
    ],
)
def test_alias_gives_zone_and_record(fqdn, zone, record):
    assert alias(fqdn) == (zone, record)
    if ".storage.azure.net" not in fqdn:  # a partitioned name's zone number is not in its record
        assert public_fqdn(record, zone) == fqdn.lower().rstrip(".")


def test_a_partitioned_name_comes_back_under_the_classic_suffix():
    assert (
        public_fqdn("abcpod01prot120", "privatelink.blob.core.windows.net") == "abcpod01prot120.blob.core.windows.net"
    )


@pytest.mark.parametrize(
    "zone",
    [
        "contoso.com",
        "privatelink.contoso.com",
        "privatelink.a.b.backup.windowsazure.com",
        "wus3.backup.windowsazure.com",
    ],
)
def test_zones_that_are_not_privatelink_zones(zone):
    assert public_fqdn("x", zone) is None


@pytest.mark.parametrize(
    "fqdn",
    [
        "stcache01.privatelink.blob.core.windows.net",  # already the alias
        "www.contoso.com",
        "backup.windowsazure.com",
    ],
)
def test_names_that_are_not_private_link_members(fqdn):
    assert alias(fqdn) is None


def test_fqdns_and_zones_are_built_per_cloud():
    assert member_fqdn("backup", "usgov", "1-ab-pod01-id1", "ugv") == "1-ab-pod01-id1.ugv.backup.windowsazure.us"
    assert zone_name("vault", "china") == "privatelink.vaultcore.azure.cn"
    assert zone_name("backup", "public", "uks") == "privatelink.uks.backup.windowsazure.com"
