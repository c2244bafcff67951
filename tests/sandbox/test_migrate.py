"""Microsoft.Migrate has no SDK: its projects go through the generic resources client."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.resource.resources.models import GenericResource

API = "2020-05-01"


def test_migrate_project_through_generic_resources(clients, rg):
    project_id = (
        f"/subscriptions/{clients.subscription_id}/resourceGroups/{rg}"
        "/providers/Microsoft.Migrate/migrateProjects/migrate-demo"
    )
    resources = clients.resources.resources
    created = resources.begin_create_or_update_by_id(
        project_id, GenericResource(location="westus3", properties={"publicNetworkAccess": "Disabled"}), api_version=API
    ).result()
    assert created.id == project_id and created.type == "Microsoft.Migrate/migrateProjects"
    assert created.properties["publicNetworkAccess"] == "Disabled"
    assert created.properties["provisioningState"] == "Succeeded"

    assert resources.get_by_id(project_id.upper(), api_version=API).id == project_id
    listed = resources.list_by_resource_group(rg, filter="resourceType eq 'Microsoft.Migrate/migrateProjects'")
    assert [r.name for r in listed] == ["migrate-demo"]

    resources.begin_delete_by_id(project_id, api_version=API).result()
    with pytest.raises(ResourceNotFoundError):
        resources.get_by_id(project_id, api_version=API)
