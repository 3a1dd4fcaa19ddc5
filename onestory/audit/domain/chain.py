"""Hash chaining for the audit log: pure functions, no Django."""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
CHAINED_FIELDS = (
    "at",
    "actor_id",
    "actor_label",
    "role",
    "organisation",
    "person_id",
    "action",
    "purpose",
    "channel",
    "detail",
)


def event_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """SHA-256 over the previous hash and a canonical JSON form of the event's fields."""
    body = {name: fields[name] for name in CHAINED_FIELDS}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    checked: int
    first_broken_id: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def verify_chain(events: Iterable[tuple[int, str, str, Mapping[str, Any]]]) -> ChainCheck:
    """Check (id, prev_hash, hash, fields) tuples in id order; report the first broken link."""
    expected_prev = GENESIS
    checked = 0
    for event_id, prev_hash, stored_hash, fields in events:
        if prev_hash != expected_prev:
            return ChainCheck(checked, event_id, "does not point at the previous entry's hash")
        if event_hash(prev_hash, fields) != stored_hash:
            return ChainCheck(checked, event_id, "content does not match its hash")
        expected_prev = stored_hash
        checked += 1
    return ChainCheck(checked, None)
