"""ARM's error, as a person reads it: its code (or the HTTP status when the answer had no ARM error body) and its
message, without azure-core's repeated 'Code: ... Message: ...' lines."""

from __future__ import annotations

from azure.core.exceptions import HttpResponseError


def arm_code(error: HttpResponseError) -> str | None:
    """ARM's error code ('ResourceNotFound'), None when the answer had no ARM error body."""
    return getattr(error.error, "code", None) or None


def arm_error(error: HttpResponseError) -> tuple[str, str]:
    """(ARM's error code, or the HTTP status; its message)."""
    message = getattr(error.error, "message", None) or error.message or error.reason or ""
    return arm_code(error) or str(error.status_code), message


def describe_arm_error(error: HttpResponseError) -> str:
    """'CODE: message', e.g. 'ResourceNotFound: The Resource ... was not found.'"""
    code, message = arm_error(error)
    return f"{code}: {message}"
