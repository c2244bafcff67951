"""Subscriptions and resource groups (Microsoft.Resources)."""

from __future__ import annotations

from ..authz import allowed_actions
from ..errors import ArmError
from ..paths import ArmPath
from .base import Context, Rules, Service


class SubscriptionService(Service):
    """Subscriptions are made by ``runbook sandbox reset``; ARM offers no PUT or DELETE for them."""

    types = ("Microsoft.Resources/subscriptions",)

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        raise ArmError(405, "MethodNotAllowed", "Subscriptions cannot be created or changed through this API.")

    def remove(self, ctx: Context, path: ArmPath, record: dict) -> None:
        raise ArmError(405, "MethodNotAllowed", "Subscriptions cannot be deleted through this API.")

    def collection(self, ctx: Context, path: ArmPath) -> list[dict]:
        """The subscriptions in which the caller holds some role, as ARM lists them."""
        return [s for s in ctx.tx.of_type("Microsoft.Resources/subscriptions") if allowed_actions(ctx, s["id"])]


class ResourceGroupService(Service):
    types = ("Microsoft.Resources/resourceGroups",)
    # create_or_update is synchronous (200/201); delete is long-running (200/202) and 404s when missing
    rules = Rules(lro_put=False, delete_missing=None)
    requires_location = True

    def prepare(self, ctx: Context, path: ArmPath, body: dict, existing: dict | None) -> dict:
        record = super().prepare(ctx, path, body, existing)
        record.pop("etag", None)
        if existing and existing["location"] != record["location"]:
            raise ArmError(
                409,
                "InvalidResourceGroupLocation",
                f"Invalid resource group location '{record['location']}'. The Resource group already exists in "
                f"location '{existing['location']}'.",
            )
        return record
