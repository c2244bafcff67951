"""Microsoft.ManagedIdentity user-assigned identities: a service principal each, and the ids Azure shows for them.

A create answers 201 at once with properties.tenantId, principalId and clientId (the Azure CLI's recorded
``az identity create``); the ids stay the identity's for its life. Resources that use one show its principalId and
clientId in their own ``identity.userAssignedIdentities`` map (``assigned_identities``).
"""

from __future__ import annotations

from ..errors import ArmError
from ..paths import ArmPath
from ..store import Principal
from .base import Context, Rules, Service, new_guid

USER_ASSIGNED_IDENTITY = "Microsoft.ManagedIdentity/userAssignedIdentities"
ASSIGN_ACTION = f"{USER_ASSIGNED_IDENTITY}/assign/action"


class UserAssignedIdentityService(Service):
    types = (USER_ASSIGNED_IDENTITY,)
    rules = Rules(lro_put=False, lro_delete=False)

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        record = super().prepare(ctx, path, body, existing)
        properties = record["properties"]
        properties.pop("provisioningState", None)  # Azure shows none for an identity
        if existing:
            kept = existing["properties"]
            properties.update({key: kept[key] for key in ("tenantId", "principalId", "clientId")})
            return record
        tenant = ctx.tx.setting("tenant_id", "")
        principal_id = new_guid(ctx, "user-assigned-identity")
        properties.update(
            {
                "tenantId": tenant,
                "principalId": principal_id,
                "clientId": new_guid(ctx, "user-assigned-identity-client"),
            }
        )
        ctx.tx.add_principal(
            Principal(principal_id, path.name, "ServicePrincipal", tenant, ctx.now + ctx.settings.principal_delay)
        )
        return record


def assigned_identities(ctx: Context, resource_id: str, wanted: dict, before: dict) -> dict[str, dict]:
    """The ``userAssignedIdentities`` map a resource shows: each id as the request spelled it, with the identity's
    principalId and clientId. An id that names no identity is refused as ARM refuses it (FailedIdentityOperation,
    the managed identity service's NotFound inside); a new one needs the caller's assign action on it."""
    from ..authz import is_allowed  # authz imports the services

    shown = {}
    known = {key.lower() for key in before}
    for identity_id in wanted:
        found = ctx.tx.get(identity_id)
        if found is None or found["type"].lower() != USER_ASSIGNED_IDENTITY.lower():
            # ARM wraps the managed identity service's answer; its status follows the inner one (NotFound)
            raise ArmError(
                404,
                "FailedIdentityOperation",
                f"Identity operation for resource '{resource_id}' failed with error 'Failed to perform resource identity operation. "
                f'Status: \'NotFound\'. Response: \'{{"error":{{"code":"NotFound","message":"Resource '
                f"'{identity_id}' does not exist.\"}}}}'.'. Create the user-assigned identity first, or correct its id.",
            )
        if identity_id.lower() not in known and not is_allowed(ctx, ASSIGN_ACTION, found["id"]):
            raise ArmError(
                403,
                "LinkedAuthorizationFailed",
                f"The client '{ctx.caller.name}' with object id '{ctx.caller.object_id}' does not have permission to "
                f"perform action '{ASSIGN_ACTION}' on the linked scope '{found['id']}'.",
            )
        shown[identity_id] = {
            "principalId": found["properties"]["principalId"],
            "clientId": found["properties"]["clientId"],
        }
    return shown
