"""Hash chaining for the audit log: pure functions, no Django."""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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
class Anchor:
    """A copy of the chain head kept outside the database: after `count` entries the last
    hash was `last_hash`."""

    count: int
    last_hash: str
    at: str = ""


@dataclass(frozen=True)
class ChainCheck:
    checked: int
    first_broken_id: int | None
    reason: str = ""
    # Problems found after every stored link checked out: entries missing at the end
    # (the chain head counts more, or ends on another hash) or an anchor not matched.
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None and not self.problems


def verify_chain(
    events: Iterable[tuple[int, str, str, Mapping[str, Any]]],
    *,
    head: Anchor | None = None,
    anchors: Sequence[Anchor] = (),
) -> ChainCheck:
    """Check (id, prev_hash, hash, fields) tuples in id order; report the first broken link.

    With `head` (the database's chain head) the chain must hold exactly `head.count` entries
    ending on `head.last_hash`, so that entries deleted at the end are reported. Each of
    `anchors` (heads copied outside the database) must still be a prefix of the chain: its
    `count`-th entry must end on its `last_hash`."""
    wanted = {a.count: a for a in anchors}
    seen: dict[int, str] = {0: GENESIS} if 0 in wanted else {}
    expected_prev = GENESIS
    checked = 0
    for event_id, prev_hash, stored_hash, fields in events:
        if prev_hash != expected_prev:
            return ChainCheck(checked, event_id, "does not point at the previous entry's hash")
        if event_hash(prev_hash, fields) != stored_hash:
            return ChainCheck(checked, event_id, "content does not match its hash")
        expected_prev = stored_hash
        checked += 1
        if checked in wanted:
            seen[checked] = stored_hash
    problems = []
    if head is not None:
        if head.count > checked:
            missing = head.count - checked
            problems.append(
                f"{missing:,} entr{'y' if missing == 1 else 'ies'} missing at the end: the chain "
                f"head counts {head.count:,} but {checked:,} remain"
            )
        elif head.count < checked:
            problems.append(
                f"the chain head counts {head.count:,} entries but {checked:,} are stored"
            )
        elif head.last_hash != expected_prev:
            problems.append("the last entry does not match the chain head's hash")
    for anchor in anchors:
        got = seen.get(anchor.count)
        when = f" (anchored {anchor.at})" if anchor.at else ""
        if got is None:
            problems.append(
                f"anchor at entry {anchor.count:,}{when}: only {checked:,} entries remain"
            )
        elif got != anchor.last_hash:
            problems.append(
                f"anchor at entry {anchor.count:,}{when}: the log up to that entry has changed"
            )
    return ChainCheck(checked, None, problems=tuple(problems))


def parse_anchor_line(line: str) -> Anchor:
    """One JSON line written by `onestory audit anchor`; ValueError naming the bad field."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    count, last_hash = data.get("count"), data.get("last_hash")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ValueError("field 'count' must be a whole number of entries")
    if not isinstance(last_hash, str) or len(last_hash) != 64:
        raise ValueError("field 'last_hash' must be a 64-character hash")
    return Anchor(count=count, last_hash=last_hash, at=str(data.get("at", "")))


def anchor_line(anchor: Anchor) -> str:
    return json.dumps(
        {"count": anchor.count, "last_hash": anchor.last_hash, "at": anchor.at}, sort_keys=True
    )
