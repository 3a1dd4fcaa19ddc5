"""Which integration model a partnership had in a quarter: the newest version recorded from
that quarter or before (versions are never edited; a change is a new version)."""

from collections.abc import Iterable
from dataclasses import dataclass

from onestory.national.domain.published import quarter_key


@dataclass(frozen=True)
class Version:
    partnership: str
    from_quarter: str
    budget: str  # "pooled" or "aligned"
    shared_records: bool
    mdt: str


def model_in(versions: Iterable[Version], partnership: str, quarter: str) -> Version | None:
    """The version in force for `partnership` in `quarter`, or None before the first."""
    key = quarter_key(quarter)
    found = None
    for v in versions:
        if v.partnership != partnership or quarter_key(v.from_quarter) > key:
            continue
        if found is None or quarter_key(v.from_quarter) >= quarter_key(found.from_quarter):
            found = v
    return found
