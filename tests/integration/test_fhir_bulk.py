"""Bulk Data `$export` (issue 19 item 4): kick-off with 202 and Content-Location, status
polling, NDJSON files, `_type` and `_since`; system, Patient and Group level; only what
the caller may read, each person audited; only for roles that read records."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.interop.actions import create_token, import_bundle
from onestory.interop.models import FhirResource
from tests import factories as f
from tests.integration.test_fhir_api import _bundle

SYSTEM = Actor.system("tests", channel="cli")
ASYNC = {"HTTP_PREFER": "respond-async", "HTTP_ACCEPT": "application/fhir+json"}


@pytest.fixture
def world(db):
    margaret = f.rich_person()
    gp = f.user("gp.bulk", role="gp", org=f.organisation("Y01234", "Town Surgery"))
    f.care_team(margaret, gp)
    number = margaret.links.filter(record__nhs_number__gt="").first().record.nhs_number
    import_bundle(_bundle(number, observations=3), by=SYSTEM, file_name="hospital.json")
    stranger = f.rich_person()  # in nobody's care team
    return {
        "person": margaret,
        "stranger": stranger,
        "nhs": number,
        "token": create_token(by=SYSTEM, username="gp.bulk")[1],
    }


def _export(client, token, path="/fhir/$export", **params):
    response = client.get(path, params, HTTP_AUTHORIZATION=f"Bearer {token}", **ASYNC)
    assert response.status_code == 202, response.content[:300]
    status_url = response["Content-Location"]
    assert "/fhir/$export-status/" in status_url
    poll = client.get(status_url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert poll.status_code == 200
    manifest = poll.json()
    assert manifest["requiresAccessToken"] is True
    files = {}
    for output in manifest["output"]:
        got = client.get(output["url"], HTTP_AUTHORIZATION=f"Bearer {token}",
                         HTTP_ACCEPT="application/fhir+ndjson")  # fmt: skip
        assert got.status_code == 200 and got["Content-Type"] == "application/fhir+ndjson"
        lines = [json.loads(line) for line in got.content.decode().splitlines() if line]
        assert len(lines) == output["count"]
        assert {r["resourceType"] for r in lines} == {output["type"]}
        files[output["type"]] = lines
    return files, status_url


def test_fhir_bulk_export_round_trip_has_only_the_callers_people(client, world):
    files, _status = _export(client, world["token"])
    pid = str(world["person"].external_id)
    assert [p["id"] for p in files["Patient"]] == [pid]
    assert len(files["Observation"]) == 3
    assert {"Encounter", "EpisodeOfCare", "Organization"} <= set(files)
    text = json.dumps(files)
    assert str(world["stranger"].external_id) not in text
    for rtype in ("Encounter", "Observation"):
        assert all(r.get("subject", {}).get("reference") == f"Patient/{pid}" for r in files[rtype])
    audited = AuditEvent.objects.filter(action="fhir.export")
    assert list(audited.values_list("person_id", flat=True)) == [pid]
    assert AuditEvent.objects.filter(action="fhir.export_file").count() == len(files)


def test_fhir_bulk_export_type_and_since(client, world):
    files, _ = _export(client, world["token"], "/fhir/Patient/$export", _type="Observation,Patient")
    assert set(files) == {"Observation", "Patient"}
    FhirResource.objects.filter(resource_type="Observation").update(
        updated_at=timezone.now() - timedelta(days=30)
    )
    since = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    files, _ = _export(
        client, world["token"], "/fhir/Patient/$export", _type="Observation", _since=since
    )
    assert "Observation" not in files


def test_fhir_bulk_export_group_is_the_callers_organisation(client, world):
    files, status_url = _export(client, world["token"], "/fhir/Group/Y01234/$export")
    assert [p["id"] for p in files["Patient"]] == [str(world["person"].external_id)]
    other = client.get(
        "/fhir/Group/RR8/$export", HTTP_AUTHORIZATION=f"Bearer {world['token']}", **ASYNC
    )
    assert other.status_code == 404
    assert (
        client.delete(status_url, HTTP_AUTHORIZATION=f"Bearer {world['token']}").status_code == 202
    )
    assert client.get(status_url, HTTP_AUTHORIZATION=f"Bearer {world['token']}").status_code == 404


def test_fhir_bulk_export_is_refused_without_record_access_and_private_to_its_owner(client, world):
    admin = f.user("admin.bulk", role="administrator")
    admin_token = create_token(by=SYSTEM, username=admin.username)[1]
    refused = client.get("/fhir/$export", HTTP_AUTHORIZATION=f"Bearer {admin_token}", **ASYNC)
    assert refused.status_code == 403 and refused.json()["resourceType"] == "OperationOutcome"
    _files, status_url = _export(client, world["token"])
    f.user("gp.other", role="gp", org=f.organisation("Y01234", "Town Surgery"))
    other = create_token(by=SYSTEM, username="gp.other")[1]
    assert client.get(status_url, HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404
    no_prefer = client.get("/fhir/$export", HTTP_AUTHORIZATION=f"Bearer {world['token']}")
    assert no_prefer.status_code == 400
    bad_type = client.get(
        "/fhir/$export",
        {"_type": "Spaceship"},
        HTTP_AUTHORIZATION=f"Bearer {world['token']}",
        **ASYNC,
    )
    assert bad_type.status_code == 400
