"""Nearest-neighbour matching of people taken onto the caseload to people who were not:
exactly on sex, nearest on risk score and age (each scaled by its spread in the pool),
without replacement, in order of the cases given."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Candidate:
    person_id: int
    sex: str
    risk: float
    age: int


def match(
    cases: list[Candidate], pool: list[Candidate], *, age_weight: float = 1.0
) -> dict[int, int | None]:
    """case person_id -> matched control person_id (None when no one of the same sex is
    left). A person in both lists is never their own control."""
    case_ids = {c.person_id for c in cases}
    pool = [p for p in pool if p.person_id not in case_ids]
    if not pool:
        return {c.person_id: None for c in cases}
    risk = np.array([p.risk for p in pool], dtype=float)
    age = np.array([p.age for p in pool], dtype=float)
    sex = np.array([p.sex for p in pool])
    risk_sd = float(risk.std()) or 1.0
    age_sd = float(age.std()) or 1.0
    used = np.zeros(len(pool), dtype=bool)
    out: dict[int, int | None] = {}
    for c in cases:
        ok = (sex == c.sex) & ~used
        if not ok.any():
            out[c.person_id] = None
            continue
        d = ((risk - c.risk) / risk_sd) ** 2 + age_weight * ((age - c.age) / age_sd) ** 2
        d[~ok] = np.inf
        j = int(np.argmin(d))
        used[j] = True
        out[c.person_id] = pool[j].person_id
    return out
