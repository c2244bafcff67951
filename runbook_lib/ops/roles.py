"""Azure RBAC for the runbooks: built-in and custom roles by name, who holds what at a scope, what the caller may
do, and custom role definitions (found by name, created, compared).

A new managed identity takes a while to reach Microsoft Entra ID's replicas: a role assignment for it answers
PrincipalNotFound until then, and is tried again with a bounded backoff (tenacity).
"""

from __future__ import annotations

import fnmatch
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from azure.core.exceptions import HttpResponseError
from tenacity import retry, retry_if_exception, stop_after_delay, wait_exponential

from ..azure import AzureClients
from ..azure.errors import arm_code
from ..azure.ids import RESOURCE_GROUP, parse_id
from ..azure.requests import ALREADY_MADE, AlreadyMade, Write, deferred

# built-in role definition ids (the same in every subscription and cloud)
BUILTIN_ROLES = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "Private DNS Zone Contributor": "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Classic Storage Account Contributor": "86e8f5dc-a6e9-4c67-9d15-de283e8eac25",
    "Classic Storage Account Key Operator Service Role": "985d6b00-f706-48f5-a6fe-d0ca12fb668d",
}
PRINCIPAL_WAIT_SECONDS = 120  # Entra ID replication: usually seconds, documented as up to a few minutes


class PrincipalType(StrEnum):
    """What a role assignment's principal is. Given on the assignment, ARM does not wait to find the principal in
    the directory (a managed identity made seconds ago is not there yet: PrincipalNotFound otherwise); a type that
    does not match the principal ARM does find is refused (UnmatchedPrincipalType)."""

    SERVICE_PRINCIPAL = "ServicePrincipal"  # managed identities (a vault's, a user-assigned one) and app registrations
    USER = "User"
    GROUP = "Group"


@dataclass(frozen=True)
class CustomRole:
    """A custom role definition as an article documents it: name, description, actions (no notActions)."""

    name: str
    description: str
    actions: tuple[str, ...]

    def definition_id(self, subscription: str) -> str:
        """The id this toolkit gives the definition in ``subscription``: the same on every run, so a rerun after an
        interrupted create updates the same definition instead of colliding with it."""
        guid = uuid.uuid5(uuid.NAMESPACE_URL, f"https://runbook-lib.invalid/roles/{subscription.lower()}/{self.name}")
        return f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{guid}"

    def body(self, subscription: str) -> dict:
        """The definition, assignable in ``subscription`` (as the article's JSON files have it)."""
        return {
            "properties": {
                "roleName": self.name,
                "description": self.description,
                "type": "CustomRole",
                "permissions": [{"actions": list(self.actions), "notActions": []}],
                "assignableScopes": [f"/subscriptions/{subscription}"],
            }
        }


def subscription_of(scope: str) -> str:
    """The subscription of a scope: a subscription, a resource group or a resource."""
    return scope.strip("/").split("/")[1]


def role_definition_id(clients: AzureClients, scope: str, role: str) -> str:
    """A role's definition id in the scope's subscription: a built-in role's by its fixed GUID, a custom role's by
    its name (LookupError when no definition of that name is assignable there)."""
    subscription = subscription_of(scope)
    if role in BUILTIN_ROLES:
        return f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{BUILTIN_ROLES[role]}"
    found = find_role_definition(clients, f"/subscriptions/{subscription}", role)
    if found is None:
        raise LookupError(f"no role definition named '{role}' is assignable in subscription {subscription}")
    return found.id


def find_role_definition(clients: AzureClients, scope: str, role_name: str):
    """The role definition named ``role_name`` that is assignable at ``scope`` (a subscription or below), or None."""
    authorization = clients.for_subscription(subscription_of(scope)).authorization
    found = authorization.role_definitions.list(scope, filter=f"roleName eq '{role_name}'")
    return next(iter(found), None)


def actions_of(definition) -> set[str]:
    """A role definition's actions, lower-cased (Azure compares actions without regard to case)."""
    return {action.lower() for permission in definition.permissions or [] for action in permission.actions or []}


def create_role_definition(clients: AzureClients, subscription: str, role: CustomRole, **kwargs):
    """PUT ``role``'s definition in ``subscription`` (its id: ``CustomRole.definition_id``)."""
    definition_id = role.definition_id(subscription)
    scope, guid = definition_id.split("/providers/", 1)[0], definition_id.rsplit("/", 1)[-1]
    authorization = clients.for_subscription(subscription).authorization
    return authorization.role_definitions.create_or_update(scope, guid, role.body(subscription), **kwargs)


def roles_held(clients: AzureClients, scope: str, principal_id: str) -> set[str]:
    """The roles (built-in and custom, by name) ``principal_id`` holds at ``scope`` or above."""
    names = {guid: name for name, guid in BUILTIN_ROLES.items()}
    authorization = clients.for_subscription(subscription_of(scope)).authorization
    assignments = authorization.role_assignments.list_for_scope(scope, filter=f"principalId eq '{principal_id}'")
    here = scope.lower().rstrip("/")
    held = set()
    for assignment in assignments:
        where = assignment.scope.lower().rstrip("/")
        if here != where and not here.startswith(where + "/"):  # the filter also gives those below the scope
            continue
        guid = assignment.role_definition_id.rsplit("/", 1)[-1]
        if guid not in names:  # a custom role: its name is in its definition
            names[guid] = authorization.role_definitions.get_by_id(assignment.role_definition_id).role_name
        held.add(names[guid])
    return held


def assign_role(
    clients: AzureClients,
    scope: str,
    role: str,
    principal_id: str,
    wait_seconds: float = PRINCIPAL_WAIT_SECONDS,
    principal_type: PrincipalType = PrincipalType.SERVICE_PRINCIPAL,
    **kwargs,
):
    """Assign a role (built-in, or custom by name) to a principal of ``principal_type`` (by default a service
    principal: a vault's identity), waiting while it is not visible yet; ``kwargs`` go to the SDK call. The new
    assignment; or AlreadyMade when ARM answers
    RoleAssignmentExists (409) and the assignment there is this very one: same principal, role and scope (another
    run at the same time made it)."""
    authorization = clients.for_subscription(subscription_of(scope)).authorization
    definition = role_definition_id(clients, scope, role)
    body = {
        "properties": {
            "roleDefinitionId": definition,
            "principalId": principal_id,
            "principalType": PrincipalType(principal_type).value,
        }
    }
    attempt = retry(
        retry=retry_if_exception(_principal_not_found),
        stop=stop_after_delay(wait_seconds),
        wait=wait_exponential(multiplier=0.5, max=15),
        reraise=True,
    )(authorization.role_assignments.create)
    try:
        return attempt(scope, str(uuid.uuid4()), body, **kwargs)
    except HttpResponseError as error:
        if arm_code(error) != "RoleAssignmentExists":
            raise
        existing = _assignment_at(clients, scope, definition, principal_id)
        if existing is None:
            raise
        return AlreadyMade(existing.id, f"{ALREADY_MADE}: {role} for {principal_id} at {scope} ({existing.name})")


def _assignment_at(clients: AzureClients, scope: str, definition_id: str, principal_id: str):
    """The assignment of ``definition_id`` to ``principal_id`` exactly at ``scope``, or None."""
    authorization = clients.for_subscription(subscription_of(scope)).authorization
    found = authorization.role_assignments.list_for_scope(scope, filter=f"principalId eq '{principal_id}'")
    guid = definition_id.rsplit("/", 1)[-1].lower()
    return next(
        (
            a
            for a in found
            if a.scope.lower().rstrip("/") == scope.lower().rstrip("/")
            and a.role_definition_id.rsplit("/", 1)[-1].lower() == guid
        ),
        None,
    )


def _principal_not_found(error: BaseException) -> bool:
    return isinstance(error, HttpResponseError) and arm_code(error) == "PrincipalNotFound"


def caller_may(clients: AzureClients, scope: str, actions: Iterable[str]) -> list[str]:
    """The actions of ``actions`` the caller may NOT do at ``scope`` (a resource group or resource id)."""
    rid = parse_id(scope)
    permissions = clients.for_subscription(rid.subscription).authorization.permissions
    namespace, _, resource_type = rid.type.partition("/")
    if rid.type != RESOURCE_GROUP and "/" not in resource_type:  # a top-level resource: roles held on it count too
        found = permissions.list_for_resource(rid.resource_group, namespace, "", resource_type, rid.name)
    else:
        found = permissions.list_for_resource_group(rid.resource_group)
    permissions = list(found)
    return [
        action
        for action in actions
        if not any(
            any(_match(action, a) for a in p.actions or []) and not any(_match(action, n) for n in p.not_actions or [])
            for p in permissions
        )
    ]


def _match(action: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def role_definition_write(clients: AzureClients, subscription: str, role: CustomRole) -> Write:
    """The write that creates ``role``'s definition in ``subscription``."""
    return deferred(create_role_definition, clients, subscription, role)


def role_assignment_write(
    clients: AzureClients,
    scope: str,
    role: str,
    principal: Callable[[], str],
    principal_type: PrincipalType = PrincipalType.SERVICE_PRINCIPAL,
) -> Write:
    """The write that assigns ``role`` at ``scope`` to the principal ``principal`` names when it runs (a vault's
    identity may only exist once an earlier row of the same run has been applied)."""

    def write():
        return deferred(assign_role, clients, scope, role, principal(), principal_type=principal_type)()

    return write
