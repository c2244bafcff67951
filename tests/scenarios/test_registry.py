"""The Scenario registry: one object per scenario, every step citing its article's section as a reader finds it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from runbook_lib.engine import ManualStep, Run, load_parameters
from runbook_lib.engine.source import Article, Source
from runbook_lib.errors import InputError
from runbook_lib.evidence.interactive import steps_record
from runbook_lib.evidence.scope import run_scope
from runbook_lib.scenarios import all_scenarios, get_scenario, registry, scenario_names
from tests.cli import runbook
from tests.scenarios.conftest import run

PARAMETERS = Path(__file__).resolve().parents[2] / "parameters"
BUILT_IN = ["backup", "site_recovery", "migrate_project", "migrate_agent_based", "migrate_hyperv"]
BACKUP_ARTICLE = "Create and use private endpoints (v2 experience) for Azure Backup"  # v2: the default


def sandbox_parameters(name: str):
    return load_parameters(get_scenario(name).parameters, PARAMETERS / f"{name}.sandbox.yaml")


def test_the_built_in_scenarios_register_in_order_with_their_articles():
    assert scenario_names()[:5] == BUILT_IN
    for scenario in all_scenarios():
        assert scenario.article.url.startswith("https://learn.microsoft.com/azure/"), scenario.name
        assert scenario.summary.endswith(".") and scenario.risks and scenario.zones, scenario.name
        assert "seed" not in " ".join([scenario.title, scenario.summary, *scenario.risks]).lower()


def test_an_unknown_scenario_is_refused_with_the_names_to_use():
    with pytest.raises(InputError) as raised:
        get_scenario("bakcup")
    assert str(raised.value) == f"scenario: unknown scenario 'bakcup'; use one of {', '.join(scenario_names())}"
    with pytest.raises(InputError, match=r"^--scenario: unknown scenario 'x'; use one of backup, site_recovery"):
        get_scenario("x", field="--scenario")


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_step_cites_a_section_its_article_has(name):
    steps = get_scenario(name).build(sandbox_parameters(name)).steps
    for step in steps:
        source = step.source
        assert isinstance(source, Source) and source.heading, step.id
        assert source.heading in source.article.headings, (step.id, source.heading)
        assert source.url == f"{source.article.url}#{source.anchor}"
    assert steps[0].source.article == get_scenario(name).article  # its own article first; others only where due


def test_a_source_reads_as_a_person_knows_it_and_links_where_learn_puts_the_section():
    deny = get_scenario("backup").article.section("Deny public network access to the vault")
    assert str(deny) == f"{BACKUP_ARTICLE} › Deny public network access to the vault"
    assert (
        deny.url
        == "https://learn.microsoft.com/azure/backup/backup-azure-private-endpoints-configure-manage#deny-public-network-access-to-the-vault"
    )
    assert str(get_scenario("backup").source) == BACKUP_ARTICLE


@pytest.mark.parametrize(
    "name, heading, anchor",
    [
        # anchors as Microsoft Learn spells them (the localized articles' <a name> and the English cross-links)
        (
            "backup",
            "DNS records for blobs and queues (only for custom DNS servers/host files) after the first registration",
            "dns-records-for-blobs-and-queues-only-for-custom-dns-servershost-files-after-the-first-registration",
        ),
        (
            "backup",
            "DNS records for blobs (only for custom DNS servers/host files) after the first backup",
            "dns-records-for-blobs-only-for-custom-dns-servershost-files-after-the-first-backup",
        ),
        (
            "site_recovery",
            "(Optional) Create private endpoints for the cache storage account",
            "optional-create-private-endpoints-for-the-cache-storage-account",
        ),
        ("migrate_hyperv", "Replicate Hyper-V VMs", "replicate-hyper-v-vms"),
    ],
)
def test_anchors_drop_punctuation_and_keep_hyphens(name, heading, anchor):
    assert get_scenario(name).article.section(heading).anchor == anchor


def test_a_heading_the_article_does_not_have_cannot_be_cited():
    article = get_scenario("backup").article
    with pytest.raises(ValueError, match=re.escape(f"'{BACKUP_ARTICLE}' has no section 'Deny public network access';")):
        article.section("Deny public network access")
    assert Article("Untitled", "https://learn.microsoft.com/x").section("Anything").heading == "Anything"


def test_the_backup_runbook_follows_its_article_in_order():
    steps = get_scenario("backup").build(sandbox_parameters("backup")).steps
    article = get_scenario("backup").article  # v1 steps a v2 run skips cite the v2 concepts article's reason
    cited = list(dict.fromkeys(s.source.heading for s in steps if s.source.article == article))
    headings = article.headings
    assert cited == sorted(cited, key=headings.index)  # a table of contents: never back to an earlier section
    manual = {s.id: s.source.heading for s in steps if isinstance(s, ManualStep)}
    assert manual == {
        "first-registration": "Configure backup",
        "first-backup": "Backup and restore of workloads in Azure VM (SQL and SAP HANA)",
    }


def test_plan_and_report_tables_show_each_steps_source(owner):
    p = sandbox_parameters("backup")
    report, _ = run(owner, p, mode="plan")
    table = report.table().set_index("Step")
    assert table.loc["deny-public-access", "Source"] == f"{BACKUP_ARTICLE} › Deny public network access to the vault"
    plan = report.plan_table()
    assert set(plan.loc[plan["Step"] == "vault", "Source"]) == {f"{BACKUP_ARTICLE} › Create a Recovery Services vault"}
    recorded = {s["id"]: s for s in steps_record(report.steps, [], [])}  # the evidence manifest's steps
    after_backup = "DNS records for blobs (only for custom DNS servers/host files) after the first backup"
    assert recorded["validate"]["source"] == f"{BACKUP_ARTICLE} › {after_backup}"  # its note: nslookup now
    assert recorded["validate"]["url"] == (
        "https://learn.microsoft.com/azure/backup/backup-azure-private-endpoints-configure-manage"
        "#dns-records-for-blobs-only-for-custom-dns-servershost-files-after-the-first-backup"
    )


def test_runbook_scenarios_lists_each_summary_and_article():
    listed = runbook("scenarios", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {row["Scenario"]: row for row in json.loads(listed.stdout)}
    assert list(rows)[:5] == BUILT_IN
    backup = get_scenario("backup")
    assert rows["backup"]["What"] == backup.summary
    assert (rows["backup"]["Article"], rows["backup"]["URL"]) == (BACKUP_ARTICLE, backup.article.url)


def test_the_command_line_refuses_an_unknown_scenario_naming_the_registered_ones():
    for args in (("plan", "bakcup", "-f", "x.yaml"), ("dns", "zones", "--scenario", "bakcup", "--region", "eastus")):
        refused = runbook(*args)
        assert refused.returncode == 2 and "invalid choice: 'bakcup'" in refused.stderr, refused.stderr
        assert "backup" in refused.stderr and "migrate_hyperv" in refused.stderr


def test_the_evidence_scope_is_the_scenarios_endpoints_and_zones(owner):
    p = sandbox_parameters("backup")
    endpoints, groups, zones = run_scope(owner, "backup", p)
    assert endpoints == [p.endpoint_id]
    assert groups == [p.zones_group]
    assert [z.rsplit("/", 1)[1] for z in zones] == p.zone_names(p.location)
    assert get_scenario("backup").scope(p, Run(owner, p)) == [*endpoints, *zones]


def test_a_module_named_in_the_environment_that_does_not_import_is_an_input_error(monkeypatch):
    monkeypatch.setattr(registry, "_loaded", set(registry._loaded))
    monkeypatch.setenv(registry.ENVIRONMENT, "backup, no_such_module_for_runbooks")
    with pytest.raises(InputError, match=r"^RUNBOOK_SCENARIOS: cannot import 'backup'"):
        all_scenarios()


def test_the_journal_names_the_section_behind_each_change_and_confirmation(owner):
    p = sandbox_parameters("backup").model_copy(update={"confirm": ("first-registration",)})
    _, journal = run(owner, p, mode="apply")
    made = {c.step: c.source for c in journal.changes}
    assert made["vault"] == f"{BACKUP_ARTICLE} › Create a Recovery Services vault"
    assert made["endpoint"] == f"{BACKUP_ARTICLE} › Create private endpoints for Azure Backup"
    assert journal.confirmation("first-registration").source == f"{BACKUP_ARTICLE} › Configure backup"
