"""Read an ARM request path the way Resource Manager does.

A path is a scope (tenant, subscription, resource group, or another resource for extension resources such as
role assignments) followed by ``providers/{namespace}/{type}/{name}[/{childType}/{childName}...]``. An odd
number of type/name segments after the namespace makes it a collection.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import bad_request


@dataclass(frozen=True)
class ArmPath:
    segments: tuple[str, ...]
    subscription: str | None = None
    resource_group: str | None = None
    scope: str = ""  # id of the scope the provider block hangs off ("" for the tenant)
    namespace: str | None = None
    types: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return "/" + "/".join(self.segments)

    @property
    def key(self) -> str:
        return self.id.lower()

    @property
    def is_collection(self) -> bool:
        return len(self.types) > len(self.names)

    @property
    def type(self) -> str:
        """Full resource type, e.g. Microsoft.Network/virtualNetworks/subnets."""
        return "/".join((self.namespace or "", *self.types))

    @property
    def name(self) -> str:
        return self.names[-1] if self.names else ""

    @property
    def parent_id(self) -> str:
        """The id a resource (or a collection) hangs off: its parent resource, or its scope for a top level type."""
        depth = len(self.names) if not self.is_collection else len(self.names) + 1
        if depth > 1:
            drop = 2 if not self.is_collection else 1
            return "/" + "/".join(self.segments[:-drop])
        return self.scope

    def renamed(self, name: str) -> ArmPath:
        """The same path with another last name (services that lower-case names use it)."""
        return ArmPath(
            (*self.segments[:-1], name),
            self.subscription,
            self.resource_group,
            self.scope,
            self.namespace,
            self.types,
            (*self.names[:-1], name),
        )

    @property
    def is_extension(self) -> bool:
        """True for resources hanging off another provider resource (role assignments at resource scope)."""
        return "/providers/" in self.scope.lower()

    @property
    def is_top_level(self) -> bool:
        return len(self.types) == 1 and not self.is_extension


def parse_path(raw: str) -> ArmPath:
    """Split a URL path into an ArmPath; raise InvalidResourceId for a path ARM would not accept."""
    parts = raw.strip("/").split("/") if raw.strip("/") else []
    # the SDK's "list for resource" calls put an empty parent path after the namespace ('providers/NS//type/name'),
    # which ARM accepts; any other empty segment is refused
    segments = tuple(s for i, s in enumerate(parts) if s or not (i >= 2 and parts[i - 2].lower() == "providers"))
    if any(not s for s in segments):
        raise bad_request("InvalidResourceId", f"The resource id '{raw}' has an empty segment.")
    lower = [s.lower() for s in segments]
    if not segments:
        raise bad_request("InvalidResourceId", "The request path is empty.")
    subscription = resource_group = None
    if lower[0] == "subscriptions":
        subscription = segments[1] if len(segments) > 1 else None
        if len(lower) > 3 and lower[2] == "resourcegroups":
            resource_group = segments[3]
    if "providers" not in lower:
        return _resource_manager_path(raw, segments, lower)
    provider_at = len(lower) - 1 - lower[::-1].index("providers")
    rest = segments[provider_at + 1 :]
    if not rest:
        raise bad_request("InvalidResourceId", f"The resource id '{raw}' names no resource provider namespace.")
    namespace, tail = rest[0], rest[1:]
    if not tail:
        raise bad_request("InvalidResourceType", f"The resource id '{raw}' names no resource type.")
    scope = "/" + "/".join(segments[:provider_at]) if provider_at else ""
    return ArmPath(
        segments,
        subscription,
        resource_group,
        scope=scope,
        namespace=namespace,
        types=tuple(tail[0::2]),
        names=tuple(tail[1::2]),
    )


def _resource_manager_path(raw: str, segments: tuple[str, ...], lower: list[str]) -> ArmPath:
    """Subscriptions, resource groups, and the generic ``resources`` listing, with ARM's canonical casing."""
    if lower[0] != "subscriptions" or len(lower) > 5:
        raise bad_request("InvalidResourceId", f"'{raw}' is not a resource id this Resource Manager serves.")
    if len(lower) <= 2:
        names = segments[1:2]
        return ArmPath(
            ("subscriptions", *names),
            names[0] if names else None,
            None,
            "",
            "Microsoft.Resources",
            ("subscriptions",),
            names,
        )
    subscription = segments[1]
    sub_id = f"/subscriptions/{subscription}"
    if lower[-1] == "resources" and len(lower) in (3, 5):
        group = segments[3] if len(lower) == 5 else None
        canonical = ("subscriptions", subscription, *(("resourceGroups", group) if group else ()), "resources")
        return ArmPath(canonical, subscription, group, scope="/" + "/".join(canonical[:-1]))
    if lower[2] != "resourcegroups" or len(lower) > 4:
        raise bad_request("InvalidResourceId", f"'{raw}' is not a resource id this Resource Manager serves.")
    names = segments[3:4]
    return ArmPath(
        ("subscriptions", subscription, "resourceGroups", *names),
        subscription,
        names[0] if names else None,
        sub_id,
        "Microsoft.Resources",
        ("resourceGroups",),
        names,
    )
