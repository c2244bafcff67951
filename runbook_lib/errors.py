"""The toolkit's exceptions. A RunbookError's message is what a person sees: what was wrong, what to do."""


class RunbookError(Exception):
    """Base of every error the toolkit raises on purpose."""


class InputError(RunbookError):
    """Bad input from a person: a parameter, an option, a file. Nothing has been changed."""


class ConcurrentChange(RunbookError):
    """Another change (a run at the same time) made something else where a write was to go, and a second plan
    against it still differs: nothing was overwritten; the message says what is there and what to do."""


class SignInError(RunbookError):
    """No credential could sign in to Azure: which were tried, and what to do. Nothing has been changed."""


class EvidenceError(RunbookError):
    """A run folder cannot be sealed as evidence (a secret survived redaction, say)."""


class RunIncomplete(RunbookError):
    """The run stopped before its end: blocked, failed, or waiting for a manual step. evidence.status reads the
    run's status back from this message ('{runbook} is {status}: ...'): keep its shape."""

    def __init__(self, runbook: str, status: str, where: str):
        super().__init__(f"{runbook} is {status}: {where}")
        self.status = status


class DnsChecksFailed(RunbookError):
    """A check failed: the summary says which and how to fix it."""


class DuplicateKey(Exception):
    """A key given twice in one YAML mapping (engine.parameters turns it into an InputError naming both lines)."""

    def __init__(self, key: object, line: int, first: int):
        super().__init__(key)
        self.key, self.line, self.first = key, line, first


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGINT) while a step ran: a write it had begun stays an open intent in the journal, which the
    next run reconciles (engine.reconcile)."""

    def __init__(self, step: str):
        super().__init__(f"interrupted during step {step}; run it again to finish")
        self.step = step


class FolderNotVerified(RunbookError):
    """The run folder does not match its manifest: undo trusts nothing in it (exit 1, as `evidence verify`)."""


class SchedulerUnreachable(RunbookError):
    """The Dask scheduler named by --scheduler could not be reached: nothing was sent."""
