"""Initiatives with known effects: whom each reaches, where and when, and by how much it
changes each outcome.

An initiative multiplies a reached person's rate (or probability) of its outcome by
1 + effect × ramp, where the ramp is 0 in the start quarter and rises to 1 over
`ramp_quarters`. Several initiatives on one outcome multiply.

The counterfactual is exact, event by event: `simulate` draws the potential events at
the highest rate any combination could give (`cap`), gives each a uniform number, and keeps
an event when its number is below multiplier / cap. Without initiative i, the event would
have happened when its number is below (multiplier without i) / cap — the same draws, so
the difference between the two is the initiative's effect on that person in that quarter,
with everything else held as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .course import State, recent
from .scenario import EFI_MIN_DEFICITS, Initiative, Scenario

# Which initiative outcomes act on which modelled quantity.
ACTS_ON: dict[str, tuple[str, ...]] = {
    "other_admissions": ("emergency_admissions",),
    "acsc_admissions": ("emergency_admissions", "acsc_admissions"),
    "falls_admissions": ("emergency_admissions", "falls_admissions"),
    "ae_attendances": ("ae_attendances",),
    "care_home_admissions": ("care_home_admissions",),
    "reablement_at_home_91d": ("reablement_at_home_91d",),
}


@dataclass
class Active:
    """One initiative in one quarter: who it reaches and each person's multiplier."""

    index: int
    initiative: Initiative
    reached: np.ndarray  # bool per person
    multiplier: np.ndarray  # 1 + effect × ramp for the reached, 1 elsewhere


class Initiatives:
    def __init__(self, scenario: Scenario, locality_codes: list[str], rng_seed: int) -> None:
        self.items = scenario.initiatives
        # start[i, locality]: the quarter initiative i starts there, or a large number.
        self.start = np.full((len(self.items), len(locality_codes)), 10_000, dtype=np.int32)
        for i, ini in enumerate(self.items):
            for j, code in enumerate(locality_codes):
                s = ini.start_for(code)
                if s is not None:
                    self.start[i, j] = s
        self.seed = rng_seed

    def enrolment(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """One uniform number per person and initiative: reached when below coverage, so
        the same people stay reached quarter after quarter."""
        return rng.random((n, max(1, len(self.items))))

    def eligible(self, ini: Initiative, s: State, quarter: int) -> np.ndarray:
        ok = s.alive & ~s.care_home & (s.age >= ini.min_age)
        ok &= s.deficits >= EFI_MIN_DEFICITS[ini.min_efi]
        if ini.lives_alone:
            ok &= s.lives_alone
        if ini.fall_in_last_year:
            ok &= recent(s.fall_q, quarter, 4)
        return ok

    def active(
        self, s: State, locality: np.ndarray, enrol: np.ndarray, quarter: int
    ) -> list[Active]:
        """Every initiative running somewhere by `quarter`, with whom it reaches."""
        out = []
        for i, ini in enumerate(self.items):
            starts = self.start[i][locality]
            running = starts <= quarter
            if not running.any():
                continue
            reached = running & (enrol[:, i] < ini.coverage) & self.eligible(ini, s, quarter)
            ramp = np.clip((quarter - starts) / max(1, ini.ramp_quarters), 0.0, 1.0)
            multiplier = np.where(reached, 1.0 + ini.effect * ramp, 1.0)
            out.append(Active(i, ini, reached, multiplier))
        return out


def acting_on(actives: list[Active], quantity: str) -> list[Active]:
    outcomes = ACTS_ON[quantity]
    return [a for a in actives if a.initiative.outcome in outcomes]


def combined(actives: list[Active], n: int) -> tuple[np.ndarray, np.ndarray]:
    """(multiplier, cap): the product of the multipliers, and the product of those above
    one (the highest rate any combination could give, relative to none)."""
    m = np.ones(n)
    cap = np.ones(n)
    for a in actives:
        m *= a.multiplier
        cap *= np.maximum(a.multiplier, 1.0)
    return m, cap
