"""Scenario parameters: a typed model per scenario, loaded from YAML, refused whole with one line per bad field."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from ..azure.ids import RESOURCE_GROUP, parse_id, parse_typed_id
from ..errors import InputError
from ..geo import geo_code
from ..secrets import secret_kind  # re-exported: values that are credentials never belong in parameters

M = TypeVar("M", bound="ScenarioParameters")


class ScenarioParameters(BaseModel):
    """Unknown names are errors (a typo must not silently fall back to a default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    confirm: tuple[str, ...] = ()  # manual steps done (their ids): how a headless run confirms them


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


def load_parameters(model: type[M], source: str | Path | dict) -> M:
    """The parameters from a YAML file (or a dict), checked against ``model``; an InputError with one line per
    bad field ('field: what is wrong') otherwise."""
    name = str(source) if not isinstance(source, dict) else "parameters"
    if isinstance(source, dict):
        data = source
    else:
        try:
            data = yaml.safe_load(Path(source).read_text(encoding="utf-8")) or {}
        except OSError as error:
            raise InputError(f"{name}: cannot read it ({error.strerror})") from None
        except yaml.YAMLError as error:
            raise InputError(f"{name}: not valid YAML ({error})".replace("\n", " ")) from None
    if not isinstance(data, dict):
        raise InputError(f"{name}: expected a mapping of parameter names to values")
    secrets = [f"{name}: {key}: looks like {kind}; credentials come from azure-identity, never from parameters"
               for key, value in data.items() if (kind := secret_kind(value))]
    if secrets:
        raise InputError("\n".join(secrets))
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InputError("\n".join(f"{name}: {_field(e)}: {_message(e, model)}" for e in error.errors())) from None


def _field(error: dict) -> str:
    return ".".join(str(part) for part in error["loc"]) or "(top)"


def _message(error: dict, model: type[BaseModel]) -> str:
    if error["type"] == "extra_forbidden":
        return f"unknown parameter; known: {', '.join(model.model_fields)}"
    return error["msg"].removeprefix("Value error, ")
