"""Resource allocation: points from assessed needs to an indicative budget, shown with how
it was reached. Each council may configure its own table; `DEFAULT_TABLE` is the default."""

from collections.abc import Mapping
from dataclasses import dataclass

WEEKS_PER_YEAR = 52


@dataclass(frozen=True)
class NeedDomain:
    code: str
    label: str
    # (level description, points), from no need to the highest need.
    levels: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class AllocationTable:
    name: str
    domains: tuple[NeedDomain, ...]
    pence_per_point: int

    def domain(self, code: str) -> NeedDomain:
        for d in self.domains:
            if d.code == code:
                return d
        raise ValueError(f"unknown need {code!r} in {self.name}")

    @classmethod
    def from_dict(cls, data: Mapping) -> "AllocationTable":
        """A table from its stored form: {"name", "pence_per_point", "domains": [{"code",
        "label", "levels": [[label, points], ...]}]}."""
        domains = tuple(
            NeedDomain(
                code=str(d["code"]),
                label=str(d["label"]),
                levels=tuple((str(label), int(points)) for label, points in d["levels"]),
            )
            for d in data["domains"]
        )
        table = cls(str(data["name"]), domains, int(data["pence_per_point"]))
        if table.pence_per_point <= 0 or not domains:
            raise ValueError("a table needs needs and a positive price per point")
        return table

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "pence_per_point": self.pence_per_point,
            "domains": [
                {"code": d.code, "label": d.label, "levels": [list(level) for level in d.levels]}
                for d in self.domains
            ],
        }


_LEVELS = (("No need", 0), ("Some help", 3), ("Substantial help", 7), ("Full support", 12))

DEFAULT_TABLE = AllocationTable(
    name="OneStory default",
    pence_per_point=7_50,
    domains=(
        NeedDomain("personal_care", "Personal care", _LEVELS),
        NeedDomain("eating", "Eating and drinking", _LEVELS),
        NeedDomain("mobility", "Getting around at home and outside", _LEVELS),
        NeedDomain("home", "Keeping the home safe and habitable", _LEVELS),
        NeedDomain("relationships", "Family and other relationships", _LEVELS),
        NeedDomain("activities", "Work, learning, volunteering and leisure", _LEVELS),
        NeedDomain("health", "Managing health and medicines", _LEVELS),
        NeedDomain("safety", "Keeping safe", _LEVELS),
        NeedDomain(
            "carer",
            "Support an unpaid carer can no longer give",
            (("Carer fully able", 0), ("Carer needs a break", 4), ("No carer", 10)),
        ),
    ),
)


@dataclass(frozen=True)
class AllocationLine:
    need: str
    level: str
    points: int


@dataclass(frozen=True)
class IndicativeBudget:
    table: str
    lines: tuple[AllocationLine, ...]
    points: int
    pence_per_point: int
    weekly: int
    annual: int


def indicative_budget(table: AllocationTable, answers: Mapping[str, int]) -> IndicativeBudget:
    """`answers` maps each need's code to the chosen level (0 = the first level); needs not
    answered score nothing. Weekly amount = points × price per point; annual = 52 weeks."""
    lines = []
    for code, level in answers.items():
        domain = table.domain(code)
        if not 0 <= level < len(domain.levels):
            raise ValueError(f"level {level} out of range for {domain.label}")
        label, points = domain.levels[level]
        lines.append(AllocationLine(domain.label, label, points))
    points = sum(line.points for line in lines)
    weekly = points * table.pence_per_point
    return IndicativeBudget(
        table=table.name,
        lines=tuple(lines),
        points=points,
        pence_per_point=table.pence_per_point,
        weekly=weekly,
        annual=weekly * WEEKS_PER_YEAR,
    )
