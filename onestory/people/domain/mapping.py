"""The mapping file of `onestory link --config`: which columns of each input file hold which
person field. Parsing and validation only; every problem is collected and reported at once.

    [[source]]
    name = "council"
    file = "council.csv"
    record_id = "rec_id"
    given_name = "given_name"
    family_name = "surname"
    date_of_birth = "date_of_birth"
    date_format = "%Y%m%d"
    sex = "sex"
    postcode = "postcode"
    address = ["street_number", "address_1", "address_2", "suburb"]
    nhs_number = "nhs_no"
    truth = "true_id"
"""

import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

SINGLE_COLUMN_FIELDS = (
    "record_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "postcode",
    "nhs_number",
    "truth",
)
KNOWN_KEYS = frozenset({"name", "file", "date_format", "address", *SINGLE_COLUMN_FIELDS})
DEFAULT_DATE_FORMAT = "%Y-%m-%d"


class MappingError(ValueError):
    """The mapping file is wrong; `problems` lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class SourceMapping:
    """One input file and the columns that hold each field ("" when absent)."""

    name: str
    file: str
    record_id: str = ""
    given_name: str = ""
    family_name: str = ""
    date_of_birth: str = ""
    date_format: str = DEFAULT_DATE_FORMAT
    sex: str = ""
    postcode: str = ""
    address: tuple[str, ...] = ()
    nhs_number: str = ""
    truth: str = ""

    def columns(self) -> list[str]:
        """Every input column this mapping reads."""
        single = [getattr(self, f) for f in SINGLE_COLUMN_FIELDS]
        return [c for c in [*single, *self.address] if c]

    def parse_date(self, value: str) -> date | None:
        """The date in `value` by this source's format; None when blank or not a real date."""
        value = (value or "").strip()
        if not value:
            return None
        try:
            return datetime.strptime(value, self.date_format).date()
        except ValueError:
            return None


def parse_mapping(text: str) -> list[SourceMapping]:
    """Parse and check a mapping; raise MappingError listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError([f"not valid TOML: {exc}"]) from exc
    sources = data.get("source")
    if not isinstance(sources, list) or not sources:
        raise MappingError(["no [[source]] tables"])
    problems: list[str] = []
    out: list[SourceMapping] = []
    names: set[str] = set()
    for n, entry in enumerate(sources, start=1):
        where = f"source {n}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: not a table")
            continue
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            problems.append(f"{where}: needs a name")
            name = f"source{n}"
        elif name in names:
            problems.append(f"{where}: name {name!r} is used twice")
        names.add(name)
        where = f"source {name!r}"
        file = entry.get("file")
        if not isinstance(file, str) or not file:
            problems.append(f"{where}: needs a file")
            file = ""
        for key in sorted(set(entry) - KNOWN_KEYS):
            problems.append(f"{where}: unknown key {key!r}")
        fields: dict[str, str] = {}
        for field in SINGLE_COLUMN_FIELDS:
            value = entry.get(field, "")
            if not isinstance(value, str):
                problems.append(f"{where}: {field} must be a column name")
                value = ""
            fields[field] = value
        address = entry.get("address", [])
        if isinstance(address, str):
            address = [address]
        if not isinstance(address, list) or not all(isinstance(a, str) for a in address):
            problems.append(f"{where}: address must be a column name or a list of them")
            address = []
        date_format = entry.get("date_format", DEFAULT_DATE_FORMAT)
        if not isinstance(date_format, str) or "%" not in date_format:
            problems.append(f"{where}: date_format must be a strptime format such as %Y%m%d")
            date_format = DEFAULT_DATE_FORMAT
        out.append(
            SourceMapping(
                name=name,
                file=file,
                date_format=date_format,
                address=tuple(address),
                **fields,
            )
        )
    if problems:
        raise MappingError(problems)
    return out


def resolve_files(
    sources: list[SourceMapping], given: list[Path], mapping_dir: Path
) -> dict[str, Path]:
    """Source name → the file to read. A file named on the command line is matched to the
    source whose `file` has the same name; otherwise `file` is taken relative to the
    mapping file's folder."""
    by_name = {p.name: p for p in given}
    problems = []
    out = {}
    for s in sources:
        path = by_name.get(Path(s.file).name) or (mapping_dir / s.file)
        if not path.exists():
            problems.append(f"source {s.name!r}: file {s.file!r} not found")
        out[s.name] = path
    unused = set(by_name) - {Path(s.file).name for s in sources}
    problems += [f"file {name!r} is named by no source in the mapping" for name in sorted(unused)]
    if problems:
        raise MappingError(problems)
    return out
