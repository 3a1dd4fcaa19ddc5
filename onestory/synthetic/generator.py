"""The synthetic borough's source extracts, person by person.

For each person the generator decides, in one place, what happened to them in the three
years before the reference date (GP care, A&E, admissions, referrals, social care, housing,
voluntary support), so the sources agree with each other: a care-home placement that starts
on discharge day makes the admission's discharge destination "care home", a death in
hospital ends the spell with "died", a carer's assessment names the person cared for.
Rows are streamed to the extracts as soon as each person is done.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from onestory.sources.domain import extract_columns

from . import reference as ref
from .noise import NOISE, View, make_view, nickname
from .output import (
    Breaker,
    CsvExtract,
    ErrorLog,
    FhirBundle,
    FileSpec,
    Progress,
    VoluntaryWorkbook,
    fmt_iso,
    fmt_uk,
    noop_progress,
    write_json,
)
from .population import Borough, Household, Person, add_years, build_borough, random_day

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


class Generator:
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

    # --- the run -------------------------------------------------------------------------
    def run(self) -> Summary:
        self.progress("Building the borough", 0, self.n)
        borough = build_borough(self.rng, self.n)
        self.borough = borough
        self.out.mkdir(parents=True, exist_ok=True)
        self.open_files(borough)
        self.index_practitioners(borough)
        step = max(1, self.n // 200)
        for i, p in enumerate(borough.people, 1):
            self.person(p)
            if i % step == 0 or i == self.n:
                self.progress("Writing extracts", i, self.n)
        return self.close_files(borough)

    def open_files(self, borough: Borough) -> None:
        b, out = self.breaker, self.out
        acute, mh, com = ref.ACUTE_TRUST, ref.MENTAL_HEALTH_TRUST, ref.COMMUNITY_PROVIDER
        nhs = "nhs_number"
        self.f_ae = CsvExtract(
            out,
            "acute_ae_attendances.csv",
            "acute",
            acute,
            AE_COLUMNS,
            FileSpec("hospital_number", "uk", "dob", ("arrival_date",), nhs),
            b,
        )
        self.f_adm = CsvExtract(
            out,
            "acute_admissions.csv",
            "acute",
            acute,
            ADMISSION_COLUMNS,
            FileSpec("hospital_number", "uk", "dob", ("admission_date", "discharge_date"), nhs),
            b,
        )
        ref_spec = FileSpec(
            "patient_id", "iso", "date_of_birth", ("referral_date", "closed_date"), nhs
        )
        con_spec = FileSpec(
            "patient_id", "iso", "date_of_birth", ("contact_date",), nhs, reference="referral_id"
        )
        self.f_mh_ref = CsvExtract(
            out, "mental_health_referrals.csv", "mental_health", mh, REFERRAL_COLUMNS, ref_spec, b
        )
        self.f_mh_con = CsvExtract(
            out, "mental_health_contacts.csv", "mental_health", mh, CONTACT_COLUMNS, con_spec, b
        )
        self.f_com_ref = CsvExtract(
            out, "community_referrals.csv", "community", com, REFERRAL_COLUMNS, ref_spec, b
        )
        self.f_com_con = CsvExtract(
            out, "community_contacts.csv", "community", com, CONTACT_COLUMNS, con_spec, b
        )
        self.f_asc = CsvExtract(
            out,
            "adult_social_care_cld.csv",
            "adult_social_care",
            ref.COUNCIL,
            ASC_COLUMNS,
            FileSpec(
                "la_person_id",
                "iso",
                "date_of_birth",
                ("event_start_date", "event_end_date"),
                nhs,
                "event_type",
                ("Visit", "Enquiry", "Contact"),
                "unit_cost_weekly_pounds",
            ),
            b,
        )
        self.f_cs = CsvExtract(
            out,
            "childrens_services.csv",
            "childrens_services",
            ref.COUNCIL,
            CHILDREN_COLUMNS,
            FileSpec(
                "child_id",
                "uk",
                "dob",
                ("start_date", "end_date"),
                nhs,
                "record_type",
                ("CLA", "Early help", "XX"),
            ),
            b,
        )
        self.f_housing = CsvExtract(
            out,
            "housing.csv",
            "housing",
            ref.COUNCIL,
            HOUSING_COLUMNS,
            FileSpec(
                "tenant_ref",
                "uk",
                "date_of_birth",
                ("start_date", "end_date"),
                "",
                "record_type",
                ("repairs", "rent arrears", "garden"),
            ),
            b,
        )
        self.gp = [FhirBundle(out, ods, name, b) for ods, name in borough.practices]
        self.vol = VoluntaryWorkbook(out, b)
        self.csvs = [
            self.f_ae,
            self.f_adm,
            self.f_mh_ref,
            self.f_mh_con,
            self.f_com_ref,
            self.f_com_con,
            self.f_asc,
            self.f_cs,
            self.f_housing,
        ]

    def index_practitioners(self, borough: Borough) -> None:
        """Each practice's Organization and its GPs and nurses go first in its bundle."""
        rng = self.rng
        counts = [0] * len(borough.practices)
        for p in borough.people:
            counts[p.household.practice] += 1
        self.staff: list[list[tuple[str, str]]] = []
        for i, bundle in enumerate(self.gp):
            bundle.add(
                {
                    "resourceType": "Organization",
                    "id": bundle.ods,
                    "identifier": [{"system": ODS_SYSTEM, "value": bundle.ods}],
                    "name": bundle.org_name,
                }
            )
            staff = []
            n_gps = min(12, 3 + counts[i] // 1800)
            for j in range(n_gps + rng.randint(2, 4)):
                role = "GP" if j < n_gps else "Practice nurse"
                given = rng.choice(ref.GP_STAFF_FIRST)
                family = rng.choice(ref.CLINICIAN_SURNAMES)
                pid = f"{bundle.ods.lower()}-{'gp' if role == 'GP' else 'pn'}{j + 1}"
                name: dict[str, Any] = {"family": family, "given": [given]}
                if role == "GP":
                    name["prefix"] = ["Dr"]
                bundle.add({"resourceType": "Practitioner", "id": pid, "name": [name]})
                staff.append((pid, role))
            self.staff.append(staff)

    def close_files(self, borough: Borough) -> Summary:
        summary = Summary(self.seed, len(borough.people), len(borough.households))
        for f in self.csvs:
            f.close()
        for g in self.gp:
            g.close()
        self.vol.close()

        def entry(
            name: str, kind: str, org: tuple[str, str] | None, rows: int, **extra: Any
        ) -> None:
            invalid = self.errors.by_file.get(name)
            summary.files[name] = {
                "kind": kind,
                "org_code": org[0] if org else "",
                "org_name": org[1] if org else "",
                "rows": rows,
                **extra,
                "invalid_rows": sum(invalid.values()) if invalid else 0,
                "invalid_by_kind": dict(sorted(invalid.items())) if invalid else {},
            }

        for g in self.gp:
            entry(g.name, "gp", (g.ods, g.org_name), g.rows)
        for f in self.csvs:
            if f is self.f_housing:
                entry(
                    f.name,
                    f.kind,
                    None,
                    f.rows,
                    orgs=[list(ref.COUNCIL), list(ref.HOUSING_ASSOCIATION)],
                )
            else:
                entry(f.name, f.kind, f.org, f.rows)
        vol_orgs = [ref.AGE_CHARITY, ref.CARERS_CENTRE, ref.BEFRIENDING_SCHEME]
        entry(
            self.vol.name,
            "voluntary",
            None,
            sum(self.vol.rows.values()),
            orgs=[list(o) for o in vol_orgs],
            sheets=dict(self.vol.rows),
        )
        truth_rows = sorted(
            (system, v.local_id, v.person.pid)
            for (system, _i), views in self.views.items()
            for v in views
            if v.used
        )
        with open(self.out / "truth.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["system", "local_id", "person_id"])
            w.writerows(truth_rows)
        summary.files["truth.csv"] = {
            "kind": "truth",
            "org_code": "",
            "org_name": "",
            "rows": len(truth_rows),
        }
        write_json(
            self.out / "manifest.json",
            {
                "generator": "onestory synth",
                "generator_version": GENERATOR_VERSION,
                "seed": self.seed,
                "people": summary.people,
                "households": summary.households,
                "reference_date": REF.isoformat(),
                "window_start": W0.isoformat(),
                "error_rate": self.error_rate,
                "files": summary.files,
            },
        )
        return summary

    # --- one person ----------------------------------------------------------------------
    def person(self, p: Person) -> None:
        asc_involved = self.asc_involvement(p)
        spells, attendances = self.acute_events(p, force=asc_involved and p.age >= 75)
        asc_rows = self.adult_social_care(p, spells) if asc_involved else []
        if p.registered:
            self.gp_record(p)
        self.write_acute(p, spells, attendances)
        for row in asc_rows:
            self.f_asc.write(row)
        self.mental_health(p, attendances)
        self.community(p, spells, asc_involved)
        if p.age < 18:
            self.childrens_services(p)
        self.housing(p)
        self.voluntary(p)

    # --- GP --------------------------------------------------------------------------------
    def gp_record(self, p: Person) -> None:
        rng = self.rng
        bundle = self.gp[p.household.practice]
        staff = self.staff[p.household.practice]
        v = self.view(f"gp:{bundle.ods}", "gp", "", 7, p)
        pat_id = f"{bundle.ods.lower()}-p{v.local_id}"
        subject = {"reference": f"Patient/{pat_id}"}
        identifiers = []
        if v.nhs_number:
            identifiers.append({"system": NHS_SYSTEM, "value": v.nhs_number})
        identifiers.append(
            {"system": f"https://onestory.example/Id/gp-patient/{bundle.ods}", "value": v.local_id}
        )
        addr = v.address
        patient: dict[str, Any] = {
            "resourceType": "Patient",
            "id": pat_id,
            "identifier": identifiers,
            "name": [{"use": "official", "family": v.family, "given": [v.given]}],
            "gender": FHIR_GENDER[v.sex],
            "birthDate": v.dob_shown.isoformat(),
            "address": [
                {"use": "home", "line": [addr.line], "city": addr.town, "postalCode": addr.postcode}
            ],
            "generalPractitioner": [{"reference": f"Organization/{bundle.ods}"}],
        }
        if p.phone:
            patient["telecom"] = [
                {
                    "system": "phone",
                    "value": p.phone,
                    "use": "mobile" if p.phone.startswith("07") else "home",
                }
            ]
        if p.died_on:
            patient["deceasedDateTime"] = p.died_on.isoformat()
        contacts = self.gp_contacts(p)
        if contacts:
            patient["contact"] = contacts
        bundle.add(patient)
        end = self.end_of(p)

        for n, (key, onset) in enumerate(sorted(p.conditions.items(), key=lambda kv: kv[1])):
            code, display = ref.CONDITIONS[key]
            status = "resolved" if key in RESOLVES and rng.random() < 0.3 else "active"
            bundle.add(
                {
                    "resourceType": "Condition",
                    "id": f"{pat_id}-c{n + 1}",
                    "clinicalStatus": {"coding": [{"system": CLINICAL, "code": status}]},
                    "code": {
                        "coding": [{"system": ref.SNOMED, "code": code, "display": display}],
                        "text": display,
                    },
                    "subject": subject,
                    "onsetDateTime": onset.isoformat(),
                },
                breakable=True,
            )

        if end >= W0:
            chronic = sum(
                1 for c in p.conditions if c in ref.FRAILTY_DEFICITS or c in ref.MH_CONDITIONS
            )
            rate = (3.0 if p.age < 5 else 1.1) + 0.35 * chronic + 7.0 * p.frailty
            years = (end - W0).days / 365.25
            dates = sorted(random_day(rng, W0, end) for _ in range(poisson(rng, rate * years)))
            housebound = p.frailty >= 0.3
            for n, day in enumerate(dates):
                roll = rng.random()
                if housebound and roll < 0.35:
                    cls, kind, who = "HH", "Home visit", "GP"
                elif roll < 0.6:
                    cls, kind, who = "AMB", "GP consultation", "GP"
                elif roll < 0.8:
                    cls, kind, who = "VR", "Telephone consultation", "GP"
                elif chronic and roll < 0.92:
                    cls, kind, who = "AMB", "Annual review", "Practice nurse"
                else:
                    cls, kind, who = "AMB", "Nurse appointment", "Practice nurse"
                prac = rng.choice([s for s in staff if s[1] == who])[0]
                bundle.add(
                    {
                        "resourceType": "Encounter",
                        "id": f"{pat_id}-e{n + 1}",
                        "status": "finished",
                        "class": {"system": ACT_CODE, "code": cls},
                        "type": [{"text": kind}],
                        "subject": subject,
                        "participant": [{"individual": {"reference": f"Practitioner/{prac}"}}],
                        "period": {"start": day.isoformat()},
                    },
                    breakable=True,
                )

            meds: list[str] = []
            for key in p.conditions:
                options = ref.CONDITION_MEDICATIONS.get(key, ())
                for med in options[: rng.randint(1, len(options))] if options else ():
                    if med not in meds:
                        meds.append(med)
            if p.frailty >= 0.25 and rng.random() < 0.6:
                meds += [m for m in ("paracetamol", "omeprazole") if m not in meds]
            for n, med in enumerate(meds):
                code, display = ref.MEDICATIONS[med]
                bundle.add(
                    {
                        "resourceType": "MedicationRequest",
                        "id": f"{pat_id}-m{n + 1}",
                        "status": "stopped" if p.died_on else "active",
                        "intent": "order",
                        "medicationCodeableConcept": {
                            "coding": [{"system": ref.SNOMED, "code": code, "display": display}],
                            "text": display,
                        },
                        "subject": subject,
                        "authoredOn": random_day(
                            rng, max(W0, end - timedelta(90)), end
                        ).isoformat(),
                    },
                    breakable=True,
                )

            if p.age >= 18:
                n_obs = 0
                bp_times = 3 if "hypertension" in p.conditions else int(rng.random() < 0.45)
                for _ in range(bp_times):
                    taken = random_day(rng, W0, end).isoformat()
                    sys_bp = int(rng.gauss(128 + 0.2 * p.age, 14))
                    dia_bp = int(rng.gauss(79, 9))
                    for key, value in (("systolic", sys_bp), ("diastolic", dia_bp)):
                        n_obs += 1
                        bundle.add(
                            self.observation(pat_id, n_obs, key, value, taken), breakable=True
                        )
                if rng.random() < 0.55:
                    n_obs += 1
                    bmi = round(min(50.0, max(15.5, rng.gauss(27.4, 5.0))), 1)
                    bundle.add(
                        self.observation(
                            pat_id, n_obs, "bmi", bmi, random_day(rng, W0, end).isoformat()
                        ),
                        breakable=True,
                    )

    @staticmethod
    def observation(pat_id: str, n: int, key: str, value: float, day: str) -> dict[str, Any]:
        code, display, unit = ref.OBSERVATIONS[key]
        return {
            "resourceType": "Observation",
            "id": f"{pat_id}-o{n}",
            "status": "final",
            "code": {"coding": [{"system": ref.SNOMED, "code": code, "display": display}]},
            "subject": {"reference": f"Patient/{pat_id}"},
            "effectiveDateTime": day,
            "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
        }

    def gp_contacts(self, p: Person) -> list[dict[str, Any]]:
        contacts = []

        def add(other: Person, code: str, text: str) -> None:
            c: dict[str, Any] = {
                "relationship": [{"coding": [{"system": V2_0131, "code": code}], "text": text}],
                "name": {"text": f"{other.given} {other.family}"},
            }
            if other.phone:
                c["telecom"] = [{"system": "phone", "value": other.phone}]
            contacts.append(c)

        if p.carer is not None:
            add(p.carer, "C", "Unpaid carer")
        if p.partner is not None and p.partner is not p.carer:
            add(p.partner, "N", "Partner")
        if p.age < 18:
            for parent in p.parents[:2]:
                add(parent, "N", "Parent")
        elif p.partner is None and p.carer is None and p.age >= 65:
            adult = [c for c in p.children if c.age >= 18]
            if adult:
                add(adult[0], "N", "Daughter" if adult[0].sex == "female" else "Son")
        return contacts

    # --- acute ---------------------------------------------------------------------------
    def acute_events(self, p: Person, force: bool) -> tuple[list[Spell], list[dict[str, Any]]]:
        rng = self.rng
        end = self.end_of(p)
        if end < W0:
            return [], []
        f, age = p.frailty, p.age
        years = (end - W0).days / 365.25
        mh = any(c in ref.MH_CONDITIONS for c in p.conditions)
        ae_rate = (0.35 if age < 5 else 0.18 if age < 65 else 0.24) + 1.3 * f + (0.12 * mh)
        em_rate = (0.03 if age < 5 else 0.012) + (0.03 if age >= 65 else 0) + 1.7 * f**1.4
        el_rate = 0.012 + (0.04 if age >= 50 else 0)
        plans: list[tuple[date, str]] = []
        plans += [
            (random_day(rng, W0, end), "emergency") for _ in range(poisson(rng, em_rate * years))
        ]
        plans += [
            (random_day(rng, W0, end), "elective") for _ in range(poisson(rng, el_rate * years))
        ]
        if force and not any(m == "emergency" for _, m in plans) and rng.random() < 0.85:
            plans.append((random_day(rng, W0, end - timedelta(30)), "emergency"))
        dies_in_hospital = p.died_on is not None and p.died_on >= W0 and rng.random() < 0.45
        plans.sort()
        spells: list[Spell] = []
        last_out = W0 - timedelta(1)
        for admitted, method in plans:
            if admitted <= last_out:
                continue
            if method == "emergency":
                stay = 1 + int(rng.expovariate(1 / (2 + 18 * f)))
                diag = self.emergency_diagnosis(p)
            else:
                stay = rng.choice((0, 0, 1, 1, 2, 3))
                diag = rng.choice(("cataract", "hip_oa", "knee_oa", "gallstones", "hernia"))
            discharged: date | None = admitted + timedelta(stay)
            destination = "usual place of residence"
            if p.died_on and discharged and discharged >= p.died_on:
                discharged, destination = p.died_on, "died"
            elif rng.random() < 0.03:
                destination = "other hospital"
            if discharged and discharged > REF:
                discharged, destination = None, ""
            spells.append(
                Spell(method, admitted, discharged, diag, self.specialty(p, diag), destination)
            )
            last_out = discharged or REF
            if destination == "died":
                break
        if dies_in_hospital and (not spells or spells[-1].destination != "died"):
            died = p.died_on
            assert died is not None
            admitted = died - timedelta(rng.randint(1, 12))
            if admitted > last_out and admitted >= W0:
                diag = self.emergency_diagnosis(p)
                spells.append(
                    Spell("emergency", admitted, died, diag, self.specialty(p, diag), "died")
                )
        attendances: list[dict[str, Any]] = []
        for s in spells:
            if s.method == "emergency":
                code, text = ref.DIAGNOSES[s.diagnosis]
                attendances.append(
                    {
                        "day": s.admitted,
                        "disposal": "admitted",
                        "mode": "ambulance" if rng.random() < 0.7 else "walk-in",
                        "diagnosis": s.diagnosis,
                    }
                )
        for _ in range(poisson(rng, ae_rate * years)):
            day = random_day(rng, W0, end)
            if any(s.admitted <= day <= (s.discharged or REF) for s in spells):
                continue
            diag = self.minor_diagnosis(p)
            roll = rng.random()
            disposal = (
                "discharged"
                if roll < 0.68
                else "referred to GP"
                if roll < 0.92
                else "left before treatment"
            )
            mode = "ambulance" if rng.random() < 0.15 + f else "walk-in"
            attendances.append({"day": day, "disposal": disposal, "mode": mode, "diagnosis": diag})
        attendances.sort(key=lambda a: a["day"])
        return spells, attendances

    def emergency_diagnosis(self, p: Person) -> str:
        rng = self.rng
        options = ["pneumonia", "uti", "chest_pain", "cellulitis", "dyspnoea", "abdominal_pain"]
        c = p.conditions
        if "falls" in c or p.frailty > 0.3:
            options += ["fracture_nof", "fall", "fall", "head_injury"]
        if "copd" in c:
            options += ["copd_exacerbation"] * 3
        if "asthma" in c:
            options += ["asthma_exacerbation"]
        if "heart_failure" in c:
            options += ["heart_failure"] * 3
        if "dementia" in c:
            options += ["delirium", "uti"]
        if "ihd" in c or "af" in c:
            options += ["mi", "stroke", "syncope"]
        return rng.choice(options)

    def minor_diagnosis(self, p: Person) -> str:
        options = [
            "sprain_ankle",
            "laceration",
            "head_injury",
            "abdominal_pain",
            "chest_pain",
            "fracture",
            "cellulitis",
        ]
        if p.age >= 65:
            options += ["fall", "fall", "syncope", "uti"]
        if any(c in ref.MH_CONDITIONS for c in p.conditions) and p.age >= 14:
            options += ["overdose"]
        return self.rng.choice(options)

    def specialty(self, p: Person, diag: str) -> str:
        if p.age < 16:
            return "Paediatrics"
        table = {
            "fracture_nof": "Trauma and orthopaedics",
            "hip_oa": "Trauma and orthopaedics",
            "knee_oa": "Trauma and orthopaedics",
            "cataract": "Ophthalmology",
            "gallstones": "General surgery",
            "hernia": "General surgery",
            "abdominal_pain": "General surgery",
            "mi": "Cardiology",
            "heart_failure": "Cardiology",
            "stroke": "Stroke medicine",
            "copd_exacerbation": "Respiratory medicine",
        }
        if diag in table:
            return table[diag]
        return "Geriatric medicine" if p.age >= 75 else "General medicine"

    def write_acute(
        self, p: Person, spells: list[Spell], attendances: list[dict[str, Any]]
    ) -> None:
        rng = self.rng
        system = f"acute:{ref.ACUTE_TRUST[0]}"
        complaint = {
            "fracture_nof": "Fall",
            "fall": "Fall",
            "head_injury": "Head injury",
            "pneumonia": "Shortness of breath",
            "dyspnoea": "Shortness of breath",
            "copd_exacerbation": "Shortness of breath",
            "asthma_exacerbation": "Wheeze",
            "heart_failure": "Shortness of breath",
            "uti": "Confusion",
            "delirium": "Confusion",
            "chest_pain": "Chest pain",
            "mi": "Chest pain",
            "stroke": "Weakness",
            "syncope": "Collapse",
            "cellulitis": "Swollen leg",
            "abdominal_pain": "Abdominal pain",
            "sprain_ankle": "Injury to ankle",
            "laceration": "Cut to hand",
            "fracture": "Injury to wrist",
            "overdose": "Overdose",
        }
        for a in attendances:
            v = self.view(system, "acute", "H", 7, p, any_record=True)
            code, text = ref.DIAGNOSES[a["diagnosis"]]
            row = self.acute_person(v)
            row.update(
                {
                    "attendance_id": self.ids.next("acute:ae", "AE", 8),
                    "arrival_date": fmt_uk(a["day"]),
                    "arrival_mode": a["mode"],
                    "chief_complaint": complaint.get(a["diagnosis"], "Unwell"),
                    "diagnosis_snomed": code,
                    "diagnosis_text": text,
                    "disposal": a["disposal"],
                }
            )
            self.f_ae.write(row)
        for s in spells:
            v = self.view(system, "acute", "H", 7, p, any_record=True)
            code, text = ref.DIAGNOSES[s.diagnosis]
            row = self.acute_person(v)
            row.update(
                {
                    "spell_id": self.ids.next("acute:spell", "SP", 8),
                    "admission_method": s.method,
                    "admission_date": fmt_uk(s.admitted),
                    "discharge_date": fmt_uk(s.discharged),
                    "specialty": s.specialty,
                    "primary_diagnosis_snomed": code,
                    "primary_diagnosis_text": text,
                    "discharge_destination": s.destination,
                    "consultant": f"Dr {rng.choice(ref.GP_STAFF_FIRST)[0]} "
                    f"{rng.choice(ref.CLINICIAN_SURNAMES)}",
                }
            )
            self.f_adm.write(row)

    @staticmethod
    def acute_person(v: View) -> dict[str, Any]:
        return {
            "hospital_number": v.local_id,
            "nhs_number": v.nhs_number,
            "surname": v.family,
            "forename": v.given,
            "dob": fmt_uk(v.dob_shown),
            "sex": SEX_LETTER[v.sex],
            "postcode": v.address.postcode,
            "address_line": v.address.line,
        }

    # --- adult social care ---------------------------------------------------------------
    def asc_involvement(self, p: Person) -> bool:
        if p.age < 18 or (p.died_on is not None and p.died_on < W0 + timedelta(30)):
            return False
        chance = 0.0
        if p.age >= 65:
            chance = max(0.0, min(0.92, (p.frailty - 0.16) * 2.6))
        if p.frailty >= 0.28:
            chance = max(chance, 0.35)
        c = p.conditions
        if "dementia" in c:
            chance = max(chance, 0.55)
        if "learning_disability" in c:
            chance = max(chance, 0.7)
        if any(k in c for k in ref.SMI_KINDS):
            chance = max(chance, 0.25)
        return self.rng.random() < chance

    def support_reason(self, p: Person) -> str:
        c = p.conditions
        if "learning_disability" in c:
            return "Learning Disability Support"
        if "dementia" in c:
            return "Memory and Cognition"
        if any(k in c for k in ref.SMI_KINDS):
            return "Mental Health Support"
        if p.frailty < 0.2 and len(p.household.members) == 1:
            return "Support with Social Isolation"
        if self.rng.random() < 0.75:
            return "Physical Support: Personal care support"
        return "Physical Support: Access & mobility only"

    def adult_social_care(self, p: Person, spells: list[Spell]) -> list[dict[str, Any]]:
        rng = self.rng
        system = f"adult_social_care:{ref.COUNCIL[0]}"
        end = self.end_of(p)
        reason = self.support_reason(p)
        ld = "learning_disability" in p.conditions
        long_standing = rng.random() < (0.55 if ld else 0.3)
        trigger = next(
            (
                s
                for s in spells
                if s.method == "emergency"
                and s.discharged
                and s.destination not in ("died",)
                and s.discharged < end
            ),
            None,
        )
        if long_standing:
            earliest = max(add_years(p.dob, 18), add_years(W0, -8))
            request = random_day(rng, earliest, W0 - timedelta(1))
            route = "Planned entry (transition)" if ld and p.age < 30 else "Community / other route"
            trigger = None
        elif trigger is not None and rng.random() < 0.8:
            assert trigger.discharged is not None
            request = max(trigger.admitted, trigger.discharged - timedelta(rng.randint(0, 3)))
            route = "Discharge from hospital"
        else:
            trigger = None
            request = random_day(rng, W0, end - timedelta(14))
            route = rng.choice(
                (
                    "Community / other route",
                    "Community / other route",
                    "Self-funder with depleted funds",
                    "Diversion from hospital services",
                )
            )
        rows: list[dict[str, Any]] = []
        carer = p.carer if p.carer is not None and p.carer.alive_on(request) else None
        carer_name = ""
        if carer is not None:
            known_as = nickname(rng, carer.given) if rng.random() < 0.2 else carer.given
            carer_name = f"{known_as} {carer.family}"

        def event(etype: str, start: date, stop: date | None, outcome: str, **extra: str) -> None:
            if (stop or REF) < W0 or start > end:
                return  # outside the extract's period
            v = self.view(system, "adult_social_care", "", 7, p, any_record=True)
            row = self.asc_person(v)
            row.update(
                {
                    "event_reference": self.ids.next("asc:event", "ASC", 8),
                    "event_type": etype,
                    "event_start_date": fmt_iso(start),
                    "event_end_date": fmt_iso(stop),
                    "event_outcome": outcome,
                    "client_type": "Service User",
                    "primary_support_reason": reason,
                    "unpaid_carer_name": carer_name,
                    "unpaid_carer_relationship": p.carer_relationship if carer else "",
                }
            )
            row.update(extra)
            rows.append(row)

        def close(stop: date | None) -> date | None:
            """The end of a service planned to stop on `stop` (None: open): death ends it,
            and a stop after the reference date is not known yet."""
            if p.died_on is not None and (stop is None or p.died_on < stop):
                return p.died_on
            return stop if stop is not None and stop <= REF else None

        if rng.random() < 0.07 and not ld:
            event(
                "Request",
                request,
                request,
                "Universal services / signposting",
                route_of_access=route,
            )
            return rows
        reablement = route == "Discharge from hospital" and rng.random() < 0.6
        frailest = p.frailty >= 0.36 or ("dementia" in p.conditions and p.frailty >= 0.28)
        placement = frailest and rng.random() < 0.5 and not ld
        if placement and trigger is not None and rng.random() < 0.6:
            # Straight from hospital to a care home.
            assert trigger.discharged is not None
            event("Request", request, request, "Assessment", route_of_access=route)
            assess = request
            event(
                "Assessment",
                assess,
                trigger.discharged,
                "Long term support",
                assessment_type="Care Act assessment",
            )
            trigger.destination = "care home"
            self.placement(p, trigger.discharged, event, close)
            self.reviews(trigger.discharged, end, event)
            self.carer_rows(p, carer, trigger.discharged, end, rows)
            return rows
        if reablement:
            assert trigger is not None and trigger.discharged is not None
            event(
                "Request",
                request,
                request,
                "Short term support to maximise independence",
                route_of_access=route,
            )
            start = trigger.discharged
            hours = rng.randint(7, 14)
            stop = start + timedelta(days=rng.randint(21, 42))
            ongoing = rng.random() < 0.55
            event(
                "Service",
                start,
                close(stop),
                "Long term support" if ongoing else "No services provided - no identified needs",
                service_type="Short Term Support: Reablement",
                service_component="Reablement",
                delivery_mechanism="CASSR Commissioned Support only",
                planned_hours_per_week=str(hours),
                unit_cost_weekly_pounds=pounds(hours * 2850),
            )
            if not ongoing or (p.died_on and p.died_on <= stop):
                return rows
            assess = stop
        else:
            event("Request", request, request, "Assessment", route_of_access=route)
            assess = request + timedelta(days=rng.randint(3, 28))
        if assess > end:
            return rows
        eligible = rng.random() < 0.88 or ld
        event(
            "Assessment",
            assess,
            min(assess + timedelta(rng.randint(0, 10)), REF),
            "Long term support" if eligible else "No services provided - needs not eligible",
            assessment_type="Care Act assessment",
        )
        if not eligible:
            return rows
        start = assess + timedelta(days=rng.randint(3, 21))
        if start > end:
            return rows
        if placement:
            self.placement(p, start, event, close)
        else:
            later = None
            if frailest and rng.random() < 0.3:
                later = start + timedelta(days=rng.randint(90, 700))
                if later >= end:
                    later = None
            self.community_services(p, start, close(later), event, ld)
            if later is not None:
                self.placement(p, later, event, close)
        self.reviews(start, end, event)
        self.carer_rows(p, carer, start, end, rows)
        return rows

    def placement(self, p: Person, start: date, event: Any, close: Any) -> None:
        rng = self.rng
        nursing = p.frailty >= 0.45 or rng.random() < 0.3
        weekly = rng.randint(110_000, 145_000) if nursing else rng.randint(82_000, 115_000)
        weekly -= weekly % 50
        event(
            "Service",
            start,
            close(None),
            "Long term support",
            service_type="Long Term Support: Nursing"
            if nursing
            else "Long Term Support: Residential",
            service_component="Nursing care" if nursing else "Residential care",
            delivery_mechanism="CASSR Commissioned Support only",
            unit_cost_weekly_pounds=pounds(weekly),
        )

    def community_services(
        self, p: Person, start: date, stop: date | None, event: Any, ld: bool
    ) -> None:
        rng = self.rng
        roll = rng.random()
        delivery = (
            "Direct Payment"
            if roll < 0.25
            else "CASSR Managed Personal Budget"
            if roll < 0.45
            else "CASSR Commissioned Support only"
        )
        if ld:
            hours = rng.randint(15, 50)
            component, rate = rng.choice((("Supported living", 2350), ("Day care", 1900)))
        elif any(k in p.conditions for k in ref.SMI_KINDS) and rng.random() < 0.5:
            hours, component, rate = rng.randint(4, 12), "Supported living", 2300
        else:
            hours = rng.randint(3, 8) + int(30 * p.frailty)
            component, rate = "Home care", rng.choice((2450, 2580, 2690, 2780))
        if delivery == "Direct Payment" and component == "Home care":
            component = "Direct payment"
        event(
            "Service",
            start,
            stop,
            "Long term support",
            service_type="Long Term Support: Community",
            service_component=component,
            delivery_mechanism=delivery,
            planned_hours_per_week=str(hours),
            unit_cost_weekly_pounds=pounds(hours * rate),
        )
        if rng.random() < 0.25:
            days = rng.randint(1, 3)
            event(
                "Service",
                start + timedelta(rng.randint(7, 60)),
                stop,
                "Long term support",
                service_type="Long Term Support: Community",
                service_component="Day care",
                delivery_mechanism="CASSR Commissioned Support only",
                unit_cost_weekly_pounds=pounds(days * 6800),
            )
        if p.frailty >= 0.25 and rng.random() < 0.35:
            day = start + timedelta(rng.randint(0, 30))
            event(
                "Service",
                day,
                day,
                "Long term support",
                service_type="Long Term Support: Community",
                service_component="Equipment",
                delivery_mechanism="CASSR Commissioned Support only",
                unit_cost_weekly_pounds=pounds(rng.randint(40, 600) * 100),
            )

    def reviews(self, start: date, end: date, event: Any) -> None:
        rng = self.rng
        day = add_years(start, 1)
        while day <= end:
            event(
                "Review",
                day,
                day,
                rng.choice(
                    (
                        "No change in long term support",
                        "No change in long term support",
                        "Change in long term support",
                    )
                ),
            )
            day = add_years(day, 1)

    def carer_rows(
        self, p: Person, carer: Person | None, start: date, end: date, rows: list[dict[str, Any]]
    ) -> None:
        """The unpaid carer's own assessment and support, naming the person cared for."""
        rng = self.rng
        if carer is None or rng.random() > 0.55:
            return
        day = start + timedelta(days=rng.randint(7, 90))
        if day > end or day > REF or not carer.alive_on(day):
            return
        system = f"adult_social_care:{ref.COUNCIL[0]}"
        cared_for = self.view(system, "adult_social_care", "", 7, p).local_id
        v = self.view(system, "adult_social_care", "", 7, carer)
        base = self.asc_person(v)
        base.update({"client_type": "Carer", "cared_for_la_person_id": cared_for})
        row = dict(
            base,
            event_reference=self.ids.next("asc:event", "ASC", 8),
            event_type="Assessment",
            event_start_date=fmt_iso(day),
            event_end_date=fmt_iso(day),
            event_outcome="Carer support",
            assessment_type="Carer's assessment",
        )
        rows.append(row)
        if rng.random() < 0.7:
            component, delivery, weekly = rng.choice(
                (
                    ("Direct payment", "Direct Payment", rng.randint(15, 45) * 100),
                    (
                        "Carer's break",
                        "CASSR Commissioned Support only",
                        rng.randint(60, 180) * 100,
                    ),
                    ("Information and advice", "CASSR Commissioned Support only", 0),
                )
            )
            sday = day + timedelta(days=rng.randint(7, 45))
            if sday <= REF:
                stop = p.died_on if p.died_on and p.died_on >= sday else None
                rows.append(
                    dict(
                        base,
                        event_reference=self.ids.next("asc:event", "ASC", 8),
                        event_type="Service",
                        event_start_date=fmt_iso(sday),
                        event_end_date=fmt_iso(stop),
                        event_outcome="Carer support",
                        service_type="Carer Support",
                        service_component=component,
                        delivery_mechanism=delivery,
                        unit_cost_weekly_pounds=pounds(weekly),
                    )
                )

    @staticmethod
    def asc_person(v: View) -> dict[str, Any]:
        return {
            "la_person_id": v.local_id,
            "nhs_number": v.nhs_number,
            "first_name": v.given,
            "last_name": v.family,
            "date_of_birth": fmt_iso(v.dob_shown),
            "gender": SEX_WORD[v.sex],
            "postcode": v.address.postcode,
            "address": v.address.full,
        }

    # --- mental health and community health --------------------------------------------------
    def trust_referrals(
        self,
        p: Person,
        kind: str,
        org: tuple[str, str],
        prefix: str,
        referrals: list[tuple[date, str, str, str, int, str]],
        f_ref: CsvExtract,
        f_con: CsvExtract,
    ) -> None:
        """Write referrals (date, source, team, reason, contacts, contact style) and their
        contacts for one trust."""
        rng = self.rng
        system = f"{kind}:{org[0]}"
        end = self.end_of(p)
        for day, source, team, reason, n_contacts, style in sorted(referrals):
            if day > end:
                continue
            v = self.view(system, kind, prefix, 6, p, any_record=True)
            person = self.trust_person(v)
            closed = day + timedelta(days=rng.randint(20, 240))
            if p.died_on and p.died_on < closed:
                closed = p.died_on
            open_ = closed > REF or rng.random() < 0.15
            ref_id = self.ids.next(f"{system}:ref", "RF", 8)
            contact_end = REF if open_ else closed
            days = sorted(random_day(rng, day, min(contact_end, end)) for _ in range(n_contacts))
            row = dict(
                person,
                referral_id=ref_id,
                referral_date=fmt_iso(day),
                referral_source=source,
                team=team,
                reason=reason,
                status="open" if open_ else "closed",
                closed_date="" if open_ else fmt_iso(closed),
            )
            f_ref.write(row, protect=bool(days))
            for cday in days:
                ctype = (
                    style
                    if rng.random() < 0.7
                    else rng.choice(("face to face", "telephone", "home visit"))
                )
                outcome = rng.choices(
                    (
                        "Seen and treated",
                        "Further contact arranged",
                        "Did not attend",
                        "Cancelled by patient",
                    ),
                    (45, 40, 10, 5),
                )[0]
                f_con.write(
                    dict(
                        person,
                        contact_id=self.ids.next(f"{system}:con", "CT", 9),
                        referral_id=ref_id,
                        contact_date=fmt_iso(cday),
                        contact_type=ctype,
                        clinician=self.clinician(team),
                        outcome=outcome,
                    )
                )

    def clinician(self, team: str) -> str:
        rng = self.rng
        role = (
            "District nurse"
            if "nursing" in team.lower()
            else "Physiotherapist"
            if "alls" in team or "rehab" in team.lower()
            else "Therapist"
            if "Talking" in team
            else "Care coordinator"
        )
        return f"{rng.choice(ref.GP_STAFF_FIRST)} {rng.choice(ref.CLINICIAN_SURNAMES)} ({role})"

    @staticmethod
    def trust_person(v: View) -> dict[str, Any]:
        return {
            "patient_id": v.local_id,
            "nhs_number": v.nhs_number,
            "given_name": v.given,
            "family_name": v.family,
            "date_of_birth": fmt_iso(v.dob_shown),
            "gender": SEX_WORD[v.sex],
            "postcode": v.address.postcode,
            "address": v.address.full,
        }

    def mental_health(self, p: Person, attendances: list[dict[str, Any]]) -> None:
        rng = self.rng
        end = self.end_of(p)
        if end < W0:
            return
        c, age = p.conditions, p.age
        refs: list[tuple[date, str, str, str, int, str]] = []

        def when(key: str) -> date:
            onset = c.get(key, W0)
            return onset if onset >= W0 else random_day(rng, W0, end)

        smi = next((k for k in ref.SMI_KINDS if k in c), None)
        if smi and rng.random() < 0.85:
            team = (
                "Early intervention in psychosis"
                if age < 35
                else "Adult community mental health team"
                if age < 65
                else "Older adults CMHT"
            )
            refs.append(
                (when(smi), "GP", team, ref.CONDITIONS[smi][1], rng.randint(6, 30), "face to face")
            )
            if rng.random() < 0.15:
                refs.append(
                    (
                        random_day(rng, W0, end),
                        "A&E",
                        "Crisis resolution and home treatment",
                        "Mental health crisis",
                        rng.randint(3, 12),
                        "home visit",
                    )
                )
        if "dementia" in c and rng.random() < 0.6:
            onset = c["dementia"]
            day = (
                onset - timedelta(days=rng.randint(30, 120))
                if onset >= W0 + timedelta(120)
                else random_day(rng, W0, end)
            )
            team = "Memory assessment service" if onset >= W0 else "Older adults CMHT"
            refs.append((day, "GP", team, "Memory problems", rng.randint(1, 6), "face to face"))
        if age >= 18 and ("depression" in c or "anxiety" in c) and rng.random() < 0.16:
            key = "depression" if "depression" in c else "anxiety"
            team = "Older adults CMHT" if age >= 65 and rng.random() < 0.5 else "Talking therapies"
            source = "self" if team == "Talking therapies" and rng.random() < 0.5 else "GP"
            refs.append(
                (
                    when(key),
                    source,
                    team,
                    ref.CONDITIONS[key][1],
                    rng.randint(2, 12),
                    "telephone" if team == "Talking therapies" else "face to face",
                )
            )
        if (
            age < 18
            and any(k in c for k in ("anxiety", "adhd", "autism", "depression"))
            and (rng.random() < 0.35)
        ):
            key = next(k for k in ("anxiety", "adhd", "autism", "depression") if k in c)
            refs.append(
                (
                    when(key),
                    rng.choice(("GP", "School", "social care")),
                    "CAMHS",
                    ref.CONDITIONS[key][1],
                    rng.randint(1, 10),
                    "face to face",
                )
            )
        for a in attendances:
            if a["diagnosis"] == "overdose":
                refs.append(
                    (
                        a["day"],
                        "A&E",
                        "Liaison psychiatry",
                        "Self-harm",
                        rng.randint(1, 2),
                        "face to face",
                    )
                )
        if refs:
            self.trust_referrals(
                p,
                "mental_health",
                ref.MENTAL_HEALTH_TRUST,
                "MH",
                refs,
                self.f_mh_ref,
                self.f_mh_con,
            )

    def community(self, p: Person, spells: list[Spell], asc: bool) -> None:
        rng = self.rng
        end = self.end_of(p)
        if end < W0:
            return
        c, f, age = p.conditions, p.frailty, p.age
        refs: list[tuple[date, str, str, str, int, str]] = []
        discharges = [
            s
            for s in spells
            if s.discharged and s.destination not in ("died",) and s.method == "emergency"
        ]

        def any_day() -> date:
            return random_day(rng, W0, end)

        if age >= 65 and (f >= 0.2 or asc) and rng.random() < (0.85 if asc else 0.2 + f):
            refs.append(
                (
                    any_day(),
                    rng.choice(("GP", "GP", "social care", "Hospital ward")),
                    "District nursing",
                    rng.choice(
                        (
                            "Wound care",
                            "Medication support",
                            "Catheter care",
                            "Pressure area care",
                            "Palliative care",
                        )
                    ),
                    rng.randint(3, 25),
                    "home visit",
                )
            )
        if "falls" in c and rng.random() < 0.55:
            refs.append(
                (
                    max(c["falls"], W0),
                    rng.choice(("GP", "A&E", "self")),
                    "Falls service",
                    "Falls risk assessment",
                    rng.randint(2, 6),
                    "home visit",
                )
            )
        if discharges and f >= 0.2 and rng.random() < 0.5:
            s = discharges[0]
            assert s.discharged is not None
            refs.append(
                (
                    s.discharged,
                    "Hospital ward",
                    "Community rehabilitation",
                    "Rehabilitation after discharge",
                    rng.randint(3, 10),
                    "home visit",
                )
            )
        for key, team, reason, chance, style in (
            (
                "heart_failure",
                "Heart failure nursing",
                "Heart failure management",
                0.5,
                "home visit",
            ),
            ("copd", "Respiratory team", "COPD management", 0.3, "face to face"),
            ("t2dm", "Diabetes specialist nursing", "Diabetes control", 0.08, "face to face"),
            ("incontinence", "Continence service", "Continence assessment", 0.3, "face to face"),
            ("osteoarthritis", "Community physiotherapy", "Joint pain", 0.1, "face to face"),
            ("autism", "Speech and language therapy", "Communication needs", 0.3, "face to face"),
        ):
            if key in c and rng.random() < chance:
                refs.append((any_day(), "GP", team, reason, rng.randint(1, 8), style))
        if refs:
            self.trust_referrals(
                p, "community", ref.COMMUNITY_PROVIDER, "CH", refs, self.f_com_ref, self.f_com_con
            )

    # --- children's services -------------------------------------------------------------
    def childrens_services(self, p: Person) -> None:
        rng = self.rng
        c = p.conditions
        hh = p.household
        lone = sum(1 for m in hh.members if m.age >= 18) == 1
        cin_chance = 0.035 + (0.03 if lone else 0) + (0.02 if hh.tenure == "council" else 0)
        ehcp_chance = (
            0.025
            + 0.4 * ("autism" in c)
            + 0.6 * ("learning_disability" in c)
            + (0.15 * ("adhd" in c))
        )
        if p.age < 3:
            ehcp_chance = 0.0
        records: list[dict[str, Any]] = []
        earliest = max(W0, p.dob)
        if rng.random() < cin_chance and earliest < REF:
            start = random_day(rng, earliest, REF - timedelta(14))
            stop = start + timedelta(days=rng.randint(60, 600))
            need = rng.choices([n for n, _ in CIN_NEEDS], [w for _, w in CIN_NEEDS])[0]
            records.append(
                {
                    "record_type": "CIN",
                    "start": start,
                    "end": stop if stop <= REF else None,
                    "category": need,
                }
            )
            if need.startswith("N1") and rng.random() < 0.3 or rng.random() < 0.08:
                cstart = start + timedelta(days=rng.randint(10, 45))
                if cstart < REF:
                    cstop = cstart + timedelta(days=rng.randint(90, 500))
                    records.append(
                        {
                            "record_type": "CPP",
                            "start": cstart,
                            "end": cstop if cstop <= REF else None,
                            "category": rng.choice(CPP_CATEGORIES),
                        }
                    )
        if rng.random() < ehcp_chance:
            first = add_years(p.dob, 3)
            start = random_day(rng, max(first, add_years(REF, -8)), REF)
            if "autism" in c:
                need = "Autistic Spectrum Disorder"
            elif "learning_disability" in c:
                need = rng.choice(("Severe Learning Difficulty", "Moderate Learning Difficulty"))
            else:
                need = rng.choice(EHCP_NEEDS)
            records.append({"record_type": "EHCP", "start": start, "end": None, "category": need})
        if not records:
            return
        system = f"childrens_services:{ref.COUNCIL[0]}"
        school = "" if p.age < 4 else ref.SCHOOLS[(hh.hid * 7 + p.index) % len(ref.SCHOOLS)]
        if "learning_disability" in c and p.age >= 4:
            school = "Rowan Tree Special School"
        adults = [m for m in p.parents if m.household is hh] or [
            m for m in hh.members if m.age >= 18
        ]
        parent = adults[0] if adults else None
        for r in records:
            v = self.view(system, "childrens_services", "C", 7, p)
            rel = ""
            if parent is not None:
                if parent in p.parents:
                    rel = "Mother" if parent.sex == "female" else "Father"
                else:
                    rel = "Grandmother" if parent.sex == "female" else "Grandfather"
                    if parent.age < 60:
                        rel = "Other relative"
            self.f_cs.write(
                {
                    "child_id": v.local_id,
                    "nhs_number": v.nhs_number,
                    "forename": v.given,
                    "surname": v.family,
                    "dob": fmt_uk(v.dob_shown),
                    "sex": SEX_LETTER[v.sex],
                    "postcode": v.address.postcode,
                    "address": v.address.full,
                    "record_id": self.ids.next("cs:record", "CS", 8),
                    "record_type": r["record_type"],
                    "start_date": fmt_uk(r["start"]),
                    "end_date": fmt_uk(r["end"]),
                    "category": r["category"],
                    "school": school,
                    "parent_carer_name": f"{parent.given} {parent.family}" if parent else "",
                    "parent_carer_relationship": rel,
                }
            )

    # --- housing -----------------------------------------------------------------------------
    def title(self, p: Person) -> str:
        rng = self.rng
        if p.age < 16:
            return ""
        if rng.random() < 0.01:
            return "Dr"
        if p.sex == "male":
            return "Mr"
        if p.partner is not None or p.age >= 70:
            return "Mrs" if rng.random() < 0.75 else "Ms"
        return "Miss" if p.age < 30 else "Ms"

    def relationship_to_lead(self, p: Person, lead: Person) -> str:
        if p is lead:
            return "Lead tenant"
        if p.partner is lead:
            return "Joint tenant" if self.rng.random() < 0.6 else "Partner"
        if lead in p.parents or (lead.partner is not None and lead.partner in p.parents):
            return "Child"
        return "Other household member"

    def housing(self, p: Person) -> None:
        hh = p.household
        if hh.tenure in ("council", "housing_association"):
            self.tenancy(p, hh)
        case = self.homelessness_case(hh)
        if case is not None:
            case_ref, hh_ref, start, stop, duty = case
            lead = self.lead(hh)
            org = ref.COUNCIL
            address = hh.previous_address or hh.address
            v = self.view(f"housing:{org[0]}", "housing", "T", 6, p)
            self.f_housing.write(
                {
                    "tenant_ref": v.local_id,
                    "household_ref": hh_ref,
                    "title": self.title(p),
                    "first_name": v.given,
                    "surname": v.family,
                    "date_of_birth": fmt_uk(v.dob_shown),
                    "address": address.full,
                    "postcode": address.postcode,
                    "relationship_to_lead": self.relationship_to_lead(p, lead),
                    "record_id": f"{case_ref}-{hh.members.index(p) + 1}",
                    "record_type": "homelessness",
                    "start_date": fmt_uk(start),
                    "end_date": fmt_uk(stop),
                    "detail": duty,
                    "status": "open" if stop is None else "closed",
                }
            )

    @staticmethod
    def lead(hh: Household) -> Person:
        adults = [m for m in hh.members if m.age >= 18]
        return max(adults, key=lambda m: m.age) if adults else hh.members[0]

    def tenancy(self, p: Person, hh: Household) -> None:
        rng = self.rng
        org = ref.COUNCIL if hh.tenure == "council" else ref.HOUSING_ASSOCIATION
        code = "council" if hh.tenure == "council" else "ha"
        if hh.hid not in self.tenancies:
            lead = self.lead(hh)
            start = hh.moved_on or random_day(
                rng, max(add_years(lead.dob, 18), add_years(REF, -35)), REF
            )
            recent = (REF - start).days < 365
            if code == "council":
                detail = "Introductory tenancy" if recent else "Secure tenancy"
            else:
                detail = "Starter tenancy" if recent else "Assured tenancy"
            self.tenancies[hh.hid] = (
                self.ids.next(f"housing:{code}:ten", "TEN", 7),
                self.ids.next(f"housing:{code}:hh", "HH", 6),
                start,
                detail,
                lead,
                "",
            )
        ten_ref, hh_ref, start, detail, lead, _ = self.tenancies[hh.hid]
        if p.died_on and p.died_on < start:
            # The household moved after this member died: they are not on the new tenancy.
            return
        prefix = "T" if code == "council" else "PV"
        v = self.view(f"housing:{org[0]}", "housing", prefix, 6, p)
        base = {
            "tenant_ref": v.local_id,
            "household_ref": hh_ref,
            "title": self.title(p),
            "first_name": v.given,
            "surname": v.family,
            "date_of_birth": fmt_uk(v.dob_shown),
            "address": hh.address.full,
            "postcode": hh.address.postcode,
            "relationship_to_lead": self.relationship_to_lead(p, lead),
        }
        # Everyone in the household is on the tenancy (as in a housing management system).
        ended = lead.died_on if lead.died_on and lead is p else None
        self.f_housing.write(
            dict(
                base,
                record_id=f"{ten_ref}-{hh.members.index(p) + 1}",
                record_type="tenancy",
                start_date=fmt_uk(start),
                end_date=fmt_uk(ended),
                detail=detail,
                status="ended" if ended else "active",
            ),
            org=org,
        )
        if p.age >= 50 and p.frailty >= 0.25 and rng.random() < 0.5:
            options = ["Level-access shower", "Grab rails", "Key safe", "Ramp"]
            if not hh.address.line.startswith("Flat"):
                options += ["Stairlift", "Stairlift", "Through-floor lift"]
            astart = random_day(rng, W0, self.end_of(p))
            done = astart + timedelta(days=rng.randint(14, 120))
            status = "completed" if done <= REF else "approved"
            self.f_housing.write(
                dict(
                    base,
                    record_id=self.ids.next(f"housing:{code}:adapt", "AD", 7),
                    record_type="adaptation",
                    start_date=fmt_uk(astart),
                    end_date=fmt_uk(done if done <= REF else None),
                    detail=rng.choice(options),
                    status=status,
                ),
                org=org,
            )

    def homelessness_case(self, hh: Household) -> tuple[str, str, date, date | None, str] | None:
        if hh.hid in self.homeless:
            return self.homeless[hh.hid]
        rng = self.rng
        case = None
        chance = 0.004
        if hh.moved_on is not None:
            chance = 0.3 if hh.tenure in ("council", "housing_association") else 0.05
        elif hh.tenure == "private":
            chance = 0.012
        if rng.random() < chance:
            if hh.moved_on is not None:
                stop: date | None = hh.moved_on
                start = max(W0 - timedelta(60), hh.moved_on - timedelta(rng.randint(30, 200)))
            else:
                start = random_day(rng, W0, REF - timedelta(7))
                stop = start + timedelta(days=rng.randint(56, 300))
                if stop > REF:
                    stop = None
            duty = rng.choices(("Prevention duty", "Relief duty", "Main duty"), (45, 40, 15))[0]
            case = (
                self.ids.next("housing:hl", "HL", 7),
                self.ids.next("housing:hlhh", "HA", 6),
                start,
                stop,
                duty,
            )
        self.homeless[hh.hid] = case
        return case

    # --- voluntary sector ----------------------------------------------------------------------
    def voluntary(self, p: Person) -> None:
        rng = self.rng
        end = self.end_of(p)
        if end < W0 or p.age < 18:
            return
        alone = len(p.household.members) == 1
        c = p.conditions
        plans: list[tuple[tuple[str, str], str, str]] = []  # org, reason, activity
        if p.age >= 65 and (
            alone
            and p.age >= 70
            and rng.random() < 0.3
            or (p.frailty >= 0.25 and rng.random() < 0.15)
        ):
            reason = rng.choice(
                (
                    "Loneliness and isolation",
                    "Loneliness and isolation",
                    "Benefits advice",
                    "Help at home",
                    "Falls prevention",
                )
            )
            activity = (
                "Memory café"
                if "dementia" in c
                else rng.choice(
                    (
                        "Lunch club",
                        "Lunch club",
                        "Chair-based exercise",
                        "Walking group",
                        "Digital skills",
                    )
                )
            )
            plans.append((ref.AGE_CHARITY, reason, activity))
        if p.age >= 70 and alone and rng.random() < 0.12:
            plans.append(
                (
                    ref.BEFRIENDING_SCHEME,
                    "Loneliness and isolation",
                    rng.choice(("Befriending (home visits)", "Telephone befriending")),
                )
            )
        if 18 <= p.age < 65 and ("depression" in c or "anxiety" in c) and rng.random() < 0.04:
            plans.append(
                (
                    ref.BEFRIENDING_SCHEME,
                    "Low mood",
                    rng.choice(("Walking group", "Gardening group")),
                )
            )
        if p.cares_for and rng.random() < 0.35:
            plans.append(
                (
                    ref.CARERS_CENTRE,
                    rng.choice(
                        ("Carer support", "Carer's break", "Emotional support", "Benefits advice")
                    ),
                    rng.choice(("Carers' peer support group", "Carers' walking group")),
                )
            )
        for org, reason, activity in plans:
            system = f"voluntary:{org[0]}"
            prefix = {"VS0101": "AC", "VS0102": "CC", "VS0103": "GN"}[org[0]]
            v = self.view(system, "voluntary", prefix, 5, p)
            common = {
                "organisation_code": org[0],
                "organisation": org[1],
                "client_id": v.local_id,
                "client_name": f"{v.given} {v.family}",
                "birth_month": v.birth_month,
                "postcode": v.address.postcode,
            }
            day = random_day(rng, W0, end)
            outcome = rng.choices(
                ("Accepted", "Signposted", "Declined", "Completed"), (55, 15, 10, 20)
            )[0]
            self.vol.write(
                "Referrals",
                dict(
                    common,
                    ref=self.ids.next(f"{system}:ref", f"{prefix}R", 6),
                    referral_date=day,
                    referred_by=rng.choice(
                        (
                            "GP social prescriber",
                            "Adult social care",
                            "Self",
                            "Family",
                            "Hospital discharge team",
                            "Housing officer",
                        )
                    ),
                    reason=reason,
                    outcome=outcome,
                ),
            )
            if outcome in ("Accepted", "Completed"):
                start = day + timedelta(days=rng.randint(7, 40))
                if start <= end:
                    weeks = max(0, (end - start).days // 7)
                    self.vol.write(
                        "Social prescribing",
                        dict(
                            common,
                            ref=self.ids.next(f"{system}:sp", f"{prefix}S", 6),
                            start_date=start,
                            link_worker=f"{rng.choice(ref.GP_STAFF_FIRST)} "
                            f"{rng.choice(ref.CLINICIAN_SURNAMES)}",
                            activity=activity,
                            sessions_attended=rng.randint(0, min(60, weeks)),
                        ),
                    )


def generate(
    n_people: int, seed: int, out: Path, error_rate: float = 0.0, progress: Progress | None = None
) -> Summary:
    """Write a synthetic borough of `n_people` to `out`: the extracts described in
    docs/EXTRACTS.md, truth.csv and manifest.json. The same seed gives the same bytes."""
    if not 0.0 <= error_rate <= 1.0:
        raise ValueError("error rate must be between 0 and 1")
    return Generator(n_people, seed, Path(out), error_rate, progress or noop_progress).run()
