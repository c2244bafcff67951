"""Microsoft.Authorization: built-in and custom role definitions, role assignments at any scope, and what the
caller's roles allow at a scope (permissions)."""

from __future__ import annotations

from ..authz import granted_permissions, is_allowed
from ..errors import ArmError
from ..paths import ArmPath
from ..rbac_data import (  # builtin_roles and find_definition are imported from here by the demo estates, tests
    ASSIGNMENTS,
    DEFINITIONS,
    PERMISSIONS,
    assignment_properties,
    builtin_record,
    builtin_roles,
    enclosing_scopes,
    find_definition,
    subscription_scope,
    utc,
    within,
)
from ..store import Principal
from .base import Context, Rules, Service, odata_eq


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
            return builtin_record(role, path.scope)
        # a custom role is found by its GUID from any scope it is assignable at (its id names another subscription
        # when it is assignable in several)
        custom = find_definition(ctx, path.id)
        assignable = (custom or {}).get("properties", {}).get("assignableScopes") or []
        return custom if any(within(path.scope, s) or within(s, path.scope) for s in assignable) else None

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
                    409,
                    "RoleDefinitionWithSameNameExists",
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
        for scope in scopes:
            if not is_allowed(ctx, f"{DEFINITIONS}/write", scope):
                raise ArmError(
                    403,
                    "AuthorizationFailed",
                    f"The client '{ctx.caller.name}' with object id '{ctx.caller.object_id}' does not have "
                    f"authorization to perform action '{DEFINITIONS}/write' over scope '{scope}' or the scope is "
                    "invalid.",
                )

    def collection(self, ctx: Context, path: ArmPath) -> list[dict]:
        scope = path.parent_id
        roles = [builtin_record(role, scope) for role in builtin_roles().values()]
        roles += [
            d
            for d in ctx.tx.of_type(DEFINITIONS)
            if any(within(scope, s) or within(s, scope) for s in d["properties"].get("assignableScopes", []))
        ]
        name = odata_eq(ctx.query.get("$filter", ""), "roleName")
        kind = odata_eq(ctx.query.get("$filter", ""), "type")
        return [
            r
            for r in roles
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
        if not any(within(path.scope, where) for where in assignable):
            definition = None  # a custom role does not exist outside its assignable scopes
        if definition is None:
            raise ArmError(
                400,
                "RoleDefinitionDoesNotExist",
                f"The specified role definition '{properties.get('roleDefinitionId')}' does not exist.",
            )
        principal_id = properties.get("principalId") or ""
        principal = _principal(ctx, principal_id, properties.get("principalType"))
        definition_id = f"{subscription_scope(path.scope)}/providers/{DEFINITIONS}/{definition['name']}"
        if existing:
            same = (
                existing["properties"]["principalId"].lower() == principal_id.lower()
                and existing["properties"]["roleDefinitionId"].lower() == definition_id.lower()
            )
            if not same:
                raise ArmError(
                    400,
                    "RoleAssignmentUpdateNotPermitted",
                    "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
                )
        for other in self._at_scope(ctx, path.scope):
            duplicate = (
                other["properties"]["principalId"].lower() == principal_id.lower()
                and other["properties"]["roleDefinitionId"].lower() == definition_id.lower()
            )
            if duplicate and other["name"].lower() != path.name.lower():
                # as ARM words it (the existing assignment's name without its dashes), e.g. in Terraform's and
                # azd's reports of a second assignment of the same principal, role and scope
                raise ArmError(
                    409,
                    "RoleAssignmentExists",
                    "The role assignment already exists. The ID of the "
                    f"existing role assignment is {other['name'].replace('-', '')}.",
                )
        record = super().prepare(ctx, path, body, existing)
        record.pop("etag", None)
        record["properties"] = {
            **assignment_properties(path.scope, definition_id, principal, ctx.caller, ctx.now),
            "createdOn": existing["properties"]["createdOn"] if existing else utc(ctx.now),
        }
        return record

    def deleted_body(self, ctx: Context, record: dict) -> dict | None:
        """Role Assignments - Delete answers 200 with the assignment it deleted (RoleAssignments_Delete.json,
        2022-04-01), 204 when there was none."""
        return self.view(ctx, record)

    @staticmethod
    def _at_scope(ctx: Context, scope: str) -> list[dict]:
        return ctx.tx.at_parents([scope], ASSIGNMENTS)

    def collection(self, ctx: Context, path: ArmPath) -> list[dict]:
        """Assignments at, above and below the scope; ``atScope()`` keeps those at or above it."""
        scope = path.parent_id
        expression = ctx.query.get("$filter", "")
        at_scope = "atscope()" in expression.lower()
        principal = odata_eq(expression, "principalId")
        match = ("$.properties.principalId", principal) if principal else None
        found = ctx.tx.at_parents(enclosing_scopes(scope), ASSIGNMENTS, match=match)  # at or above the scope
        if not at_scope:  # and below it: the assignments of its subscription (of the tenant at the root)
            subscription = subscription_scope(scope).rpartition("/")[2] or None
            found += [
                a
                for a in ctx.tx.of_type(ASSIGNMENTS, subscription)
                if within(a["properties"]["scope"], scope)
                and not within(scope, a["properties"]["scope"])
                and (not principal or a["properties"]["principalId"].lower() == principal.lower())
            ]
        return found


class PermissionService(Service):
    """Permissions - List For Resource Group / List For Resource: ``{scope}/providers/Microsoft.Authorization/
    permissions`` lists one permission block per role the caller holds at the scope or above."""

    types = (PERMISSIONS,)
    read_only = True
    requires_location = False

    def collection(self, ctx: Context, path: ArmPath) -> list[dict]:
        return granted_permissions(ctx, path.parent_id)


def _principal(ctx: Context, principal_id: str, given_type: str | None) -> Principal:
    """The principal an assignment names, as ARM finds it. Without principalType ARM looks it up in the directory:
    PrincipalNotFound until the directory shows it. With principalType ARM skips the lookup when the directory does
    not show it yet, as the troubleshooting article advises for a principal created just now ("Symptom - Role
    assignment fails with PrincipalNotFound", https://aka.ms/docs-principaltype). In the sandbox a principal that
    Azure makes (a vault's or a user-assigned managed identity) is shown ``principal_delay`` seconds after it is
    made (the estate's setting, 0 unless a test or consultant sets it); one added with ``visible_in`` likewise.
    An id that nobody made (a typo, an application id given for an object id) stays PrincipalNotFound even with
    principalType: ARM would accept it and leave an assignment to an unknown identity; the sandbox, which knows the
    whole directory, refuses it so the mistake shows at once."""
    found = ctx.tx.find_principal(principal_id)
    shown = found is not None and found.object_id.lower() == principal_id.lower() and ctx.now >= found.visible_at
    if shown and found is not None:  # shown implies found; the second test tells mypy
        if given_type and given_type.lower() != found.kind.lower():
            raise ArmError(
                400,
                "UnmatchedPrincipalType",
                f"The PrincipalId '{found.object_id}' has type '{found.kind}', which is different from "
                f"specified PrincipalType '{given_type}'.",
            )
        return found
    if given_type and found is not None and found.object_id.lower() == principal_id.lower():
        return Principal(found.object_id, found.name, given_type, found.tenant_id)  # not looked up: as given
    raise ArmError(
        400,
        "PrincipalNotFound",
        f"Principal {principal_id.replace('-', '')} does not exist in the directory {ctx.tx.setting('tenant_id', '')}. "
        "Check that you have the correct principal ID. If you are creating this principal and then immediately "
        "assigning a role, this error might be related to a replication delay. In this case, set the role assignment "
        "principalType property to a value, such as ServicePrincipal, User, or Group. See "
        "https://aka.ms/docs-principaltype",
    )
