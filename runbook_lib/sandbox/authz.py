"""Role-based access control: may the caller do this operation at this scope?

The caller's role assignments at the resource or any scope above it are matched against the operation's
action (``{type}/read|write|delete``), with the role definitions' actions and notActions, as ARM does.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from .errors import ArmError
from .paths import ArmPath
from .rbac_data import assignments_reaching, find_definition

if TYPE_CHECKING:  # services/ import this module: Context is a type here, never imported at run time
    from .services.base import Context

_VERBS = {"GET": "read", "HEAD": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete", "POST": "action"}
_PERMISSION_KEYS = ("actions", "notActions", "dataActions", "notDataActions")  # a role definition's block
# ARM names a few types differently in actions than in ids
_ACTION_TYPES = {
    "microsoft.resources/resourcegroups": "Microsoft.Resources/subscriptions/resourceGroups",
}


def action_for(method: str, path: ArmPath) -> str:
    kind = _ACTION_TYPES.get(path.type.lower(), path.type)
    return f"{kind}/{_VERBS.get(method.upper(), 'action')}"


def _matches(action: str, pattern: str) -> bool:
    return fnmatchcase(action.lower(), pattern.lower())


def granted_permissions(ctx: Context, scope: str) -> list[dict[str, list[str]]]:
    """The permission blocks (actions, notActions, dataActions, notDataActions) of every role the caller holds
    at scope or above, one per block of each assignment, as ARM's Permissions API lists them."""
    grants = []
    for assignment in assignments_reaching(ctx.tx, ctx.caller.object_id, scope):
        for permission in _permissions(ctx, assignment["properties"]["roleDefinitionId"]):
            grants.append({key: list(permission.get(key) or []) for key in _PERMISSION_KEYS})
    return grants


def _permissions(ctx: Context, definition_id: str) -> list[dict]:
    """A role definition's permission blocks, read once per request (a request may check several scopes)."""
    memo = ctx.memo.setdefault("role_permissions", {})
    key = definition_id.lower()
    if key not in memo:
        memo[key] = (find_definition(ctx, definition_id) or {}).get("properties", {}).get("permissions", [])
    return memo[key]


def allowed_actions(ctx: Context, scope: str) -> list[tuple[list[str], list[str]]]:
    """(actions, notActions) of every role the caller holds at scope or above."""
    return [(p["actions"], p["notActions"]) for p in granted_permissions(ctx, scope)]


def is_allowed(ctx: Context, action: str, scope: str) -> bool:
    return any(
        any(_matches(action, a) for a in actions) and not any(_matches(action, n) for n in not_actions)
        for actions, not_actions in allowed_actions(ctx, scope)
    )


def require_linked(ctx: Context, action: str, scope: str, path: ArmPath) -> None:
    """ARM's check of an action on a resource that a request refers to (a linked scope)."""
    if not is_allowed(ctx, action, scope):
        raise ArmError(
            403,
            "LinkedAuthorizationFailed",
            f"The client '{ctx.caller.name}' with object id '{ctx.caller.object_id}' has permission to write "
            f"'{path.id}'; however, it does not have permission to perform action '{action}' on the linked scope "
            f"'{scope}'.",
        )


def authorize(ctx: Context, method: str, path: ArmPath) -> None:
    """Raise AuthorizationFailed (403) unless the caller may do this."""
    if method.upper() == "GET" and path.type.lower() in (
        "microsoft.resources/subscriptions",  # every caller lists the subscriptions it can see
        "microsoft.authorization/roledefinitions",  # role definitions are readable by anyone signed in
        "microsoft.authorization/permissions",  # any caller may ask what it may do (an empty list if nothing)
    ):
        return
    scope = path.parent_id if path.is_collection else path.id
    action = action_for(method, path)
    if not is_allowed(ctx, action, scope or "/"):
        raise ArmError(
            403,
            "AuthorizationFailed",
            f"The client '{ctx.caller.name}' with object id '{ctx.caller.object_id}' does not have authorization "
            f"to perform action '{action}' over scope '{scope or '/'}' or the scope is invalid.",
        )
