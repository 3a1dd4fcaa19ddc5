"""The electronic Frailty Index (Clegg et al., Age and Ageing 2016): 36 equally weighted
deficits, score = deficits present / 36.

Categories use inclusive upper bounds on the score, as published: fit ≤ 0.12, mild ≤ 0.24,
moderate ≤ 0.36, severe > 0.36. Because every score is k/36 this is unambiguous in counts:
fit 0–4 deficits (4/36 = 0.111), mild 5–8 (5/36 = 0.139, 8/36 = 0.222), moderate 9–12
(9/36 = 0.250, 12/36 = 0.333), severe 13 or more (13/36 = 0.361).

Each deficit's evidence is a versioned code-list file in `onestory/casework/codelists/`
(`<deficit>.v<N>.csv`, columns source, code, term, note). `source` says where the code is
looked for: `snomed` (a SNOMED CT concept on a GP condition or a hospital diagnosis), or a
value in the social care, housing or voluntary extracts. Polypharmacy is the one rule-based
deficit: five or more distinct medicines prescribed in the 12 months before the date.
"""

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

CODELIST_DIR = Path(__file__).resolve().parent.parent / "codelists"
DEFICIT_COUNT = 36
POLYPHARMACY = "polypharmacy"
POLYPHARMACY_MIN_MEDICINES = 5

FIT, MILD, MODERATE, SEVERE = "fit", "mild", "moderate", "severe"
# (upper bound inclusive, category), checked in order.
CATEGORY_BOUNDS: tuple[tuple[float, str], ...] = ((0.12, FIT), (0.24, MILD), (0.36, MODERATE))

_FILE = re.compile(r"^(?P<deficit>[a-z_]+)\.v(?P<version>\d+)\.csv$")
SOURCES = frozenset(
    {
        "snomed",
        "social_care_reason",
        "social_care_service",
        "housing_adaptation",
        "housing_record",
        "voluntary_reason",
        "rule",
    }
)


@dataclass(frozen=True)
class CodeListEntry:
    source: str
    code: str
    term: str
    note: str = ""


@dataclass(frozen=True)
class Deficit:
    name: str
    version: int
    entries: tuple[CodeListEntry, ...]

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()

    @property
    def keys(self) -> frozenset[tuple[str, str]]:
        return frozenset((e.source, e.code) for e in self.entries if e.source != "rule")


@dataclass(frozen=True)
class CodeLists:
    deficits: tuple[Deficit, ...]

    def by_key(self) -> dict[tuple[str, str], str]:
        """(source, code) -> deficit name."""
        return {key: d.name for d in self.deficits for key in d.keys}

    def rows(self) -> list[tuple[str, str, str]]:
        """(deficit, source, code) for every coded entry: the table the engine joins on."""
        return [(d.name, s, c) for d in self.deficits for (s, c) in sorted(d.keys)]

    def versions(self) -> dict[str, int]:
        return {d.name: d.version for d in self.deficits}


def load_codelists(directory: Path = CODELIST_DIR) -> CodeLists:
    """Read the newest version of each deficit's list. Raises ValueError listing every
    problem at once (unknown source, a code in two deficits, not 36 deficits)."""
    newest: dict[str, tuple[int, Path]] = {}
    for path in sorted(directory.glob("*.csv")):
        m = _FILE.match(path.name)
        if not m:
            continue
        name, version = m["deficit"], int(m["version"])
        if name not in newest or version > newest[name][0]:
            newest[name] = (version, path)
    problems: list[str] = []
    deficits = []
    owner: dict[tuple[str, str], str] = {}
    for name, (version, path) in sorted(newest.items()):
        with path.open(newline="", encoding="utf-8") as f:
            entries = tuple(
                CodeListEntry(r["source"].strip(), r["code"].strip(), r["term"], r.get("note", ""))
                for r in csv.DictReader(f)
            )
        for e in entries:
            if e.source not in SOURCES:
                problems.append(f"{path.name}: unknown source {e.source!r}")
            key = (e.source, e.code)
            if e.source != "rule" and key in owner:
                problems.append(f"{path.name}: {e.code} is also in {owner[key]}")
            owner[key] = name
        deficits.append(Deficit(name, version, entries))
    if len(deficits) != DEFICIT_COUNT:
        problems.append(f"expected {DEFICIT_COUNT} deficits, found {len(deficits)}")
    if problems:
        raise ValueError("; ".join(problems))
    return CodeLists(tuple(deficits))


def deficits_present(
    evidence: Iterable[tuple[str, str]], distinct_medicines_12m: int, codelists: CodeLists
) -> frozenset[str]:
    """The deficits a person has, from their (source, code) evidence and the number of
    distinct medicines prescribed to them in the last 12 months."""
    lookup = codelists.by_key()
    found = {lookup[key] for key in evidence if key in lookup}
    if distinct_medicines_12m >= POLYPHARMACY_MIN_MEDICINES:
        found.add(POLYPHARMACY)
    return frozenset(found)


def efi_score(deficit_count: int) -> float:
    """deficits / 36, in [0, 1]."""
    if not 0 <= deficit_count <= DEFICIT_COUNT:
        raise ValueError(f"deficit count must be 0–{DEFICIT_COUNT}, got {deficit_count}")
    return deficit_count / DEFICIT_COUNT


def efi_category(score: float) -> str:
    """fit, mild, moderate or severe (inclusive upper bounds; see the module docstring)."""
    for bound, category in CATEGORY_BOUNDS:
        if score <= bound:
            return category
    return SEVERE
