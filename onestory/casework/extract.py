"""The linked record as the case-finding engine's five input tables (see `engine`).

Only this module reads source rows for case finding: it walks the current linkage run,
leaves out everyone who opted out of secondary use, and hands DuckDB plain columns —
person ids, dates, codes — never a name, NHS number or address.
"""

from dataclasses import dataclass
from datetime import date

import polars as pl

from onestory.access.queries import people_opted_out
from onestory.people.models import LinkageRun, PersonLink
from onestory.sources.models import SourceEvent, SourceRelationship

EVIDENCE_SCHEMA = {
    "person_id": pl.Int64,
    "source": pl.String,
    "code": pl.String,
    "start": pl.Date,
    "end": pl.Date,
}
MEDICATION_SCHEMA = {"person_id": pl.Int64, "code": pl.String, "start": pl.Date}
HOSPITAL_SCHEMA = {
    "person_id": pl.Int64,
    "kind": pl.String,
    "start": pl.Date,
    "end": pl.Date,
    "emergency": pl.Boolean,
    "destination": pl.String,
    "diagnosis": pl.String,
    "diagnosis_code": pl.String,  # as the hospital coded it (SNOMED CT or ICD-10)
}
PEOPLE_SCHEMA = {
    "person_id": pl.Int64,
    "birth_date": pl.Date,
    "sex": pl.String,
    "practice": pl.String,
    "neighbourhood": pl.String,
    "lives_alone": pl.Boolean,
    "has_unpaid_carer": pl.Boolean,
}


@dataclass(frozen=True)
class Extract:
    people: pl.DataFrame
    evidence: pl.DataFrame
    medications: pl.DataFrame
    hospital: pl.DataFrame
    practices: dict[str, str]  # code -> name
    opted_out: int

    def tables(self) -> dict[str, pl.DataFrame]:
        return {
            "people": self.people,
            "evidence": self.evidence,
            "medications": self.medications,
            "hospital": self.hospital,
        }


def _birth_date(dob, year, month) -> date | None:
    if dob:
        return dob
    if year:
        return date(year, month or 7, 1)
    return None


def extract(run: LinkageRun | None = None) -> Extract:
    """The five tables for everyone in the current run who has not opted out."""
    run = run or LinkageRun.objects.filter(is_current=True).first()
    if run is None:
        raise ValueError("No current linkage run: link the imported records first.")
    opted_out = set(people_opted_out().values_list("person_id", flat=True))
    owner: dict[int, int] = {}
    # Preferred record per person for demographics: the GP's, else the first seen.
    best: dict[int, tuple] = {}
    for record_id, person_id, kind, org_code, org_name, dob, year, month, sex, postcode in (
        PersonLink.objects.filter(run=run)
        .values_list(
            "record_id",
            "person_id",
            "record__system__kind",
            "record__system__org_code",
            "record__system__org_name",
            "record__date_of_birth",
            "record__birth_year",
            "record__birth_month",
            "record__sex",
            "record__norm_postcode",
        )
        .order_by("record_id")
        .iterator(chunk_size=5000)
    ):
        if person_id in opted_out:
            continue
        owner[record_id] = person_id
        row = (kind == "gp", org_code, org_name, _birth_date(dob, year, month), sex, postcode)
        held = best.get(person_id)
        if held is None or (row[0] and not held[0]) or (held[3] is None and row[3] is not None):
            best[person_id] = row

    partners: set[int] = set()
    carers: set[int] = set()
    for record_id, relationship, details in SourceRelationship.objects.filter(
        record_id__in=list(owner)
    ).values_list("record_id", "relationship", "details"):
        person_id = owner[record_id]
        said = str((details or {}).get("relationship", "")).lower()
        if relationship == "carer":
            carers.add(person_id)
        if relationship == "household_member" or said in {"partner", "spouse", "wife", "husband"}:
            partners.add(person_id)

    evidence: list[tuple] = []
    medications: list[tuple] = []
    hospital: list[tuple] = []
    rows = (
        SourceEvent.objects.filter(record_id__in=list(owner))
        .exclude(kind__in=("encounter", "observation"))
        .values_list(
            "record_id", "kind", "category", "code", "start", "end", "code_display", "details"
        )
        .iterator(chunk_size=10000)
    )
    for record_id, kind, category, code, start, end, display, details in rows:
        if start is None:
            continue
        person_id = owner[record_id]
        details = details or {}
        if kind == "medication":
            if code:
                medications.append((person_id, code, start))
            continue
        if kind in ("admission", "ae_attendance"):
            hospital.append(
                (
                    person_id,
                    "admission" if kind == "admission" else "ae",
                    start,
                    end,
                    details.get("admission_method") == "emergency",
                    details.get("discharge_destination", ""),
                    display,
                    code,
                )
            )
        if code and category in ("clinical", "mental_health", "community_health"):
            evidence.append(
                (person_id, "snomed", code, start, end if kind == "condition" else None)
            )
        elif category == "social_care":
            if reason := details.get("primary_support_reason"):
                evidence.append((person_id, "social_care_reason", reason, start, end))
            for field in ("service_type", "service_component"):
                if kind == "service" and (value := details.get(field)):
                    evidence.append((person_id, "social_care_service", value, start, end))
        elif category == "housing":
            if kind == "adaptation" and details.get("detail"):
                evidence.append((person_id, "housing_adaptation", details["detail"], start, end))
            elif kind == "homelessness":
                evidence.append((person_id, "housing_record", "homelessness", start, end))
        elif category == "voluntary" and details.get("reason"):
            evidence.append((person_id, "voluntary_reason", details["reason"], start, end))

    today = date.today()
    adult_born_by = date(today.year - 18, today.month, min(today.day, 28))
    people_rows = []
    practices: dict[str, str] = {}
    for person_id, (is_gp, org_code, org_name, birth, sex, postcode) in best.items():
        if birth is None:
            continue
        practice = org_code if is_gp else ""
        if practice:
            practices[practice] = org_name
        outward = postcode[:-3] if len(postcode) > 3 else postcode
        people_rows.append(
            (
                person_id,
                birth,
                sex,
                practice,
                outward,
                person_id not in partners and birth <= adult_born_by,
                person_id in carers,
            )
        )
    return Extract(
        people=pl.DataFrame(people_rows, schema=PEOPLE_SCHEMA, orient="row"),
        evidence=pl.DataFrame(evidence, schema=EVIDENCE_SCHEMA, orient="row"),
        medications=pl.DataFrame(medications, schema=MEDICATION_SCHEMA, orient="row"),
        hospital=pl.DataFrame(hospital, schema=HOSPITAL_SCHEMA, orient="row"),
        practices=practices,
        opted_out=len(opted_out),
    )
