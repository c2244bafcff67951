"""The one table of `runbook` exit codes: the same situation exits the same way in every command (README lists
them once)."""

from __future__ import annotations

from enum import IntEnum

# ARM's answers for a resource (or its group, parent or subscription) that a command named and that does not exist:
# the input named the wrong thing, so bad input (2) like an id of the wrong shape, in every command.
NOT_FOUND_CODES = frozenset(
    {"ResourceNotFound", "ResourceGroupNotFound", "ParentResourceNotFound", "SubscriptionNotFound", "NotFound"}
)


class ExitCode(IntEnum):
    OK = 0  # done, planned, or as expected
    FAILED = 1  # a failure on Azure, or a check that failed
    BAD_INPUT = 2  # an option, file or id that is wrong (wrong shape, or naming a resource that does not exist)
    BLOCKED = 3  # a guard blocked, or a manual step is awaited
    INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C


def exit_code_of_arm_error(code: str | None, status: int | None) -> ExitCode:
    """A resource named but not found is bad input; any other error ARM answers is a failure on Azure."""
    return ExitCode.BAD_INPUT if code in NOT_FOUND_CODES or status == 404 else ExitCode.FAILED
