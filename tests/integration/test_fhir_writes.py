"""Writes and versioning (issue 19 item 3): create (with If-None-Exist), update (PUT),
conditional update, transaction entries honouring ifNoneExist and ifMatch; every write
through the import's validation, permission and audit; meta.versionId, lastUpdated,
ETag, If-Match (412), `_history` and vread."""

import json
from pathlib import Path

import pytest

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.interop import queries, writes
from onestory.interop.actions import create_token, import_bundle
from onestory.interop.domain.search import SERVED_TYPES
from onestory.interop.models import FhirResource
from tests import factories as f
from tests.integration.test_fhir_api import _bundle

SYSTEM = Actor.system("tests", channel="cli")
EXAMPLES = Path(__file__).resolve().parents[3] / "shared/data/fhir-r4-examples"
SYNTHEA = Path(__file__).resolve().parents[3] / "shared/data/synthea-r4"
LAB = "https://lab.example/Id/result"


@pytest.fixture
def world(db):
    margaret = f.rich_person()
    gp = f.user("gp.writes", role="gp")
    f.care_team(margaret, gp)
    number = margaret.links.filter(record__nhs_number__gt="").first().record.nhs_number
    import_bundle(_bundle(number, observations=1), by=SYSTEM, file_name="hospital.json")
    admin = f.user("admin.writes", role="administrator")
    # The writer runs imports and is in her care team (a write about her needs both).
    writer = f.user("dq.writes", role="data_quality_officer")
    f.care_team(margaret, writer)
    return {
        "person": margaret,
        "pid": str(margaret.external_id),
        "hospital_patient": FhirResource.objects.get(resource_type="Patient").resource_id,
        "gp": create_token(by=SYSTEM, username="gp.writes")[1],
        "admin": create_token(by=SYSTEM, username=admin.username)[1],
        "writer": create_token(by=SYSTEM, username=writer.username)[1],
        "writer_user": writer,
    }


def _observation(subject: str, value: float = 71.0, ident: str = "r1") -> dict:
    return {
        "resourceType": "Observation",
        "id": "client-chosen",
        "identifier": [{"system": LAB, "value": ident}],
        "status": "final",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "27113001"}]},
        "subject": {"reference": subject},
        "effectiveDateTime": "2025-06-01",
        "valueQuantity": {"value": value, "unit": "kg"},
    }


def _send(client, method, path, token, body, **headers):
    return getattr(client, method)(
        path,
        json.dumps(body),
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **headers,
    )


def test_fhir_create_gives_a_new_id_version_1_and_is_audited(client, world):
    sent = _observation(f"Patient/{world['hospital_patient']}")
    response = _send(client, "post", "/fhir/Observation", world["writer"], sent)
    assert response.status_code == 201
    body = response.json()
    assert body["id"] != "client-chosen" and body["meta"]["versionId"] == "1"
    assert response["ETag"] == 'W/"1"'
    assert response["Location"].endswith(f"/fhir/Observation/{body['id']}/_history/1")
    assert AuditEvent.objects.filter(
        action="fhir.import", detail__file="POST /fhir/Observation"
    ).exists()
    read = client.get(f"/fhir/Observation/{body['id']}", HTTP_AUTHORIZATION=f"Bearer {world['gp']}")
    assert read.status_code == 200
    assert read.json()["subject"]["reference"] == f"Patient/{world['pid']}"
    assert read.json()["valueQuantity"]["value"] == 71.0


def test_fhir_create_about_the_integrated_patient_joins_their_record(client, world):
    response = _send(
        client,
        "post",
        "/fhir/Observation",
        world["writer"],
        _observation(f"Patient/{world['pid']}"),
    )
    assert response.status_code == 201
    assert response.json()["subject"]["reference"] == f"Patient/{world['pid']}"
    found = client.get(
        "/fhir/Observation",
        {"patient": world["pid"], "code": "27113001"},
        HTTP_AUTHORIZATION=f"Bearer {world['gp']}",
    ).json()
    assert response.json()["id"] in {e["resource"]["id"] for e in found["entry"]}


def test_fhir_create_about_a_person_known_only_from_csv_is_422(client, db):
    person = f.rich_person()
    writer = f.user("dq.csv", role="data_quality_officer")
    f.care_team(person, writer)
    token = create_token(by=SYSTEM, username=writer.username)[1]
    response = _send(
        client, "post", "/fhir/Observation", token, _observation(f"Patient/{person.external_id}")
    )
    assert response.status_code == 422
    assert "send the Patient" in response.json()["issue"][0]["diagnostics"]
    assert not FhirResource.objects.filter(resource_type="Observation").exists()


def test_fhir_conditional_create_with_if_none_exist_does_not_duplicate(client, world):
    sent = _observation(f"Patient/{world['hospital_patient']}")
    first = _send(
        client,
        "post",
        "/fhir/Observation",
        world["writer"],
        sent,
        HTTP_IF_NONE_EXIST=f"identifier={LAB}|r1",
    )
    second = _send(
        client,
        "post",
        "/fhir/Observation",
        world["writer"],
        sent,
        HTTP_IF_NONE_EXIST=f"identifier={LAB}|r1",
    )
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert FhirResource.objects.filter(identifiers__value="r1").count() == 1


def test_fhir_update_versions_history_vread_and_if_match(client, world):
    created = _send(
        client,
        "post",
        "/fhir/Observation",
        world["writer"],
        _observation(f"Patient/{world['hospital_patient']}"),
    ).json()
    path = f"/fhir/Observation/{created['id']}"
    changed = {**created, "valueQuantity": {"value": 69.5, "unit": "kg"}}
    updated = _send(client, "put", path, world["writer"], changed, HTTP_IF_MATCH='W/"1"')
    assert updated.status_code == 200 and updated["ETag"] == 'W/"2"'
    assert updated.json()["meta"]["versionId"] == "2"
    same_again = _send(client, "put", path, world["writer"], updated.json())
    assert same_again.json()["meta"]["versionId"] == "2"  # nothing changed: no new version
    stale = _send(
        client,
        "put",
        path,
        world["writer"],
        {**changed, "status": "amended"},
        HTTP_IF_MATCH='W/"1"',
    )
    assert stale.status_code == 412 and stale.json()["resourceType"] == "OperationOutcome"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world['gp']}"}
    assert client.get(path, **auth).json()["status"] == "final"  # the stale write changed nothing
    history = client.get(f"{path}/_history", **auth).json()
    assert history["type"] == "history" and history["total"] == 2
    assert [e["resource"]["valueQuantity"]["value"] for e in history["entry"]] == [69.5, 71.0]
    first = client.get(f"{path}/_history/1", **auth)
    assert first.status_code == 200 and first.json()["valueQuantity"]["value"] == 71.0
    assert first["ETag"] == 'W/"1"'
    assert client.get(f"{path}/_history/9", **auth).status_code == 404
    assert AuditEvent.objects.filter(action="fhir.vread").exists()
    assert AuditEvent.objects.filter(action="fhir.history").exists()


def test_fhir_put_to_a_new_id_creates_it(client, world):
    sent = {**_observation(f"Patient/{world['hospital_patient']}"), "id": "lab-42"}
    response = _send(client, "put", "/fhir/Observation/lab-42", world["writer"], sent)
    assert response.status_code == 201 and response.json()["id"] == "lab-42"


def test_fhir_conditional_update_updates_the_match_creates_or_refuses_many(client, world):
    subject = f"Patient/{world['hospital_patient']}"
    made = _send(client, "put", f"/fhir/Observation?identifier={LAB}|c1", world["writer"],
                 {**_observation(subject, ident="c1"), "id": None})  # fmt: skip
    assert made.status_code == 201
    again = _send(client, "put", f"/fhir/Observation?identifier={LAB}|c1", world["writer"],
                  _observation(subject, value=80, ident="c1"))  # fmt: skip
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
    assert again.json()["meta"]["versionId"] == "2"
    _send(
        client,
        "put",
        "/fhir/Observation/twin",
        world["writer"],
        {**_observation(subject, ident="c1"), "id": "twin"},
    )
    many = _send(
        client,
        "put",
        f"/fhir/Observation?identifier={LAB}|c1",
        world["writer"],
        _observation(subject, ident="c1"),
    )
    assert many.status_code == 412


def test_fhir_transaction_honours_if_none_exist_and_if_match(client, world):
    subject = f"Patient/{world['hospital_patient']}"
    _send(
        client,
        "put",
        "/fhir/Observation/known",
        world["writer"],
        {**_observation(subject, ident="k1"), "id": "known"},
    )
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000001",
                "resource": {**_observation(subject, ident="k1"), "id": None},
                "request": {
                    "method": "POST",
                    "url": "Observation",
                    "ifNoneExist": f"identifier={LAB}|k1",
                },
            }
        ],
    }
    bundle["entry"][0]["resource"].pop("id")
    response = _send(client, "post", "/fhir", world["writer"], bundle)
    assert response.status_code == 200
    (entry,) = response.json()["entry"]
    assert entry["response"]["status"] == "200 OK"
    assert entry["response"]["location"] == "Observation/known/_history/1"
    assert FhirResource.objects.filter(identifiers__value="k1").count() == 1
    stale = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": {**_observation(subject, value=99, ident="k1"), "id": "known"},
                "request": {"method": "PUT", "url": "Observation/known", "ifMatch": 'W/"7"'},
            }
        ],
    }
    refused = _send(client, "post", "/fhir", world["writer"], stale)
    assert refused.status_code == 412
    assert FhirResource.objects.get(resource_id="known").version_id == 1


def test_fhir_write_needs_run_imports_and_derived_resources_are_not_updated(client, world):
    response = _send(
        client,
        "post",
        "/fhir/Observation",
        world["gp"],
        _observation(f"Patient/{world['hospital_patient']}"),
    )
    assert response.status_code == 403 and response.json()["resourceType"] == "OperationOutcome"
    assert not FhirResource.objects.filter(identifiers__value="r1").exists()
    everything = client.get(
        f"/fhir/Patient/{world['pid']}/$everything", HTTP_AUTHORIZATION=f"Bearer {world['gp']}"
    ).json()
    encounter = next(
        e["resource"]
        for e in everything["entry"]
        if e["resource"]["resourceType"] == "Encounter" and e["resource"]["id"] != "x"
    )
    derived = FhirResource.objects.get(resource_id=encounter["id"])
    assert derived.origin == "event"
    refused = _send(
        client,
        "put",
        f"/fhir/Encounter/{encounter['id']}",
        world["writer"],
        {**encounter, "status": "cancelled"},
    )
    assert refused.status_code == 405
    invalid = _send(
        client,
        "post",
        "/fhir/Observation",
        world["writer"],
        {"resourceType": "Observation", "code": {"text": "x"}},
    )
    assert invalid.status_code == 422
    assert invalid.json()["issue"][0]["expression"] == ["Observation.status"]


def _example_files():
    if not EXAMPLES.exists():
        return []
    return [
        p
        for p in sorted(EXAMPLES.glob("*.json"))
        if json.loads(p.read_text()).get("resourceType") in SERVED_TYPES
    ]


@pytest.mark.django_db
@pytest.mark.skipif(not EXAMPLES.exists(), reason="shared HL7 examples not present")
def test_fhir_hl7_examples_and_synthea_go_through_create_read_update_vread():
    resources = [json.loads(p.read_text()) for p in _example_files()]
    assert len(resources) > 50
    for sent in resources:
        rtype = sent["resourceType"]
        created = writes.create(rtype, sent, by=SYSTEM)
        assert created.status == 201, (rtype, sent.get("id"), created.issues)
        _read_update_vread(rtype, created.resource["id"], sent)
    # Synthea's bundles are created by importing them whole (their references resolve
    # within the bundle); each resource then goes through read, update and vread.
    path = sorted(SYNTHEA.glob("*.json"))[0]
    result = import_bundle(json.loads(path.read_text()), by=SYSTEM, file_name=path.name)
    assert not result.errors
    assert {status for _e, status, _v in result.outcomes} == {"201 Created"}
    one_of_each = {entry.resource_type: entry for entry, _s, _v in result.outcomes}
    assert {"Immunization", "Claim", "DiagnosticReport", "Encounter"} <= set(one_of_each)
    for entry in one_of_each.values():
        _read_update_vread(entry.resource_type, entry.id, entry.resource)


def _read_update_vread(rtype: str, rid: str, sent: dict) -> None:
    read = queries.read_resource(rtype, rid, by=SYSTEM)
    assert read["meta"]["versionId"] == "1"
    changed = {**read, "language": "en-GB"}
    updated = writes.update(rtype, rid, changed, by=SYSTEM, if_match='W/"1"')
    assert updated.status == 200 and updated.version == "2", (rtype, updated.issues)
    assert queries.read_resource(rtype, rid, by=SYSTEM)["language"] == "en-GB"
    (first,) = queries.history(rtype, rid, by=SYSTEM, version="1")
    assert first.get("language") == sent.get("language")


def test_fhir_create_with_only_format_in_the_address_is_a_plain_create(client, world):
    subject = f"Patient/{world['hospital_patient']}"
    for ident in ("f1", "f2"):
        response = client.post(
            "/fhir/Observation?_format=json",
            json.dumps(_observation(subject, ident=ident)),
            content_type="application/fhir+json",
            HTTP_AUTHORIZATION=f"Bearer {world['writer']}",
        )
        assert response.status_code == 201, response.content[:200]
    bad = _send(
        client, "post", "/fhir/Observation", world["writer"], _observation(subject),
        HTTP_IF_NONE_EXIST="_count=5",
    )  # fmt: skip
    assert bad.status_code == 422 and "names no search parameter" in str(bad.json())


def test_fhir_conditional_update_without_a_search_parameter_is_400(client, world):
    response = _send(
        client, "put", "/fhir/Observation?_count=5", world["writer"],
        _observation(f"Patient/{world['hospital_patient']}"),
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


def _refused(response) -> bool:
    body = response.json()
    return (
        response.status_code == 403
        and body["resourceType"] == "OperationOutcome"
        and body["issue"][0]["code"] == "forbidden"
    )


def test_fhir_write_about_a_person_without_a_relationship_is_refused_and_audited(client, world):
    """Running imports is not enough to write about a person already known: the writer
    needs the same decision as a read (the administrator sees no records; a data-quality
    officer outside her care team has no relationship). Nothing is stored; the refusal is
    in her access log."""
    unrelated = f.user("dq.unrelated", role="data_quality_officer")
    tokens = [world["admin"], create_token(by=SYSTEM, username=unrelated.username)[1]]
    hospital = world["hospital_patient"]
    patient = FhirResource.objects.get(resource_type="Patient", resource_id=hospital)
    for token in tokens:
        person_refs = (f"Patient/{world['pid']}", f"Patient/{world['pid'].upper()}")
        for subject in (f"Patient/{hospital}", *person_refs):
            assert _refused(
                _send(client, "post", "/fhir/Observation", token, _observation(subject))
            )
        put = {**_observation(f"Patient/{hospital}"), "id": "lab-x"}
        assert _refused(_send(client, "put", "/fhir/Observation/lab-x", token, put))
        changed = {**patient.content, "gender": "male"}
        assert _refused(_send(client, "put", f"/fhir/Patient/{hospital}", token, changed))
        conditional = f"/fhir/Observation?identifier={LAB}|r9"
        assert _refused(_send(client, "put", conditional, token, _observation(
            f"Patient/{hospital}", ident="r9")))  # fmt: skip
        transaction = {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [{"resource": put, "request": {"method": "PUT", "url": "Observation/lab-x"}}],
        }
        assert _refused(_send(client, "post", "/fhir", token, transaction))
    assert not FhirResource.objects.filter(resource_type="Observation", identifiers__value__in=[
        "r1", "r9"]).exists()  # fmt: skip
    assert FhirResource.objects.get(pk=patient.pk).version_id == 1
    denied = AuditEvent.objects.filter(action="record.denied", person_id=world["pid"])
    assert denied.count() == 14
    assert set(denied.values_list("detail__attempted", flat=True)) == {"fhir.write"}


def test_fhir_write_about_a_person_who_refused_the_writers_organisation_is_refused(client, world):
    writer = world["writer_user"]
    f.sharing_choice(world["person"], writer.staff.organisation, decision="refuse")
    sent = _observation(f"Patient/{world['hospital_patient']}")
    assert _refused(_send(client, "post", "/fhir/Observation", world["writer"], sent))
    assert not FhirResource.objects.filter(identifiers__value="r1").exists()


def test_fhir_write_about_another_partnerships_person_is_refused(client, world):
    from tests.integration.test_authorisation_matrix_partnership import (
        _staff,
        _two_partnerships,
    )

    parts = _two_partnerships()  # her GP practice is in partnership B
    writer = _staff("data_quality_officer", parts["PA"])
    token = create_token(by=SYSTEM, username=writer.username)[1]
    sent = _observation(f"Patient/{world['hospital_patient']}")
    assert _refused(_send(client, "post", "/fhir/Observation", token, sent))
    reasons = AuditEvent.objects.filter(action="record.denied", actor_id=f"user:{writer.pk}")
    assert set(reasons.values_list("detail__reason", flat=True)) == {"other_partnership"}


def test_fhir_new_patient_and_what_refers_to_it_need_only_run_imports(client, world):
    """A Patient not yet stored concerns no one yet: a source system's registration."""
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {
                "fullUrl": "urn:uuid:bbbbbbbb-0000-4000-8000-000000000001",
                "resource": {
                    "resourceType": "Patient",
                    "name": [{"family": "Newcomer", "given": ["Nell"]}],
                    "birthDate": "1990-01-02",
                },
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "resource": _observation("urn:uuid:bbbbbbbb-0000-4000-8000-000000000001"),
                "request": {"method": "POST", "url": "Observation"},
            },
            {
                "resource": _observation(f"Patient/{world['hospital_patient']}", ident="b2"),
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }
    response = _send(client, "post", "/fhir", world["admin"], bundle)
    assert response.status_code == 200
    statuses = [e["response"]["status"] for e in response.json()["entry"]]
    # The new Patient and its Observation are stored; the entry about her is refused.
    assert statuses == ["201 Created", "201 Created", "403 Forbidden"]
    assert FhirResource.objects.filter(identifiers__value="r1").count() == 1
    assert not FhirResource.objects.filter(identifiers__value="b2").exists()
    newcomer = _send(client, "post", "/fhir/Patient", world["admin"], {
        "resourceType": "Patient", "name": [{"family": "Second"}]})  # fmt: skip
    assert newcomer.status_code == 201
