"""ARM resource ids as people type them: parsed once, with an error that names the option when one is wrong."""

from __future__ import annotations

from dataclasses import dataclass

from azure.mgmt.core.tools import is_valid_resource_id, parse_resource_id

from ..errors import InputError

RESOURCE_GROUP = "Microsoft.Resources/resourceGroups"


@dataclass(frozen=True)
class ResourceId:
    id: str
    subscription: str
    resource_group: str
    type: str  # 'Microsoft.Network/privateEndpoints', 'Microsoft.Network/virtualNetworks/subnets', RESOURCE_GROUP
    name: str

    @property
    def resource_group_id(self) -> str:
        return f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"

    def is_a(self, resource_type: str) -> bool:
        return self.type.lower() == resource_type.lower()


def parse_id(text: str, field: str = "ID") -> ResourceId:
    """A resource or resource-group id; an InputError naming ``field`` for anything else."""
    found = parse_resource_id(text) if is_valid_resource_id(text) else {}
    # parse_resource_id is typed Mapping[str, str | int]: last_child_num is its one int, every other value a str
    parts = {key: value for key, value in found.items() if isinstance(value, str)}
    if not parts.get("resource_group"):
        raise InputError(
            f"{field}: '{text}' is not a resource id; give the full id, "
            "e.g. /subscriptions/SUB/resourceGroups/RG/providers/Microsoft.Network/privateEndpoints/NAME"
        )
    if "namespace" not in parts:
        return ResourceId(text, parts["subscription"], parts["resource_group"], RESOURCE_GROUP, parts["resource_group"])
    types = [parts["type"]] + [parts[f"child_type_{n}"] for n in range(1, int(found.get("last_child_num", 0)) + 1)]
    return ResourceId(
        text,
        parts["subscription"],
        parts["resource_group"],
        "/".join([parts["namespace"], *types]),
        parts["resource_name"],
    )


def parse_typed_id(text: str, resource_type: str, field: str) -> ResourceId:
    """A resource id of one type (RESOURCE_GROUP for a resource group); an InputError naming ``field`` otherwise."""
    found = parse_id(text, field)
    if not found.is_a(resource_type):
        kind = "resource group" if resource_type == RESOURCE_GROUP else resource_type
        raise InputError(f"{field}: '{text}' is a {found.type}, not a {kind}")
    return found


def name_of(resource_id: str) -> str:
    """The last segment of an id: the resource's own name."""
    return resource_id.rstrip("/").rsplit("/", 1)[-1]
