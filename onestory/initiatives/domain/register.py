"""The initiative register's vocabulary and its search, as pure rules.

An initiative matches a search when every word typed appears (as the start of a word, any
case) in its name, aims, type or what was learned, and it meets each filter chosen: type,
a locality where it runs, status, the decision taken (what came of it) and an outcome
indicator it is measured by. An empty search matches everything."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

KINDS = {
    "mdt_case_management": "MDT case management",
    "falls_service": "Falls service",
    "discharge_to_assess": "Discharge to assess",
    "shared_lives_expansion": "Shared Lives expansion",
    "reablement": "Reablement",
    "social_prescribing": "Social prescribing",
    "other": "Other",
}
STATUSES = {
    "planned": "Planned",
    "running": "Running",
    "ended": "Ended",
}
DECISIONS = {
    "": "Not decided yet",
    "continue": "Continue",
    "scale_up": "Scale up",
    "change": "Change",
    "stop": "Stop",
}
# Outcome indicators an initiative can be measured by. Only those in
# `onestory.initiatives.panels.INDICATORS` can be computed for an evaluation today.
INDICATORS = {
    "emergency_admissions": "Emergency admissions per 100,000 people",
    "ae_attendances": "A&E attendances per 100,000 people",
    "bed_days": "Hospital bed days per 100,000 people",
    "care_home_admissions": "Permanent care-home admissions per 100,000 people",
    "deaths_usual_residence": "Deaths in the usual place of residence (%)",
}


@dataclass(frozen=True)
class Facts:
    """What the search looks at of one initiative."""

    name: str
    aims: str = ""
    learned: str = ""
    kind: str = ""
    status: str = ""
    decision: str = ""
    localities: frozenset[str] = frozenset()
    indicators: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Search:
    words: str = ""
    kind: str = ""
    locality: str = ""
    status: str = ""
    decision: str = ""
    indicator: str = ""

    @property
    def empty(self) -> bool:
        return not (
            self.words.strip()
            or self.kind
            or self.locality
            or self.status
            or self.decision
            or self.indicator
        )


_WORD = re.compile(r"[\w']+")


def words_of(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text or "")]


def matches(f: Facts, s: Search) -> bool:
    if s.kind and f.kind != s.kind:
        return False
    if s.status and f.status != s.status:
        return False
    if s.decision and f.decision != s.decision:
        return False
    if s.locality and s.locality not in f.localities:
        return False
    if s.indicator and s.indicator not in f.indicators:
        return False
    wanted = words_of(s.words)
    if not wanted:
        return True
    have = words_of(" ".join((f.name, f.aims, f.learned, KINDS.get(f.kind, f.kind))))
    return all(any(h.startswith(w) for h in have) for w in wanted)


def search[T](items: Iterable[tuple[T, Facts]], s: Search) -> list[T]:
    """The items whose facts match, in the order given."""
    return [item for item, f in items if matches(f, s)]
