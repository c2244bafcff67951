"""A private endpoint connection approved, rejected or disconnected by its target's owner, as a plan row (the CLI's
`runbook endpoint approve|reject|disconnect`) and as a step a runbook can use.

"Create and use private endpoints (v1 experience) for Azure Backup", "Approve Private Endpoints" (Approve, Reject or
Remove in the portal) and "Manual approval of private endpoints using the Azure Resource Manager Client" (a PUT of the
connection with Approved, Rejected or Disconnected).
"""

from __future__ import annotations

from collections.abc import Callable

from ..azure.ids import name_of
from ..engine import Row, Run, Step, blocked, delete, unchanged, update
from ..engine.source import Article
from ..ops import connections
from ..ops.connections import Connection, Verb
from . import backup

BACKUP_V1 = Article(
    backup.ARTICLE.title,
    backup.ARTICLE.url,
    headings=(
        "Approve Private Endpoints",
        "Manual approval of private endpoints using the Azure Resource Manager Client",
    ),
)
SOURCE = BACKUP_V1.section("Manual approval of private endpoints using the Azure Resource Manager Client")
PAST = {Verb.APPROVE: "Approved", Verb.REJECT: "Rejected", Verb.DISCONNECT: "Disconnected"}


def default_description(verb: Verb) -> str:
    return f"{PAST[verb]} by runbook_lib"


def connection_row(run: Run, connection: Connection, verb: Verb, description: str = "") -> Row:
    """``verb`` on ``connection``: unchanged when it is so already; blocked, saying why and what to do, where Azure
    refuses it (a rejected connection is never approved again); else the write."""
    if reason := connections.refusal(connection, verb):
        return blocked(connection.id, reason)
    if connection.status == verb.status:
        return unchanged(connection.id, connection.status, f"{connection.words()}: already {verb.status}")
    write = connections.set_state(run.clients, connection, verb, description or default_description(verb))
    if connections.removes(connection, verb):
        return delete(
            connection.id,
            connection.status,
            write,
            f"{name_of(connection.target_id)} removes the connection: {connection.endpoint_name} then shows "
            "Disconnected and serves nothing; delete it to clean up",
        )
    effect = {
        Verb.APPROVE: "clients reach the target through the endpoint",
        Verb.REJECT: "clients can no longer reach the target through the endpoint; a rejected connection is never "
        "approved again",
        Verb.DISCONNECT: "the endpoint serves nothing any more; delete it to clean up",
    }[verb]
    return update(connection.id, connection.status, verb.status.value, write, effect)


def gone_row(target_id: str, endpoint_id: str, verb: Verb) -> Row:
    """No connection from the endpoint on the target: a disconnect made by removing it is done; else blocked."""
    if verb == Verb.DISCONNECT:
        return unchanged(endpoint_id, "removed", f"{name_of(target_id)} holds no connection from it")
    return blocked(
        endpoint_id,
        f"{name_of(target_id)} has no private endpoint connection from {name_of(endpoint_id)}: create the endpoint "
        "first (or name the endpoint that connects to it)",
    )


class SetConnectionState(Step):
    """The connection from the endpoint ``endpoint(run)`` on ``target(run)``, set by ``verb`` (as the target's owner)."""

    id, title = "connection-state", "Approve, reject or disconnect the endpoint's connection"
    source = SOURCE

    def __init__(
        self,
        source=None,
        *,
        verb: Verb,
        target: Callable[[Run], str],
        endpoint: Callable[[Run], str],
        description: str = "",
        **names,
    ):
        super().__init__(source, **names)
        self.verb, self.target, self.endpoint, self.description = verb, target, endpoint, description

    def plan(self, run: Run) -> list[Row]:
        target_id, endpoint_id = self.target(run), self.endpoint(run)
        found = next(
            (c for c in connections.connections_of(run.clients, target_id) if _same(c.endpoint_id, endpoint_id)), None
        )
        if found is None:
            return [gone_row(target_id, endpoint_id, self.verb)]
        return [connection_row(run, found, self.verb, self.description)]


def _same(a: str, b: str) -> bool:
    return a.rstrip("/").lower() == b.rstrip("/").lower()
