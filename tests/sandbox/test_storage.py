"""Storage accounts via the SDK: create (200 or 202), update, list, delete."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.storage.models import NetworkRuleSet, Sku, StorageAccountCreateParameters, StorageAccountUpdateParameters


def test_storage_account_lifecycle(clients, rg):
    accounts = clients.storage.storage_accounts
    created = accounts.begin_create(
        rg, "stbackupcache", StorageAccountCreateParameters(location="westus3", kind="StorageV2", sku=Sku(name="Standard_LRS"))
    ).result()
    assert created.kind == "StorageV2" and created.sku.name == "Standard_LRS"
    assert created.network_rule_set.bypass == "AzureServices"
    assert created.primary_endpoints.blob == "https://stbackupcache.blob.core.windows.net/"

    updated = accounts.update(
        rg, "stbackupcache",
        StorageAccountUpdateParameters(network_rule_set=NetworkRuleSet(default_action="Deny", bypass="AzureServices")),
    )
    assert updated.network_rule_set.default_action == "Deny"
    assert accounts.get_properties(rg, "stbackupcache").network_rule_set.default_action == "Deny"
    assert [a.name for a in accounts.list_by_resource_group(rg)] == ["stbackupcache"]

    accounts.delete(rg, "stbackupcache")
    with pytest.raises(ResourceNotFoundError):
        accounts.get_properties(rg, "stbackupcache")


def test_storage_account_without_kind_is_refused(clients, rg):
    with pytest.raises(HttpResponseError) as error:
        clients.storage.storage_accounts.begin_create(
            rg, "stnokind", {"location": "westus3", "sku": {"name": "Standard_LRS"}}
        ).result()
    assert error.value.status_code == 400 and "kind" in error.value.error.message
