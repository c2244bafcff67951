"""What a Recovery Services vault shows after the manual Site Recovery steps (Azure Migrate's Hyper-V and
agent-based replication, Site Recovery's own): registered servers and replicated items, from the vault's
replication usages ("Number of servers registered to this vault", "Number of replication protected items for this
vault"). Each function gives a manual step's ``observe`` hook: None once the vault shows the work done."""

from __future__ import annotations

from ...azure.ids import parse_id
from ...engine import Run
from ...engine.step import Reason
from ...ops import vaults


def servers_registered(who: str, where: str) -> Reason:
    """At least one server (``who``: the Hyper-V hosts, the replication appliance) is registered with the vault;
    ``where`` says where a person sees the registration."""

    def observe(run: Run) -> str | None:
        counts = _counts(run)
        if counts is None:
            return _no_vault(run)
        if counts.get("registered_servers_count"):
            return None
        return (
            f"the vault {parse_id(run.params.vault).name} shows no registered server yet (registeredServersCount "
            f"0): the registration of {who} may still be running, or failed; confirm again once {where} lists "
            "it as registered"
        )

    return observe


def machines_replicated(at_least: int, where: str) -> Reason:
    """The vault holds at least ``at_least`` replicated items (machines whose replication is enabled)."""

    def observe(run: Run) -> str | None:
        counts = _counts(run)
        if counts is None:
            return _no_vault(run)
        held = counts.get("protected_item_count", 0)
        if held >= at_least:
            return None
        return (
            f"the vault {parse_id(run.params.vault).name} holds {held} replicated item(s) (protectedItemCount), "
            f"{at_least} expected by now: replication may still be being enabled, or failed; confirm again once "
            f"{where} lists the machines"
        )

    return observe


def _counts(run: Run) -> dict[str, int] | None:
    if vaults.get_vault(run.clients, run.params.vault) is None:
        return None
    return vaults.replication_items(run.clients, run.params.vault)


def _no_vault(run: Run) -> str:
    return f"the vault {parse_id(run.params.vault).name} does not exist: run the steps before this one first"
