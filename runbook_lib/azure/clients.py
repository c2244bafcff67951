"""One function hands out the Azure SDK management clients for a target: real Azure or the sandbox.

Everything above this module gets an ``AzureClients`` and never learns which target it talks to.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from azure.core.credentials import TokenCredential

if TYPE_CHECKING:  # each SDK loads when its client is first used (azure-mgmt-network alone takes ~0.4 s)
    from azure.mgmt.authorization import AuthorizationManagementClient
    from azure.mgmt.network import NetworkManagementClient
    from azure.mgmt.privatedns import PrivateDnsManagementClient
    from azure.mgmt.recoveryservices import RecoveryServicesClient
    from azure.mgmt.recoveryservicesbackup import RecoveryServicesBackupClient
    from azure.mgmt.resource.resources import ResourceManagementClient
    from azure.mgmt.storage import StorageManagementClient

from ..errors import InputError
from .clouds import get_cloud
from .credentials import SandboxCredential, get_credential, token_claims
from .inprocess import WsgiTransport
from .watch import WriteWatch

SANDBOX_HOST = "management.sandbox.invalid"  # .invalid never resolves: nothing can leak to a real network

TargetKind = Literal["sandbox", "azure"]


@dataclass(frozen=True)
class Target:
    """Where the toolkit works. The sandbox is the default; real Azure needs a subscription."""

    kind: TargetKind = "sandbox"
    subscription_id: str | None = None  # sandbox: its default subscription when None
    cloud: str = "public"  # azure: public | usgov | china
    credential: str = "default"  # azure: default | cli | device-code | interactive-browser | managed-identity
    state: str | None = None  # sandbox: the estate file (else $RUNBOOK_SANDBOX, else .sandbox/estate.db)
    principal: str = "sandbox"  # sandbox: who the bearer token names (a principal's name or object id)
    endpoint: str | None = None  # sandbox served elsewhere (`runbook sandbox serve`): its base_url
    ca_bundle: str | None = None  # ...and the CA certificate it printed
    demo: str | None = None  # sandbox: a demo estate to build when the estate file is new (e.g. 'contoso')


@dataclass(frozen=True)
class _Connection:
    credential: TokenCredential
    base_url: str
    credential_scopes: tuple[str, ...]
    options: tuple[tuple[str, Any], ...] = ()  # extra client keyword arguments (transport, retry settings)


class AzureClients:
    """The SDK management clients for one subscription, created when first used."""

    def __init__(self, subscription_id: str, connection: _Connection):
        self.subscription_id = subscription_id
        self._connection = connection

    def for_subscription(self, subscription_id: str) -> AzureClients:
        """The same target and credential, another subscription (zones often live in a hub subscription)."""
        return AzureClients(subscription_id, self._connection)

    def caller(self) -> dict[str, str]:
        """Who the clients act as, from the access token's claims (upn, object id, tenant, app); the token itself
        is never kept. On the sandbox: the principal the token names."""
        token = self._connection.credential.get_token(*self._connection.credential_scopes).token
        return token_claims(token) or {"principal": token}

    def _make(self, client_class: type) -> Any:
        c = self._connection
        return client_class(
            c.credential,
            self.subscription_id,
            base_url=c.base_url,
            credential_scopes=list(c.credential_scopes),
            per_call_policies=[WriteWatch()],  # the write-ahead journal's hook (azure.watch)
            **dict(c.options),
        )

    @cached_property
    def network(self) -> NetworkManagementClient:
        from azure.mgmt.network import NetworkManagementClient

        return self._make(NetworkManagementClient)

    @cached_property
    def privatedns(self) -> PrivateDnsManagementClient:
        from azure.mgmt.privatedns import PrivateDnsManagementClient

        return self._make(PrivateDnsManagementClient)

    @cached_property
    def recoveryservices(self) -> RecoveryServicesClient:
        from azure.mgmt.recoveryservices import RecoveryServicesClient

        return self._make(RecoveryServicesClient)

    @cached_property
    def backup(self) -> RecoveryServicesBackupClient:
        """Recovery Services Backup: a vault's private endpoint connections live here."""
        from azure.mgmt.recoveryservicesbackup import RecoveryServicesBackupClient

        return self._make(RecoveryServicesBackupClient)

    @cached_property
    def authorization(self) -> AuthorizationManagementClient:
        from azure.mgmt.authorization import AuthorizationManagementClient

        return self._make(AuthorizationManagementClient)

    @cached_property
    def storage(self) -> StorageManagementClient:
        from azure.mgmt.storage import StorageManagementClient

        return self._make(StorageManagementClient)

    @cached_property
    def resources(self) -> ResourceManagementClient:
        """Resource groups, and generic calls for types with no SDK of their own (Microsoft.Migrate)."""
        from azure.mgmt.resource.resources import ResourceManagementClient

        return self._make(ResourceManagementClient)


def get_clients(
    target: Target = Target(), *, credential: TokenCredential | None = None, **client_options: Any
) -> AzureClients:
    """The management clients for ``target``.

    ``credential`` replaces the one ``target.credential`` names (azure target only); ``client_options`` go to every
    client (e.g. retry_total, polling_interval, transport).
    """
    if target.kind == "azure":
        if not target.subscription_id:
            raise InputError("subscription: the azure target needs a subscription id (--subscription)")
        cloud = get_cloud(target.cloud)
        connection = _Connection(
            credential or get_credential(target.credential, cloud),
            cloud.resource_manager,
            cloud.credential_scopes,
            tuple(client_options.items()),
        )
        return AzureClients(target.subscription_id, connection)
    if target.kind == "sandbox" and target.endpoint:
        from ..sandbox import DEFAULT_SUBSCRIPTION

        connection = _Connection(
            SandboxCredential(target.principal),
            target.endpoint.rstrip("/"),
            (f"{target.endpoint.rstrip('/')}/.default",),
            (("connection_verify", target.ca_bundle or True), *client_options.items()),
        )
        return AzureClients(target.subscription_id or DEFAULT_SUBSCRIPTION, connection)
    if target.kind == "sandbox":
        transport, subscription = _sandbox_transport(str(_resolved(target.state)), target.demo)
        connection = _Connection(
            SandboxCredential(target.principal),
            f"https://{SANDBOX_HOST}",
            (f"https://{SANDBOX_HOST}/.default",),
            (("transport", transport), *client_options.items()),
        )
        return AzureClients(target.subscription_id or subscription, connection)
    raise InputError(f"unknown target '{target.kind}': use sandbox or azure")


def _resolved(state: str | None) -> Path:
    from ..sandbox import state_path

    return state_path(state).resolve()


@cache
def _sandbox_transport(state: str, demo: str | None):
    """One in-process transport per estate file (opened, and initialised, or built as ``demo``, if new, on first
    use)."""
    from ..sandbox import DEFAULT_SUBSCRIPTION, Sandbox

    new = not Path(state).exists()
    sandbox = Sandbox(state)
    if new and demo:
        sandbox.reset(demo=demo)
    sandbox.ensure_initialised()
    return WsgiTransport(sandbox.app, SANDBOX_HOST), DEFAULT_SUBSCRIPTION
