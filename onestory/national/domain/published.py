"""Reading indicators that partnerships publish for the national view (the federated mode:
aggregates only, no person-level data leaves a partnership). Pure: rows in, indicators and
problems out; a bad row is left out with a problem naming its row and field.

Columns (others, such as rates and intervals, are ignored and recomputed nationally):
partnership, locality (empty for the whole partnership), quarter (like 2025Q3), indicator,
numerator (a count; empty, "suppressed" or "fewer than 8" when the partnership suppressed
it), denominator (people, or spells for a percentage).

A row whose numerator is shown but from 1 to 7 is refused: a publication must already be
suppressed, and the national view will not hold a small count it was not meant to see.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

REQUIRED = ("partnership", "locality", "quarter", "indicator", "numerator", "denominator")
QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
SUPPRESSED_WORDS = {"", "suppressed", "fewer than 8", "*", "c"}
SMALL = range(1, 8)
MAX_CODE = 20
MAX_INDICATOR = 80


@dataclass(frozen=True)
class Indicator:
    partnership: str
    locality: str
    quarter: str
    indicator: str
    numerator: int | None  # None: suppressed by the partnership
    denominator: int


@dataclass(frozen=True)
class RowProblem:
    row: int
    field: str
    message: str

    def describe(self, file: str) -> str:
        return f"{file}, row {self.row}, {self.field}: {self.message}"


def kind_of(indicator: str) -> str:
    """How an indicator's value is read: "proportion" (a percentage of its denominator),
    "rate" (events per person, shown per 100,000) or "cost" (pounds per head, which a funnel
    plot of counts cannot judge). OneStory's own indicators say which they are; any other
    name is a percentage when it ends in "_pct", else a rate."""
    from onestory.evaluation.indicators import domain as indicators

    known = indicators.INDICATORS.get(indicator)
    if known is not None:
        return {indicators.PERCENT: "proportion", indicators.COST: "cost"}.get(known.kind, "rate")
    return "proportion" if indicator.endswith("_pct") else "rate"


def label_of(indicator: str) -> str:
    """The words a reader sees for an indicator: OneStory's own label for its indicators;
    any other published name with its underscores read as spaces."""
    from onestory.evaluation.indicators import domain as indicators

    known = indicators.INDICATORS.get(indicator)
    if known is not None:
        return known.label
    words = indicator.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


MONTHS = ("January to March", "April to June", "July to September", "October to December")


def quarter_label(quarter: str) -> str:
    """A calendar quarter like 2025Q3 in words: "July to September 2025"."""
    year, q = quarter_key(quarter)
    return f"{MONTHS[q - 1]} {year}"


def quarter_key(quarter: str) -> tuple[int, int]:
    m = QUARTER.match(quarter)
    if not m:
        raise ValueError(f"{quarter!r} is not a quarter like 2025Q3")
    return int(m.group(1)), int(m.group(2))


def missing_columns(header: Iterable[str]) -> list[str]:
    have = {h.strip() for h in header}
    return [c for c in REQUIRED if c not in have]


def _count(value: str) -> int:
    text = value.strip().replace(",", "")
    if not text.isdigit() or len(text) > 15:
        raise ValueError("is not a whole number")
    return int(text)


def read(
    rows: Iterable[tuple[int, Mapping[str, str | None]]],
) -> tuple[list[Indicator], list[RowProblem]]:
    """Indicators from (line, row) pairs. A place, quarter and indicator given twice keeps
    the first and names the second."""
    out: list[Indicator] = []
    problems: list[RowProblem] = []
    seen: set[tuple[str, str, str, str]] = set()
    for line, row in rows:
        cell = {k: (row.get(k) or "").strip() for k in REQUIRED}
        before = len(problems)
        for name, limit in (("partnership", MAX_CODE), ("indicator", MAX_INDICATOR)):
            if not cell[name]:
                problems.append(RowProblem(line, name, "is empty"))
            elif len(cell[name]) > limit:
                problems.append(RowProblem(line, name, f"is longer than {limit} characters"))
        if len(cell["locality"]) > MAX_CODE:
            problems.append(RowProblem(line, "locality", f"is longer than {MAX_CODE} characters"))
        if not QUARTER.match(cell["quarter"]):
            problems.append(RowProblem(line, "quarter", "is not a quarter like 2025Q3"))
        denominator: int | None = None
        numerator: int | None = None
        try:
            denominator = _count(cell["denominator"])
            if denominator == 0:
                problems.append(RowProblem(line, "denominator", "is zero"))
        except ValueError as e:
            problems.append(RowProblem(line, "denominator", str(e)))
        if cell["numerator"].lower() not in SUPPRESSED_WORDS:
            try:
                count = _count(cell["numerator"])
                numerator = count
                if count in SMALL:
                    problems.append(
                        RowProblem(
                            line, "numerator", "is from 1 to 7: suppress it before publishing"
                        )
                    )
                elif (
                    denominator is not None
                    and count > denominator
                    and kind_of(cell["indicator"]) == "proportion"
                ):
                    problems.append(RowProblem(line, "numerator", "is more than the denominator"))
            except ValueError as e:
                problems.append(RowProblem(line, "numerator", str(e)))
        if len(problems) > before or denominator is None:
            continue
        key = (cell["partnership"], cell["locality"], cell["quarter"], cell["indicator"])
        if key in seen:
            problems.append(
                RowProblem(line, "indicator", "this place and quarter already has it above")
            )
            continue
        seen.add(key)
        out.append(Indicator(*key, numerator=numerator, denominator=denominator))
    return out, problems
