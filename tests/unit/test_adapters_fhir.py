"""The GP FHIR bundle adapter: validation with fhir.resources, urn:uuid references, mapping
of Patient, Condition, Encounter, MedicationRequest and Observation."""

import copy
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from onestory.sources.domain.adapters import ExtractError, adapter_for

TODAY = date(2025, 6, 1)
ODS = "B86001"
ORG = "urn:uuid:00000000-0000-4000-8000-000000000001"
GP = "urn:uuid:00000000-0000-4000-8000-000000000002"
PAT = "urn:uuid:00000000-0000-4000-8000-000000000003"
SYNTHEA = Path("/work/shared/data/synthea-r4")


def entry(full_url: str, resource: dict) -> dict:
    return {
        "fullUrl": full_url,
        "resource": resource,
        "request": {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"},
    }


def bundle() -> dict:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            entry(
                ORG,
                {
                    "resourceType": "Organization",
                    "id": "org1",
                    "identifier": [
                        {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": ODS}
                    ],
                    "name": "Park Surgery",
                },
            ),
            entry(
                GP,
                {
                    "resourceType": "Practitioner",
                    "id": "gp1",
                    "name": [{"prefix": ["Dr"], "given": ["Asha"], "family": "Khan"}],
                },
            ),
            entry(
                PAT,
                {
                    "resourceType": "Patient",
                    "id": "pat1",
                    "identifier": [
                        {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"},
                        {
                            "system": f"https://onestory.example/Id/gp-patient/{ODS}",
                            "value": "GP0001",
                        },
                    ],
                    "name": [{"given": ["Ann"], "family": "Smith"}],
                    "birthDate": "1941-04-03",
                    "gender": "female",
                    "address": [
                        {"line": ["1 High Street"], "city": "Leeds", "postalCode": "LS1 4AP"}
                    ],
                    "telecom": [{"system": "phone", "value": "0113 496 0000"}],
                    "generalPractitioner": [{"reference": ORG}],
                    "contact": [
                        {
                            "relationship": [
                                {
                                    "coding": [
                                        {
                                            "system": "http://terminology.hl7.org/CodeSystem/v2-0131",
                                            "code": "N",
                                        }
                                    ],
                                    "text": "Unpaid carer",
                                }
                            ],
                            "name": {"text": "Bob Smith"},
                        },
                        {
                            "relationship": [{"coding": [{"code": "N"}], "text": "Partner"}],
                            "name": {"text": "Bob Smith"},
                        },
                    ],
                },
            ),
            entry(
                "urn:uuid:00000000-0000-4000-8000-000000000004",
                {
                    "resourceType": "Condition",
                    "id": "cond1",
                    "clinicalStatus": {"coding": [{"code": "active"}]},
                    "code": {
                        "coding": [
                            {
                                "system": "http://snomed.info/sct",
                                "code": "44054006",
                                "display": "Type 2 diabetes mellitus",
                            }
                        ]
                    },
                    "subject": {"reference": PAT},
                    "onsetDateTime": "2015-06-01",
                },
            ),
            entry(
                "urn:uuid:00000000-0000-4000-8000-000000000005",
                {
                    "resourceType": "Encounter",
                    "id": "enc1",
                    "status": "finished",
                    "class": {"code": "HH"},
                    "type": [{"text": "Home visit"}],
                    "subject": {"reference": PAT},
                    "participant": [{"individual": {"reference": GP}}],
                    "period": {"start": "2024-03-01T10:00:00+00:00"},
                },
            ),
            entry(
                "urn:uuid:00000000-0000-4000-8000-000000000006",
                {
                    "resourceType": "MedicationRequest",
                    "id": "med1",
                    "status": "active",
                    "intent": "order",
                    "medicationCodeableConcept": {
                        "coding": [
                            {
                                "system": "http://snomed.info/sct",
                                "code": "325278006",
                                "display": "Metformin 500mg tablets",
                            }
                        ]
                    },
                    "subject": {"reference": PAT},
                    "authoredOn": "2024-03-01",
                },
            ),
            entry(
                "urn:uuid:00000000-0000-4000-8000-000000000007",
                {
                    "resourceType": "Observation",
                    "id": "obs1",
                    "status": "final",
                    "code": {
                        "coding": [
                            {
                                "system": "http://snomed.info/sct",
                                "code": "60621009",
                                "display": "Body mass index",
                            }
                        ]
                    },
                    "valueQuantity": {"value": 31.2, "unit": "kg/m2"},
                    "subject": {"reference": PAT},
                    "effectiveDateTime": "2024-03-01",
                },
            ),
        ],
    }


def write(directory: Path, data: dict, name: str = f"gp_{ODS}.json") -> Path:
    path = directory / name
    path.write_text(json.dumps(data))
    return path


def read(path: Path):
    return list(adapter_for(path).read(path, today=TODAY))


def test_fhir_bundle_maps_patient_and_events(tmp_path):
    rows = read(write(tmp_path, bundle()))
    assert [r.row for r in rows] == [3, 4, 5, 6, 7]
    assert all(r.ok for r in rows), [r.problems for r in rows]
    patient = rows[0]
    assert patient.system.code == f"gp:{ODS}"
    assert patient.system.org_name == "Park Surgery"
    person = patient.person
    assert (person.local_id, person.nhs_number, person.sex) == ("GP0001", "9434765919", "female")
    assert person.date_of_birth == date(1941, 4, 3)
    assert (person.postcode, person.address, person.phone) == (
        "LS1 4AP",
        "1 High Street, Leeds",
        "0113 496 0000",
    )
    assert [
        (r.relationship, r.related_name, r.details["relationship"]) for r in patient.relationships
    ] == [
        ("carer", "Bob Smith", "Unpaid carer"),
        ("next_of_kin", "Bob Smith", "Partner"),
    ]
    condition, encounter, medication, observation = (r.events[0] for r in rows[1:])
    assert all(r.person == person for r in rows[1:])
    assert condition.title == "Diagnosis: Type 2 diabetes mellitus"
    assert (condition.code, condition.status, condition.start) == (
        "44054006",
        "active",
        date(2015, 6, 1),
    )
    assert encounter.title == "Home visit (home visit)"
    assert encounter.practitioner == "Dr Asha Khan"
    assert encounter.start == date(2024, 3, 1)
    assert medication.title == "Prescribed: Metformin 500mg tablets"
    assert observation.title == "Body mass index: 31.2 kg/m2"
    assert observation.details == {"value": 31.2, "unit": "kg/m2"}


def test_fhir_invalid_date_quarantines_the_entry_with_its_path(tmp_path):
    data = bundle()
    data["entry"][3]["resource"]["onsetDateTime"] = "2015-13-45"
    rows = read(write(tmp_path, data))
    condition = rows[1]
    assert condition.row == 4
    assert condition.problems[0].field == "Condition.onsetDateTime"
    assert all(r.ok for r in rows if r is not condition)


def test_fhir_unresolved_subject_quarantines_the_entry(tmp_path):
    data = bundle()
    data["entry"][4]["resource"]["subject"] = {"reference": "urn:uuid:nobody"}
    rows = read(write(tmp_path, data))
    assert [p.field for p in rows[2].problems] == ["Encounter.subject"]
    assert (
        rows[2].problems[0].reason == "reference 'urn:uuid:nobody' is not a Patient in this bundle"
    )


def test_fhir_missing_required_field_names_the_path(tmp_path):
    data = bundle()
    del data["entry"][5]["resource"]["authoredOn"]
    rows = read(write(tmp_path, data))
    assert [p.field for p in rows[3].problems] == ["MedicationRequest.authoredOn"]


def test_fhir_bad_nhs_number_quarantines_patient_and_its_events(tmp_path):
    data = bundle()
    data["entry"][2]["resource"]["identifier"][0]["value"] = "9991234567"
    rows = read(write(tmp_path, data))
    patient = rows[0]
    assert patient.problems[0].field == "Patient.identifier"
    assert "fails the Modulus 11 check" in patient.problems[0].reason
    assert all(r.problems[0].field.endswith(".subject") for r in rows[1:])


def test_fhir_structurally_invalid_resource_is_quarantined_by_fhir_resources(tmp_path):
    data = bundle()
    data["entry"][6]["resource"]["status"] = ["final"]  # must be a code, not a list
    rows = read(write(tmp_path, data))
    assert rows[4].problems[0].field == "Observation.status"


def test_fhir_patient_name_too_long_quarantines_patient_and_events(tmp_path):
    data = bundle()
    data["entry"][2]["resource"]["name"][0]["family"] = "S" * 101
    rows = read(write(tmp_path, data))
    assert [p.field for p in rows[0].problems] == ["Patient.name.family"]
    assert all(r.problems[0].field.endswith(".subject") for r in rows[1:])


def test_fhir_without_ods_uses_file_name(tmp_path):
    data = bundle()
    data["entry"][0]["resource"].pop("identifier")
    rows = read(write(tmp_path, data, "gp_Y12345.json"))
    assert rows[0].system.code == "gp:Y12345"


def test_fhir_not_a_bundle_is_an_extract_error(tmp_path):
    path = tmp_path / "gp_X1.json"
    path.write_text(json.dumps({"resourceType": "Patient"}))
    with pytest.raises(ExtractError, match="gp_X1.json: not a FHIR Bundle"):
        read(path)


def test_fhir_patient_without_practice_id_uses_resource_id(tmp_path):
    data = copy.deepcopy(bundle())
    data["entry"][2]["resource"]["identifier"] = data["entry"][2]["resource"]["identifier"][:1]
    rows = read(write(tmp_path, data))
    assert rows[0].person.local_id == "pat1"


def _synthea_transaction_bundle() -> Path | None:
    if not SYNTHEA.is_dir():
        return None
    for path in sorted(SYNTHEA.glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if data.get("resourceType") == "Bundle" and data.get("type") == "transaction":
            return path
    return None


@pytest.mark.skipif(_synthea_transaction_bundle() is None, reason="no Synthea R4 bundle here")
def test_fhir_synthea_bundle_reads(tmp_path):
    source = _synthea_transaction_bundle()
    path = tmp_path / "gp_SYN01.json"
    shutil.copy(source, path)
    rows = read(path)
    patients = [r for r in rows if r.raw.get("resourceType") == "Patient"]
    assert len(patients) == 1 and patients[0].ok, patients[0].problems
    patient = patients[0].person
    assert patient.local_id == patients[0].raw["id"]  # no practice identifier in Synthea
    assert patient.postcode == ""  # a US address has no UK postcode
    assert rows[0].system.code == "gp:SYN01"
    events = [e for r in rows if r.ok for e in r.events]
    kinds = {e.kind for e in events}
    assert {"encounter", "observation"} <= kinds
    assert all(e.start is not None for e in events)
    assert any(e.practitioner for e in events if e.kind == "encounter")


def test_fhir_allergy_and_flag_become_allergy_and_alert_events(tmp_path):
    data = bundle()
    data["entry"].append(
        entry(
            "urn:uuid:00000000-0000-4000-8000-0000000000a1",
            {
                "resourceType": "AllergyIntolerance",
                "id": "al1",
                "clinicalStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/"
                            "allergyintolerance-clinical",
                            "code": "active",
                        }
                    ]
                },
                "criticality": "high",
                "code": {
                    "coding": [
                        {
                            "system": "http://snomed.info/sct",
                            "code": "91935009",
                            "display": "Allergy to peanuts",
                        }
                    ]
                },
                "patient": {"reference": PAT},
                "recordedDate": "2024-02-03",
                "reaction": [{"manifestation": [{"text": "Swollen lips"}]}],
            },
        )
    )
    data["entry"].append(
        entry(
            "urn:uuid:00000000-0000-4000-8000-0000000000a2",
            {
                "resourceType": "Flag",
                "id": "fl1",
                "status": "active",
                "code": {"text": "Uses a hearing aid: face the person when speaking"},
                "subject": {"reference": PAT},
                "period": {"start": "2023-05-01"},
            },
        )
    )
    rows = read(write(tmp_path, data))
    events = {e.kind: e for r in rows for e in r.events}
    allergy, alert = events["allergy"], events["alert"]
    assert allergy.code == "91935009" and allergy.status == "active"
    assert allergy.start == date(2024, 2, 3) and allergy.category == "clinical"
    assert allergy.details == {"criticality": "high", "reaction": "Swollen lips"}
    assert alert.code_display == "Uses a hearing aid: face the person when speaking"
    assert alert.start == date(2023, 5, 1) and alert.status == "active"
    assert not [p for r in rows for p in r.problems]
