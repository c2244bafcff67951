"""The services the sandbox knows, by resource type. Types without a service get generic ARM handling."""

from __future__ import annotations

from .authorization import PermissionService, RoleAssignmentService, RoleDefinitionService
from .base import Service
from .endpoints import PrivateDnsZoneGroupService, PrivateEndpointService
from .keyvault import KeyVaultPrivateEndpointConnectionService, KeyVaultService
from .managed_identity import UserAssignedIdentityService
from .migrate import MigrateConnectionService, MigrateProjectService
from .network import (
    NetworkInterfaceIpConfigurationService,
    NetworkInterfaceService,
    PeeringService,
    SubnetService,
    VirtualNetworkService,
)
from .privatedns import AllRecordSetsService, PrivateZoneService, RecordSetService, VirtualNetworkLinkService
from .recoveryservices import (
    ConnectionOperationStatusService,
    PrivateLinkResourceService,
    ReplicationUsageService,
    UsageService,
    VaultConnectionService,
    VaultService,
)
from .resource_manager import ResourceGroupService, SubscriptionService
from .storage import StorageAccountService, StoragePrivateEndpointConnectionService, StoragePrivateLinkResourceService

SERVICES: tuple[Service, ...] = (
    SubscriptionService(),
    ResourceGroupService(),
    VirtualNetworkService(),
    SubnetService(),
    PeeringService(),
    NetworkInterfaceService(),
    NetworkInterfaceIpConfigurationService(),
    PrivateZoneService(),
    RecordSetService(),
    AllRecordSetsService(),
    VirtualNetworkLinkService(),
    RoleDefinitionService(),
    RoleAssignmentService(),
    PermissionService(),
    PrivateEndpointService(),
    PrivateDnsZoneGroupService(),
    VaultService(),
    VaultConnectionService(),
    PrivateLinkResourceService(),
    UsageService(),
    ReplicationUsageService(),
    ConnectionOperationStatusService(),
    StorageAccountService(),
    StoragePrivateEndpointConnectionService(),
    StoragePrivateLinkResourceService(),
    KeyVaultService(),
    KeyVaultPrivateEndpointConnectionService(),
    MigrateProjectService(),
    MigrateConnectionService(),
    UserAssignedIdentityService(),
)
_BY_TYPE = {kind.lower(): service for service in SERVICES for kind in service.types}
_GENERIC = Service()


def service_for(resource_type: str) -> Service:
    return _BY_TYPE.get(resource_type.lower(), _GENERIC)
