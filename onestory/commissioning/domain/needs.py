"""Population needs: activity and cost per segment, locality and quarter, and how the figures
are published (see docs/COMMISSIONING.md, "Population needs").

A quarter is a financial quarter (Q1 April to June … Q4 January to March). Activity in a
quarter is counted for the people alive at its start, in the segment they were in then:
emergency admissions and A&E attendances that began in the quarter, the bed days of those
emergency spells, and the days in the quarter spent in a care home, with a home-care package
or in reablement. Cost is activity times the unit costs of a versioned table
(`onestory/commissioning/unitcosts/unit_costs.v<N>.csv`, sources and price year named).

Publishing: each column of counts is suppressed (primary, and secondary down the column
because its total is shown); a row whose people are withheld has all its counts withheld; a row's cost is withheld when any count it is made from is withheld
(cost divided by a unit cost would give the count back), with secondary suppression down the
cost column; cost per head is withheld with its cost or its people.
"""

import csv
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from onestory.commissioning.domain import suppression

UNIT_COST_DIR = Path(__file__).resolve().parent.parent / "unitcosts"
_FILE = re.compile(r"^unit_costs\.v(?P<version>\d+)\.csv$")

# Counts per person and group, in the order tables show them.
MEASURES = (
    "people",
    "emergency_admissions",
    "ae_attendances",
    "bed_days",
    "care_home_days",
    "home_care_days",
    "reablement_days",
)
MEASURE_LABELS = {
    "people": "People",
    "emergency_admissions": "Emergency admissions",
    "ae_attendances": "A&E attendances",
    "bed_days": "Bed days (emergency spells)",
    "care_home_days": "Care-home days",
    "home_care_days": "Home-care days",
    "reablement_days": "Reablement days",
    "health_cost": "Health cost (£)",
    "social_care_cost": "Social care cost (£)",
    "cost_per_head": "Cost per head (£)",
}
UNIT_COST_ITEMS = (
    "emergency_admission",
    "bed_day",
    "ae_attendance",
    "care_home_week",
    "home_care_hour",
    "home_care_hours_per_week",
    "reablement_week",
)


# --- quarters --------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quarter:
    """A financial quarter: `first` is the financial year's first calendar year, `q` 1-4."""

    first: int
    q: int

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        m = re.fullmatch(r"(\d{4})-(\d{2}) Q([1-4])", text.strip())
        if not m or (int(m[1]) + 1) % 100 != int(m[2]):
            raise ValueError(f"Quarter {text!r} is not a financial quarter like 2025-26 Q2.")
        return cls(int(m[1]), int(m[3]))

    @classmethod
    def containing(cls, day: date) -> "Quarter":
        first = day.year if day.month >= 4 else day.year - 1
        return cls(first, ((day.month - 4) % 12) // 3 + 1)

    @classmethod
    def last_complete(cls, today: date) -> "Quarter":
        """The last quarter that has ended by `today`."""
        return cls.containing(today).previous()

    @property
    def label(self) -> str:
        return f"{self.first}-{(self.first + 1) % 100:02d} Q{self.q}"

    @property
    def start(self) -> date:
        month = 4 + 3 * (self.q - 1)
        return date(self.first + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Quarter":
        return Quarter(self.first - 1, 4) if self.q == 1 else Quarter(self.first, self.q - 1)

    def next(self) -> "Quarter":
        return Quarter(self.first + 1, 1) if self.q == 4 else Quarter(self.first, self.q + 1)

    def back(self, n: int) -> list["Quarter"]:
        """This quarter and the n - 1 before it, oldest first."""
        out = [self]
        while len(out) < n:
            out.append(out[-1].previous())
        return out[::-1]


# --- unit costs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitCost:
    item: str
    pounds: float
    unit: str
    setting: str
    source: str
    price_year: str
    note: str


@dataclass(frozen=True)
class UnitCosts:
    version: int
    items: dict[str, UnitCost]

    def __getitem__(self, item: str) -> float:
        return self.items[item].pounds


@cache
def load_unit_costs(version: int | None = None) -> UnitCosts:
    """The unit-cost table (the latest version unless one is named). Every item in
    UNIT_COST_ITEMS must be there with a positive price, a source and a price year."""
    found = {
        int(m["version"]): p
        for p in UNIT_COST_DIR.iterdir()
        if (m := _FILE.match(p.name)) is not None
    }
    if not found:
        raise FileNotFoundError(f"No unit-cost table in {UNIT_COST_DIR}")
    v = max(found) if version is None else version
    if v not in found:
        raise FileNotFoundError(f"No unit-cost table version {v} in {UNIT_COST_DIR}")
    items: dict[str, UnitCost] = {}
    with found[v].open(newline="", encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            try:
                pounds = float(row["pounds"])
            except ValueError as e:
                raise ValueError(f"{found[v].name} row {n}, pounds: {row['pounds']!r}") from e
            if pounds <= 0 or not row["source"].strip() or not row["price_year"].strip():
                raise ValueError(f"{found[v].name} row {n}: needs a price, a source and a year")
            items[row["item"]] = UnitCost(
                row["item"],
                pounds,
                row["unit"],
                row["setting"],
                row["source"],
                row["price_year"],
                row["note"],
            )
    missing = [i for i in UNIT_COST_ITEMS if i not in items]
    if missing:
        raise ValueError(f"{found[v].name} has no row for {', '.join(missing)}")
    return UnitCosts(v, items)


# --- cost ------------------------------------------------------------------------------------


def health_cost(counts: dict[str, int], costs: UnitCosts) -> float:
    return (
        counts["emergency_admissions"] * costs["emergency_admission"]
        + counts["bed_days"] * costs["bed_day"]
        + counts["ae_attendances"] * costs["ae_attendance"]
    )


def social_care_cost(counts: dict[str, int], costs: UnitCosts) -> float:
    home_care_week = costs["home_care_hour"] * costs["home_care_hours_per_week"]
    return (
        counts["care_home_days"] * costs["care_home_week"]
        + counts["home_care_days"] * home_care_week
        + counts["reablement_days"] * costs["reablement_week"]
    ) / 7


# --- publishing ------------------------------------------------------------------------------


def _secondary_column(values: list[float], hidden: list[bool]) -> list[bool]:
    """With a total shown, one hidden value in a column could be recovered: hide the
    smallest other non-zero value too."""
    hidden = list(hidden)
    if hidden.count(True) == 1:
        shown = [i for i, h in enumerate(hidden) if not h and values[i] > 0]
        if shown:
            hidden[min(shown, key=lambda i: (values[i], i))] = True
    return hidden


def publish_activity(rows: list[dict], costs: UnitCosts, total_label: str = "total") -> list[dict]:
    """Rows of counts (each with every MEASURE and a `key`), with their costs, suppressed; a
    total row (of the unsuppressed figures, itself suppressed) is appended, keyed
    `total_label`."""
    total: dict = {m: sum(r[m] for r in rows) for m in MEASURES}
    every = [*rows, total]
    # Only column totals are shown (measures in a row do not add up): secondary suppression
    # runs down each column, so a segment's people are withheld here exactly as in the
    # people-by-segment table.
    # A row whose people are withheld has all its activity withheld too (a quarter's days of
    # care, say, would tell how many people had them).
    people = suppression.suppress_counts([r["people"] for r in rows])
    columns: list[list[int | None]] = [people]
    for m in MEASURES[1:]:
        values = [r[m] for r in rows]
        hidden = [p is None or suppression.is_small(v) for p, v in zip(people, values, strict=True)]
        hidden = _secondary_column([float(v) for v in values], hidden)
        columns.append([None if h else v for h, v in zip(hidden, values, strict=True)])
    grid = [[columns[j][i] for j in range(len(MEASURES))] for i in range(len(rows))]
    # the total row: a small total is withheld on its own (primary)
    grid.append([suppression.suppress_total(total[m]) for m in MEASURES])
    health = [health_cost(r, costs) for r in every]
    social = [social_care_cost(r, costs) for r in every]
    out = []
    row_hidden = [any(c is None for c in g[1:]) for g in grid]
    people_hidden = [g[0] is None for g in grid]
    cost_hidden = [a or b for a, b in zip(row_hidden, people_hidden, strict=True)]
    body = _secondary_column(
        [h + s for h, s in zip(health[:-1], social[:-1], strict=True)], cost_hidden[:-1]
    ) + [cost_hidden[-1]]
    for i, (g, h, s) in enumerate(zip(grid, health, social, strict=True)):
        counts = dict(zip(MEASURES, g, strict=True))
        hide = body[i]
        people = every[i]["people"]
        out.append(
            {
                "key": every[i].get("key", total_label),
                **counts,
                "health_cost": None if hide else round(h),
                "social_care_cost": None if hide else round(s),
                "cost_per_head": None if hide or not people else round((h + s) / people, 2),
                "suppressed": hide or any(c is None for c in g),
            }
        )
    return out


def publish_table(cells: list[list[int]]) -> list[list[int | None]]:
    """A table of counts whose row and column totals are shown, suppressed."""
    return suppression.suppress_table(cells)


# --- downloads -------------------------------------------------------------------------------

COST_MEASURES = ("health_cost", "social_care_cost", "cost_per_head")
EXPORT_COLUMNS = ("section", "group", "locality", "measure", "value", "suppressed")


def export_rows(figures: dict) -> list[tuple]:
    """The needs figures (as `queries.needs_figures` returns them) as long rows for CSV and
    XLSX: section, group, locality, measure, value ("" when withheld), suppressed. People by
    segment and activity by locality have a row per locality and a "total" row; the other
    sections are for the whole area (its locality or partnership code, or "all")."""
    out: list[tuple] = []

    def add(section: str, group: str, locality: str, measure: str, value, hidden=None) -> None:
        withheld = value is None if hidden is None else hidden
        out.append((section, group, locality, measure, "" if value is None else value, withheld))

    area = figures.get("locality") or figures.get("partnership") or "all"
    for row in figures["people_by_segment"]:
        for code, n in row["localities"].items():
            add("people_by_segment", row["key"], code or "none", "people", n)
        add("people_by_segment", row["key"], "total", "people", row["total"])
    for section in ("activity", "activity_by_locality", "trend"):
        for row in figures.get(section, []):
            if section == "activity_by_locality":  # a row per locality, and "total"
                group, where = "all", row["key"] or "none"
            else:
                group, where = row["key"], area
            for m in (*MEASURES, *COST_MEASURES):
                # cost per head of no one is empty, not withheld
                hidden = row["suppressed"] if m == "cost_per_head" else None
                add(section, group, where, m, row[m], hidden)
    for row in figures["projection"]["segments"]:
        for m in ("now", *(f"in_{h}_years" for h in figures["projection"]["horizons"])):
            add("projection", row["key"], area, m, row[m])
    return out


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A cell for CSV or XLSX: text that a spreadsheet would read as a formula (a code or
    name loaded from a partnership's files starting "=", say) gets a leading apostrophe.
    Numbers are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
