"""steps.CreateVault: the article rules it applies follow the group id it is given (Backup's region rule, which
items count), and its writes are built by ops."""

from __future__ import annotations

from runbook_lib.azure.enums import text_of
from runbook_lib.engine import Run
from runbook_lib.ops import vaults
from runbook_lib.scenarios import steps
from tests.scenarios.test_backup import NEW_VAULT, params


def test_backup_wants_the_vault_in_the_endpoints_region_site_recovery_does_not(owner):
    run = Run(owner, params(location="uksouth"))  # the spoke's VNet is in westus3
    backup = steps.CreateVault(group_id="AzureBackup").plan(run)
    assert [r.action for r in backup] == ["blocked"]
    assert backup[0].reason.startswith(
        "the new vault (location) is in uksouth and the endpoint's VNet vnet-spoke in "
        "westus3: a Backup endpoint must be in its vault's region"
    )
    region, vault = steps.CreateVault(group_id="AzureSiteRecovery").plan(run)
    assert region.action == "unchanged" and "is the failover (target) region" in region.reason
    assert vault.action == "create" and vault.resource == NEW_VAULT


def test_the_vault_is_created_by_the_rows_write_as_the_article_wants_it(owner, hub):
    (region, row) = steps.CreateVault(group_id="AzureBackup").plan(Run(owner, params()))
    assert region.action == "unchanged" and row.action == "create"
    assert vaults.get_vault(owner, NEW_VAULT) is None  # planning wrote nothing
    row.write()
    made = vaults.get_vault(owner, NEW_VAULT)
    assert vaults.identity_on(made) and text_of(made.properties.public_network_access) == "Disabled"
    (region, again) = steps.CreateVault(group_id="AzureBackup").plan(Run(owner, params()))
    assert again.action == "unchanged" and again.reason == "exists"
