"""What the parts of the synthetic borough generator share: constants, small helpers,
and `Parts`, the base every part builds on (its state and each system's view of a
person)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from onestory.sources.domain import extract_columns

from . import reference as ref
from .noise import NOISE, View, make_view
from .output import (
    Breaker,
    CsvExtract,
    ErrorLog,
    FhirBundle,
    Progress,
    VoluntaryWorkbook,
)
from .population import Borough, Person

W0, REF = ref.WINDOW_START, ref.REFERENCE_DATE
GENERATOR_VERSION = "1"

AE_COLUMNS = extract_columns.ACUTE_AE_ATTENDANCES
ADMISSION_COLUMNS = extract_columns.ACUTE_ADMISSIONS
REFERRAL_COLUMNS = extract_columns.TRUST_REFERRALS
CONTACT_COLUMNS = extract_columns.TRUST_CONTACTS
ASC_COLUMNS = extract_columns.ADULT_SOCIAL_CARE_CLD
CHILDREN_COLUMNS = extract_columns.CHILDRENS_SERVICES
HOUSING_COLUMNS = extract_columns.HOUSING

SEX_LETTER = {"female": "F", "male": "M", "unknown": "U"}
SEX_WORD = {"female": "Female", "male": "Male", "unknown": "Unknown"}
FHIR_GENDER = {"female": "female", "male": "male", "unknown": "unknown"}
V2_0131 = "http://terminology.hl7.org/CodeSystem/v2-0131"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
UCUM = "http://unitsofmeasure.org"
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
RESOLVES = frozenset({"depression", "anxiety", "eczema", "asthma", "falls"})

CIN_NEEDS = (
    ("N1 Abuse or neglect", 50),
    ("N2 Child's disability or illness", 9),
    ("N3 Parental disability or illness", 4),
    ("N4 Family in acute stress", 9),
    ("N5 Family dysfunction", 15),
    ("N6 Socially unacceptable behaviour", 3),
    ("N7 Low income", 1),
    ("N8 Absent parenting", 4),
    ("N9 Cases other than children in need", 5),
)
CPP_CATEGORIES = (
    "Neglect",
    "Emotional abuse",
    "Physical abuse",
    "Sexual abuse",
    "Multiple categories",
)
EHCP_NEEDS = (
    "Autistic Spectrum Disorder",
    "Speech, Language and Communication Needs",
    "Social, Emotional and Mental Health",
    "Moderate Learning Difficulty",
    "Specific Learning Difficulty",
    "Severe Learning Difficulty",
    "Physical Disability",
)


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit, k, prod = math.exp(-min(lam, 30.0)), 0, 1.0
    while True:
        prod *= rng.random()
        if prod < limit:
            return k
        k += 1


def pounds(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}"


@dataclass(slots=True)
class Spell:
    method: str
    admitted: date
    discharged: date | None
    diagnosis: str
    specialty: str
    destination: str = ""
    ref: str = ""


@dataclass
class Summary:
    """What was generated: counts for the command's summary and the manifest."""

    seed: int
    people: int
    households: int
    files: dict[str, dict[str, Any]] = field(default_factory=dict)


class _Ids:
    """Per-system local ids: a prefix and a counter that starts and steps at random."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.counters: dict[str, int] = {}

    def next(self, key: str, prefix: str, width: int) -> str:
        if key not in self.counters:
            self.counters[key] = self.rng.randint(10 ** (width - 2), 10 ** (width - 1))
        self.counters[key] += self.rng.randint(1, 7)
        return f"{prefix}{self.counters[key]:0{width}d}"


class Parts:
    """What every part of the borough generator shares: the random generator, the ids and
    each system's view of a person, the open extracts (set by `Generator.open_files`)."""

    borough: Borough
    f_ae: CsvExtract
    f_adm: CsvExtract
    f_mh_ref: CsvExtract
    f_mh_con: CsvExtract
    f_com_ref: CsvExtract
    f_com_con: CsvExtract
    f_asc: CsvExtract
    f_cs: CsvExtract
    f_housing: CsvExtract
    gp: list[FhirBundle]
    vol: VoluntaryWorkbook
    csvs: list[CsvExtract]
    staff: list[list[tuple[str, str]]]

    def __init__(
        self, n_people: int, seed: int, out: Path, error_rate: float, progress: Progress
    ) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.n = n_people
        self.out = out
        self.progress = progress
        self.errors = ErrorLog()
        self.breaker = Breaker(seed, error_rate, self.errors)
        self.error_rate = error_rate
        self.ids = _Ids(random.Random(f"ids:{seed}"))
        self.views: dict[tuple[str, int], list[View]] = {}
        self.tenancies: dict[int, tuple[str, str, date, str, Person, str]] = {}
        self.homeless: dict[int, tuple[str, str, date, date | None, str] | None] = {}

    # --- views -------------------------------------------------------------------------
    def view(
        self, system: str, kind: str, prefix: str, width: int, p: Person, any_record: bool = False
    ) -> View:
        """How `system` holds `p`; with `any_record`, one of its records for them at random
        (a few people have two records in one system)."""
        key = (system, p.index)
        views = self.views.get(key)
        if views is None:
            views = [make_view(self.rng, kind, self.ids.next(system, prefix, width), p)]
            if self.rng.random() < NOISE[kind][6]:
                views.append(make_view(self.rng, kind, self.ids.next(system, prefix, width), p))
            self.views[key] = views
        v = views[0] if not any_record or len(views) == 1 else self.rng.choice(views)
        v.used = True
        return v

    def end_of(self, p: Person) -> date:
        return min(REF, p.died_on) if p.died_on else REF
