"""A nation's scenario: its size, its period and the initiatives it runs.

A scenario comes from the command line (`--partnerships N --localities M --years Y
--people P --seed S`, with two default initiatives) or from a small TOML file:

    seed = 7
    people = 20000
    partnerships = 2
    localities = 4          # per partnership
    years = 6

    [[initiative]]
    name = "MDT case management"
    outcome = "emergency_admissions"   # see OUTCOMES
    effect = -0.10                     # relative change for those reached
    ramp_quarters = 2                  # full effect two quarters after the first
    localities = ["P01L01", "P01L02"]  # or "half" (every other locality) or "all"
    start_quarter = [4, 8]             # one per locality (staggered), or one for all
    min_age = 65
    min_efi = "moderate"               # fit, mild, moderate, severe
    lives_alone = false                # true: only people living alone
    fall_in_last_year = false          # true: only people admitted after a fall last year
    coverage = 0.8                     # share of the eligible the scheme reaches

Quarters are numbered from 0, the first quarter of the period.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The outcomes an initiative can change, and what kind of quantity each is.
OUTCOMES: dict[str, str] = {
    "emergency_admissions": "count",  # every emergency admission (falls, ACSC and other)
    "falls_admissions": "count",
    "acsc_admissions": "count",
    "ae_attendances": "count",  # attendances not admitted
    "care_home_admissions": "binary",  # permanent admission from the community
    "reablement_at_home_91d": "binary",  # at home 91 days after discharge into reablement
}
EFI_LEVELS = ("fit", "mild", "moderate", "severe")
# Least deficits (of 36) for each eFI category: fit ≤ 0.12, mild ≤ 0.24, moderate ≤ 0.36.
EFI_MIN_DEFICITS = {"fit": 0, "mild": 5, "moderate": 9, "severe": 14}


class ScenarioError(ValueError):
    """A scenario that cannot be run, with the reason in words."""


@dataclass(frozen=True)
class Initiative:
    name: str
    outcome: str
    effect: float
    localities: tuple[str, ...]
    start_quarter: tuple[int, ...]  # one per locality, same order
    ramp_quarters: int = 2
    min_age: int = 0
    min_efi: str = "fit"
    lives_alone: bool = False
    fall_in_last_year: bool = False
    coverage: float = 1.0

    def start_for(self, locality: str) -> int | None:
        """The quarter the initiative starts in `locality`, or None where it never runs."""
        if locality not in self.localities:
            return None
        return self.start_quarter[self.localities.index(locality)]

    def ramp(self, quarter: int, start: int) -> float:
        """Share of the full effect in `quarter` for a start in `start`: none in the start
        quarter, then rising in equal steps to the full effect after `ramp_quarters`."""
        if quarter <= start:
            return 0.0
        return min(1.0, (quarter - start) / max(1, self.ramp_quarters))


@dataclass(frozen=True)
class Scenario:
    seed: int = 42
    people: int = 10_000
    partnerships: int = 2
    localities: int = 3
    years: int = 6
    initiatives: tuple[Initiative, ...] = field(default_factory=tuple)

    @property
    def quarters(self) -> int:
        return 4 * self.years

    def locality_codes(self) -> list[str]:
        return [
            locality_code(p, m)
            for p in range(1, self.partnerships + 1)
            for m in range(1, self.localities + 1)
        ]


def locality_code(partnership: int, locality: int) -> str:
    return f"P{partnership:02d}L{locality:02d}"


def _spread(codes: list[str], which: Any) -> tuple[str, ...]:
    if which == "all":
        return tuple(codes)
    if which == "half":
        return tuple(codes[::2])
    if isinstance(which, list) and all(isinstance(c, str) for c in which):
        unknown = [c for c in which if c not in codes]
        if unknown:
            raise ScenarioError(f"unknown localities {unknown}; the nation has {codes}")
        return tuple(which)
    raise ScenarioError('localities must be "all", "half" or a list of locality codes')


def make_initiative(raw: dict[str, Any], codes: list[str], quarters: int) -> Initiative:
    name = str(raw.get("name") or "").strip()
    if not name:
        raise ScenarioError("every initiative needs a name")
    outcome = raw.get("outcome", "")
    if outcome not in OUTCOMES:
        raise ScenarioError(f"{name}: outcome must be one of {sorted(OUTCOMES)}")
    effect = float(raw.get("effect", 0.0))
    if effect <= -1.0:
        raise ScenarioError(f"{name}: effect must be above -1 (a relative change)")
    where = _spread(codes, raw.get("localities", "half"))
    starts = raw.get("start_quarter", 4)
    if isinstance(starts, int):
        starts = [starts] * len(where)
    if len(starts) != len(where):
        raise ScenarioError(f"{name}: start_quarter needs one quarter per locality")
    if any(not 0 <= int(s) < quarters for s in starts):
        raise ScenarioError(f"{name}: start quarters must be within 0..{quarters - 1}")
    min_efi = raw.get("min_efi", "fit")
    if min_efi not in EFI_LEVELS:
        raise ScenarioError(f"{name}: min_efi must be one of {EFI_LEVELS}")
    coverage = float(raw.get("coverage", 1.0))
    if not 0.0 < coverage <= 1.0:
        raise ScenarioError(f"{name}: coverage must be above 0 and at most 1")
    return Initiative(
        name=name,
        outcome=outcome,
        effect=effect,
        localities=where,
        start_quarter=tuple(int(s) for s in starts),
        ramp_quarters=int(raw.get("ramp_quarters", 2)),
        min_age=int(raw.get("min_age", 0)),
        min_efi=min_efi,
        lives_alone=bool(raw.get("lives_alone", False)),
        fall_in_last_year=bool(raw.get("fall_in_last_year", False)),
        coverage=coverage,
    )


def default_initiatives(codes: list[str], quarters: int) -> list[dict[str, Any]]:
    """Two schemes staggered over every other locality: MDT case management for moderate or
    severe frailty (−12% emergency admissions) and a falls service for people 65+ admitted
    after a fall (−25% falls admissions)."""
    where = codes[::2] or codes
    first = max(1, quarters // 3)
    stagger = [min(quarters - 2, first + 2 * i) for i in range(len(where))]
    falls_where = codes[1::2] or codes
    return [
        {
            "name": "MDT case management",
            "outcome": "emergency_admissions",
            "effect": -0.12,
            "localities": where,
            "start_quarter": stagger,
            "min_age": 65,
            "min_efi": "moderate",
            "coverage": 0.8,
        },
        {
            "name": "Falls service",
            "outcome": "falls_admissions",
            "effect": -0.25,
            "localities": falls_where,
            "start_quarter": [min(quarters - 2, first + 1)] * len(falls_where),
            "min_age": 65,
            "fall_in_last_year": True,
        },
    ]


def build(
    *,
    seed: int,
    people: int,
    partnerships: int,
    localities: int,
    years: int,
    initiatives: list[dict[str, Any]] | None = None,
) -> Scenario:
    if people < 1 or partnerships < 1 or localities < 1:
        raise ScenarioError("people, partnerships and localities must each be at least 1")
    if not 2 <= years <= 20:
        raise ScenarioError("years must be between 2 and 20")
    base = Scenario(seed, people, partnerships, localities, years)
    codes = base.locality_codes()
    raw = default_initiatives(codes, base.quarters) if initiatives is None else initiatives
    made = tuple(make_initiative(r, codes, base.quarters) for r in raw)
    names = [i.name for i in made]
    if len(set(names)) != len(names):
        raise ScenarioError("initiative names must be different")
    return Scenario(seed, people, partnerships, localities, years, made)


def load(path: Path, **overrides: Any) -> Scenario:
    """A scenario from a TOML file; `overrides` (not None) win over the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"{path.name}: cannot read the scenario ({exc})") from exc
    settings = {
        "seed": int(data.get("seed", 42)),
        "people": int(data.get("people", 10_000)),
        "partnerships": int(data.get("partnerships", 2)),
        "localities": int(data.get("localities", 3)),
        "years": int(data.get("years", 6)),
    }
    settings.update({k: v for k, v in overrides.items() if v is not None})
    raw = data.get("initiative")
    return build(**settings, initiatives=list(raw) if raw is not None else None)
