"""ARM error responses: the sandbox raises ArmError, the WSGI app turns it into ARM's error body."""

from __future__ import annotations


class ArmError(Exception):
    """An error ARM would answer with: HTTP status, ARM error code and a message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


class OperationFailed(ArmError):
    """A write ARM accepts (202) whose long-running operation then fails with this code and message (the status
    URL says ``Failed``); nothing is stored."""

    def __init__(self, code: str, message: str):
        super().__init__(400, code, message)


def not_found(resource_id: str, resource_type: str) -> ArmError:
    return ArmError(404, "ResourceNotFound", f"The Resource '{resource_type}' at '{resource_id}' was not found.")


def bad_request(code: str, message: str) -> ArmError:
    return ArmError(400, code, message)
