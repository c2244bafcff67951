"""The toolkit's exceptions. A RunbookError's message is what a person sees: what was wrong, what to do."""


class RunbookError(Exception):
    """Base of every error the toolkit raises on purpose."""


class InputError(RunbookError):
    """Bad input from a person: a parameter, an option, a file. Nothing has been changed."""
