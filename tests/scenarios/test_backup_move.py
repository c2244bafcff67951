"""Moving a vault from Backup's v1 experience to v2 on the contoso demo estate, through the real SDK: the plan lists
every v1 endpoint and those Azure Backup made beside them, and the servers that must register again; nothing is
deleted before a person confirms; then they are deleted and the v2 endpoint made."""

from __future__ import annotations

from runbook_lib.engine import load_parameters
from runbook_lib.scenarios.backup import BackupParameters
from runbook_lib.scenarios.backup_move import MoveParameters
from tests.contoso import DNS_RG, SPOKE_ENDPOINTS, VAULTS, WORKLOAD
from tests.scenarios.conftest import run, statuses

VAULT = f"{VAULTS}/rsv-backup-old"
SPOKE_RG = "rg-network-spoke"
CONFIRMED = ["first-registration", "first-backup"]
BASE = {"vault": VAULT, "subnet": SPOKE_ENDPOINTS, "zones_resource_group": DNS_RG}


def said(report, step: str) -> str:
    found = next(s for s in report.steps if s.id == step)
    return " | ".join([found.detail, *(str(row.reason) for row in found.rows)])


def names(owner) -> list[str]:
    return sorted(e.name for e in owner.for_subscription(WORKLOAD).network.private_endpoints.list(SPOKE_RG))


def v1_vault_in_use(contoso, owner) -> None:
    v1 = load_parameters(BackupParameters, {**BASE, "endpoint_name": "pe-old", "experience": "v1"})
    run(owner, v1)
    assert contoso.event("register-container", VAULT).succeeded and contoso.event("first-backup", VAULT).succeeded
    done, _ = run(owner, v1.model_copy(update={"confirm": tuple(CONFIRMED)}))
    assert done.status == "done", done.table().to_string()


def move(**change) -> MoveParameters:
    return load_parameters(MoveParameters, {**BASE, "endpoint_name": "pe-new", **change})


def test_a_v1_vault_moves_to_v2_only_once_confirmed(contoso, owner):
    v1_vault_in_use(contoso, owner)
    before = names(owner)
    assert "pe-old" in before and any(n.startswith("pe-old_ecs") for n in before)
    assert any(n.startswith("pe-old_prot") for n in before)

    planned, journal = run(owner, move(), "plan")
    plan = said(planned, "move-plan")
    assert "1 registered container (MABContainersCount)" in plan and "must register with the vault again" in plan
    deleted = [row.resource.rsplit("/", 1)[-1] for row in next(s for s in planned.steps if s.id == "delete-v1").rows]
    assert deleted[-1] == "pe-old" and sorted(deleted[:-1]) == [n for n in before if n.startswith("pe-old_")]
    assert journal.changes == []

    waiting, journal = run(owner, move())
    assert statuses(waiting)["confirm-move"] == "waiting" and journal.changes == []  # nothing deleted yet
    assert names(owner) == before

    moved, journal = run(owner, move(confirm=["confirm-move"]))
    assert moved.status == "done", moved.table().to_string()
    assert [c.step for c in journal.changes][: len(deleted)] == ["delete-v1"] * len(deleted)
    assert [n for n in names(owner) if n.startswith("pe-old") or n == "pe-new"] == ["pe-new"]
    network = owner.for_subscription(WORKLOAD).network
    endpoint = network.private_endpoints.get(SPOKE_RG, "pe-new")
    nic = network.network_interfaces.get(SPOKE_RG, endpoint.network_interfaces[0].id.rsplit("/", 1)[-1])
    assert len(nic.ip_configurations) == 10  # the v2 experience's endpoint

    v2 = load_parameters(BackupParameters, {**BASE, "endpoint_name": "pe-new", "confirm": CONFIRMED})
    after, _ = run(owner, v2, "plan")
    assert statuses(after)["prerequisites"] != "blocked", said(after, "prerequisites")
    assert "use the v2 experience" in said(after, "prerequisites")
    again, journal = run(owner, move(confirm=["confirm-move"]))
    assert journal.changes == [] and "nothing to delete" in said(again, "move-plan")


def test_the_new_endpoint_may_not_take_an_old_ones_name(contoso, owner):
    v1_vault_in_use(contoso, owner)
    refused, journal = run(owner, move(endpoint_name="pe-old"), "plan")
    assert statuses(refused)["move-plan"] == "blocked" and journal.changes == []
    assert "give the v2 endpoint a new name (endpoint_name)" in said(refused, "move-plan")
