"""Azure's naming rules for every name a runbook creates, and the ARM error code Azure answers a bad one with.

The rules are those of Microsoft Learn's "Naming rules and restrictions for Azure resources" (sections
Microsoft.Network, Microsoft.RecoveryServices, Microsoft.Resources and Microsoft.Storage); record set names follow
the DNS limits Azure DNS applies (labels of at most 63 characters, names of at most 253). Facts only: the
parameter models and the sandbox both read them.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class NameKind(Enum):
    """The kinds of names a run creates or derives; the value is the noun a message uses."""

    RESOURCE_GROUP = "resource group"
    RECOVERY_SERVICES_VAULT = "Recovery Services vault"
    STORAGE_ACCOUNT = "storage account"
    VIRTUAL_NETWORK = "virtual network"
    SUBNET = "subnet"
    PRIVATE_ENDPOINT = "private endpoint"
    NETWORK_INTERFACE = "network interface"
    PRIVATE_DNS_ZONE_GROUP = "private DNS zone group"
    PRIVATE_DNS_ZONE = "private DNS zone"
    VIRTUAL_NETWORK_LINK = "virtual network link"
    RECORD_SET = "DNS record set"


Check = Callable[[str], bool]


def _ascii_alnum(c: str) -> bool:
    return c in string.ascii_letters or c in string.digits


def _lower_or_digit(c: str) -> bool:
    return c in string.ascii_lowercase or c in string.digits


def _letter(c: str) -> bool:
    return c in string.ascii_letters


def _one_of(extra: str, base: Check = _ascii_alnum) -> Check:
    return lambda c: base(c) or c in extra


def _unicode_letter_or_digit(c: str) -> bool:
    # .NET's Char.IsLetterOrDigit, which the article names for resource groups
    return unicodedata.category(c) in {"Lu", "Ll", "Lt", "Lm", "Lo", "Nd"}


@dataclass(frozen=True)
class NameRule:
    """Length bounds, allowed characters and first/last character of one kind of name, with its words."""

    kind: NameKind
    min_length: int
    max_length: int
    allowed: Check
    allowed_words: str
    first: Check | None = None
    first_words: str = ""  # e.g. "starting with a letter"
    last: Check | None = None
    last_words: str = ""  # e.g. "not ending with '.'"

    def words(self) -> str:
        """The rule as a person reads it."""
        tail = " and ".join(words for words in (self.first_words, self.last_words) if words)
        words = f"{self.min_length} to {self.max_length} characters, {self.allowed_words}"
        return f"{words}, {tail}" if tail else words

    def fault(self, name: str) -> str | None:
        """What breaks the rule, in a few words; None when the name keeps it."""
        if not self.min_length <= len(name) <= self.max_length:
            return _length_fault(name)
        bad = "".join(dict.fromkeys(c for c in name if not self.allowed(c)))
        if bad:
            return f"it has {', '.join(repr(c) for c in bad)}"
        if self.first and not self.first(name[0]):
            return f"it starts with {name[0]!r}"
        if self.last and not self.last(name[-1]):
            return f"it ends with {name[-1]!r}"
        return None


_WORD_CHARS = "letters, digits, '_', '.' and '-'"


def _network(kind: NameKind, min_length: int = 1, max_length: int = 80) -> NameRule:
    """Microsoft.Network's common rule: alphanumerics, underscores, periods and hyphens; start with alphanumeric,
    end with alphanumeric or underscore."""
    return NameRule(
        kind,
        min_length,
        max_length,
        _one_of("_.-"),
        _WORD_CHARS,
        _ascii_alnum,
        "starting with a letter or digit",
        _one_of("_"),
        "ending with a letter, digit or '_'",
    )


RULES: dict[NameKind, NameRule] = {
    rule.kind: rule
    for rule in (
        NameRule(
            NameKind.RESOURCE_GROUP,
            1,
            90,
            _one_of("_-.()", _unicode_letter_or_digit),
            "letters, digits, '_', '-', '.', '(' and ')'",
            last=lambda c: c != ".",
            last_words="not ending with '.'",
        ),
        NameRule(
            NameKind.RECOVERY_SERVICES_VAULT,
            2,
            50,
            _one_of("-"),
            "letters, digits and '-'",
            _letter,
            "starting with a letter",
        ),
        NameRule(NameKind.STORAGE_ACCOUNT, 3, 24, _lower_or_digit, "lower-case letters and digits only"),
        _network(NameKind.VIRTUAL_NETWORK, 2, 64),
        _network(NameKind.SUBNET),
        _network(NameKind.PRIVATE_ENDPOINT, 2, 64),
        _network(NameKind.NETWORK_INTERFACE),
        # the article lists no row for zone groups; the Network resource provider applies its common rule to them
        _network(NameKind.PRIVATE_DNS_ZONE_GROUP),
        _network(NameKind.VIRTUAL_NETWORK_LINK),
    )
}

ZONE_LENGTH = (1, 63)  # the article: 1-63 characters, 2 to 34 labels
ZONE_LABELS = (2, 34)
LABEL_LENGTH = 63  # DNS: a label holds at most 63 characters
FQDN_LENGTH = 253  # DNS: a name, without its final dot, holds at most 253
_LABEL_CHARS = _one_of("_-")
_LABEL_WORDS = "letters, digits, '_' and '-'"

ZONE_WORDS = (
    f"{ZONE_LENGTH[0]} to {ZONE_LENGTH[1]} characters in {ZONE_LABELS[0]} to {ZONE_LABELS[1]} labels "
    f"separated by '.', each label {_LABEL_WORDS}"
)
RECORD_WORDS = (
    f"'@' for the zone itself, or labels of 1 to {LABEL_LENGTH} characters separated by '.', each of "
    f"{_LABEL_WORDS} ('*' alone as the first label for a wildcard), at most {FQDN_LENGTH} characters "
    "with the zone's name"
)

# The code Azure answers a PUT with a bad name: the Network resource provider's InvalidResourceName; Storage's
# AccountNameInvalid ("Resolve errors for storage account names"); Resource Manager's InvalidResourceGroup;
# Azure DNS's BadRequest (as for "The zone name '...' does not have enough labels"). No recorded answer for a bad
# Recovery Services vault name was found: InvalidResourceName, Resource Manager's common code, stands for it.
ARM_CODES: dict[NameKind, str] = {
    NameKind.RESOURCE_GROUP: "InvalidResourceGroup",
    NameKind.RECOVERY_SERVICES_VAULT: "InvalidResourceName",
    NameKind.STORAGE_ACCOUNT: "AccountNameInvalid",
    NameKind.VIRTUAL_NETWORK: "InvalidResourceName",
    NameKind.SUBNET: "InvalidResourceName",
    NameKind.PRIVATE_ENDPOINT: "InvalidResourceName",
    NameKind.NETWORK_INTERFACE: "InvalidResourceName",
    NameKind.PRIVATE_DNS_ZONE_GROUP: "InvalidResourceName",
    NameKind.PRIVATE_DNS_ZONE: "BadRequest",
    NameKind.VIRTUAL_NETWORK_LINK: "BadRequest",
    NameKind.RECORD_SET: "BadRequest",
}


def rule_words(kind: NameKind) -> str:
    """The rule for ``kind`` in words."""
    if kind is NameKind.PRIVATE_DNS_ZONE:
        return ZONE_WORDS
    if kind is NameKind.RECORD_SET:
        return RECORD_WORDS
    return RULES[kind].words()


def name_fault(kind: NameKind, name: str, *, zone: str = "") -> str | None:
    """What breaks Azure's rule for a ``kind`` name, in a few words; None when it is fine. ``zone``: a record set's
    zone (its name counts towards the DNS length limit)."""
    if kind is NameKind.PRIVATE_DNS_ZONE:
        return _zone_fault(name)
    if kind is NameKind.RECORD_SET:
        return _record_fault(name, zone)
    return RULES[kind].fault(name)


def name_problem(kind: NameKind, name: str, *, zone: str = "") -> str | None:
    """Why ``name`` is not a valid ``kind`` name, with the rule in words; None when it is valid."""
    fault = name_fault(kind, name, zone=zone)
    if fault is None:
        return None
    return f"'{name}' is not a valid {kind.value} name ({fault}): {rule_words(kind)}"


def _length_fault(name: str) -> str:
    return f"it is {len(name)} character{'s' if len(name) != 1 else ''} long"


def _labels_fault(labels: list[str], *, wildcard: bool = False) -> str | None:
    for n, label in enumerate(labels):
        if not label:
            return "it has an empty label"
        if wildcard and n == 0 and label == "*":
            continue
        if len(label) > LABEL_LENGTH:
            return f"its label '{label[:12]}...' is {len(label)} characters long"
        bad = "".join(dict.fromkeys(c for c in label if not _LABEL_CHARS(c)))
        if bad:
            return f"it has {', '.join(repr(c) for c in bad)}"
    return None


def _zone_fault(name: str) -> str | None:
    if not ZONE_LENGTH[0] <= len(name) <= ZONE_LENGTH[1]:
        return _length_fault(name)
    labels = name.split(".")
    if not ZONE_LABELS[0] <= len(labels) <= ZONE_LABELS[1]:
        return f"it has {len(labels)} label{'s' if len(labels) != 1 else ''}"
    return _labels_fault(labels)


def _record_fault(name: str, zone: str) -> str | None:
    if name == "@":
        return None
    fault = _labels_fault(name.split("."), wildcard=True)
    if fault:
        return fault
    length = len(name) + (1 + len(zone) if zone else 0)
    if length > FQDN_LENGTH:
        return f"it makes a name of {length} characters" + (" with its zone" if zone else "")
    return None
