"""The two DNS notebooks, which are no scenario: `dns_entries` (the endpoints' DNS entries, the records they need in
zones of another subscription, an export for a custom DNS server, the checks) and `troubleshoot_private_link` (the
checks alone, read only). Their parameter models (what `runbook run` checks a file against) and their cells; the
notebooks are generated from these by notebook_builder, as the scenarios' are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .dns.choices import DEFAULT_TTL
from .engine.fields import AnyResourceId, Nameserver, ResourceGroupId, Ttl, VnetId
from .engine.source import Source
from .notebook_spec import NotebookSpec, how_to_run, sandbox_values
from .scenarios.backup import ARTICLE as BACKUP_V1
from .scenarios.registry import NotebookCell, get_scenario

SETUP = "from runbook_lib import ui\n\nwork = ui.DnsWorkflow(globals())"
GROUP = "what to work on"


class DnsNotebookParameters(BaseModel):
    """A typo is an error, and a value must have the type the notebook's cell gives it (papermill's literals)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class DnsEntriesParameters(DnsNotebookParameters):
    ids: list[AnyResourceId]  # private endpoints, vaults or resource groups (full ids)
    zones_resource_group: ResourceGroupId  # the resource group holding the private DNS zones (any subscription)
    link_vnets: list[VnetId] = []  # VNets to link every zone to (and that the checks require links for)
    create_missing_zones: bool = False  # create zones the resource group lacks
    overwrite_conflicts: bool = False  # replace records holding another IP (the old value goes to the journal)
    ttl: Ttl = DEFAULT_TTL  # seconds, for the records written
    # hosts, bind, dnsmasq or windows-dns: also export the entries ("" for none)
    export_format: Literal["", "hosts", "bind", "dnsmasq", "windows-dns"] = ""
    export_dir: str = ""  # where the export goes
    nameserver: Nameserver = ""  # also resolve every FQDN through this DNS server (HOST[:PORT])
    zone_groups: list[ResourceGroupId] = []  # resource groups holding zones the endpoints have no zone group for
    probe_results: str = ""  # a results file a `runbook dns script` check wrote on a VM, appliance or host ("": none)


class TroubleshootParameters(DnsNotebookParameters):
    ids: list[AnyResourceId]  # private endpoints, vaults or resource groups (full ids)
    link_vnets: list[VnetId] = []  # the clients' VNets, which must be linked to the zones too
    nameserver: Nameserver = ""  # the DNS server the clients use (HOST[:PORT]): resolve every FQDN through it
    zone_groups: list[ResourceGroupId] = []  # resource groups holding zones the endpoints have no zone group for
    probe_results: str = ""  # a results file a `runbook dns script` check wrote on a VM, appliance or host ("": none)


MODELS: dict[str, type[DnsNotebookParameters]] = {
    "dns_entries": DnsEntriesParameters,
    "troubleshoot_private_link": TroubleshootParameters,
}


def _link(source: Source) -> str:
    return f"[{source}]({source.url})"


def _checks_cells(source: Source) -> tuple[NotebookCell, ...]:
    return (
        NotebookCell(
            "Checks", f"Each check with its status and, when it fails, the fix ({_link(source)}).", "work.check()"
        ),
        NotebookCell(
            "Checks from inside the network",
            "What a machine that uses the endpoints found (a VM, the appliance, a Hyper-V host): the results file "
            "of the script `runbook dns script` writes for it (`probe_results`), each failure with its fix.",
            "work.check_machine_results()",
        ),
        NotebookCell(
            "The topology",
            "The VNets with the endpoints and their NICs' IPs, the private DNS zones and "
            "their links, drawn from the checks above: red where a check fails, a red dashed line where a "
            "link is missing.",
            "work.topology()",
        ),
        NotebookCell("Summary", "The checks' counts. The cell fails when a check failed.", "work.summary()"),
    )


def dns_entries_spec(parameters: Path | None = None) -> NotebookSpec:
    # the DNS workaround is the v1 Backup article's section (the backup scenario follows v2 by default)
    backup, migrate = BACKUP_V1, get_scenario("migrate_project").article
    other = backup.section("Create DNS entries when the DNS server/DNS zone is present in another subscription")
    checks = migrate.section("Troubleshoot network connectivity")
    purpose = (
        "The entries of the endpoints (every NIC's FQDNs and IPs, right for every service and cloud), the A records "
        "they need planned in zones of another subscription or resource group, applied in apply mode, an export for "
        "a custom DNS server or hosts file, and the checks.\n\n"
        "**Risks.** A record holding another IP is a conflict: it is never overwritten unless `overwrite_conflicts` "
        "says so (the old value goes to the journal).\n\n"
        f"Follows *{backup.title}* ({other.url}) and *{migrate.title}* ({checks.url}).\n\n"
        f"{how_to_run('dns_entries', parameters)}"
    )
    cells = (
        NotebookCell(
            "Entries",
            f"Each FQDN of the endpoints with its private IP, zone and record name (Step 1 of {_link(other)}).",
            "work.show_entries()",
        ),
        NotebookCell(
            "Plan",
            "What creating those records would change: create, unchanged, conflict, zone-missing "
            f"(Step 2 of {_link(other)}).",
            "work.show_plan()",
        ),
        NotebookCell("Apply", "In apply mode only: exactly the planned changes.", "work.apply()"),
        NotebookCell(
            "Custom DNS export",
            "The same entries for a custom DNS server or a hosts file, when "
            "`export_format` and `export_dir` are given.",
            "work.export()",
        ),
        *_checks_cells(checks),
    )
    return NotebookSpec(
        "dns_entries",
        "DNS records for private endpoints whose zones live in another subscription",
        purpose,
        DnsEntriesParameters,
        sandbox_values("dns_entries", DnsEntriesParameters, parameters),
        GROUP,
        SETUP,
        cells,
    )


def troubleshoot_spec(parameters: Path | None = None) -> NotebookSpec:
    migrate = get_scenario("migrate_project").article
    checks = migrate.section("Troubleshoot network connectivity")
    purpose = (
        "The troubleshooting checks as a table: the connection approved, each zone present and linked to the "
        "endpoint's VNet and the clients' VNets, the A records holding the NICs' IPs, and what a DNS server "
        "answers. It changes nothing.\n\n"
        f"Follows *{migrate.title}* ({checks.url}).\n\n"
        f"{how_to_run('troubleshoot_private_link', parameters)}"
    )
    cells = (
        NotebookCell("Entries", "What the endpoints' NICs hold: the FQDNs and IPs to look for.", "work.show_entries()"),
        *_checks_cells(checks),
    )
    return NotebookSpec(
        "troubleshoot_private_link",
        "Troubleshoot private link connectivity (read only)",
        purpose,
        TroubleshootParameters,
        sandbox_values("troubleshoot_private_link", TroubleshootParameters, parameters),
        GROUP,
        SETUP,
        cells,
    )


def dns_specs(parameters: Path | None = None) -> list[NotebookSpec]:
    return [dns_entries_spec(parameters), troubleshoot_spec(parameters)]
