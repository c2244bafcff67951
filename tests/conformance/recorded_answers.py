"""How an answer of the sandbox compares with Azure's recorded one (tests/conformance/replay.py replays them).

Compared: the key fields the SDK reads (``KEY_FIELDS``) and the key paths a recording adds (``a.b[].c`` reaches into
each element of a list), that an ``etag`` is there where Azure had one, and for a list which items it holds (by type
and name), each pair compared in turn. Values the provider generates (a GUID in a name, a principal id) are paired
(``paired_objects``) so that the replay can put the sandbox's where the recording had Azure's.
"""

from __future__ import annotations

import json
import re

KEY_FIELDS = ("id", "name", "type", "location", "properties.provisioningState")
SUBSCRIPTION_IN_ID = re.compile(r"^/subscriptions/[^/]+", re.IGNORECASE)
GENERATED = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)  # in a name


def error_code(body: object) -> str | None:
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("error"), dict):
        return body["error"].get("code")
    return body.get("code") if isinstance(body.get("code"), str) else None


def value_at(body: object, path: str) -> object:
    """The value at a key path; 'a.b[].c' is the list of each element's c (None for a list that is not there)."""
    key, _, rest = path.partition(".")
    if not isinstance(body, dict):
        return None
    if key.endswith("[]"):
        items = body.get(key[:-2])
        return [value_at(item, rest) if rest else item for item in items] if isinstance(items, list) else None
    return value_at(body.get(key), rest) if rest else body.get(key)


def normalised_id(resource_id: object, subscription: str) -> object:
    if not isinstance(resource_id, str):
        return resource_id
    return SUBSCRIPTION_IN_ID.sub(f"/subscriptions/{subscription}", resource_id)


def compare_bodies(
    recorded: object, answer: object, fields: tuple[str, ...], subscription: str, key_fields: bool = True
) -> list[str]:
    if not isinstance(recorded, dict) or not recorded:
        return []  # Azure's '{}' on a 202 says nothing the SDK reads
    if not isinstance(answer, dict):
        return [f"answered {brief(answer)}, where Azure answered an object"]
    if isinstance(recorded.get("value"), list):
        return compare_lists(recorded["value"], answer.get("value"), fields, subscription, key_fields)
    found = []
    for path in (*(KEY_FIELDS if key_fields else ()), *fields):
        theirs, ours = value_at(recorded, path), value_at(answer, path)
        if path == "id":  # ARM ids are case-insensitive (Azure itself answers .../resourcegroups/... at times)
            theirs, ours = normalised_id(theirs, subscription), normalised_id(ours, subscription)
            theirs, ours = (v.lower() if isinstance(v, str) else v for v in (theirs, ours))
        if theirs is not None and ours != theirs:
            found.append(f"{path} is {brief(ours)}, Azure's is {brief(theirs)}")
    if key_fields and recorded.get("etag") and not answer.get("etag"):
        found.append("no etag in the body, where Azure has one")
    return found


def compare_lists(
    recorded: list, answer: object, fields: tuple[str, ...], subscription: str, key_fields: bool
) -> list[str]:
    if not isinstance(answer, list):
        return [f"value is {brief(answer)}, where Azure answered a list"]
    theirs = sorted(item_key(i) for i in recorded)
    ours = sorted(item_key(i) for i in answer)
    if theirs != ours:
        return [f"the list holds {ours}, Azure's holds {theirs}"]
    found = []
    for azures, mine in paired_items({"value": recorded}, {"value": answer}):
        found += [f"{item_key(azures)}: {d}" for d in compare_bodies(azures, mine, fields, subscription, key_fields)]
    return found


def item_key(item: object) -> str:
    return f"{value_at(item, 'type')}/{value_at(item, 'name')}" if isinstance(item, dict) else brief(item)


def paired_items(recorded: object, answer: object) -> list[tuple[dict, dict]]:
    """(Azure's, the sandbox's) objects that stand for the same resource: the bodies themselves, or the items of
    two lists of the same length, in the order (type, name) sorts them, else in the order given."""
    if not isinstance(recorded, dict) or not isinstance(answer, dict):
        return []
    theirs, ours = recorded.get("value"), answer.get("value")
    if not isinstance(theirs, list):
        return [(recorded, answer)]
    if not isinstance(ours, list) or len(ours) != len(theirs):
        return []
    pairs = list(zip(theirs, ours, strict=True))
    if sorted(map(item_key, theirs)) == sorted(map(item_key, ours)):
        pairs = list(zip(sorted(theirs, key=item_key), sorted(ours, key=item_key), strict=True))
    return [(t, o) for t, o in pairs if isinstance(t, dict) and isinstance(o, dict)]


def is_generated(theirs: object, ours: object) -> bool:
    """Two values of the same shape around a GUID each ('{account}.{guid}'): what Azure and the sandbox generated
    for the same thing. A value of another shape is no alias: it is a difference the comparison reports."""
    if not isinstance(theirs, str) or not isinstance(ours, str) or not GENERATED.search(theirs):
        return False
    return GENERATED.sub("{guid}", theirs) == GENERATED.sub("{guid}", ours)


def paired_objects(recorded: object, answer: object) -> list[tuple[dict, dict]]:
    """Every (Azure's, the sandbox's) pair of objects at the same place in two bodies, lists paired as
    ``paired_items`` pairs them: where the replay learns the names and etags the sandbox generated."""
    if not isinstance(recorded, dict) or not isinstance(answer, dict):
        return []
    found = [(recorded, answer)]
    for key, theirs in recorded.items():
        ours = answer.get(key)
        if isinstance(theirs, dict):
            found += paired_objects(theirs, ours)
        elif isinstance(theirs, list) and isinstance(ours, list):
            for pair in paired_items({"value": theirs}, {"value": ours}):
                found += paired_objects(*pair)
    return found


def brief(value: object, limit: int = 160) -> str:
    text = json.dumps(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
