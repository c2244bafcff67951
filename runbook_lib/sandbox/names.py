"""Azure's naming rules on PUT: a name Azure refuses is refused with Azure's status (400), error code and a message
like Azure's, before anything is written. The rules themselves are runbook_lib.names'."""

from __future__ import annotations

from ..names import ARM_CODES, RULES, NameKind, name_fault, rule_words
from .errors import ArmError
from .paths import ArmPath
from .services.privatedns import RECORD_TYPES, ZONE_TYPE

# resource type (lower case) -> the rule its names keep
KINDS: dict[str, NameKind] = {
    "microsoft.resources/resourcegroups": NameKind.RESOURCE_GROUP,
    "microsoft.recoveryservices/vaults": NameKind.RECOVERY_SERVICES_VAULT,
    "microsoft.storage/storageaccounts": NameKind.STORAGE_ACCOUNT,
    "microsoft.network/virtualnetworks": NameKind.VIRTUAL_NETWORK,
    "microsoft.network/virtualnetworks/subnets": NameKind.SUBNET,
    "microsoft.network/privateendpoints": NameKind.PRIVATE_ENDPOINT,
    "microsoft.network/networkinterfaces": NameKind.NETWORK_INTERFACE,
    "microsoft.network/privateendpoints/privatednszonegroups": NameKind.PRIVATE_DNS_ZONE_GROUP,
    ZONE_TYPE.lower(): NameKind.PRIVATE_DNS_ZONE,
    f"{ZONE_TYPE}/virtualNetworkLinks".lower(): NameKind.VIRTUAL_NETWORK_LINK,
    **{f"{ZONE_TYPE}/{t}".lower(): NameKind.RECORD_SET for t in RECORD_TYPES},
}


def check_name(path: ArmPath) -> None:
    """Raise the ArmError Azure answers a PUT of ``path`` with when its name breaks the rule of its type."""
    kind = KINDS.get(path.type.lower())
    if kind is None or path.is_collection or not path.names:
        return
    name = path.name
    fault = name_fault(kind, name, zone=path.names[0] if kind is NameKind.RECORD_SET else "")
    if fault is not None:
        raise ArmError(400, ARM_CODES[kind], _message(kind, name, fault))


def _message(kind: NameKind, name: str, fault: str) -> str:
    words = rule_words(kind)
    if kind is NameKind.STORAGE_ACCOUNT:  # Storage's own words ("Resolve errors for storage account names")
        return (
            f"{name} is not a valid storage account name. Storage account name must be between 3 and 24 "
            "characters in length and use numbers and lower-case letters only."
        )
    if kind is NameKind.RESOURCE_GROUP and fault.startswith("it has "):
        bad = "".join(c for c in dict.fromkeys(name) if not RULES[kind].allowed(c))
        return (
            f"The provided resource group name '{name}' has these invalid characters: '{bad}'. The name can "
            "only be a letter, digit, '-', '.', '(', ')' or '_'."
        )
    if kind is NameKind.PRIVATE_DNS_ZONE and fault.endswith(" label"):
        return f"The zone name '{name}' does not have enough labels. Zone names must have two or more labels."
    if ARM_CODES[kind] == "InvalidResourceName":
        return f"Resource name {name} is invalid ({fault}). A {kind.value} name has {words}."
    return f"The {kind.value} name '{name}' is invalid ({fault}): {words}."
