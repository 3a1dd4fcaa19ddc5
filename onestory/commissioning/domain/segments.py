"""Bridges to Health population segments (Lynn J, Straube BM, Bell KM, Jencks SF, Kambic RT.
"Using population segmentation to provide better health care for all: the 'Bridges to
Health' model." Milbank Quarterly 2007;85(2):185-208).

Every person is in exactly one segment: the first, in PRIORITY order, whose rule they meet;
anyone meeting none is "healthy". The order runs from greatest need to least, so a person
with dementia and heart failure is in "long decline from frailty or dementia", not in
"limited reserve". The rules read coded conditions (code lists in
onestory/commissioning/codelists), the eFI (Clegg et al. 2016, computed by case finding),
hospital activity in the 12 months before the date, social care, and — for a date in the
past — a death in the 12 months after it.
"""

from collections.abc import Callable
from dataclasses import dataclass

HEALTHY = "healthy"
MATERNAL_INFANT = "maternal_infant"
ACUTELY_ILL = "acutely_ill"
CHRONIC = "chronic_near_normal"
DISABILITY = "stable_disability"
END_OF_LIFE = "short_decline"
LIMITED_RESERVE = "limited_reserve"
FRAILTY_DEMENTIA = "frailty_dementia"

LABELS = {
    HEALTHY: "Healthy",
    MATERNAL_INFANT: "Maternal and infant health",
    ACUTELY_ILL: "Acutely ill, likely to return to health",
    CHRONIC: "Chronic conditions, near-normal function",
    DISABILITY: "Stable significant disability",
    END_OF_LIFE: "Short period of decline before dying",
    LIMITED_RESERVE: "Limited reserve with serious exacerbations",
    FRAILTY_DEMENTIA: "Long decline from frailty or dementia",
}

OLDER = 65
SEVERE_EFI = 13  # eFI deficits: 13/36 = 0.361, above the severe threshold 0.36
END_OF_LIFE_DAYS = 365


@dataclass(frozen=True)
class Facts:
    """What segmentation reads about one person at a date."""

    age: int
    efi_deficits: int = 0
    end_of_life_coded: bool = False  # on a palliative care register or coded terminal
    dies_within_year: bool = False  # known only when the date is a year or more past
    dementia_or_severe_frailty_coded: bool = False
    in_care_home: bool = False  # a long-term residential or nursing placement
    organ_failure: bool = False  # heart failure, COPD, CKD
    emergency_admissions_12m: int = 0
    disability_coded: bool = False  # learning disability, autism, stroke, Parkinson's, SMI
    long_term_care_package: bool = False  # any long-term social care service
    chronic_conditions: int = 0  # long-term conditions coded (chronic_conditions list)
    maternity_12m: bool = False
    hospital_contacts_12m: int = 0  # emergency admissions and A&E attendances


def _end_of_life(f: Facts) -> bool:
    return f.end_of_life_coded or f.dies_within_year


def _frailty_dementia(f: Facts) -> bool:
    return f.dementia_or_severe_frailty_coded or (
        f.age >= OLDER and (f.efi_deficits >= SEVERE_EFI or f.in_care_home)
    )


def _limited_reserve(f: Facts) -> bool:
    return f.organ_failure and f.emergency_admissions_12m >= 1


def _disability(f: Facts) -> bool:
    return f.disability_coded or f.long_term_care_package


def _chronic(f: Facts) -> bool:
    return f.chronic_conditions >= 1 or f.organ_failure


def _maternal_infant(f: Facts) -> bool:
    return f.age < 1 or f.maternity_12m


def _acutely_ill(f: Facts) -> bool:
    return f.hospital_contacts_12m >= 1


# (segment, rule), in priority order: the first rule a person meets is their segment.
PRIORITY: tuple[tuple[str, Callable[[Facts], bool]], ...] = (
    (END_OF_LIFE, _end_of_life),
    (FRAILTY_DEMENTIA, _frailty_dementia),
    (LIMITED_RESERVE, _limited_reserve),
    (DISABILITY, _disability),
    (CHRONIC, _chronic),
    (MATERNAL_INFANT, _maternal_infant),
    (ACUTELY_ILL, _acutely_ill),
)
ORDER: tuple[str, ...] = tuple(name for name, _rule in PRIORITY) + (HEALTHY,)

RULES = {
    END_OF_LIFE: "coded as at the end of life (palliative care register), or died within 12 "
    "months of the date",
    FRAILTY_DEMENTIA: "dementia or severe frailty coded; or aged 65+ with a severe eFI "
    "(13 or more of 36 deficits) or living in a care home",
    LIMITED_RESERVE: "heart failure, COPD or chronic kidney disease, and an emergency admission "
    "in the last 12 months",
    DISABILITY: "learning disability, autism, stroke, Parkinson's disease or severe mental "
    "illness coded; or receiving long-term social care",
    CHRONIC: "at least one long-term condition coded",
    MATERNAL_INFANT: "under 1 year old, or pregnancy or childbirth coded in the last 12 months",
    ACUTELY_ILL: "an emergency admission or A&E attendance in the last 12 months",
    HEALTHY: "none of the above",
}


# The only ages the rules compare with (age < 1, age >= 65): everyone between two cuts is
# segmented alike, which lets the engine segment each distinct set of facts once.
AGE_CUTS = (1, OLDER)


def representative_age(age: int) -> int:
    """The lowest age segmented exactly as `age` is: the highest cut at or below it, or 0."""
    return max((cut for cut in AGE_CUTS if cut <= age), default=0)


def segment(f: Facts) -> str:
    """The person's one segment: the first rule in PRIORITY they meet, else healthy."""
    for name, rule in PRIORITY:
        if rule(f):
            return name
    return HEALTHY
