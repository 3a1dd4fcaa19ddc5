"""The LACE index at discharge (van Walraven et al., CMAJ 2010), original points:

- L, length of stay in days: < 1 → 0, 1 → 1, 2 → 2, 3 → 3, 4–6 → 4, 7–13 → 5, ≥ 14 → 7;
- A, acuity: 3 when the admission was emergent (an emergency admission), else 0;
- C, Charlson comorbidity index: 0 → 0, 1 → 1, 2 → 2, 3 → 3, ≥ 4 → 5;
- E, emergency department visits in the 6 months before the admission: the count, capped at 4.

Total 0–19; 10 or more is high risk of death or readmission within 30 days. Variant: the
Charlson index is computed from coded conditions (GP conditions and earlier hospital
diagnoses, SNOMED CT) with the original Charlson 1987 weights (see `charlson`), not from
the hospital's ICD-10 coding of the index stay, which our acute extract does not carry.
"""

from dataclasses import dataclass

HIGH_RISK = 10


def length_of_stay_points(days: int) -> int:
    if days < 1:
        return 0
    if days <= 3:
        return days
    if days <= 6:
        return 4
    if days <= 13:
        return 5
    return 7


def acuity_points(emergency: bool) -> int:
    return 3 if emergency else 0


def charlson_points(charlson_index: int) -> int:
    return 5 if charlson_index >= 4 else max(charlson_index, 0)


def ed_points(visits_6m: int) -> int:
    return min(max(visits_6m, 0), 4)


@dataclass(frozen=True)
class Lace:
    length_of_stay: int
    acuity: int
    comorbidity: int
    emergency_visits: int

    @property
    def total(self) -> int:
        return self.length_of_stay + self.acuity + self.comorbidity + self.emergency_visits

    @property
    def high_risk(self) -> bool:
        return self.total >= HIGH_RISK


def lace_index(*, length_of_stay_days: int, emergency: bool, charlson: int, ed_visits_6m: int):
    """The LACE points for one discharge."""
    return Lace(
        length_of_stay_points(length_of_stay_days),
        acuity_points(emergency),
        charlson_points(charlson),
        ed_points(ed_visits_6m),
    )
