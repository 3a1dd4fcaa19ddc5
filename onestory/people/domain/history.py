"""A person's identity history: the link decisions touching their records, grouped into the
acts that wrote them (one merge, one unmerge, one review)."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Decision:
    at: datetime
    by: str  # the actor's id
    via: str  # review, merge, unmerge
    reason: str
    decision: str  # link, no_link
    records: tuple[int, int]


@dataclass
class Act:
    at: datetime
    by: str
    via: str
    reason: str
    decision: str  # of the act's first decision; an unmerge writes both kinds
    records: list[int] = field(default_factory=list)


def group_decisions(decisions: list[Decision]) -> list[Act]:
    """One act per (time, actor, via, reason): an unmerge writes all its decisions with one
    time, so they read as the one thing the officer did. Order is kept (give it newest
    first); each act lists its records once, in the order first seen."""
    acts: dict[tuple, Act] = {}
    for d in decisions:
        key = (d.at, d.by, d.via, d.reason)
        act = acts.get(key)
        if act is None:
            act = acts[key] = Act(d.at, d.by, d.via, d.reason, d.decision)
        for r in d.records:
            if r not in act.records:
                act.records.append(r)
    return list(acts.values())
