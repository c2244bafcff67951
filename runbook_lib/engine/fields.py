"""The field types of the parameter models: resource ids of a type, regions, names. Each refuses a bad value
with a message in words (pydantic names the field)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Annotated, NamedTuple

from pydantic import AfterValidator, Field, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from ..azure.ids import RESOURCE_GROUP, ResourceId, parse_id, parse_typed_id
from ..errors import InputError
from ..geo import geo_code
from ..names import NameKind, name_fault, name_problem, rule_words


def typed_id(resource_type: str, *names: NameKind):
    """A field type: a resource id of ``resource_type`` (RESOURCE_GROUP for a resource group) whose names keep
    Azure's rules: ``names`` are the kinds of its own name, then of its parents' (a subnet's, its VNet's)."""

    def check(value: str) -> str:
        try:
            rid = parse_typed_id(value, resource_type, "value")
        except InputError as error:
            raise ValueError(str(error).removeprefix("value: ")) from None
        _check_names(rid, names)
        return guid_subscription(rid.id)

    return Annotated[str, AfterValidator(check)]


def _check_names(rid: ResourceId, kinds: tuple[NameKind, ...]) -> None:
    """Raise a ValueError with Azure's rule when the id's name (or a parent's, in ``kinds``' order) breaks it."""
    segments = rid.id.rstrip("/").split("/")
    for depth, kind in enumerate(kinds):
        problem = name_problem(kind, segments[-1 - 2 * depth])
        if problem:
            raise ValueError(problem)


ResourceGroupId = typed_id(RESOURCE_GROUP, NameKind.RESOURCE_GROUP)
VaultId = typed_id("Microsoft.RecoveryServices/vaults", NameKind.RECOVERY_SERVICES_VAULT)
SubnetId = typed_id("Microsoft.Network/virtualNetworks/subnets", NameKind.SUBNET, NameKind.VIRTUAL_NETWORK)
VnetId = typed_id("Microsoft.Network/virtualNetworks", NameKind.VIRTUAL_NETWORK)
StorageAccountId = typed_id("Microsoft.Storage/storageAccounts", NameKind.STORAGE_ACCOUNT)


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
        raise ValueError(
            f"'{value}' is a {rid.type}, not a storage account (Microsoft.Storage or Microsoft.ClassicStorage)"
        )
    _check_names(rid, (NameKind.STORAGE_ACCOUNT,))  # classic accounts keep the same rule
    return guid_subscription(rid.id)


def _valid_name(kind: NameKind) -> AfterValidator:
    def check(value: str) -> str:
        problem = name_problem(kind, value)
        if problem:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


Region = Annotated[str, AfterValidator(_region)]  # an Azure region from the geo-code table, e.g. westus3
AnyStorageAccountId = Annotated[str, AfterValidator(_any_storage_account)]
EndpointName = Annotated[str, _valid_name(NameKind.PRIVATE_ENDPOINT)]  # a private endpoint's name, as Azure allows


class DerivedName(NamedTuple):
    """A name a run derives from a parameter (e.g. Site Recovery's cache endpoint ``{endpoint_name}-cache-blob``)."""

    parameter: str  # the parameter it comes from
    what: str  # what gets the name, e.g. "the cache account's endpoint"
    kind: NameKind
    name: str


def refuse_bad_derived_names(model: str, derived: Iterable[DerivedName]) -> None:
    """Raise a ValidationError naming the parameter of each derived name that breaks Azure's rule (from a
    model_validator: pydantic keeps the parameter as the error's field)."""
    errors = [
        InitErrorDetails(
            type=PydanticCustomError(
                "derived_name",
                "{problem}",
                {
                    "problem": (
                        f"gives {item.what} the name '{item.name}', which Azure refuses ({fault}): {rule_words(item.kind)}; "
                        f"choose another {item.parameter}"
                    )
                },
            ),
            loc=(item.parameter,),
            input=item.name,
        )
        for item in derived
        if (fault := name_fault(item.kind, item.name))
    ]
    if errors:
        raise ValidationError.from_exception_data(model, errors)


# --- shapes and bounds: a subscription is a GUID, a record's TTL, a DNS server -------------------------------------

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# "In Azure DNS, the TTL is specified for the record set ... any TTL value between 1 and 2,147,483,647 seconds"
# (Microsoft Learn, "Overview of DNS zones and records", section "Time-to-live")
TTL_MIN, TTL_MAX = 1, 2**31 - 1


def guid_subscription(value: str) -> str:
    """The id ``value`` when its subscription is a GUID; ARM answers any other 400 InvalidSubscriptionId."""
    try:
        subscription = parse_id(value, "value").subscription
    except InputError as error:
        raise ValueError(str(error).removeprefix("value: ")) from None
    if not _GUID.match(subscription):
        raise ValueError(
            f"'{subscription}' is not a subscription id (a GUID such as "
            "1c2d3e4f-0000-4000-8000-123456789abc); ARM would answer InvalidSubscriptionId"
        )
    return value


def _nameserver(value: str) -> str:
    """HOST or HOST:PORT: an IP address or a DNS host name, a port 1-65535 (53 when left out); '' for none."""
    if value == "":
        return value  # a notebook's "not given"
    host, colon, port = value.rpartition(":") if value.count(":") == 1 else (value, "", "")
    if colon and not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"'{value}': the port must be 1-65535; give HOST or HOST:PORT, e.g. 10.0.0.4 or 10.0.0.4:53")
    try:
        ipaddress.ip_address(host)
        return value
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    if not host or not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise ValueError(
            f"'{value}' is not HOST or HOST:PORT (an IP address or a DNS name, then an optional port "
            "1-65535), e.g. 10.0.0.4 or dns.contoso.local:53"
        )
    return value


_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def _ttl(value: int) -> int:
    if not TTL_MIN <= value <= TTL_MAX:
        raise ValueError(
            f"{value} seconds is outside what Azure DNS accepts for a record set ({TTL_MIN} to "
            f"{TTL_MAX:,}); Azure's zone groups write 10"
        )
    return value


Ttl = Annotated[int, Field(strict=True), AfterValidator(_ttl)]  # seconds, for a private DNS record set
Nameserver = Annotated[str, AfterValidator(_nameserver)]  # the DNS server clients use: HOST or HOST:PORT
AnyResourceId = Annotated[str, AfterValidator(guid_subscription)]  # a resource or resource group id of any type
