"""One FHIR view of every source (issue 19 item 1): whatever `$everything` returns can be
read by id and found by the CapabilityStatement's searches, from CSV-derived timeline
entries and stored FHIR alike; ids survive re-imports and relinking; access is applied in
the query, so a search with no patient does not grow with the store."""

import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onestory.audit.domain.actor import Actor
from onestory.interop.actions import create_token, import_bundle
from onestory.interop.models import FhirResource
from onestory.people.models import PersonLink
from onestory.sources.models import SourceEvent
from tests import factories as f

SYSTEM = Actor.system("tests", channel="cli")
SYNTHEA = Path(__file__).resolve().parents[3] / "shared/data/synthea-r4"
# Types whose search by patient the CapabilityStatement lists.
BY_PATIENT = {"Condition", "Observation", "Encounter", "EpisodeOfCare", "ServiceRequest",
              "MedicationRequest", "Procedure", "Immunization", "DiagnosticReport", "Claim",
              "AllergyIntolerance", "ImagingStudy", "CarePlan", "Goal", "CareTeam",
              "ExplanationOfBenefit", "Flag"}  # fmt: skip


def _get(client, path, token, **params):
    return client.get(path, params, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def world(db):
    margaret = f.rich_person()
    gp = f.user("gp.sources", role="gp")
    f.care_team(margaret, gp)
    _row, token = create_token(by=SYSTEM, username="gp.sources")
    return {"person": margaret, "gp": gp, "token": token}


def _everything(client, world, pid=None):
    pid = pid or str(world["person"].external_id)
    body = _get(client, f"/fhir/Patient/{pid}/$everything", world["token"]).json()
    return [
        e["resource"] for e in body["entry"] if e["resource"]["resourceType"] != "OperationOutcome"
    ]


def _found_by_patient(client, token, rtype, pid) -> set[str]:
    body = _get(client, f"/fhir/{rtype}", token, patient=pid, _count=200).json()
    return {e["resource"]["id"] for e in body.get("entry", []) if e["search"]["mode"] == "match"}


def test_fhir_csv_derived_resources_are_read_by_id_and_found_by_patient(client, world):
    pid = str(world["person"].external_id)
    resources = _everything(client, world)
    types = {r["resourceType"] for r in resources}
    assert {"Encounter", "EpisodeOfCare"} <= types  # the GP's and council's CSV entries
    for resource in resources:
        response = _get(
            client, f"/fhir/{resource['resourceType']}/{resource['id']}", world["token"]
        )
        assert response.status_code == 200, resource["resourceType"]
        read = response.json()
        assert read["id"] == resource["id"]
        if read["resourceType"] != "Patient":  # the integrated Patient is a view: no versions
            assert response["ETag"] == f'W/"{read["meta"]["versionId"]}"'
        if resource["resourceType"] in BY_PATIENT:
            assert resource["id"] in _found_by_patient(
                client, world["token"], resource["resourceType"], pid
            ), resource["resourceType"]
            assert (
                read["subject" if "subject" in read else "patient"]["reference"] == f"Patient/{pid}"
            )
    encounters = _found_by_patient(client, world["token"], "Encounter", pid)
    # The GP's two consultations and the hospital's two A&E attendances (the mental health
    # contacts too, for a GP sees mental health).
    assert len(encounters) == 6


def test_fhir_ids_are_stable_across_reimport_and_relinking(client, world):
    from onestory.people.actions import run_linkage
    from onestory.people.domain.linkage import DeterministicLinker

    pid = str(world["person"].external_id)
    before = {(r["resourceType"], r["id"]) for r in _everything(client, world)}
    # A re-import that changes one entry's title (and marks it revised, as the import
    # does): same id, a new version.
    event = SourceEvent.objects.filter(
        record__links__person=world["person"], kind="encounter"
    ).first()
    SourceEvent.objects.filter(pk=event.pk).update(
        title="GP review", content_hash="changed", revised=True
    )
    f.source_event(event.record, kind="encounter", title="New consultation")  # a new row too
    after_import = {(r["resourceType"], r["id"]) for r in _everything(client, world)}
    assert before < after_import and len(after_import - before) == 1
    row = FhirResource.objects.get(event=event)
    assert row.version_id == 2 and row.content["type"][-1]["text"] == "GP review"
    history = _get(client, f"/fhir/Encounter/{row.resource_id}/_history", world["token"]).json()
    assert [e["resource"]["meta"]["versionId"] for e in history["entry"]] == ["2", "1"]
    # Relinking: a new run clusters the same records; the person and every id carry over.
    run_linkage(by=SYSTEM, linker=DeterministicLinker())
    assert PersonLink.objects.filter(run__is_current=True, person=world["person"]).count() >= 3
    after_relink = {(r["resourceType"], r["id"]) for r in _everything(client, world, pid)}
    assert {x for x in after_import if x[0] != "Patient"} >= {
        x for x in after_relink if x[0] != "Patient"
    }
    assert any(x[0] == "Encounter" for x in after_relink)


@pytest.mark.skipif(not SYNTHEA.exists(), reason="shared Synthea bundles not present")
def test_fhir_stored_types_from_synthea_are_read_by_id_and_searched(client, world):
    path = sorted(SYNTHEA.glob("*.json"))[0]
    result = import_bundle(json.loads(path.read_text()), by=SYSTEM, file_name=path.name)
    assert not result.errors
    patient = FhirResource.objects.get(resource_type="Patient", source_file=path.name)
    person = PersonLink.objects.get(run__is_current=True, record_id=patient.record_id).person
    f.care_team(person, world["gp"])
    pid = str(person.external_id)
    resources = _everything(client, world, pid)
    types = {r["resourceType"] for r in resources}
    assert {"Immunization", "Claim", "Encounter", "Observation"} <= types
    for resource in resources:
        rtype = resource["resourceType"]
        response = _get(client, f"/fhir/{rtype}/{resource['id']}", world["token"])
        assert response.status_code == 200, rtype
    for rtype in ("Immunization", "Claim", "DiagnosticReport", "Condition"):
        ids = {r["id"] for r in resources if r["resourceType"] == rtype}
        assert ids and ids <= _found_by_patient(client, world["token"], rtype, pid), rtype
    # Synthea's own identifier finds the integrated Patient.
    synthea_id = next(
        i["value"] for i in patient.content["identifier"] if "synthea" in i.get("system", "")
    )
    found = _get(
        client,
        "/fhir/Patient",
        world["token"],
        identifier=f"https://github.com/synthetichealth/synthea|{synthea_id}",
    ).json()
    assert found["total"] == 1 and found["entry"][0]["resource"]["id"] == pid


def test_fhir_search_without_patient_is_applied_in_the_query(client, world):
    """`Observation?_count=5` reads only the caller's people: the number of queries is the
    same with 3 or 30 other people in the store, and none of theirs is counted."""
    gp_record = world["person"].links.get(record__system__kind="gp").record
    f.source_event(gp_record, kind="observation", title="Blood pressure")

    def others(n):
        for _ in range(n):
            other = f.linked_person(
                f.source_record(gp_record.system.__class__.objects.get(kind="acute"))
            )
            f.source_event(other.links.first().record, kind="observation", title="Weight")

    def run():
        _get(client, "/fhir/Observation", world["token"], _count=5)  # brings the store up to date
        with CaptureQueriesContext(connection) as queries:
            body = _get(client, "/fhir/Observation", world["token"], _count=5).json()
        return body, len(queries)

    others(3)
    small, small_queries = run()
    others(27)
    large, large_queries = run()
    assert small["total"] == large["total"] == 1
    assert large_queries == small_queries
