"""Compare two versions of a plan: each version is a list of (heading, line) pairs."""

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffLine:
    change: str  # "same", "added", "removed"
    text: str


def compare(older: list[str], newer: list[str]) -> list[DiffLine]:
    """Line-by-line differences from `older` to `newer`, unchanged lines included."""
    out: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=older, b=newer, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.extend(DiffLine("same", t) for t in older[i1:i2])
            continue
        out.extend(DiffLine("removed", t) for t in older[i1:i2])
        out.extend(DiffLine("added", t) for t in newer[j1:j2])
    return out
