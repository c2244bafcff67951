"""The DNS tools' vocabularies and limits, importable without pandas or the SDK (the command line offers them)."""

from ..errors import InputError

ENTRY_FORMATS = ("privateip", "csv", "json")
# Azure writes zone-group records with a 10 s TTL; the same here, so a record fixed later is picked up at once
DEFAULT_TTL = 10


def checked_ttl(ttl: int) -> int:
    """A record TTL in seconds (1 to 2**31 - 1, DNS's limit); an InputError naming --ttl otherwise."""
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 < ttl < 2**31:
        raise InputError(f"--ttl: {ttl!r} is not a number of seconds; use a whole number such as 10 or 3600")
    return ttl
