"""Pure comparison helpers for linking UK person records, shared by every linkage engine.

The Splink engine turns these into columns before it compares records, so the rules here are
the one place that says what a nickname, a transposed date of birth or a postcode sector is.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from onestory.people.domain.normalise import name_key, postcode_key

NICKNAME_FILE = Path(__file__).parent / "data" / "uk_nicknames.txt"
_POSTCODE = re.compile(r"^([A-Z]{1,2})([0-9][A-Z0-9]?)([0-9])([A-Z]{2})$")
_SURNAME_SPLIT = re.compile(r"[\s\-]+")
_ADDRESS_TOKEN = re.compile(r"[a-z0-9]+")
# Words that carry no identity in an address line.
_ADDRESS_STOPWORDS = frozenset({"flat", "the", "and", "apartment", "apt", "unit"})


@cache
def _nickname_groups() -> dict[str, frozenset[str]]:
    """name key → the formal names of every group it belongs to."""
    groups: dict[str, set[str]] = {}
    for line in NICKNAME_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        names = [name_key(n) for n in line.split()]
        formal = names[0]
        for n in names:
            groups.setdefault(n, set()).add(formal)
    return {n: frozenset(g) for n, g in groups.items()}


def nickname_groups(given: str) -> frozenset[str]:
    """The groups (named by their formal name) this given name may stand for, including the
    name itself: "Bill" → {"bill", "william"}. Empty for an empty name."""
    key = name_key(given)
    if not key:
        return frozenset()
    return _nickname_groups().get(key, frozenset()) | {key}


def are_name_variants(a: str, b: str) -> bool:
    """True when the two given names are the same or listed as variants of one name."""
    return bool(nickname_groups(a) & nickname_groups(b))


def is_dob_transposed(a: date | None, b: date | None) -> bool:
    """True when `b` is `a` with day and month swapped (and they differ)."""
    if a is None or b is None or a == b or a.day > 12 or b.day > 12:
        return False
    return a.year == b.year and a.day == b.month and a.month == b.day


def dob_digit_differences(a: date | None, b: date | None) -> int | None:
    """How many of the eight digits of YYYYMMDD differ; None when either date is missing."""
    if a is None or b is None:
        return None
    return sum(x != y for x, y in zip(a.strftime("%Y%m%d"), b.strftime("%Y%m%d"), strict=True))


@dataclass(frozen=True)
class PostcodeLevels:
    """A postcode at each level of the UK hierarchy: LS27 2JE → unit LS272JE, sector LS27 2,
    district LS27, area LS. Empty strings where the value is not a full postcode (then a bare
    outward code still gives district and area)."""

    unit: str
    sector: str
    district: str
    area: str


_OUTWARD = re.compile(r"^([A-Z]{1,2})([0-9][A-Z0-9]?)$")


def postcode_levels(value: str) -> PostcodeLevels:
    """Split a postcode into unit, sector, district and area."""
    key = postcode_key(value)
    m = _POSTCODE.match(key)
    if m:
        area, district_tail, sector_digit, _unit = m.groups()
        district = area + district_tail
        return PostcodeLevels(key, f"{district} {sector_digit}", district, area)
    m = _OUTWARD.match(key)
    if m:
        return PostcodeLevels("", "", key, m.group(1))
    return PostcodeLevels("", "", "", "")


def surname_parts(family: str) -> tuple[str, ...]:
    """The parts of a double-barrelled or hyphenated surname as name keys:
    "Hall-Gill" → ("hall", "gill"); "Smith" → ("smith",)."""
    parts = (name_key(p) for p in _SURNAME_SPLIT.split(family or ""))
    return tuple(p for p in parts if p)


def shares_surname_part(a: str, b: str) -> bool:
    """True when two surnames share a part: "Hall-Gill" and "Gill" do."""
    return bool(set(surname_parts(a)) & set(surname_parts(b)))


def address_tokens(address: str) -> tuple[str, ...]:
    """Lower-case word and number tokens of an address, without filler words."""
    return tuple(
        t for t in _ADDRESS_TOKEN.findall((address or "").lower()) if t not in _ADDRESS_STOPWORDS
    )


def address_similarity(a: str, b: str) -> float | None:
    """Jaccard similarity of the two addresses' token sets; None when either is empty."""
    ta, tb = set(address_tokens(a)), set(address_tokens(b))
    if not ta or not tb:
        return None
    return len(ta & tb) / len(ta | tb)


def normalise_sex(value: str) -> str:
    """ "female"/"F" → "f", "male"/"M" → "m"; anything else (unknown, blank) → ""."""
    v = (value or "").strip().lower()
    if v in {"f", "female", "woman"}:
        return "f"
    if v in {"m", "male", "man"}:
        return "m"
    return ""


def pairwise_counts(
    predicted: Iterable[tuple[object, object]], truth: dict[object, object]
) -> tuple[int, int, int]:
    """(true positive, predicted, actual) pair counts for clusters against true identities.

    `predicted` yields (record key, cluster); `truth` maps record key → true identity. Only
    records with a truth value count. Pairs are counted from cluster sizes, so it runs in
    linear time whatever the cluster sizes."""
    cells: dict[tuple[object, object], int] = {}
    clusters: dict[object, int] = {}
    identities: dict[object, int] = {}
    for key, cluster in predicted:
        if key not in truth:
            continue
        ident = truth[key]
        cells[(cluster, ident)] = cells.get((cluster, ident), 0) + 1
        clusters[cluster] = clusters.get(cluster, 0) + 1
        identities[ident] = identities.get(ident, 0) + 1

    def pairs(counts: Iterable[int]) -> int:
        return sum(n * (n - 1) // 2 for n in counts)

    return pairs(cells.values()), pairs(clusters.values()), pairs(identities.values())


@dataclass(frozen=True)
class PairwiseScore:
    precision: float
    recall: float
    f1: float
    true_positives: int
    predicted_pairs: int
    true_pairs: int


def pairwise_score(
    predicted: Iterable[tuple[object, object]], truth: dict[object, object]
) -> PairwiseScore:
    """Pairwise precision, recall and F1 of a clustering against true identities."""
    tp, pred, actual = pairwise_counts(predicted, truth)
    precision = tp / pred if pred else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairwiseScore(precision, recall, f1, tp, pred, actual)
