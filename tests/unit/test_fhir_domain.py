"""Pure FHIR rules: bundle reading, reference resolution, search parameters, mapping."""

from datetime import date

import pytest
from fhir.resources.R4B import get_fhir_model_class

from onestory.interop.domain.bundle import BundleError, read_bundle
from onestory.interop.domain.mapping import event_resource, patient_facts, patient_resource
from onestory.interop.domain.search import SearchError, parse_search


def test_read_bundle_resolves_urn_uuid_references_to_type_and_id():
    _kind, entries = read_bundle(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"fullUrl": "urn:uuid:a", "resource": {"resourceType": "Patient"}},
                {
                    "resource": {
                        "resourceType": "Condition",
                        "id": "c",
                        "subject": {"reference": "urn:uuid:a"},
                    }
                },
            ],
        }
    )
    assert entries[1].resource["subject"]["reference"] == "Patient/a"
    assert all(e.ok for e in entries)


def test_read_bundle_with_unknown_type_is_a_bundle_error():
    with pytest.raises(BundleError):
        read_bundle({"resourceType": "Bundle", "type": "document", "entry": []})
    with pytest.raises(BundleError):
        read_bundle({"resourceType": "Spaceship"})


def test_parse_search_unknown_parameter_is_refused():
    with pytest.raises(SearchError, match="colour"):
        parse_search("Condition", {"colour": ["blue"]})
    search = parse_search("Condition", {"date": ["ge2024-03"], "_count": ["500"]})
    assert search.count == 200 and search.dates[0].low == date(2024, 3, 1)


def test_patient_facts_keeps_only_a_valid_nhs_number_and_uk_postcode():
    facts = patient_facts(
        {
            "resourceType": "Patient",
            "id": "p",
            "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000019"}],
            "address": [{"postalCode": "01810", "city": "Andover"}],
        }
    )
    assert facts.nhs_number == "" and facts.postcode == "" and "01810" in facts.address


def test_exported_resources_validate_as_r4():
    patient = patient_resource(
        "0b5f3a0e-3c1c-4bfb-9a0e-1f1f1f1f1f1f",
        given="Ann",
        family="Ex",
        nhs_number="9990000018",
        birth_date=date(1950, 3, 31),
        sex="female",
        postcode="LS2 5ZN",
        address="1 Test St",
        phone="",
        records=[("gp:B86001", "L1")],
    )
    get_fhir_model_class("Patient").model_validate(patient)
    for kind in ("condition", "encounter", "admission", "referral", "service", "tenancy"):
        resource = event_resource(
            {
                "id_key": kind,
                "kind": kind,
                "kind_label": kind,
                "title": "t",
                "start": date(2024, 1, 1),
                "end": None,
                "status": "",
                "code": "123",
                "code_system": "SNOMED",
                "code_display": "x",
            },
            "Patient/p",
            "Organization/o",
        )
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
