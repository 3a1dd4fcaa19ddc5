"""Which data category each case-finding reason belongs to, so that the worklist and the
meeting page show a reader only the reasons their access decision's categories allow, and
say when something is withheld. Pure: no Django."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

CLINICAL = "clinical"
MENTAL_HEALTH = "mental_health"

# Deficits whose evidence is mental health information (dementia and memory problems are
# diagnosed and followed up by memory services of the mental health trust); every other
# deficit and every emergency admission diagnosis (acute hospital) is clinical.
DEFICIT_CATEGORY = {"memory_and_cognitive_problems": MENTAL_HEALTH}
ADMISSION_CATEGORY = CLINICAL

WITHHELD_DIAGNOSIS = "diagnosis withheld"


def deficit_category(deficit: str) -> str:
    return DEFICIT_CATEGORY.get(deficit, CLINICAL)


@dataclass(frozen=True)
class Reasons:
    """The reasons a reader may see: deficits shown, how many withheld, and the emergency
    admissions (date always; diagnosis only when the reader sees clinical information)."""

    deficits: tuple[str, ...]
    deficits_withheld: int
    admissions: tuple[tuple[str, str], ...]  # (start, diagnosis or WITHHELD_DIAGNOSIS)
    diagnoses_withheld: bool

    @property
    def withheld(self) -> bool:
        return self.deficits_withheld > 0 or self.diagnoses_withheld


def visible_reasons(
    deficits: Iterable[str],
    admissions: Iterable[Mapping[str, str]],
    categories: frozenset[str],
) -> Reasons:
    shown, hidden = [], 0
    for d in deficits:
        if deficit_category(d) in categories:
            shown.append(d)
        else:
            hidden += 1
    see_diagnoses = ADMISSION_CATEGORY in categories
    adm = []
    withheld_diagnosis = False
    for a in admissions:
        diagnosis = str(a.get("diagnosis") or "")
        if diagnosis and not see_diagnoses:
            diagnosis, withheld_diagnosis = WITHHELD_DIAGNOSIS, True
        adm.append((str(a.get("start") or ""), diagnosis))
    return Reasons(tuple(shown), hidden, tuple(adm), withheld_diagnosis)
