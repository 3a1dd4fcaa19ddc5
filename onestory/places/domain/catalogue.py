"""Reading a places catalogue: the partnerships, localities and practice-to-locality rows
that `onestory synth` writes to `places/` (docs/SYNTHETIC_DATA.md) or that a partnership
writes by hand in the same shape. Pure: rows in (as dicts from a CSV reader), the places and
the problems out. A bad row is left out with a problem naming its file, row and field; the
good rows are kept.

Files and their columns (others are ignored):
- `partnerships.csv`: partnership (a number the other files refer to), code, name, and
  optionally council_code, council_name, trust_code, trust_name;
- `localities.csv`: locality (a number), code, name, partnership (the partnership's number);
- `practices.csv`: ods (the practice's code as GP extracts carry it), locality (a number).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

FILES = ("partnerships.csv", "localities.csv", "practices.csv")
REQUIRED = {
    "partnerships.csv": ("partnership", "code", "name"),
    "localities.csv": ("locality", "code", "name", "partnership"),
    "practices.csv": ("ods", "locality"),
}
MAX_CODE = 20
MAX_NAME = 200


@dataclass(frozen=True)
class PartnershipRow:
    code: str
    name: str
    council_code: str = ""
    council_name: str = ""
    trust_code: str = ""
    trust_name: str = ""


@dataclass(frozen=True)
class LocalityRow:
    code: str
    name: str
    partnership: str  # the partnership's code


@dataclass(frozen=True)
class PracticeRow:
    ods: str
    locality: str  # the locality's code


@dataclass(frozen=True)
class Problem:
    file: str
    row: int  # the line in the file (the header is line 1); 0 for the file as a whole
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}" if self.row else self.file
        return (
            f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass
class Catalogue:
    partnerships: list[PartnershipRow] = field(default_factory=list)
    localities: list[LocalityRow] = field(default_factory=list)
    practices: list[PracticeRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def missing_columns(file: str, header: Iterable[str]) -> list[Problem]:
    """A problem for each column `file` must have and its header lacks."""
    have = {h.strip() for h in header}
    return [
        Problem(file, 1, column, "this column is missing from the header")
        for column in REQUIRED[file]
        if column not in have
    ]


def _text(file, line, row, name, problems, limit, required=True) -> str | None:
    value = (row.get(name) or "").strip()
    if not value and required:
        problems.append(Problem(file, line, name, "is empty"))
        return None
    if len(value) > limit:
        problems.append(Problem(file, line, name, f"is longer than {limit} characters"))
        return None
    return value


def read(rows: Mapping[str, Iterable[Mapping[str, str]]]) -> Catalogue:
    """The catalogue from each file's rows (data rows only, in order; line 2 is the first).
    A row whose number or code repeats an earlier one, or that refers to a partnership or
    locality the catalogue does not hold, is a problem and is left out."""
    out = Catalogue()
    partnership_codes: dict[str, str] = {}
    seen: set[str] = set()
    f = "partnerships.csv"
    for line, row in enumerate(rows.get(f, ()), start=2):
        before = len(out.problems)
        number = _text(f, line, row, "partnership", out.problems, MAX_CODE)
        code = _text(f, line, row, "code", out.problems, MAX_CODE)
        name = _text(f, line, row, "name", out.problems, MAX_NAME)
        extras = {
            k: _text(f, line, row, k, out.problems, MAX_NAME, required=False) or ""
            for k in ("council_code", "council_name", "trust_code", "trust_name")
        }
        if len(out.problems) > before or number is None or code is None or name is None:
            continue
        if number in partnership_codes or code in seen:
            out.problems.append(Problem(f, line, "code", f"{code} is already in the file"))
            continue
        partnership_codes[number] = code
        seen.add(code)
        out.partnerships.append(PartnershipRow(code, name, **extras))

    locality_codes: dict[str, str] = {}
    seen = set()
    f = "localities.csv"
    for line, row in enumerate(rows.get(f, ()), start=2):
        before = len(out.problems)
        number = _text(f, line, row, "locality", out.problems, MAX_CODE)
        code = _text(f, line, row, "code", out.problems, MAX_CODE)
        name = _text(f, line, row, "name", out.problems, MAX_NAME)
        partnership = _text(f, line, row, "partnership", out.problems, MAX_CODE)
        if len(out.problems) > before or None in (number, code, name, partnership):
            continue
        assert number is not None and code is not None and name is not None
        if partnership not in partnership_codes:
            out.problems.append(
                Problem(f, line, "partnership", f"{partnership} is not in partnerships.csv")
            )
            continue
        if number in locality_codes or code in seen:
            out.problems.append(Problem(f, line, "code", f"{code} is already in the file"))
            continue
        locality_codes[number] = code
        seen.add(code)
        out.localities.append(LocalityRow(code, name, partnership_codes[str(partnership)]))

    seen = set()
    f = "practices.csv"
    for line, row in enumerate(rows.get(f, ()), start=2):
        before = len(out.problems)
        ods = _text(f, line, row, "ods", out.problems, MAX_CODE)
        locality = _text(f, line, row, "locality", out.problems, MAX_CODE)
        if len(out.problems) > before or ods is None or locality is None:
            continue
        if locality not in locality_codes:
            out.problems.append(
                Problem(f, line, "locality", f"{locality} is not in localities.csv")
            )
            continue
        if ods in seen:
            out.problems.append(Problem(f, line, "ods", f"{ods} is already in the file"))
            continue
        seen.add(ods)
        out.practices.append(PracticeRow(ods, locality_codes[locality]))
    return out
