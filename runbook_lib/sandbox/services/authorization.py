"""Microsoft.Authorization: built-in and custom role definitions, role assignments at any scope, and what the
caller's roles allow at a scope (permissions)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from ..errors import ArmError
from ..paths import ArmPath
from ..store import Principal
from .base import Context, Rules, Service, odata_eq

DEFINITIONS = "Microsoft.Authorization/roleDefinitions"
ASSIGNMENTS = "Microsoft.Authorization/roleAssignments"
PERMISSIONS = "Microsoft.Authorization/permissions"


@cache
def builtin_roles() -> dict[str, dict]:
    """Built-in role definitions by lower-case GUID, from the package data."""
    text = resources.files("runbook_lib.sandbox").joinpath("data/builtin_roles.json").read_text()
    return {role["name"].lower(): role for role in json.loads(text)}


def subscription_scope(scope: str) -> str:
    """'/subscriptions/{id}' for any scope inside a subscription, '' for the tenant."""
    parts = scope.strip("/").split("/")
    return f"/subscriptions/{parts[1]}" if len(parts) >= 2 and parts[0].lower() == "subscriptions" else ""


def _builtin_record(role: dict, scope: str) -> dict:
    return {
        "id": f"{subscription_scope(scope)}/providers/{DEFINITIONS}/{role['name']}",
        "name": role["name"],
        "type": DEFINITIONS,
        "properties": {
            "roleName": role["roleName"],
            "type": "BuiltInRole",
            "description": role["description"],
            "assignableScopes": ["/"],
            "permissions": [
                {
                    "actions": role["actions"],
                    "notActions": role["notActions"],
                    "dataActions": role.get("dataActions", []),
                    "notDataActions": [],
                }
            ],
            "createdOn": "2015-02-02T21:55:09.8806423Z",
            "updatedOn": "2024-01-01T00:00:00.0000000Z",
            "createdBy": None,
            "updatedBy": None,
        },
    }


def find_definition(ctx: Context, definition_id: str) -> dict | None:
    """A role definition by its id at any scope (built-in or custom)."""
    guid = definition_id.rstrip("/").rsplit("/", 1)[-1].lower()
    if guid in builtin_roles():
        return _builtin_record(builtin_roles()[guid], definition_id)
    return next((d for d in ctx.tx.of_type(DEFINITIONS) if d["name"].lower() == guid), None)


def _within(scope: str, outer: str) -> bool:
    """True when scope is outer or lies below it."""
    scope, outer = scope.lower().rstrip("/"), outer.lower().rstrip("/")
    return outer in ("", "/") or scope == outer or scope.startswith(outer + "/")


class RoleDefinitionService(Service):
    types = (DEFINITIONS,)
    rules = Rules(lro_put=False, lro_delete=False, created=201, updated=201)  # the SDK accepts only 201
    requires_location = False

    def lookup(self, ctx: Context, path: ArmPath) -> dict | None:
        stored = ctx.tx.get(path.id)
        if stored is not None:
            return stored
        role = builtin_roles().get(path.name.lower())
        if role:
            return _builtin_record(role, path.scope)
        # a custom role is found by its GUID from any scope it is assignable at (its id names another subscription
        # when it is assignable in several)
        custom = find_definition(ctx, path.id)
        assignable = (custom or {}).get("properties", {}).get("assignableScopes") or []
        return custom if any(_within(path.scope, s) or _within(s, path.scope) for s in assignable) else None

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        if path.name.lower() in builtin_roles():
            raise ArmError(403, "AuthorizationFailed", f"The built-in role '{path.name}' cannot be changed.")
        record = super().prepare(ctx, path, body, existing)
        properties = record["properties"]
        properties.pop("provisioningState", None)
        if not properties.get("roleName") or not properties.get("permissions"):
            raise ArmError(400, "InvalidRoleDefinition", "A role definition needs properties.roleName and permissions.")
        properties["type"] = "CustomRole"
        properties.setdefault("assignableScopes", [path.scope])
        for other in ctx.tx.of_type(DEFINITIONS):  # custom role names are unique in the directory (tenant)
            same = other["properties"]["roleName"].lower() == properties["roleName"].lower()
            if same and other["name"].lower() != path.name.lower():
                raise ArmError(
                    409, "RoleDefinitionWithSameNameExists",
                    "A custom role with the same name already exists in this directory. Use a different name.",
                )
        self._require_assignable_scopes(ctx, properties["assignableScopes"])
        record.pop("etag", None)
        if not existing:  # a definition's id is in its subscription, whatever scope it was written at
            record["id"] = f"{subscription_scope(path.scope)}/providers/{DEFINITIONS}/{path.name}"
        return record

    @staticmethod
    def _require_assignable_scopes(ctx: Context, scopes: list[str]) -> None:
        """The caller must be allowed to write role definitions at every assignable scope, as ARM checks it (a scope
        in a subscription that does not exist is one where nobody is)."""
        from ..authz import is_allowed  # authz imports this module

        for scope in scopes:
            if not is_allowed(ctx, f"{DEFINITIONS}/write", scope):
                raise ArmError(
                    403, "AuthorizationFailed",
                    f"The client '{ctx.caller.name}' with object id '{ctx.caller.object_id}' does not have "
                    f"authorization to perform action '{DEFINITIONS}/write' over scope '{scope}' or the scope is "
                    "invalid.",
                )

    def collection(self, ctx: Context, path: ArmPath) -> list[dict]:
        scope = path.parent_id
        roles = [_builtin_record(role, scope) for role in builtin_roles().values()]
        roles += [
            d for d in ctx.tx.of_type(DEFINITIONS)
            if any(_within(scope, s) or _within(s, scope) for s in d["properties"].get("assignableScopes", []))
        ]
        name = odata_eq(ctx.query.get("$filter", ""), "roleName")
        kind = odata_eq(ctx.query.get("$filter", ""), "type")
        return [
            r for r in roles
            if (name is None or r["properties"]["roleName"].lower() == name.lower())
            and (kind is None or r["properties"]["type"].lower() == kind.lower())
        ]


class RoleAssignmentService(Service):
    types = (ASSIGNMENTS,)
    rules = Rules(lro_put=False, lro_delete=False)
    requires_location = False

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        properties = body.get("properties") or {}
        definition = find_definition(ctx, properties.get("roleDefinitionId") or "")
        assignable = (definition or {}).get("properties", {}).get("assignableScopes") or ["/"]
        if not any(_within(path.scope, where) for where in assignable):
            definition = None  # a custom role does not exist outside its assignable scopes
        if definition is None:
            raise ArmError(
                400, "RoleDefinitionDoesNotExist",
                f"The specified role definition '{properties.get('roleDefinitionId')}' does not exist.",
            )
        principal_id = properties.get("principalId") or ""
        principal = ctx.tx.find_principal(principal_id)
        if principal is None or principal.object_id.lower() != principal_id.lower() or ctx.now < principal.visible_at:
            raise ArmError(
                400, "PrincipalNotFound",
                f"Principal {principal_id} does not exist in the directory. If it was just created, wait for "
                "replication and try again.",
            )
        given_type = properties.get("principalType")
        if given_type and given_type.lower() != principal.kind.lower():
            raise ArmError(
                400, "UnmatchedPrincipalType",
                f"The PrincipalId '{principal.object_id}' has type '{principal.kind}', which is different from "
                f"specified PrincipalType '{given_type}'.",
            )
        definition_id = f"{subscription_scope(path.scope)}/providers/{DEFINITIONS}/{definition['name']}"
        if existing:
            same = (existing["properties"]["principalId"].lower() == principal_id.lower()
                    and existing["properties"]["roleDefinitionId"].lower() == definition_id.lower())
            if not same:
                raise ArmError(
                    400, "RoleAssignmentUpdateNotPermitted",
                    "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
                )
        for other in self._at_scope(ctx, path.scope):
            duplicate = (other["properties"]["principalId"].lower() == principal_id.lower()
                         and other["properties"]["roleDefinitionId"].lower() == definition_id.lower())
            if duplicate and other["name"].lower() != path.name.lower():
                # as ARM words it (the existing assignment's name without its dashes), e.g. in Terraform's and
                # azd's reports of a second assignment of the same principal, role and scope
                raise ArmError(409, "RoleAssignmentExists", "The role assignment already exists. The ID of the "
                               f"existing role assignment is {other['name'].replace('-', '')}.")
        record = super().prepare(ctx, path, body, existing)
        record.pop("etag", None)
        record["properties"] = {
            **assignment_properties(path.scope, definition_id, principal, ctx.caller, ctx.now),
            "createdOn": existing["properties"]["createdOn"] if existing else _utc(ctx.now),
        }
        return record

    @staticmethod
    def _at_scope(ctx: Context, scope: str) -> list[dict]:
        return [a for a in ctx.tx.of_type(ASSIGNMENTS) if a["properties"]["scope"].lower() == scope.lower()]

    def collection(self, ctx: Context, path: ArmPath) -> list[dict]:
        """Assignments at, above and below the scope; ``atScope()`` keeps those at or above it."""
        scope = path.parent_id
        expression = ctx.query.get("$filter", "")
        at_scope = "atscope()" in expression.lower()
        principal = odata_eq(expression, "principalId")
        found = []
        for assignment in ctx.tx.of_type(ASSIGNMENTS):
            where = assignment["properties"]["scope"]
            if not (_within(scope, where) or (not at_scope and _within(where, scope))):
                continue
            if principal and assignment["properties"]["principalId"].lower() != principal.lower():
                continue
            found.append(assignment)
        return found


class PermissionService(Service):
    """Permissions - List For Resource Group / List For Resource: ``{scope}/providers/Microsoft.Authorization/
    permissions`` lists one permission block per role the caller holds at the scope or above."""

    types = (PERMISSIONS,)
    read_only = True
    requires_location = False

    def collection(self, ctx: Context, path: ArmPath) -> list[dict]:
        from ..authz import granted_permissions  # authz imports this module

        return granted_permissions(ctx, path.parent_id)


def assignment_properties(scope: str, definition_id: str, principal: Principal, caller: Principal,
                          now: float) -> dict:
    """The properties ARM returns for a role assignment."""
    return {
        "roleDefinitionId": definition_id,
        "principalId": principal.object_id,
        "principalType": principal.kind,
        "scope": scope,
        "createdOn": _utc(now),
        "updatedOn": _utc(now),
        "createdBy": caller.object_id,
        "updatedBy": caller.object_id,
    }


def _utc(epoch: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
