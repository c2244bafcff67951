"""Role definitions and role assignments as data: what both the RBAC check (authz.py) and the
Microsoft.Authorization service (services/authorization.py) read, so that neither imports the other's module
to get it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from .store import Principal, Transaction

if TYPE_CHECKING:
    from .services.base import Context

DEFINITIONS = "Microsoft.Authorization/roleDefinitions"
ASSIGNMENTS = "Microsoft.Authorization/roleAssignments"
PERMISSIONS = "Microsoft.Authorization/permissions"


@cache
def builtin_roles() -> dict[str, dict]:
    """Built-in role definitions by lower-case GUID, from the package data (read once: they never change)."""
    text = resources.files("runbook_lib.sandbox").joinpath("data/builtin_roles.json").read_text()
    return {role["name"].lower(): role for role in json.loads(text)}


def subscription_scope(scope: str) -> str:
    """'/subscriptions/{id}' for any scope inside a subscription, '' for the tenant."""
    parts = scope.strip("/").split("/")
    return f"/subscriptions/{parts[1]}" if len(parts) >= 2 and parts[0].lower() == "subscriptions" else ""


def enclosing_scopes(scope: str) -> list[str]:
    """The scope and every scope above it, lower case, the tenant ('') first: where an assignment that reaches
    ``scope`` can hang."""
    parts = [p for p in scope.lower().split("/") if p]
    return ["", *("/" + "/".join(parts[:i]) for i in range(1, len(parts) + 1))]


def within(scope: str, outer: str) -> bool:
    """True when scope is outer or lies below it."""
    scope, outer = scope.lower().rstrip("/"), outer.lower().rstrip("/")
    return outer in ("", "/") or scope == outer or scope.startswith(outer + "/")


def builtin_record(role: dict, scope: str) -> dict:
    """A built-in role definition as ARM returns it, with its id in the subscription of ``scope``."""
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
        return builtin_record(builtin_roles()[guid], definition_id)
    return ctx.tx.named(DEFINITIONS, guid)


def assignments_reaching(tx: Transaction, principal_id: str, scope: str) -> list[dict]:
    """The principal's role assignments at scope or above it: read through the store's parent index, so the cost
    depends on the scope's depth, not on how many assignments the estate holds."""
    return tx.at_parents(enclosing_scopes(scope), ASSIGNMENTS, match=("$.properties.principalId", principal_id))


def assignment_properties(scope: str, definition_id: str, principal: Principal, caller: Principal, now: float) -> dict:
    """The properties ARM returns for a role assignment."""
    return {
        "roleDefinitionId": definition_id,
        "principalId": principal.object_id,
        "principalType": principal.kind,
        "scope": scope,
        "createdOn": utc(now),
        "updatedOn": utc(now),
        "createdBy": caller.object_id,
        "updatedBy": caller.object_id,
    }


def utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
