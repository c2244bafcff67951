"""Backup through a proxy server: the domains it must allow, and its VNet's zone links and peering, read through the
SDK (`runbook dns proxy-domains`, `runbook dns proxy-check`)."""

from __future__ import annotations

import json

import pytest
from azure.mgmt.network.models import VirtualNetworkPeering

from runbook_lib.dns.proxy import check_proxy_network, proxy_domains
from runbook_lib.errors import InputError
from runbook_lib.journal import CheckStatus
from tests.builders import link_zone, make_vnet, make_zone
from tests.cli import one_line_error, runbook
from tests.sandbox.test_resolve import BACKUP_ZONE, BLOB_ZONE, BackupEstate, make_backup_estate

QUEUE_ZONE = "privatelink.queue.core.windows.net"


@pytest.fixture
def estate(clients, rg) -> BackupEstate:
    """pe-backup in vnet-hub; its three zones (Backup, blob, queue) linked to vnet-hub."""
    backup = make_backup_estate(clients, rg)
    link_zone(clients, rg, BACKUP_ZONE, backup.vnet_id)
    for zone in (BLOB_ZONE, QUEUE_ZONE):
        make_zone(clients, rg, zone, link_to=backup.vnet_id)
    return backup


@pytest.fixture
def proxy(clients, rg) -> str:
    return make_vnet(clients, rg, "vnet-proxy", "10.2.0.0/16", {"proxy": "10.2.0.0/24"})[""]


def peer(clients, rg: str, vnet: str, name: str, remote_id: str) -> None:
    clients.network.virtual_network_peerings.begin_create_or_update(
        rg, vnet, name, VirtualNetworkPeering(remote_virtual_network={"id": remote_id})
    ).result()


def endpoint(clients, rg: str) -> str:
    return clients.network.private_endpoints.get(rg, "pe-backup").id


def failures(rows) -> dict[tuple[str, str], dict]:
    return {(r["Check"], r["Resource"]): r for r in rows.to_dict("records") if r["Status"] == CheckStatus.FAIL}


def test_a_proxy_vnet_neither_linked_nor_peered_fails_each_with_its_fix(clients, rg, estate, proxy):
    failed = failures(check_proxy_network(clients, proxy, [endpoint(clients, rg)]))
    for zone in (BACKUP_ZONE, BLOB_ZONE, QUEUE_ZONE):
        assert "vnet-proxy" in failed["link", zone]["Detail"] and proxy in failed["link", zone]["Fix"]
    peering = failed["peering", "vnet-proxy <-> vnet-hub"]
    assert "no peering" in peering["Detail"] and "both ways" in peering["Fix"]


def test_a_one_sided_peering_is_initiated_and_still_fails(clients, rg, estate, proxy):
    peer(clients, rg, "vnet-proxy", "proxy-to-hub", estate.vnet_id)
    failed = failures(check_proxy_network(clients, proxy, [endpoint(clients, rg)]))
    assert "Initiated" in failed["peering", "vnet-proxy <-> vnet-hub"]["Detail"]


def test_linked_and_peered_both_ways_passes_on_the_command_line(sandbox, clients, rg, estate, proxy):
    for zone in (BACKUP_ZONE, BLOB_ZONE, QUEUE_ZONE):
        link_zone(clients, rg, zone, proxy)
    peer(clients, rg, "vnet-proxy", "proxy-to-hub", estate.vnet_id)
    peer(clients, rg, "vnet-hub", "hub-to-proxy", proxy)
    done = runbook(
        "dns", "proxy-check", endpoint(clients, rg), "--proxy-vnet", proxy, "--json", "--state", str(sandbox.path)
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {r["Status"] for r in rows} == {"pass"}
    assert {r["Check"] for r in rows} == {"zone", "link", "peering"} and len(rows) == 3 + 6 + 1

    clients.network.virtual_network_peerings.begin_delete(rg, "vnet-hub", "hub-to-proxy").result()
    again = runbook(
        "dns", "proxy-check", endpoint(clients, rg), "--proxy-vnet", proxy, "--json", "--state", str(sandbox.path)
    )
    assert again.returncode == 1 and "Disconnected" in again.stdout


def test_a_proxy_vnet_that_does_not_exist_is_one_line(sandbox, clients, rg, estate):
    missing = estate.vnet_id.replace("vnet-hub", "vnet-nope")
    with pytest.raises(InputError, match="--proxy-vnet"):
        check_proxy_network(clients, missing, [endpoint(clients, rg)])
    done = runbook("dns", "proxy-check", endpoint(clients, rg), "--proxy-vnet", missing, "--state", str(sandbox.path))
    assert done.returncode == 2
    one_line_error(done, "--proxy-vnet", "vnet-nope")


def test_the_domains_follow_the_article_and_the_cloud(tmp_path):
    public = proxy_domains("public")
    assert {
        "*.backup.windowsazure.com",
        "*.blob.core.windows.net",
        "*.queue.core.windows.net",
        "*.blob.storage.azure.net",
        "login.microsoftonline.com",
        "20.190.128.0/18",
    } <= set(public["Allow"])
    usgov = set(proxy_domains("usgov")["Allow"])
    assert {"*.backup.windowsazure.us", "*.blob.core.usgovcloudapi.net", "login.microsoftonline.us"} <= usgov
    assert not any("windows.net" in d or d.endswith(".com") for d in usgov)
    out = tmp_path / "proxy.txt"
    done = runbook("dns", "proxy-domains", "--cloud", "china", "--out", str(out))
    assert done.returncode == 0, done.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# ") and "set-up-proxy-server" in lines[0]
    assert "*.backup.windowsazure.cn" in lines and "login.chinacloudapi.cn" in lines
