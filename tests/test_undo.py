"""`runbook undo RUN_DIR`: a sealed apply run undone from its own folder leaves everything it touched as it was
before, leaves alone what was changed since (a conflict), seals the undo as a run naming the one it undid, and plans
nothing the second time; a folder that keeps too little, or does not verify, is refused in one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from runbook_lib.azure import Target, get_clients
from runbook_lib.evidence.manifest import seal
from runbook_lib.evidence.snapshots import snapshot
from runbook_lib.headless import run_notebook
from runbook_lib.journal import Change, Journal
from runbook_lib.ops import endpoints, migrate, privatedns, storage, vaults
from runbook_lib.sandbox import Sandbox
from runbook_lib.scenarios import all_scenarios
from runbook_lib.secrets import redact_value
from runbook_lib.undo import UndoAction, plan_undo
from runbook_lib.undo.plan import plan_row, same
from runbook_lib.undo.resources import api_version, differences, type_of
from runbook_lib.undo.updates import APPROVAL_KEPT
from tests.cli import one_line_error, runbook
from tests.contoso import DNS_RG, HUB, RECOVERY_RG, SPOKE_ENDPOINTS, STORAGE, WORKLOAD

PARAMETERS = Path(__file__).resolve().parents[1] / "parameters"


def applied_run(root: Path, scenario: str, file: str | None = None, **changed):
    """A scenario applied on a new contoso estate (it stops at its first manual step, its changes made), with its
    sandbox parameter file (or ``file``); ``changed``: parameters other than the file's."""
    state = root / "estate.db"
    Sandbox(state).reset(demo="contoso")
    params = {**yaml.safe_load((PARAMETERS / (file or f"{scenario}.sandbox.yaml")).read_text()), **changed}
    done = run_notebook(scenario, params, mode="apply", options={"state": str(state)}, runs=root / "runs")
    return done.folder, state, root / "runs"


def changed_ids(folder: Path) -> list[str]:
    return list(dict.fromkeys(e.resource_id for e in Journal.read(folder / "journal.jsonl") if isinstance(e, Change)))


def clients_of(state: Path):
    return get_clients(Target(state=str(state)))


def as_before(folder: Path, clients) -> list[str]:
    """The resources the run changed that are not now as its "before" snapshot had them."""
    before = json.loads((folder / "snapshots/before.json").read_text())
    now = snapshot(clients, changed_ids(folder))
    wrong = []
    for rid, body in now.items():
        was = before[rid]
        was = was["before"] if isinstance(was, dict) and was.get("from_journal") else was
        if (was is None) != (body is None) or (body is not None and not same(redact_value(body), was)):
            wrong.append(rid)
    return wrong


@pytest.fixture(scope="module")
def backup(tmp_path_factory):
    return applied_run(tmp_path_factory.mktemp("backup"), "backup")


@pytest.fixture(scope="module")
def backup_undone(backup):
    folder, state, _ = backup
    return runbook("undo", str(folder), "--apply", "--state", str(state))


def test_undo_plans_the_reverse_of_the_backup_run_newest_first(backup):
    folder, state, _ = backup
    plan = plan_undo(folder, clients_of(state))
    assert [r.action for r in plan.rows] == [UndoAction.DELETE] * len(changed_ids(folder))
    kinds = [r.resource.split("/providers/")[-1].split("/")[1] for r in plan.rows]
    # links, then the zone group, the endpoint, the vault identity's roles (v1 only), the vault last (made first)
    assert kinds[0] == "privateDnsZones" and kinds[-1] == "vaults"
    roles = [i for i, kind in enumerate(kinds) if kind == "roleAssignments"]
    assert all(kinds.index("privateEndpoints") < i < kinds.index("vaults") for i in roles)
    assert "/privateDnsZoneGroups/" in plan.rows[kinds.index("privateEndpoints")].resource


def test_undo_apply_leaves_everything_the_run_touched_as_before_and_seals_the_pair(backup, backup_undone):
    folder, state, runs = backup
    assert backup_undone.returncode == 0, backup_undone.stderr
    assert "ok: undid run" in backup_undone.stderr
    assert as_before(folder, clients_of(state)) == []
    after = json.loads((folder / "snapshots/after.json").read_text())
    records = [rid for rid, body in after.items() if "/A/" in rid and body]
    assert records and all(v is None for v in snapshot(clients_of(state), records).values())  # with the zone group
    index = [json.loads(line) for line in (runs / "index.jsonl").read_text().splitlines()]
    original = json.loads((folder / "manifest.json").read_text())["run_id"]
    undo = next(i for i in index if i.get("undoes") == original)
    assert (undo["mode"], undo["status"], undo["scenario"]) == ("undo", "ok", "backup")
    undo_folder = runs / undo["folder"]
    assert runbook("evidence", "verify", str(undo_folder)).returncode == 0
    manifest = json.loads((undo_folder / "manifest.json").read_text())
    assert manifest["undoes"] == original and {e["action"] for e in manifest["journal"] if e["kind"] == "change"} == {
        "delete"
    }
    shown = runbook("evidence", "show", str(undo_folder), "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["undoes"] == original
    listed = json.loads(runbook("evidence", "list", "--runs", str(runs), "--json").stdout)
    assert [r["undoes"] for r in listed if r["mode"] == "undo"] == [original]


def test_a_second_undo_plans_nothing(backup, backup_undone):
    folder, state, _ = backup
    again = runbook("undo", str(folder), "--state", str(state), "--json")
    assert again.returncode == 0, again.stderr
    assert {r["Action"] for r in json.loads(again.stdout)} == {"none"}
    applied = runbook("undo", str(folder), "--apply", "--state", str(state))
    assert applied.returncode == 0 and "nothing to undo" in applied.stderr


def test_an_undo_folder_is_not_undone_again(backup, backup_undone):
    _, state, runs = backup
    undo = next(json.loads(line) for line in (runs / "index.jsonl").read_text().splitlines() if '"undoes"' in line)
    line = one_line_error(runbook("undo", str(runs / undo["folder"]), "--state", str(state)), "is itself an undo")
    assert "run the scenario again" in line


def test_a_folder_missing_replaced_records_says_what_is_missing(backup, tmp_path):
    folder, state, _ = backup
    old = Path(shutil.copytree(folder, tmp_path / folder.name))
    (old / "snapshots/replaced-records.json").unlink()
    manifest = json.loads((old / "manifest.json").read_text())
    seal(old, {k: v for k, v in manifest.items() if k not in ("files", "manifest_sha256", "format")})  # an older run
    result = runbook("undo", str(old), "--state", str(state))
    assert result.returncode == 2
    one_line_error(result, "snapshots/replaced-records.json missing", "cannot be undone")


def test_a_folder_that_does_not_verify_is_refused_naming_the_file(backup, tmp_path):
    folder, state, _ = backup
    copy = Path(shutil.copytree(folder, tmp_path / folder.name))
    (copy / "journal.jsonl").write_text((copy / "journal.jsonl").read_text() + "\n")
    result = runbook("undo", str(copy), "--state", str(state), "--apply")
    assert result.returncode == 1
    one_line_error(result, "does not verify", "journal.jsonl")


def test_the_target_must_be_the_runs(backup):
    folder, state, _ = backup
    one_line_error(
        runbook("undo", str(folder), "--target", "azure", "--state", str(state)), "--target", "was on sandbox"
    )


@pytest.fixture(scope="module")
def site_recovery(tmp_path_factory):
    return applied_run(tmp_path_factory.mktemp("site_recovery"), "site_recovery")


def test_site_recovery_undo_leaves_a_resource_changed_since_as_a_conflict(site_recovery):
    folder, state, _ = site_recovery
    clients = clients_of(state)
    link = next(i for i in changed_ids(folder) if "/virtualNetworkLinks/" in i)
    zone_group, name = link.split("/privateDnsZones/")[1].split("/virtualNetworkLinks/")
    rg = link.split("/resourceGroups/")[1].split("/")[0]
    dns = clients.for_subscription(HUB).privatedns
    tagged = dns.virtual_network_links.get(rg, zone_group, name)
    tagged.tags = {"owner": "network-team"}  # someone claims the link after the run
    dns.virtual_network_links.begin_create_or_update(rg, zone_group, name, tagged).result()

    plan = plan_undo(folder, clients)
    conflict = next(r for r in plan.rows if r.resource == link)
    assert conflict.action == UndoAction.CONFLICT and "tags" in conflict.reason and conflict.write is None
    assert all(r.action == UndoAction.DELETE for r in plan.rows if r.resource != link)

    result = runbook("undo", str(folder), "--apply", "--state", str(state))
    assert result.returncode == 3, result.stderr
    assert "incomplete: 1 changed since the run" in result.stderr
    assert as_before(folder, clients) == [link]  # all but the claimed link
    assert dns.virtual_network_links.get(rg, zone_group, name).tags == {"owner": "network-team"}
    again = plan_undo(folder, clients)
    assert not again.changes and [r.resource for r in again.conflicts] == [link]


def test_a_vault_update_puts_public_access_back_and_keeps_the_identity(hub):
    """Backup's article: once enabled, the managed identity must not be disabled (even temporarily)."""
    vault_id = f"{RECOVERY_RG}/providers/Microsoft.RecoveryServices/vaults/rsv-existing"
    hub.recoveryservices.vaults.begin_create_or_update(
        "rg-recovery",
        "rsv-existing",
        {"location": "westus3", "sku": {"name": "Standard"}, "properties": {"publicNetworkAccess": "Enabled"}},
    ).result()
    before = snapshot(hub, [vault_id])[vault_id]
    vaults.update_vault(
        hub, vault_id, {"identity": {"type": "SystemAssigned"}, "properties": {"publicNetworkAccess": "Disabled"}}
    )()
    now = snapshot(hub, [vault_id])[vault_id]

    row = plan_row(hub, Change(vault_id, "update", "identity None", "identity SystemAssigned"), before, now, now, None)
    assert row.action == UndoAction.UPDATE and row.after == "publicNetworkAccess Enabled"
    assert "identity kept on" in row.reason and "private-endpoints#enable-managed-identity-for-your-vault" in row.reason
    row.write()
    vault = vaults.get_vault(hub, vault_id)
    assert vault.properties.public_network_access == "Enabled" and vaults.identity_on(vault)
    again = plan_row(
        hub, Change(vault_id, "update", None, None), before, now, snapshot(hub, [vault_id])[vault_id], None
    )
    assert again.action == UndoAction.NONE and "identity kept on" in again.reason


def test_a_replaced_a_record_is_put_back_as_it_was_unless_changed_since(hub):
    zone = "privatelink.siterecovery.windowsazure.com"
    record_id = f"{DNS_RG}/providers/Microsoft.Network/privateDnsZones/{zone}/A/contoso-rcm1"
    records = hub.privatedns.record_sets

    def put(address: str) -> None:
        records.create_or_update(
            "rg-dns", zone, "A", "contoso-rcm1", {"properties": {"ttl": 10, "aRecords": [{"ipv4Address": address}]}}
        )

    put("10.1.0.4")
    before = snapshot(hub, [record_id])[record_id]
    put("10.2.0.9")  # the run replaced it
    after = snapshot(hub, [record_id])[record_id]
    replaced = {"record": record_id, "before": ["10.1.0.4"], "after": ["10.2.0.9"]}
    change = Change(record_id, "replace", ["10.1.0.4"], ["10.2.0.9"])

    row = plan_row(hub, change, before, after, after, replaced)
    assert (row.action, row.before, row.after) == (UndoAction.RESTORE, "10.2.0.9", "10.1.0.4")
    row.write()
    now = snapshot(hub, [record_id])[record_id]
    assert [r["ipv4Address"] for r in now["properties"]["aRecords"]] == ["10.1.0.4"] and now["properties"]["ttl"] == 10
    assert plan_row(hub, change, before, after, now, replaced).action == UndoAction.NONE

    put("10.3.0.7")  # someone else's address since the run
    changed = plan_row(hub, change, before, after, snapshot(hub, [record_id])[record_id], replaced)
    assert changed.action == UndoAction.CONFLICT and changed.write is None


# --- every scenario's apply run, undone ------------------------------------------------------------------------

# registered scenarios whose sandbox file does not make anything on a new demo estate by itself, and why (their own
# tests undo them)
NOT_ON_A_NEW_ESTATE = {
    "add_endpoint": "its vault is one in use: the one the backup runbook makes",
    "remove_endpoint": "its endpoints are the ones the backup runbook makes",
    "backup_move_to_v2": "the demo estate's vault has no v1 endpoint to move: it plans nothing",
}
# (scenario, sandbox parameter file, parameters changed) for every other registered scenario; Backup in both
# experiences, v1 also with the article's custom roles (role definitions the undo deletes after their assignments)
UNDOABLE = [
    (s.name, f.name, {})
    for s in all_scenarios()
    if s.name not in NOT_ON_A_NEW_ESTATE
    for f in sorted(PARAMETERS.glob(f"{s.name}.*sandbox.yaml"))
    if f.name in (f"{s.name}.sandbox.yaml", f"{s.name}.v1.sandbox.yaml")
] + [("backup", "backup.v1.sandbox.yaml", {"identity_roles": "granular"})]


def test_every_registered_scenario_is_undone_here_or_says_why_not():
    assert {name for name, _, _ in UNDOABLE} | set(NOT_ON_A_NEW_ESTATE) == {s.name for s in all_scenarios()}
    assert ("backup", "backup.v1.sandbox.yaml", {}) in UNDOABLE


@pytest.fixture(
    scope="module",
    params=UNDOABLE,
    ids=["-".join([file.removesuffix(".sandbox.yaml"), *changed.values()]) for _, file, changed in UNDOABLE],
)
def each_scenario(request, tmp_path_factory):
    scenario, file, changed = request.param
    return applied_run(tmp_path_factory.mktemp(scenario), scenario, file, **changed)


def claim(clients, resource_id: str, tags: dict | None) -> None:
    """Someone tags (or untags, ``tags`` None) a resource: a PATCH of its tags."""
    resources = clients.for_subscription(resource_id.split("/")[2]).resources.resources
    resources.begin_update_by_id(resource_id, api_version=api_version(resource_id), parameters={"tags": tags}).result()


def test_undo_of_each_scenarios_apply_run_leaves_what_it_touched_as_before(each_scenario):
    folder, state, _ = each_scenario
    clients = clients_of(state)
    made = [r.resource for r in plan_undo(folder, clients).rows if r.action == UndoAction.DELETE]
    assert len(made) == len(changed_ids(folder)) >= 2  # every change of the run is something it made
    endpoint = next(i for i in made if type_of(i) == "microsoft.network/privateendpoints")

    claim(clients, endpoint, {"owner": "network-team"})  # changed since the run: a conflict, never deleted
    claimed = plan_undo(folder, clients)
    conflict = next(r for r in claimed.rows if r.resource == endpoint)
    assert conflict.action == UndoAction.CONFLICT and "tags" in conflict.reason and conflict.write is None
    assert len(claimed.changes) == len(made) - 1
    claim(clients, endpoint, None)  # as the run left it again

    result = runbook("undo", str(folder), "--apply", "--state", str(state))
    assert result.returncode == 0, result.stderr
    assert as_before(folder, clients) == []
    again = plan_undo(folder, clients)
    assert not again.changes and not again.conflicts


# --- what a run updated on resources that existed before it -----------------------------------------------------


@pytest.fixture(scope="module")
def updated(tmp_path_factory):
    """Site Recovery applied to an existing vault open to the internet without an identity, and a cache account
    whose firewall lets no trusted Microsoft service through: the run denies public access, turns the identity on
    and lets trusted services through."""
    root = tmp_path_factory.mktemp("updated")
    vault_id = f"{RECOVERY_RG}/providers/Microsoft.RecoveryServices/vaults/rsv-asr-open"

    def prepare(state: Path) -> None:
        hub = clients_of(state).for_subscription(HUB)
        body = {"location": "westus3", "sku": {"name": "Standard"}, "properties": {"publicNetworkAccess": "Enabled"}}
        hub.recoveryservices.vaults.begin_create_or_update("rg-recovery", "rsv-asr-open", body).result()
        firewall = {"properties": {"networkAcls": {"bypass": "None", "defaultAction": "Deny"}}}
        hub.storage.storage_accounts.update("rg-recovery", "stcontosocache7f3k", firewall)

    state = root / "estate.db"
    Sandbox(state).reset(demo="contoso")
    prepare(state)
    params = {**yaml.safe_load((PARAMETERS / "site_recovery.sandbox.yaml").read_text()), "vault": vault_id}
    done = run_notebook("site_recovery", params, mode="apply", options={"state": str(state)}, runs=root / "runs")
    return done.folder, state, vault_id


def test_undo_puts_back_the_vaults_public_access_and_the_firewall_and_keeps_the_identity(updated):
    folder, state, vault_id = updated
    clients = clients_of(state)
    account = f"{STORAGE}/stcontosocache7f3k"
    plan = plan_undo(folder, clients)
    rows = {r.resource: r for r in plan.rows}
    vault, firewall = rows[vault_id], rows[account]
    assert (vault.action, vault.before, vault.after) == (
        UndoAction.UPDATE,
        "publicNetworkAccess Disabled",
        "publicNetworkAccess Enabled",
    )
    assert "identity kept on" in vault.reason and "#enable-managed-identity-for-your-vault" in vault.reason
    assert firewall.action == UndoAction.UPDATE and "bypass None" in firewall.after and "networkAcls" in firewall.reason
    assert plan.rows[-1].resource == vault_id  # the vault's access comes back last, once its endpoints are gone

    result = runbook("undo", str(folder), "--apply", "--state", str(state))
    assert result.returncode == 0, result.stderr
    assert as_before(folder, clients) == [vault_id]  # the identity stays on, and only it
    before = json.loads((folder / "snapshots/before.json").read_text())[vault_id]
    assert differences(before, redact_value(snapshot(clients, [vault_id])[vault_id])) == ["identity"]
    acls = snapshot(clients, [account])[account]["properties"]["networkAcls"]
    assert (acls["bypass"], acls["defaultAction"]) == ("None", "Deny")
    again = plan_undo(folder, clients)
    assert not again.changes and "identity kept on" in next(r for r in again.rows if r.resource == vault_id).reason


def test_a_firewall_changed_since_the_run_is_a_conflict_and_not_put_back(hub):
    account = f"{STORAGE}/stcontosocache7f3k"
    accounts = hub.storage.storage_accounts
    accounts.update("rg-recovery", "stcontosocache7f3k", {"properties": {"networkAcls": {"bypass": "None"}}})
    before = snapshot(hub, [account])[account]
    storage.update_account(hub, account, storage.allow_trusted_services_body(hub, account))()  # the run's write
    after = snapshot(hub, [account])[account]
    change = Change(account, "update", "trusted Microsoft services blocked", "AzureServices")
    fields = ["properties.networkAcls"]

    accounts.update("rg-recovery", "stcontosocache7f3k", {"properties": {"networkAcls": {"defaultAction": "Deny"}}})
    now = snapshot(hub, [account])[account]  # the network team closed the firewall since
    row = plan_row(hub, change, before, after, now, None, fields)
    assert row.action == UndoAction.CONFLICT and row.write is None
    assert "changed since the run (properties.networkAcls)" in row.reason and "defaultAction Deny" in row.before


def test_a_projects_public_access_is_put_back(hub, clients):
    project = f"/subscriptions/{WORKLOAD}/resourceGroups/rg-workload/providers/Microsoft.Migrate/migrateProjects/mp"
    migrate.create_project(clients, project, "westus3", "Enabled")()
    before = snapshot(clients, [project])[project]
    migrate.set_public_access(clients, project, "Disabled")()  # the run's write
    after = snapshot(clients, [project])[project]
    change = Change(project, "update", "public network access Enabled", "public network access Disabled")

    row = plan_row(clients, change, before, after, after, None, ["properties.publicNetworkAccess"])
    assert (row.action, row.after) == (UndoAction.UPDATE, "publicNetworkAccess Enabled")
    row.write()
    now = snapshot(clients, [project])[project]
    assert now["properties"]["publicNetworkAccess"] == "Enabled"
    assert plan_row(clients, change, before, after, now, None, None).action == UndoAction.NONE


def test_an_existing_endpoints_approval_is_kept_and_the_zones_the_run_added_are_taken_off(hub, clients):
    """A connection is never set back to Pending ("Manage Azure private endpoints": approve, reject or remove)."""
    vault = f"{RECOVERY_RG}/providers/Microsoft.RecoveryServices/vaults/rsv-asr-wus3"
    endpoint = (
        f"/subscriptions/{WORKLOAD}/resourceGroups/rg-network-spoke/providers/Microsoft.Network/privateEndpoints/pe-x"
    )
    body = endpoints.endpoint_body("westus3", SPOKE_ENDPOINTS, vault, "AzureSiteRecovery", manual=True)
    endpoints.put_endpoint(clients, endpoint, body)()
    zones = [
        f"{DNS_RG}/providers/Microsoft.Network/privateDnsZones/{z}"
        for z in ("privatelink.siterecovery.windowsazure.com", "privatelink.blob.core.windows.net")
    ]
    group = f"{endpoint}/privateDnsZoneGroups/default"
    privatedns.put_zone_group(clients, endpoint, "default", privatedns.zone_group_body(zones[:1]))()
    before = snapshot(clients, [endpoint, group])
    vaults.approval(hub, vault, endpoint)()  # the run approves the Pending connection, and adds the blob zone
    privatedns.put_zone_group(clients, endpoint, "default", privatedns.zone_group_body(zones))()
    after = snapshot(clients, [endpoint, group])

    approved = plan_row(
        clients,
        Change(endpoint, "update", "Pending", "Approved"),
        before[endpoint],
        after[endpoint],
        after[endpoint],
        None,
        None,
    )
    assert approved.action == UndoAction.NONE and approved.reason == APPROVAL_KEPT and approved.write is None
    assert "Approved" in approved.before
    change = Change(group, "update", "privatelink.siterecovery.windowsazure.com", "both")
    row = plan_row(
        clients, change, before[group], after[group], after[group], None, ["properties.privateDnsZoneConfigs"]
    )
    assert row.action == UndoAction.UPDATE and "privatelink-blob-core-windows-net" in row.before
    row.write()
    now = snapshot(clients, [group])[group]
    assert [c["properties"]["privateDnsZoneId"] for c in now["properties"]["privateDnsZoneConfigs"]] == zones[:1]
    again = plan_row(clients, change, before[group], after[group], now, None, None)
    assert again.action == UndoAction.NONE
