"""Azure Backup through a proxy server ("Set up proxy server for Recovery Services vault with private endpoint" of
"Create and use private endpoints (v1 experience) for Azure Backup"): the domains the proxy must allow, and a check
that the proxy's VNet is linked to the zones the endpoints need and peered with each endpoint's VNet (the proxy
then reaches the private IPs)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from azure.core.exceptions import ResourceNotFoundError

from ..azure import AzureClients
from ..azure.enums import text_of
from ..azure.errors import arm_code
from ..azure.ids import name_of, parse_id, parse_typed_id
from ..clouds import find_cloud
from ..errors import InputError
from ..journal import CheckStatus
from .checks import COLUMNS, VNET, check_row, inspect_endpoints

ARTICLE = (
    'Create and use private endpoints (v1 experience) for Azure Backup, "Set up proxy server for Recovery '
    'Services vault with private endpoint": https://learn.microsoft.com/azure/backup/private-endpoints'
    "#set-up-proxy-server-for-recovery-services-vault-with-private-endpoint"
)
DOMAIN_COLUMNS = ["Service", "Allow", "Port", "Note"]

# the article's Microsoft Entra ID row (Microsoft 365 Common and Office Online, sections 56 and 59): public cloud
_ENTRA_PUBLIC = (
    "*.msftidentity.com",
    "*.msidentity.com",
    "account.activedirectory.windowsazure.com",
    "accounts.accesscontrol.windows.net",
    "adminwebservice.microsoftonline.com",
    "api.passwordreset.microsoftonline.com",
    "autologon.microsoftazuread-sso.com",
    "becws.microsoftonline.com",
    "clientconfig.microsoftonline-p.net",
    "companymanager.microsoftonline.com",
    "device.login.microsoftonline.com",
    "graph.microsoft.com",
    "graph.windows.net",
    "login.microsoft.com",
    "login.microsoftonline.com",
    "login.microsoftonline-p.com",
    "login.windows.net",
    "logincert.microsoftonline.com",
    "loginex.microsoftonline.com",
    "login-us.microsoftonline.com",
    "nexus.microsoftonline-p.com",
    "passwordreset.microsoftonline.com",
    "provisioningapi.microsoftonline.com",
    "20.190.128.0/18",
    "40.126.0.0/18",
    "2603:1006:2000::/48",
    "2603:1007:200::/48",
    "2603:1016:1400::/48",
    "2603:1017::/48",
    "2603:1026:3000::/48",
    "2603:1027:1::/48",
    "2603:1036:3000::/48",
    "2603:1037:1::/48",
    "2603:1046:2000::/48",
    "2603:1047:1::/48",
    "2603:1056:2000::/48",
    "2603:1057:2::/48",
    "*.hip.live.com",
    "*.microsoftonline.com",
    "*.microsoftonline-p.com",
    "*.msauth.net",
    "*.msauthimages.net",
    "*.msecnd.net",
    "*.msftauth.net",
    "*.msftauthimages.net",
    "*.phonefactor.net",
    "enterpriseregistration.windows.net",
    "management.azure.com",
    "policykeyservice.dc.ad.msft.net",
)


def proxy_domains(cloud_name: str = "public") -> pd.DataFrame:
    """What the proxy must allow for Backup with private endpoints: one row per domain (or IP range)."""
    cloud = find_cloud(cloud_name)
    public = cloud.name == "public"
    note = "" if public else f"the article lists the public cloud's; this is its {cloud.title} counterpart"
    rows = [("Azure Backup", f"*.{cloud.suffixes['backup']}", "443", note)]
    rows += [("Azure Storage", f"*.{cloud.suffixes[service]}", "443", note) for service in ("blob", "queue")]
    if public:
        rows += [("Azure Storage", "*.blob.storage.azure.net", "443", "")]
        rows += [("Microsoft Entra ID", entry, "as applicable", "") for entry in _ENTRA_PUBLIC]
    else:
        rows += [
            ("Microsoft Entra ID", cloud.authority_host, "443", note),
            ("Azure Resource Manager", _host_of(cloud.resource_manager), "443", note),
        ]
    return pd.DataFrame(rows, columns=DOMAIN_COLUMNS)


def export_proxy_domains(cloud_name: str) -> str:
    """The list for the firewall team: one domain or range a line, after a comment naming the article."""
    frame = proxy_domains(cloud_name)
    return f"# {ARTICLE}\n" + "".join(f"{allow}\n" for allow in frame["Allow"])


def _host_of(url: str) -> str:
    return url.split("//", 1)[-1].rstrip("/")


def check_proxy_network(
    clients: AzureClients, proxy_vnet_id: str, ids: Sequence[str], zone_groups: Sequence[str] = ()
) -> pd.DataFrame:
    """The checks table's rows: each zone the endpoints ``ids`` need is there and linked to the proxy's VNet (and
    the endpoint's), and the proxy's VNet is peered (Connected) with each endpoint's VNet."""
    proxy = parse_typed_id(proxy_vnet_id, VNET, "--proxy-vnet").id
    peers = peered_vnets(clients, proxy)
    inspection = inspect_endpoints(clients, ids, vnets=[proxy], zone_groups=zone_groups)
    results = inspection.results
    rows = results[results["Check"].isin(["zone", "link"])].to_dict("records")
    for vnet_id in dict.fromkeys(e.vnet_id for e in inspection.endpoints):
        rows.append(peering_row(proxy, vnet_id, peers))
    return pd.DataFrame(rows, columns=COLUMNS)


def peered_vnets(clients: AzureClients, vnet_id: str) -> dict[str, str]:
    """The remote VNet id (lower case) -> the peering's state, for every peering of the VNet."""
    rid = parse_id(vnet_id)
    try:
        peerings = list(
            clients.for_subscription(rid.subscription).network.virtual_network_peerings.list(
                rid.resource_group, rid.name
            )
        )
    except ResourceNotFoundError as error:
        raise InputError(
            f"--proxy-vnet: {vnet_id}: {arm_code(error) or 'not found'}; give the id of the VNet the "
            "proxy server runs in"
        ) from None
    return {
        p.remote_virtual_network.id.lower(): text_of(p.peering_state, "None")
        for p in peerings
        if p.remote_virtual_network and p.remote_virtual_network.id
    }


def peering_row(proxy: str, vnet_id: str, peers: dict[str, str]) -> dict[str, str]:
    resource = f"{name_of(proxy)} <-> {name_of(vnet_id)}"
    if vnet_id.lower() == proxy.lower():
        return check_row(
            "peering", resource, CheckStatus.PASS, "the proxy runs in the endpoint's VNet: no peering needed", ""
        )
    state = peers.get(vnet_id.lower())
    fix = (
        f"peer {name_of(proxy)} and {name_of(vnet_id)} both ways (a peering on each VNet) so the proxy reaches "
        "the endpoint's private IPs"
    )
    if state is None:
        return check_row(
            "peering", resource, CheckStatus.FAIL, f"{name_of(proxy)} has no peering to {name_of(vnet_id)}", fix
        )
    if state != "Connected":  # Initiated: only one side peered; Disconnected: the other side's peering was deleted
        return check_row("peering", resource, CheckStatus.FAIL, f"peering {state}, not Connected", fix)
    return check_row("peering", resource, CheckStatus.PASS, "peering Connected", "")
