"""The authorisation matrix for the FHIR routes added in the second pass: read of a
CSV-derived resource, `_history` and vread, search by patient and search with no patient,
create and update — for every role that reads records × with or without a relationship ×
with or without the person's refusal of the caller's organisation.

Expected outcomes are written from the rules: a resource is seen with a relationship and
no refusal, in a data category the role sees, from a source that may be named to it
(mental health only to roles that see mental health); writes need `run_imports` and,
about a person already known, the same decision as a read of them."""

import json

import pytest

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.interop import projection
from onestory.interop.actions import create_token, import_bundle
from onestory.interop.models import FhirResource
from tests.integration.test_authorisation_matrix_record import (
    CELLS,
    SEES_MENTAL_HEALTH,
    _reveals,
    _world,
)
from tests.integration.test_fhir_api import _bundle

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("tests", channel="cli")
# Roles whose default categories include clinical (the GP's and hospital's entries).
SEES_CLINICAL = {"gp", "nurse", "social_worker", "care_coordinator", "mental_health_worker"}
WRITES = {"data_quality_officer"}  # of the record roles, only this one runs imports


def _fhir_world(role, related, refused):
    margaret, nhs, user = _world(role, related, refused)
    import_bundle(_bundle(nhs, observations=2), by=SYSTEM, file_name="hospital.json")
    projection.sync()
    token = create_token(by=SYSTEM, username=user.username)[1]
    derived = {
        row.system.kind: row
        for row in FhirResource.objects.filter(
            origin="event", record__links__person=margaret
        ).select_related("system")
    }
    return margaret, nhs, user, token, derived


def _get(client, path, token, **params):
    return client.get(path, params, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.parametrize(("role", "related", "refused"), CELLS)
def test_fhir_read_history_and_vread_of_derived_resources(client, role, related, refused):
    margaret, nhs, user, token, derived = _fhir_world(role, related, refused)
    for kind, row in derived.items():
        path = f"/fhir/{row.resource_type}/{row.resource_id}"
        sees_kind = role in SEES_MENTAL_HEALTH if kind == "mental_health" else True
        sees = related and not refused and row.category in _categories(role) and sees_kind
        for url in (path, f"{path}/_history", f"{path}/_history/1"):
            response = _get(client, url, token)
            body = response.content.decode()
            if not related or refused:
                assert response.status_code == 403, (kind, url)
            elif sees:
                assert response.status_code == 200, (kind, url)
            else:
                assert response.status_code == 404, (kind, url)
            if response.status_code != 200:
                assert response.json()["resourceType"] == "OperationOutcome"
                assert _reveals(body, nhs) == []
    denied = AuditEvent.objects.filter(actor_id=f"user:{user.pk}", action="record.denied")
    assert denied.exists() is (not related or refused)


def _categories(role: str) -> set[str]:
    from onestory.access.domain.roles import any_role_for

    return set(any_role_for(role).categories)


@pytest.mark.parametrize(("role", "related", "refused"), CELLS)
def test_fhir_search_by_patient_and_without_patient(client, role, related, refused):
    margaret, nhs, user, token, derived = _fhir_world(role, related, refused)
    pid = str(margaret.external_id)
    by_patient = _get(client, "/fhir/Encounter", token, patient=pid, _count=100)
    sweep = _get(client, "/fhir/Encounter", token, _count=100)
    observations = _get(client, "/fhir/Observation", token, _count=100)
    assert sweep.status_code == observations.status_code == 200
    swept = {e["resource"]["id"] for e in sweep.json().get("entry", [])}
    if not related or refused:
        assert by_patient.status_code == 403
        assert _reveals(by_patient.content.decode(), nhs) == []
        assert swept == set() and sweep.json()["total"] == 0
        assert observations.json()["total"] == 0
        return
    assert by_patient.status_code == 200
    found = {
        e["resource"]["id"] for e in by_patient.json().get("entry", [])
        if e["search"]["mode"] == "match"
    }  # fmt: skip
    assert found == swept
    gp_encounter = derived["gp"].resource_id
    mh_contact = derived["mental_health"].resource_id
    assert (gp_encounter in found) is (role in SEES_CLINICAL)
    assert (mh_contact in found) is (role in SEES_MENTAL_HEALTH)
    assert observations.json()["total"] == (2 if role in SEES_CLINICAL else 0)


@pytest.mark.parametrize(("role", "related", "refused"), CELLS)
def test_fhir_create_and_update(client, role, related, refused):
    margaret, nhs, user, token, derived = _fhir_world(role, related, refused)
    patient = FhirResource.objects.get(resource_type="Patient", source_file="hospital.json")
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "Weight"},
        "subject": {"reference": patient.ref},
    }
    created = client.post(
        "/fhir/Observation",
        json.dumps(observation),
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    updated = client.put(
        "/fhir/Observation/matrix-1",
        json.dumps({**observation, "id": "matrix-1"}),
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    denied = AuditEvent.objects.filter(
        actor_id=f"user:{user.pk}", action="record.denied", person_id=str(margaret.external_id)
    )
    if role in WRITES and related and not refused:
        assert (created.status_code, updated.status_code) == (201, 201)
        # Writing is not reading: the answer is what was sent, nothing more of the record.
        assert _reveals(created.content.decode(), nhs) == []
        written = AuditEvent.objects.filter(
            actor_id=f"user:{user.pk}", action="fhir.write", person_id=str(margaret.external_id)
        )
        assert written.count() == 2 and not denied.exists()
    else:
        assert (created.status_code, updated.status_code) == (403, 403)
        assert created.json()["resourceType"] == "OperationOutcome"
        assert _reveals(created.content.decode() + updated.content.decode(), nhs) == []
        assert not FhirResource.objects.filter(resource_id="matrix-1").exists()
        assert not FhirResource.objects.filter(
            resource_type="Observation", content__code__text="Weight"
        ).exists()
        # A writer refused by the decision is audited like a refused read.
        assert denied.exists() is (role in WRITES)


@pytest.mark.parametrize(("role", "related", "refused"), CELLS)
def test_fhir_bulk_export(client, role, related, refused):
    """A system-level `$export` holds the person only with a relationship and without
    their refusal, and only in the categories and sources the role sees."""
    margaret, nhs, user, token, derived = _fhir_world(role, related, refused)
    kick_off = client.get(
        "/fhir/$export",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_PREFER="respond-async",
    )
    assert kick_off.status_code == 202
    manifest = client.get(kick_off["Content-Location"], HTTP_AUTHORIZATION=f"Bearer {token}").json()
    text = ""
    for output in manifest["output"]:
        text += client.get(output["url"], HTTP_AUTHORIZATION=f"Bearer {token}").content.decode()
    exported = AuditEvent.objects.filter(
        actor_id=f"user:{user.pk}", action="fhir.export", person_id=str(margaret.external_id)
    ).exists()
    if not related or refused:
        assert str(margaret.external_id) not in text and _reveals(text, nhs) == []
        assert not exported
        return
    assert str(margaret.external_id) in text and exported
    assert (derived["gp"].resource_id in text) is (role in SEES_CLINICAL)
    assert (derived["mental_health"].resource_id in text) is (role in SEES_MENTAL_HEALTH)


@pytest.mark.parametrize(("role", "related", "refused"), CELLS)
def test_fhir_patient_search_matches_only_records_the_role_may_be_told_of(
    client, role, related, refused
):
    """ "Maggie" is the name only the mental health trust holds: it finds her only for a
    role that sees mental health; her other names find her for any role with access."""
    margaret, nhs, user, token, derived = _fhir_world(role, related, refused)
    pid = str(margaret.external_id)
    by_mh_name = _get(client, "/fhir/Patient", token, given="Maggie").json()
    by_name = _get(client, "/fhir/Patient", token, family="Oldroyd", _count=1).json()
    sees = related and not refused
    assert by_name["total"] == (1 if sees else 0)
    assert (by_mh_name["total"] == 1) is (sees and role in SEES_MENTAL_HEALTH)
    if sees:
        assert by_name["entry"][0]["resource"]["id"] == pid


@pytest.mark.parametrize(("role", "related", "refused"), CELLS)
def test_fhir_identifier_of_a_hidden_source_finds_nobody(client, role, related, refused):
    """The mental health trust's own id for her finds her (as a Patient, or through a
    chained search) only for a role that sees mental health."""
    margaret, nhs, user, token, derived = _fhir_world(role, related, refused)
    record = margaret.links.get(record__system__kind="mental_health").record
    ident = f"https://onestory.example/Id/source-record/{record.system.code}|{record.local_id}"
    patients = _get(client, "/fhir/Patient", token, identifier=ident).json()
    chained = _get(client, "/fhir/Observation", token, **{"subject:Patient.identifier": ident})
    sees = related and not refused and role in SEES_MENTAL_HEALTH
    assert patients["total"] == (1 if sees else 0)
    assert chained.json()["total"] == (2 if sees else 0)
