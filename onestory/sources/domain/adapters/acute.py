"""Acute hospital extracts: A&E attendances and admitted patient care spells (SUS-shaped)."""

from typing import ClassVar

from onestory.sources.domain import extract_columns
from onestory.sources.domain.adapters.base import (
    PersonColumns,
    TabularAdapter,
    compact,
    read_person,
    read_system,
    title,
)
from onestory.sources.domain.adapters.validation import DMY, SEX_MFU, RowCheck
from onestory.sources.domain.facts import ACUTE, EventFacts, ParsedRow

SNOMED = "http://snomed.info/sct"

PERSON = PersonColumns(
    local_id="hospital_number",
    nhs_number="nhs_number",
    given_name="forename",
    family_name="surname",
    date_of_birth="dob",
    date_format=DMY,
    sex="sex",
    sex_map=SEX_MFU,
    postcode="postcode",
    address="address_line",
)


class AcuteAdapter(TabularAdapter):
    kind = ACUTE
    person_columns = PERSON


class AEAttendanceAdapter(AcuteAdapter):
    """`acute_ae_attendances.csv`: one row per A&E attendance."""

    event_id_field = "attendance_id"
    columns: ClassVar[tuple[str, ...]] = extract_columns.ACUTE_AE_ATTENDANCES

    def parse(self, check: RowCheck, row: int) -> ParsedRow:
        system = read_system(check, ACUTE)
        person = read_person(check, PERSON, self.person_cache)
        event_id = check.required("attendance_id")
        arrival = check.date("arrival_date", DMY, required=True)
        complaint = check.text("chief_complaint")
        diagnosis = check.text("diagnosis_text")
        code = check.text("diagnosis_snomed")
        event = EventFacts(
            local_id=event_id,
            kind="ae_attendance",
            category="clinical",
            title=title("A&E attendance", complaint, detail=diagnosis),
            start=arrival,
            end=arrival,
            status=check.text("disposal"),
            code=code,
            code_system=SNOMED if code else "",
            code_display=diagnosis,
            details=compact(
                {
                    "arrival_mode": check.text("arrival_mode"),
                    "chief_complaint": complaint,
                    "disposal": check.text("disposal"),
                }
            ),
        )
        return ParsedRow(row=row, raw={}, system=system, person=person, events=[event])


ADMISSION_METHODS = {"emergency": "emergency", "elective": "elective"}


class AdmissionAdapter(AcuteAdapter):
    """`acute_admissions.csv`: one row per hospital spell."""

    event_id_field = "spell_id"
    columns: ClassVar[tuple[str, ...]] = extract_columns.ACUTE_ADMISSIONS

    def parse(self, check: RowCheck, row: int) -> ParsedRow:
        system = read_system(check, ACUTE)
        person = read_person(check, PERSON, self.person_cache)
        event_id = check.required("spell_id")
        method = check.choice("admission_method", ADMISSION_METHODS)
        admitted = check.date("admission_date", DMY, required=True)
        discharged = check.end_date("discharge_date", DMY, admitted, "admission_date")
        specialty = check.text("specialty")
        diagnosis = check.text("primary_diagnosis_text")
        code = check.text("primary_diagnosis_snomed")
        destination = check.text("discharge_destination")
        label = f"{method.capitalize()} admission" if method else "Admission"
        event = EventFacts(
            local_id=event_id,
            kind="admission",
            category="clinical",
            title=title(label, specialty, detail=diagnosis),
            start=admitted,
            end=discharged,
            status="discharged" if discharged else "in hospital",
            code=code,
            code_system=SNOMED if code else "",
            code_display=diagnosis,
            practitioner=check.text("consultant"),
            details=compact(
                {
                    "admission_method": method,
                    "specialty": specialty,
                    "discharge_destination": destination,
                }
            ),
        )
        return ParsedRow(row=row, raw={}, system=system, person=person, events=[event])
