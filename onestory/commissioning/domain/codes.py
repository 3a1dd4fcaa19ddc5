"""The code lists the metrics and segments use: versioned CSV files in
`onestory/commissioning/codelists/` (`<name>.v<N>.csv`, columns system, code, term, note).

`system` is `icd10` (matched as a prefix of the code with its dot removed, so `I50` holds
I50.0 and I50.9, and `S` the whole of S00-S99) or `snomed` (a SNOMED CT concept, matched
exactly). Hospital extracts may send either: the synthetic borough's acute trust codes its
primary diagnoses in SNOMED CT, so each list carries the SNOMED CT concepts the synthetic
extracts use beside the published ICD-10 codes (see docs/COMMISSIONING.md).
"""

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CODELIST_DIR = Path(__file__).resolve().parent.parent / "codelists"
SYSTEMS = ("icd10", "snomed")
_FILE = re.compile(r"^(?P<name>[a-z_]+)\.v(?P<version>\d+)\.csv$")


def normalise(code: str) -> str:
    return code.replace(".", "").strip().upper()


@dataclass(frozen=True)
class CodeList:
    name: str
    version: int
    icd10_prefixes: tuple[str, ...]
    snomed: frozenset[str]

    def matches(self, code: str | None) -> bool:
        """True when `code` (ICD-10 with or without its dot, or a SNOMED CT id) is listed."""
        if not code:
            return False
        c = normalise(code)
        if c[0].isalpha():
            return c.startswith(self.icd10_prefixes)
        return c in self.snomed

    def snomed_codes(self) -> tuple[str, ...]:
        return tuple(sorted(self.snomed))


def parse(name: str, version: int, rows: list[dict[str, str]]) -> CodeList:
    prefixes: list[str] = []
    snomed: set[str] = set()
    for i, row in enumerate(rows, start=2):
        system = (row.get("system") or "").strip()
        code = normalise(row.get("code") or "")
        if system not in SYSTEMS or not code:
            raise ValueError(f"{name}.v{version}.csv row {i}: system or code missing or unknown")
        if system == "icd10":
            prefixes.append(code)
        else:
            snomed.add(code)
    return CodeList(name, version, tuple(prefixes), frozenset(snomed))


def _latest(directory: Path) -> dict[str, Path]:
    found: dict[str, tuple[int, Path]] = {}
    for path in directory.iterdir():
        m = _FILE.match(path.name)
        if m:
            version = int(m["version"])
            if m["name"] not in found or found[m["name"]][0] < version:
                found[m["name"]] = (version, path)
    return {name: path for name, (_v, path) in found.items()}


@cache
def load(name: str, directory: Path = CODELIST_DIR) -> CodeList:
    """The latest version of the named list."""
    path = _latest(directory).get(name)
    if path is None:
        raise ValueError(f"No code list named {name!r} in {directory}")
    m = _FILE.match(path.name)
    assert m is not None
    with open(path, newline="", encoding="utf-8") as fh:
        return parse(name, int(m["version"]), list(csv.DictReader(fh)))
