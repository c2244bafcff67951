"""The toolkit's exceptions. A RunbookError's message is what a person sees: what was wrong, what to do."""


class RunbookError(Exception):
    """Base of every error the toolkit raises on purpose."""


class InputError(RunbookError):
    """Bad input from a person: a parameter, an option, a file. Nothing has been changed."""


class ConcurrentChange(RunbookError):
    """Another change (a run at the same time) made something else where a write was to go, and a second plan
    against it still differs: nothing was overwritten; the message says what is there and what to do."""
