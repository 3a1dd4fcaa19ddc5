"""/fhir: metadata, read, search, paging, $everything, errors, access and tokens, and an
external FHIR client (fhirpy) against a running server."""

import json

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhirpy import SyncFHIRClient

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.interop.actions import create_token, import_bundle, revoke_token
from tests import factories as f

SYSTEM = Actor.system("tests", channel="cli")
NHS = "https://fhir.nhs.uk/Id/nhs-number"


def _bundle(nhs_number: str, observations: int = 5) -> dict:
    entries = [
        {
            "fullUrl": "urn:uuid:11111111-1111-4111-8111-111111111111",
            "resource": {
                "resourceType": "Organization",
                "identifier": [
                    {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "RR8"}
                ],
                "name": "Leeds Teaching Hospitals",
            },
        },
        {
            "fullUrl": "urn:uuid:22222222-2222-4222-8222-222222222222",
            "resource": {
                "resourceType": "Patient",
                "identifier": [{"system": NHS, "value": nhs_number}],
                "name": [{"family": "Oldroyd", "given": ["Margaret"]}],
                "birthDate": "1950-03-31",
            },
        },
    ]
    for i in range(observations):
        entries.append(
            {
                "fullUrl": f"urn:uuid:33333333-3333-4333-8333-{i:012d}",
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {
                        "coding": [
                            {
                                "system": "http://snomed.info/sct",
                                "code": "27113001",
                                "display": "Body weight",
                            }
                        ]
                    },
                    "subject": {"reference": "urn:uuid:22222222-2222-4222-8222-222222222222"},
                    "effectiveDateTime": f"2024-0{1 + i % 9}-01",
                    "valueQuantity": {"value": 70 + i, "unit": "kg"},
                },
            }
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


@pytest.fixture
def world(db):
    """Margaret (five source systems) in the GP's care team, plus a FHIR bundle about her
    from the hospital, linked to her through the person index by NHS number."""
    margaret = f.rich_person()
    gp = f.user("gp.fhir", role="gp")
    f.care_team(margaret, gp)
    number = margaret.links.first().record.nhs_number
    import_bundle(_bundle(number), by=SYSTEM, file_name="hospital.json")
    _row, token = create_token(by=SYSTEM, username="gp.fhir")
    return {"person": margaret, "gp": gp, "nhs": number, "token": token}


def _get(client, path, token=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(path, params, **headers)


def test_fhir_metadata_lists_the_supported_types_and_everything(client):
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    get_fhir_model_class("CapabilityStatement").model_validate(body)
    types = {r["type"] for r in body["rest"][0]["resource"]}
    assert {"Patient", "Encounter", "Condition", "ServiceRequest", "EpisodeOfCare"} <= types
    patient = next(r for r in body["rest"][0]["resource"] if r["type"] == "Patient")
    assert patient["operation"][0]["name"] == "everything"


@pytest.mark.django_db
def test_fhir_requires_a_token_or_session(client, world):
    response = client.get("/fhir/Patient", {"name": "oldroyd"})
    assert response.status_code == 401
    assert response.json()["resourceType"] == "OperationOutcome"
    assert _get(client, "/fhir/Patient", "os_wrong", name="oldroyd").status_code == 401


@pytest.mark.django_db
def test_fhir_patient_search_by_nhs_number_and_everything(client, world):
    token = world["token"]
    response = _get(client, "/fhir/Patient", token, identifier=f"{NHS}|{world['nhs']}")
    assert response.status_code == 200
    bundle = response.json()
    assert bundle["type"] == "searchset" and bundle["total"] == 1
    patient = bundle["entry"][0]["resource"]
    assert patient["id"] == str(world["person"].external_id)
    assert {"system": NHS, "value": world["nhs"]} in patient["identifier"]
    everything = _get(client, f"/fhir/Patient/{patient['id']}/$everything", token).json()
    get_fhir_model_class("Bundle").model_validate(everything)
    types = [e["resource"]["resourceType"] for e in everything["entry"]]
    assert types.count("Patient") == 1
    assert types.count("Observation") == 5  # the hospital's FHIR resources, as received
    assert "Encounter" in types  # the GP's and the hospital's CSV entries, mapped
    # Every system's organisation, with its ODS code.
    ods = {
        i["value"]
        for e in everything["entry"]
        if e["resource"]["resourceType"] == "Organization"
        for i in e["resource"]["identifier"]
    }
    assert {"B86001", "RR8"} <= ods
    for entry in everything["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    observations = [
        e["resource"] for e in everything["entry"] if e["resource"]["resourceType"] == "Observation"
    ]
    assert all(o["subject"]["reference"] == f"Patient/{patient['id']}" for o in observations)
    audited = AuditEvent.objects.filter(action="fhir.everything").get()
    assert audited.channel == "api" and audited.person_id == patient["id"]


@pytest.mark.django_db
def test_fhir_search_pages_with_next_links(client, world):
    pid = str(world["person"].external_id)
    first = _get(client, "/fhir/Observation", world["token"], patient=pid, _count=2).json()
    # Besides the matches, each page carries an OperationOutcome saying what the GP's role
    # does not see (finance), whether or not the record holds any.
    matches = [e for e in first["entry"] if e["search"]["mode"] == "match"]
    assert first["total"] == 5 and len(matches) == 2
    (outcome,) = [e["resource"] for e in first["entry"] if e["search"]["mode"] == "outcome"]
    assert outcome["issue"][0]["code"] == "suppressed"
    assert "finance" in outcome["issue"][0]["diagnostics"]
    seen = [e["resource"]["id"] for e in matches]
    page = first
    while nxt := next((x["url"] for x in page["link"] if x["relation"] == "next"), None):
        page = client.get(nxt, HTTP_AUTHORIZATION=f"Bearer {world['token']}").json()
        seen += [e["resource"]["id"] for e in page["entry"] if e["search"]["mode"] == "match"]
    assert len(seen) == len(set(seen)) == 5
    dated = _get(
        client, "/fhir/Observation", world["token"], patient=pid, date="ge2024-03-01"
    ).json()
    assert dated["total"] == 3


@pytest.mark.django_db
def test_fhir_include_patient_adds_the_subject(client, world):
    body = _get(
        client,
        "/fhir/Observation",
        world["token"],
        patient=str(world["person"].external_id),
        _include="Observation:subject",
    ).json()
    modes = [e["search"]["mode"] for e in body["entry"]]
    assert modes.count("include") == 1
    included = next(e["resource"] for e in body["entry"] if e["search"]["mode"] == "include")
    assert included["resourceType"] == "Patient"


@pytest.mark.django_db
def test_fhir_without_relationship_is_refused_and_reveals_nothing(client, world):
    other = f.user("gp.other", role="gp", org=f.organisation("B99999", "Elsewhere"))
    _row, token = create_token(by=SYSTEM, username="gp.other")
    pid = str(world["person"].external_id)
    response = _get(client, f"/fhir/Patient/{pid}/$everything", token)
    assert response.status_code == 403
    text = response.content.decode()
    assert "Oldroyd" not in text and world["nhs"] not in text
    assert AuditEvent.objects.filter(action="record.denied", person_id=pid).exists()
    assert _get(client, "/fhir/Observation", token, patient=pid).status_code == 403
    assert _get(client, f"/fhir/Patient/{pid}", token).status_code == 403
    assert other.pk


@pytest.mark.django_db
def test_fhir_person_who_refused_the_organisation_is_not_found(client, world):
    f.sharing_choice(world["person"], org=world["gp"].staff.organisation, decision="refuse")
    found = _get(client, "/fhir/Patient", world["token"], identifier=f"{NHS}|{world['nhs']}")
    assert found.status_code == 200 and found.json()["total"] == 0
    observations = _get(client, "/fhir/Observation", world["token"], status="final").json()
    assert observations["total"] == 0


@pytest.mark.django_db
def test_fhir_revoked_token_stops_working(client, world):
    row, token = create_token(by=SYSTEM, username="gp.fhir")
    assert _get(client, "/fhir/Patient", token, name="oldroyd").status_code == 200
    revoke_token(by=SYSTEM, token_id=row.pk)
    assert _get(client, "/fhir/Patient", token, name="oldroyd").status_code == 401
    assert AuditEvent.objects.filter(action="fhir.token_revoked").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "structure"),
        (json.dumps({"resourceType": "Patient"}).encode(), 400, "invalid"),
    ],
)
def test_fhir_post_malformed_or_wrong_type_is_refused(client, world, body, status, code):
    admin = f.user("admin.fhir", role="administrator")
    _row, token = create_token(by=SYSTEM, username=admin.username)
    response = client.post(
        "/fhir", body, content_type="application/fhir+json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == status
    assert response.json()["issue"][0]["code"] == code


@pytest.mark.django_db
def test_fhir_post_transaction_with_dangling_reference_stores_nothing(client, world):
    from onestory.interop.models import FhirResource

    # Writing about her (the bundle's Patient is stored) needs a relationship with her.
    writer = f.user("dq.fhir", role="data_quality_officer")
    f.care_team(world["person"], writer)
    _row, token = create_token(by=SYSTEM, username=writer.username)
    bundle = _bundle("9990000018", observations=1)
    bundle["entry"][2]["resource"]["subject"]["reference"] = "urn:uuid:nobody"
    before = FhirResource.objects.count()
    response = client.post(
        "/fhir",
        json.dumps(bundle),
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422
    issues = response.json()["issue"]
    assert issues[0]["expression"] == ["Observation.subject.reference"]
    assert "all-or-nothing" in issues[-1]["diagnostics"]
    assert FhirResource.objects.count() == before


@pytest.mark.django_db
def test_fhir_post_transaction_stores_and_answers_per_entry(client, world):
    admin = f.user("admin.fhir", role="administrator")
    _row, token = create_token(by=SYSTEM, username=admin.username)
    # New fullUrls, so every entry is new to the server.
    text = (
        json.dumps(_bundle("9990000018", 2))
        .replace("-4111-", "-4aaa-")
        .replace("-4222-", "-4bbb-")
        .replace("-4333-", "-4ccc-")
    )
    response = client.post(
        "/fhir", text, content_type="application/fhir+json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "transaction-response"
    assert [e["response"]["status"] for e in body["entry"]] == ["201 Created"] * 4


@pytest.mark.django_db
def test_fhir_unknown_search_parameter_is_400(client, world):
    response = _get(client, "/fhir/Condition", world["token"], colour="blue")
    assert response.status_code == 400
    assert response.json()["issue"][0]["code"] == "not-supported"
    assert _get(client, "/fhir/Spaceship", world["token"]).status_code == 404  # not served


@pytest.mark.django_db(transaction=True)
def test_fhir_external_client_searches_pages_and_fetches_everything(live_server, world):
    client = SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {world['token']}")
    patients = client.resources("Patient").search(identifier=f"{NHS}|{world['nhs']}").fetch()
    assert len(patients) == 1
    pid = patients[0]["id"]
    observations = client.resources("Observation").search(patient=pid).limit(2).fetch_all()
    assert len(observations) == 5
    everything = client.execute(f"Patient/{pid}/$everything", method="get")
    assert everything["resourceType"] == "Bundle"
    assert any(e["resource"]["resourceType"] == "Observation" for e in everything["entry"])


@pytest.mark.django_db(transaction=True)
def test_fhir_external_client_searches_counts_sorts_writes_and_vreads(live_server, world):
    """fhirpy as a client developer uses it: search by patient for CSV-derived data, count,
    sort, elements; create, update and vread (issue 19 item 5)."""
    # The writer runs imports and is in her care team (writing about her needs both).
    admin = f.user("dq.fhirpy", role="data_quality_officer")
    f.care_team(world["person"], admin)
    _row, admin_token = create_token(by=SYSTEM, username=admin.username)
    base = f"{live_server.url}/fhir"
    reader = SyncFHIRClient(base, authorization=f"Bearer {world['token']}")
    writer = SyncFHIRClient(base, authorization=f"Bearer {admin_token}")
    pid = str(world["person"].external_id)
    # The GP's and hospital's CSV entries, as Encounters.
    encounters = reader.resources("Encounter").search(patient=pid).fetch_all()
    assert len(encounters) == 6
    assert reader.resources("Observation").search(patient=pid).count() == 5
    newest_first = reader.resources("Observation").search(patient=pid).sort("-date").fetch()
    dates = [o["effectiveDateTime"] for o in newest_first]
    assert dates == sorted(dates, reverse=True)
    coded = reader.resources("Observation").search(patient=pid).elements("code").fetch()
    assert all("valueQuantity" not in o and "code" in o for o in coded)
    hospital_patient = reader.resources("Observation").search(patient=pid).first()
    subject = hospital_patient["subject"]["reference"]
    observation = writer.resource(
        "Observation",
        status="final",
        code={"coding": [{"system": "http://snomed.info/sct", "code": "27113001"}]},
        subject={"reference": subject},
        effectiveDateTime="2025-07-01",
        valueQuantity={"value": 72, "unit": "kg"},
    )
    observation.save()
    assert observation["id"] and observation["meta"]["versionId"] == "1"
    observation["valueQuantity"] = {"value": 73, "unit": "kg"}
    observation.save()
    assert observation["meta"]["versionId"] == "2"
    assert reader.resources("Observation").search(patient=pid).count() == 6
    first = reader.execute(f"Observation/{observation['id']}/_history/1", method="get")
    assert first["valueQuantity"]["value"] == 72
    current = reader.reference("Observation", observation["id"]).to_resource()
    assert current["valueQuantity"]["value"] == 73
