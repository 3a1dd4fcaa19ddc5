"""FHIR import: the Synthea bundles, the HL7 examples round-trip, errors and idempotence."""

import json
from collections import Counter
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class

from onestory.audit.domain.actor import Actor
from onestory.interop.actions import import_bundle, import_files, summary
from onestory.interop.domain.bundle import SUPPORTED_TYPES
from onestory.interop.models import FhirResource
from onestory.interop.queries import read_resource
from onestory.sources.models import SourceEvent

pytestmark = pytest.mark.django_db

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SYNTHEA = sorted((SHARED / "synthea-r4").glob("*.json"))
EXAMPLES = sorted((SHARED / "fhir-r4-examples").glob("*.json"))
SYSTEM = Actor.system("tests", channel="cli")


@pytest.mark.skipif(not SYNTHEA, reason="shared/data/synthea-r4 is not beside the clone")
def test_fhir_import_synthea_bundles_every_one_without_error_and_again_unchanged():
    expected, distinct = Counter(), set()
    for path in SYNTHEA:
        for entry in json.loads(path.read_text())["entry"]:
            expected[entry["resource"]["resourceType"]] += 1
            distinct.add((entry["resource"]["resourceType"], entry["resource"]["id"]))
    first = summary(import_files(SYNTHEA, by=SYSTEM))
    assert first["errors"] == []
    assert first["files"] == len(SYNTHEA)
    assert first["resources"] == dict(sorted(expected.items()))
    # Organizations and Practitioners shared by several bundles are stored once.
    assert first["stored"] == len(distinct)
    assert first["stored"] + first["unchanged"] == sum(expected.values())
    assert FhirResource.objects.count() == len(distinct)
    # Clinical content reaches the timeline as source events of the sender's system.
    assert SourceEvent.objects.filter(kind="condition").count() == expected["Condition"]
    events_before = SourceEvent.objects.count()
    second = summary(import_files(SYNTHEA, by=SYSTEM))
    assert second["errors"] == []
    assert second["stored"] == 0 and second["unchanged"] == sum(expected.values())
    assert SourceEvent.objects.count() == events_before


def _supported_examples():
    out = []
    for path in EXAMPLES:
        data = json.loads(path.read_text())
        if data.get("resourceType") in SUPPORTED_TYPES:
            out.append(path)
    return out


def _codes(value, found=None):
    """Every (system, code) coding and (system, value) identifier in a resource."""
    found = set() if found is None else found
    if isinstance(value, dict):
        if "code" in value and "system" in value:
            found.add((value["system"], value["code"]))
        if "value" in value and "system" in value and isinstance(value["value"], str):
            found.add((value["system"], value["value"]))
        for v in value.values():
            _codes(v, found)
    elif isinstance(value, list):
        for v in value:
            _codes(v, found)
    return found


@pytest.mark.skipif(not EXAMPLES, reason="shared/data/fhir-r4-examples is not beside the clone")
def test_fhir_import_hl7_examples_round_trip_keeping_identifiers_and_codes():
    paths = _supported_examples()
    assert len(paths) > 100
    results = import_files(paths, by=SYSTEM)
    assert summary(results)["errors"] == []
    for path in paths:
        sent = json.loads(path.read_text())
        back = read_resource(sent["resourceType"], sent["id"], by=SYSTEM)
        get_fhir_model_class(sent["resourceType"]).model_validate(back)
        assert back.get("identifier", []) == sent.get("identifier", [])
        assert _codes(sent) <= _codes(back), path.name


def _patient_bundle(kind="transaction", condition_subject="urn:uuid:p1"):
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [
            {
                "fullUrl": "urn:uuid:p1",
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [
                        {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000018"}
                    ],
                    "name": [{"family": "Oldroyd", "given": ["Margaret"]}],
                    "birthDate": "1950-03-31",
                    "gender": "female",
                },
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": "urn:uuid:c1",
                "resource": {
                    "resourceType": "Condition",
                    "subject": {"reference": condition_subject},
                    "code": {
                        "coding": [
                            {
                                "system": "http://snomed.info/sct",
                                "code": "44054006",
                                "display": "Diabetes mellitus type 2",
                            }
                        ]
                    },
                    "onsetDateTime": "2020-01-02",
                },
                "request": {"method": "POST", "url": "Condition"},
            },
        ],
    }


def test_fhir_import_transaction_with_dangling_reference_stores_nothing():
    result = import_bundle(
        _patient_bundle(condition_subject="urn:uuid:nobody"), by=SYSTEM, file_name="t.json"
    )
    assert result.rejected
    assert any(
        e["resource"].startswith("Condition/") and e["path"] == "Condition.subject.reference"
        for e in result.errors
    )
    assert "all-or-nothing" in result.errors[-1]["message"]
    assert not FhirResource.objects.exists()


def test_fhir_import_collection_keeps_the_valid_rest_and_names_the_invalid_path():
    bundle = _patient_bundle(kind="collection")
    bundle["entry"].append(
        {
            "resource": {
                "resourceType": "Observation",
                "id": "bad",
                "status": "final",
                "code": {"text": "x"},
                "valueQuantity": {"value": "not a number"},
            }
        }
    )
    result = import_bundle(bundle, by=SYSTEM, file_name="c.json")
    assert not result.rejected
    assert [e["resource"] for e in result.errors] == ["Observation/bad"]
    assert result.errors[0]["path"].startswith("Observation.valueQuantity.value")
    assert result.stored == 2
    event = SourceEvent.objects.get(kind="condition")
    assert event.code == "44054006" and event.record.nhs_number == "9990000018"
