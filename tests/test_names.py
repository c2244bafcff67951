"""Azure's naming rules (runbook_lib/names.py): each kind's bounds, characters and ends, and the names the runbooks
derive (zones, records, links, endpoints) keeping them."""

from __future__ import annotations

import pytest

from runbook_lib.dns.links import link_name
from runbook_lib.dns.zones import known_zones
from runbook_lib.names import ARM_CODES, NameKind, name_fault, name_problem, rule_words
from runbook_lib.private_link import CLOUDS, alias, member_fqdn

K = NameKind
NETWORK_RULE = (
    "letters, digits, '_', '.' and '-', starting with a letter or digit and ending with a letter, digit or '_'"
)


@pytest.mark.parametrize(
    "kind, good",
    [
        (K.RESOURCE_GROUP, ["r", "r" * 90, "rg_(prod).eu-1", "rg-müller", "RG-データ"]),
        (K.RECOVERY_SERVICES_VAULT, ["rs", "r" * 50, "Rsv-Prod-01", "rsv-"]),
        (K.STORAGE_ACCOUNT, ["abc", "a" * 24, "0cache2024"]),
        (K.VIRTUAL_NETWORK, ["vn", "v" * 64, "vnet_hub.01_"]),
        (K.SUBNET, ["s", "s" * 80, "snet-endpoints"]),
        (K.PRIVATE_ENDPOINT, ["pe", "p" * 64, "9pe.backup_"]),
        (K.NETWORK_INTERFACE, ["n", "n" * 80, "pe-bkp.nic.0d3c5a7e-1b2c-4d5e-8f90-0123456789ab"]),
        (K.PRIVATE_DNS_ZONE_GROUP, ["default", "d" * 80]),
        (K.VIRTUAL_NETWORK_LINK, ["l", "l" * 80, "link-vnet-hub-0a1b2c3d"]),
        (
            K.PRIVATE_DNS_ZONE,
            [
                "contoso.com",
                "privatelink.wus3.backup.windowsazure.com",
                "a_b.c-d",
                ".".join(["a"] * 32),
                "x" * 61 + ".y",
            ],
        ),
        (K.RECORD_SET, ["@", "*", "*.app", "_sip._tcp", "1234567890123456789-asr-pod01-rcm1.wus3", "r" * 63]),
    ],
)
def test_names_azure_takes_have_no_problem(kind, good):
    assert [name for name in good if name_problem(kind, name)] == []


@pytest.mark.parametrize(
    "kind, name, fault",
    [
        (K.RESOURCE_GROUP, "", "it is 0 characters long"),
        (K.RESOURCE_GROUP, "r" * 91, "it is 91 characters long"),
        (K.RESOURCE_GROUP, "rg.", "it ends with '.'"),
        (K.RESOURCE_GROUP, "rg#1", "it has '#'"),
        (K.RECOVERY_SERVICES_VAULT, "r", "it is 1 character long"),
        (K.RECOVERY_SERVICES_VAULT, "r" * 51, "it is 51 characters long"),
        (K.RECOVERY_SERVICES_VAULT, "1rsv", "it starts with '1'"),
        (K.RECOVERY_SERVICES_VAULT, "rsv_prod", "it has '_'"),
        (K.STORAGE_ACCOUNT, "ab", "it is 2 characters long"),
        (K.STORAGE_ACCOUNT, "a" * 25, "it is 25 characters long"),
        (K.STORAGE_ACCOUNT, "Cache-SA", "it has 'C', '-', 'S', 'A'"),
        (K.VIRTUAL_NETWORK, "v", "it is 1 character long"),
        (K.VIRTUAL_NETWORK, "v" * 65, "it is 65 characters long"),
        (K.SUBNET, "s" * 81, "it is 81 characters long"),
        (K.PRIVATE_ENDPOINT, "p", "it is 1 character long"),
        (K.PRIVATE_ENDPOINT, "p" * 65, "it is 65 characters long"),
        (K.PRIVATE_ENDPOINT, "_pe", "it starts with '_'"),
        (K.PRIVATE_ENDPOINT, "pe.", "it ends with '.'"),
        (K.PRIVATE_ENDPOINT, "pe-", "it ends with '-'"),
        (K.PRIVATE_ENDPOINT, "pe_bkp!", "it has '!'"),
        (K.NETWORK_INTERFACE, "n" * 81, "it is 81 characters long"),
        (K.PRIVATE_DNS_ZONE_GROUP, "", "it is 0 characters long"),
        (K.VIRTUAL_NETWORK_LINK, "link vnet", "it has ' '"),
        (K.PRIVATE_DNS_ZONE, "contoso", "it has 1 label"),
        (K.PRIVATE_DNS_ZONE, "x" * 62 + ".y", "it is 64 characters long"),
        (K.PRIVATE_DNS_ZONE, "a..com", "it has an empty label"),
        (K.PRIVATE_DNS_ZONE, "contoso.com.", "it has an empty label"),
        (K.PRIVATE_DNS_ZONE, "con toso.com", "it has ' '"),
        (K.RECORD_SET, "", "it has an empty label"),
        (K.RECORD_SET, "a.*", "it has '*'"),
        (K.RECORD_SET, "r" * 64, "its label 'rrrrrrrrrrrr...' is 64 characters long"),
        (K.RECORD_SET, "vm 1", "it has ' '"),
    ],
)
def test_a_name_azure_refuses_says_what_breaks_the_rule(kind, name, fault):
    assert name_fault(kind, name) == fault
    assert name_problem(kind, name) == f"'{name}' is not a valid {kind.value} name ({fault}): {rule_words(kind)}"


def test_the_rules_read_as_words_not_regexes():
    assert name_problem(K.PRIVATE_ENDPOINT, "pe_bkp!") == (
        f"'pe_bkp!' is not a valid private endpoint name (it has '!'): 2 to 64 characters, {NETWORK_RULE}"
    )
    assert rule_words(K.STORAGE_ACCOUNT) == "3 to 24 characters, lower-case letters and digits only"
    assert rule_words(K.RECOVERY_SERVICES_VAULT) == (
        "2 to 50 characters, letters, digits and '-', starting with a letter"
    )
    assert rule_words(K.RESOURCE_GROUP).endswith("not ending with '.'")
    assert all("[" not in rule_words(kind) and "\\" not in rule_words(kind) for kind in NameKind)


def test_a_record_counts_its_zone_towards_the_dns_name_limit():
    zone = "privatelink.blob.core.windows.net"  # 33 characters: 253 - 34 = 219 left for the record
    record = ".".join(["r" * 63] * 3) + "." + "r" * 27  # 219 characters
    assert name_problem(K.RECORD_SET, record, zone=zone) is None
    assert name_fault(K.RECORD_SET, record + "r", zone=zone) == "it makes a name of 254 characters with its zone"


def test_every_kind_has_azure_error_code():
    assert ARM_CODES[K.STORAGE_ACCOUNT] == "AccountNameInvalid"
    assert ARM_CODES[K.PRIVATE_ENDPOINT] == ARM_CODES[K.NETWORK_INTERFACE] == "InvalidResourceName"
    assert ARM_CODES[K.RESOURCE_GROUP] == "InvalidResourceGroup"
    assert set(ARM_CODES) == set(NameKind)


# --- the names the runbooks derive keep the rules ---------------------------------------------------------------


def test_every_zone_a_runbook_may_create_is_a_valid_zone_name():
    """Every private-link zone, in every cloud, with every published Backup geo code."""
    assert [zone for zone in known_zones() if name_problem(K.PRIVATE_DNS_ZONE, zone)] == []


@pytest.mark.parametrize(
    "service, host, geo",
    [
        ("backup", "1234567890123456789-ab-pod01-wbcm1", "wus3"),
        ("siterecovery", "1234567890123456789-asr-pod01-rcm1.uks", ""),
        ("blob", "a" * 24, ""),
        ("queue", "cachesa01", ""),
        ("vault", "kv-migrate-" + "k" * 13, ""),
        ("migration", "0d3c5a7e-1b2c-4d5e-8f90-0123456789ab-isv.wus3.hub", ""),
    ],
)
def test_the_record_a_member_fqdn_gives_is_a_valid_record_set_name(service, host, geo):
    for cloud in CLOUDS:
        zone, record = alias(member_fqdn(service, cloud, host, geo))
        assert name_problem(K.RECORD_SET, record, zone=zone) is None, (cloud, zone, record)


def test_link_names_derived_from_any_valid_vnet_name_are_valid():
    """'link-{vnet}' and, when that is taken, 'link-{vnet}-{hash}': at most 5 + 64 + 9 characters."""
    for vnet in ("vn", "v" * 64, "vnet_hub.01_", "9vnet"):
        vnet_id = f"/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/{vnet}"
        plain = link_name(vnet_id, ())
        hashed = link_name(vnet_id, {plain})
        assert hashed != plain
        assert [name for name in (plain, hashed) if name_problem(K.VIRTUAL_NETWORK_LINK, name)] == []


def test_storage_endpoint_names_derived_from_any_valid_account_are_valid():
    """migrate replication's '{account}-blob-pe': at most 24 + 8 characters of a valid account's."""
    assert all(name_problem(K.PRIVATE_ENDPOINT, f"{account}-blob-pe") is None for account in ("abc", "a" * 24, "0ab"))
