"""The field types of the parameter models: resource ids of a type, regions, names. Each refuses a bad value
with a message in words (pydantic names the field)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from ..azure.ids import RESOURCE_GROUP, parse_id, parse_typed_id
from ..errors import InputError
from ..geo import geo_code


def typed_id(resource_type: str):
    """A field type: a resource id of ``resource_type`` (RESOURCE_GROUP for a resource group)."""
    def check(value: str) -> str:
        try:
            return parse_typed_id(value, resource_type, "value").id
        except InputError as error:
            raise ValueError(str(error).removeprefix("value: ")) from None
    return Annotated[str, AfterValidator(check)]


ResourceGroupId = typed_id(RESOURCE_GROUP)
VaultId = typed_id("Microsoft.RecoveryServices/vaults")
SubnetId = typed_id("Microsoft.Network/virtualNetworks/subnets")
VnetId = typed_id("Microsoft.Network/virtualNetworks")
StorageAccountId = typed_id("Microsoft.Storage/storageAccounts")


def _region(value: str) -> str:
    try:
        geo_code(value)  # an unknown region names close matches
    except InputError as error:
        raise ValueError(str(error).removeprefix("region: ")) from None
    return value.replace(" ", "").lower()


def _any_storage_account(value: str) -> str:
    """A Microsoft.Storage account or a classic (Microsoft.ClassicStorage) one."""
    try:
        rid = parse_id(value, "value")
    except InputError as error:
        raise ValueError(str(error).removeprefix("value: ")) from None
    if not (rid.is_a("Microsoft.Storage/storageAccounts") or rid.is_a("Microsoft.ClassicStorage/storageAccounts")):
        raise ValueError(f"'{value}' is a {rid.type}, not a storage account (Microsoft.Storage or "
                         "Microsoft.ClassicStorage)")
    return rid.id


Region = Annotated[str, AfterValidator(_region)]  # an Azure region from the geo-code table, e.g. westus3
AnyStorageAccountId = Annotated[str, AfterValidator(_any_storage_account)]
EndpointName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_]$")]
