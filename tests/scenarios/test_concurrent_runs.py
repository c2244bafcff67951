"""Runs at the same time: runs of a batch share the hub's zones and links, and two applies may meet on one vault.
A write another run made meanwhile is "already made by another change"; a real difference is a conflict after
one more plan, never overwritten. Through the real SDK against the sandbox."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from azure.core.exceptions import HttpResponseError

from runbook_lib.azure import Target, get_clients
from runbook_lib.engine import Run, Step
from runbook_lib.journal import Journal
from runbook_lib.ops import endpoints
from runbook_lib.scenarios.backup import GROUP_ID
from runbook_lib.scenarios.backup import runbook as build_runbook
from tests.builders import add_a_record, link_zone, make_zone
from tests.contoso import DNS_RG, SPOKE_VNET
from tests.scenarios.conftest import detail, run, statuses
from tests.scenarios.test_backup import NEW_VAULT, params

ALREADY = "already made by another change"
SPOKE_RG = SPOKE_VNET.split("/providers/")[0]


class Meanwhile(Step):
    """A step of the runbook with another run's change landing between its plan and its writes (once)."""

    def __init__(self, inner: Step, change):
        super().__init__(inner.source, id=inner.id, title=inner.title)
        self.inner, self.change, self.done = inner, change, False

    def plan(self, run):
        rows = self.inner.plan(run)
        if run.mode == "apply" and not self.done and any(row.changes for row in rows):
            self.done = True
            self.change()
        return rows


def raced(p, step_id: str, change):
    runbook = build_runbook(p)
    index = [s.id for s in runbook.steps].index(step_id)
    runbook.steps[index] = Meanwhile(runbook.steps[index], change)
    return runbook


def checks(journal: Journal, check: str) -> list:
    return [e for e in journal.entries if getattr(e, "kind", "") == "check" and e.check == check]


def test_links_another_run_made_between_plan_and_write_are_already_made(contoso, owner, hub):
    zones = [
        z.name
        for z in hub.privatedns.private_zones.list_by_resource_group("rg-dns")
        if z.name
        in (
            "privatelink.wus3.backup.windowsazure.com",
            "privatelink.blob.core.windows.net",
            "privatelink.queue.core.windows.net",
        )
    ]
    p = params()
    journal = Journal()
    report = raced(p, "links", lambda: [link_zone(hub, "rg-dns", zone, SPOKE_VNET) for zone in zones]).run(
        Run(owner, p, "apply", journal, "owner", frozenset())
    )
    assert statuses(report)["links"] == "done" and report.status == "waiting", report.table().to_string()
    made = checks(journal, ALREADY)
    assert len(made) == 3 and {c.status for c in made} == {"pass"} and {c.step for c in made} == {"links"}
    assert all("vnet-spoke is linked to" in c.detail for c in made)
    assert [c.step for c in journal.changes].count("links") == 0  # this run made none of them
    for zone in zones:
        spoke = [
            link
            for link in hub.privatedns.virtual_network_links.list("rg-dns", zone)
            if link.virtual_network.id == SPOKE_VNET
        ]
        assert len(spoke) == 1


def test_a_record_another_run_made_otherwise_blocks_after_one_more_plan(contoso, owner, hub):
    """The zones the identity may not write (the Backup article's workaround): the dns-records step writes the _ecs
    records; another change writes one of them with another IP meanwhile: never overwritten, the step is blocked."""
    run(owner, params())
    for assignment in hub.authorization.role_assignments.list_for_scope(DNS_RG):
        if assignment.principal_type == "ServicePrincipal":
            hub.authorization.role_assignments.delete(DNS_RG, assignment.name)
    assert contoso.event("register-container", NEW_VAULT).code == "UserErrorVMInternetConnectivityIssue"
    p = params(confirm=["first-registration"])
    planned = build_runbook(p).step("dns-records").plan(Run(owner, p, "plan"))
    target = next(r for r in planned if r.changes)
    zone, name = target.resource.split("/privateDnsZones/")[1].split("/A/")

    journal = Journal()
    report = raced(p, "dns-records", lambda: add_a_record(hub, "rg-dns", zone, name, "10.1.1.99")).run(
        Run(owner, p, "apply", journal, "owner", frozenset(p.confirm))
    )
    assert (statuses(report)["dns-records"], report.exit_code) == ("blocked", 3)
    assert detail(report, "dns-records").startswith(
        f"{name}: another change made {name} in {zone} after the plan: it holds 10.1.1.99, not {target.after}"
    )
    assert [(c.check, c.status) for c in checks(journal, "concurrent change")] == [("concurrent change", "fail")]
    record = hub.privatedns.record_sets.get("rg-dns", zone, "A", name)
    assert [a.ipv4_address for a in record.a_records] == ["10.1.1.99"]


def test_two_applies_on_one_vault_at_once_leave_no_duplicate(contoso, hub):
    """Two consultants (or a batch listing one vault twice) apply Backup on one vault at the same time, with
    long-running operations that overlap: one endpoint, one assignment per role and scope, one link per zone, and
    the estate a single run leaves."""
    contoso.configure(lro="realistic", lro_seconds=0.3, retry_after=0)

    def apply(_):
        clients = get_clients(
            Target(state=str(contoso.path), principal="owner"), retry_backoff_factor=0.01, polling_interval=0.05
        )
        return run(clients, params())

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(apply, range(2)))
    for report, _ in results:
        assert report.status == "waiting", report.table().to_string()  # at the first registration
    vault = hub.recoveryservices.vaults.get("rg-recovery", "rsv-backup-new")
    principal = vault.identity.principal_id
    held = Counter(
        (a.scope.lower(), a.role_definition_id.rsplit("/", 1)[-1])
        for a in hub.authorization.role_assignments.list_for_scope(
            f"/subscriptions/{hub.subscription_id}", filter=f"principalId eq '{principal}'"
        )
    )
    workload = get_clients(Target(state=str(contoso.path)))
    held += Counter(
        (a.scope.lower(), a.role_definition_id.rsplit("/", 1)[-1])
        for a in workload.authorization.role_assignments.list_for_scope(
            SPOKE_RG, filter=f"principalId eq '{principal}'"
        )
    )
    assert held and set(held.values()) == {1}, held
    endpoints = [
        e
        for e in workload.network.private_endpoints.list("rg-network-spoke")
        if any(c.private_link_service_id.lower() == NEW_VAULT.lower() for c in e.private_link_service_connections or [])
    ]
    assert [e.name for e in endpoints] == ["pe-backup"]
    assert len(vault.properties.private_endpoint_connections or []) == 1
    for zone in hub.privatedns.private_zones.list_by_resource_group("rg-dns"):
        spoke = [
            link
            for link in hub.privatedns.virtual_network_links.list("rg-dns", zone.name)
            if link.virtual_network.id == SPOKE_VNET
        ]
        assert len(spoke) <= 1
        for record in hub.privatedns.record_sets.list_by_type("rg-dns", zone.name, "A"):
            assert len(record.a_records) == 1, (zone.name, record.name)
    # each change was made by one run; the other says "already made" or found it in place (the vault aside: both
    # runs may PUT it, and a vault's PUT on itself is an update of the same body)
    made = Counter(
        c.resource_id.lower()
        for _, journal in results
        for c in journal.changes
        if "/microsoft.recoveryservices/vaults/" not in c.resource_id.lower()
    )
    assert made and set(made.values()) == {1}, made
    # the estate is one run's: a third run plans nothing
    again, _journal = run(get_clients(Target(state=str(contoso.path), principal="owner")), params(), "plan")
    assert {s.status for s in again.steps if s.kind == "automated"} <= {"nothing to do"}, again.table().to_string()


def test_an_endpoint_another_run_is_creating_is_waited_for_then_already_made(contoso, hub):
    """Azure refuses a PUT on an endpoint whose operation still runs (409 AnotherOperationInProgress): the step
    waits for it, plans again, and finds the endpoint it wanted."""
    contoso.configure(lro="realistic", lro_seconds=1.0, retry_after=0)
    owner = get_clients(
        Target(state=str(contoso.path), principal="owner"), retry_backoff_factor=0.01, polling_interval=0.05
    )
    p = params()

    def another_run_creates_it():  # the other run's PUT, the same body, its operation still running
        body = endpoints.endpoint_body("westus3", p.subnet, p.vault, GROUP_ID, False)
        owner.network.private_endpoints.begin_create_or_update("rg-network-spoke", "pe-backup", body, polling=False)

    journal = Journal()
    report = raced(p, "endpoint", another_run_creates_it).run(Run(owner, p, "apply", journal, "owner", frozenset()))
    assert statuses(report)["endpoint"] == "done" and report.status == "waiting", report.table().to_string()
    made = [c for c in checks(journal, ALREADY) if c.step == "endpoint"]
    assert len(made) == 1 and made[0].resource.endswith("/privateEndpoints/pe-backup")
    assert "endpoint" not in [c.step for c in journal.changes]
    workload = get_clients(Target(state=str(contoso.path)))
    assert [
        e.name for e in workload.network.private_endpoints.list("rg-network-spoke") if e.name.startswith("pe-backup")
    ] == ["pe-backup"]
    assert len(list(workload.network.network_interfaces.list("rg-network-spoke"))) == len(
        list(workload.network.private_endpoints.list("rg-network-spoke"))
    )


def test_a_role_another_run_assigned_meanwhile_is_already_made(contoso, owner, hub):
    """assign_role makes a new assignment name each time; a second one of the same principal, role and scope is
    RoleAssignmentExists (409) in Azure: read again, it is this very assignment, so it is already made."""
    from runbook_lib.ops import roles

    run(owner, params())
    principal = hub.recoveryservices.vaults.get("rg-recovery", "rsv-backup-new").identity.principal_id
    scope = f"{DNS_RG.rsplit('/resourceGroups/', 1)[0]}/resourceGroups/rg-recovery"
    first = roles.assign_role(owner, scope, "Storage Blob Data Contributor", principal)
    again = roles.assign_role(owner, scope, "Storage Blob Data Contributor", principal)
    assert again.id == first.id and again.detail.startswith(ALREADY)
    # what ARM answers the second create (409, as Terraform's and azd's reports of it show)
    body = {
        "properties": {
            "roleDefinitionId": roles.role_definition_id(owner, scope, "Storage Blob Data Contributor"),
            "principalId": principal,
            "principalType": "ServicePrincipal",
        }
    }
    with pytest.raises(HttpResponseError) as error:
        hub.authorization.role_assignments.create(scope, str(uuid.uuid4()), body)
    assert (error.value.status_code, error.value.error.code) == (409, "RoleAssignmentExists")
    assert error.value.error.message == (
        f"The role assignment already exists. The ID of the existing role assignment is {first.name.replace('-', '')}."
    )
    # another role for the same principal and scope is no duplicate: it is made
    other = roles.assign_role(owner, scope, "Storage Blob Data Owner", principal)
    assert other.id != first.id and not hasattr(other, "detail")


def test_a_zone_another_run_made_between_plan_and_write_is_already_made(contoso, owner, hub):
    hub.resources.resource_groups.create_or_update("rg-dns-new", {"location": "westus3"})
    zones_rg = f"{DNS_RG.rsplit('/', 1)[0]}/rg-dns-new"
    p = params(zones_resource_group=zones_rg)
    blob = "privatelink.blob.core.windows.net"
    journal = Journal()
    report = raced(p, "zones", lambda: make_zone(hub, "rg-dns-new", blob)).run(
        Run(owner, p, "apply", journal, "owner", frozenset())
    )
    assert statuses(report)["zones"] == "done", report.table().to_string()
    made = [c for c in checks(journal, ALREADY) if c.step == "zones"]
    assert [c.resource.rsplit("/", 1)[-1] for c in made] == [blob]
    created = [c.resource_id.rsplit("/", 1)[-1] for c in journal.changes if c.step == "zones"]
    assert blob not in created and len([z for z in created if z.startswith("privatelink.")]) == 2
    assert len(list(hub.privatedns.private_zones.list_by_resource_group("rg-dns-new"))) == 3


def test_a_batch_of_backup_runs_sharing_the_hubs_zones_converges(tmp_path):
    """`runbook batch` of three Backup runs at once, each a new vault and its own subnet, all linking the spoke VNet
    to the hub's three zones with realistic long-running operations: none fails, and the estate holds one link per
    zone and one endpoint per run."""
    import json

    from runbook_lib.scenarios.backup import BackupParameters
    from tests.cli import runbook as cli
    from tests.contoso import HUB

    state = tmp_path / "estate.db"
    assert (
        cli(
            "sandbox", "reset", "--state", str(state), "--demo", "contoso", "--lro", "realistic", "--lro-seconds", "1"
        ).returncode
        == 0
    )
    clients = get_clients(Target(state=str(state)), polling_interval=0.2)
    files = []
    for n in range(1, 4):
        subnet = (
            clients.network.subnets.begin_create_or_update(
                "rg-network-spoke",
                "vnet-spoke",
                f"snet-shared-{n}",
                {"properties": {"addressPrefix": f"10.1.16.{64 * (n - 1)}/26"}},
            )
            .result()
            .id
        )
        path = tmp_path / f"backup.shared-{n}.yaml"
        path.write_text(
            json.dumps(
                {
                    "vault": NEW_VAULT.replace("rsv-backup-new", f"rsv-shared-{n}"),
                    "subnet": subnet,
                    "endpoint_name": f"pe-shared-{n}",
                    "zones_resource_group": DNS_RG,
                }
            )
        )  # JSON is YAML
        files.append(str(path))
    done = cli(
        "batch",
        "--mode",
        "apply",
        "--jobs",
        "3",
        "--state",
        str(state),
        "--output",
        str(tmp_path / "runs"),
        "--json",
        *files,
        cwd=tmp_path,
    )
    rows = json.loads(done.stdout)
    # each stops where a clean apply stops: waiting for the first registration, a manual step
    assert [row["Status"] for row in rows] == ["incomplete"] * 3, done.stderr
    zones = BackupParameters.model_construct(zones_resource_group=DNS_RG).zone_names("westus3")
    hub = clients.for_subscription(HUB)
    links = Counter(
        zone
        for zone in zones
        for link in hub.privatedns.virtual_network_links.list("rg-dns", zone)
        if (link.virtual_network.id or "").lower() == SPOKE_VNET.lower()
    )
    assert links == Counter(zones)  # one link of the spoke per zone, made by whichever run came first
    made = [
        e.name for e in clients.network.private_endpoints.list("rg-network-spoke") if e.name.startswith("pe-shared")
    ]
    assert sorted(made) == ["pe-shared-1", "pe-shared-2", "pe-shared-3"]
    # each run on its own kernel from the batch's pool (started ahead, warmed silently): its evidence is its own
    from pathlib import Path

    from runbook_lib.evidence.manifest import verify_folder

    folders = [Path(row["Notebook"]).parent for row in rows]
    for n, folder in enumerate(folders, 1):
        assert verify_folder(folder) == [], folder
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["parameters"]["vault"].endswith(f"/rsv-shared-{n}")
        changed = " ".join(e["resource_id"] for e in manifest["journal"] if e["kind"] == "change").lower()
        assert f"rsv-shared-{n}" in changed and f"pe-shared-{n}" in changed
        assert not any(f"-shared-{m}" in changed for m in {1, 2, 3} - {n})  # nothing of another run
        executed = json.loads((folder / "backup.ipynb").read_text())
        counts = [c["execution_count"] for c in executed["cells"] if c["cell_type"] == "code"]
        assert counts[0] == 1 and None not in counts[:3]  # a fresh kernel's numbering: the warm-up left no trace
    index = [json.loads(line) for line in (tmp_path / "runs" / "index.jsonl").read_text().splitlines()]
    assert sorted(i["folder"] for i in index) == sorted(f.relative_to(tmp_path / "runs").as_posix() for f in folders)
