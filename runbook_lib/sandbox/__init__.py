"""The sandbox: a local emulator of Azure Resource Manager that the real Azure SDK clients talk to.

Nothing above ``runbook_lib.azure`` imports this package: the toolkit reaches the sandbox only through the SDK.
"""

from .estate import DEFAULT_CALLER, DEFAULT_SUBSCRIPTION, TENANT_ID, Sandbox, state_path
from .faults import FaultRule
from .settings import SandboxSettings

__all__ = [
    "DEFAULT_CALLER",
    "DEFAULT_SUBSCRIPTION",
    "TENANT_ID",
    "FaultRule",
    "Sandbox",
    "SandboxSettings",
    "state_path",
]
