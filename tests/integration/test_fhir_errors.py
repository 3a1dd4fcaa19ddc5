"""Errors and formats under /fhir (issue 19 item 6): every error is an OperationOutcome
(unknown addresses and wrong methods too), and a request for a format OneStory does not
serve is a 406."""

import pytest

from onestory.audit.domain.actor import Actor
from onestory.interop.actions import create_token
from tests import factories as f

SYSTEM = Actor.system("tests", channel="cli")


@pytest.fixture
def token(db):
    f.user("gp.errors", role="gp")
    return create_token(by=SYSTEM, username="gp.errors")[1]


def _outcome(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == code
    return body


@pytest.mark.parametrize(
    "path",
    ["/fhir/Patient/abc/$nonsense", "/fhir/Condition/x/y/z", "/fhir/Observation/1/_history/1/2"],
)
def test_fhir_unknown_path_is_a_404_operation_outcome(client, token, path):
    _outcome(client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}"), 404, "not-found")
    _outcome(client.get(path), 404, "not-found")  # before authentication too: no HTML


def test_fhir_unknown_type_and_unknown_id_are_404_operation_outcomes(client, token):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    _outcome(client.get("/fhir/Spaceship", **auth), 404, "not-supported")
    _outcome(client.get("/fhir/Condition/no-such-id", **auth), 404, "not-found")
    _outcome(client.get("/fhir/Condition/no-such-id/_history/1", **auth), 404, "not-found")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("delete", "/fhir/Condition/abc", "GET, PUT"),
        ("patch", "/fhir/Condition/abc", "GET, PUT"),
        ("delete", "/fhir/Condition", "GET, POST, PUT"),
        ("put", "/fhir", "POST"),
        ("post", "/fhir/metadata", "GET"),
        ("post", "/fhir/Condition/abc/_history", "GET"),
        ("post", "/fhir/Patient/abc/$everything", "GET"),
    ],
)
def test_fhir_wrong_method_is_a_405_operation_outcome_with_allow(
    client, token, method, path, allow
):
    response = getattr(client, method)(
        path, "{}", content_type="application/fhir+json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    _outcome(response, 405, "not-supported")
    assert response["Allow"] == allow


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"_format": "xml"}, {}),
        ({"_format": "application/fhir+xml"}, {}),
        ({}, {"HTTP_ACCEPT": "application/fhir+xml"}),
        ({}, {"HTTP_ACCEPT": "application/xml, text/xml;q=0.5"}),
        ({"_format": "ttl"}, {"HTTP_ACCEPT": "application/fhir+json"}),
    ],
)
def test_fhir_format_not_served_is_406(client, token, params, headers):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", **headers}
    for path in (
        "/fhir/metadata",
        "/fhir/Condition",
        "/fhir/Condition/abc",
        "/fhir/nothing/here/at/all",
    ):
        _outcome(client.get(path, params, **auth), 406, "not-supported")


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"_format": "json"}, {}),
        ({"_format": "application/fhir+json"}, {}),
        ({}, {"HTTP_ACCEPT": "application/fhir+json"}),
        ({}, {"HTTP_ACCEPT": "application/json"}),
        ({}, {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}),
        ({"_format": "json"}, {"HTTP_ACCEPT": "application/fhir+xml"}),  # _format wins
    ],
)
def test_fhir_json_formats_are_served(client, token, params, headers):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", **headers}
    response = client.get("/fhir/Condition", params, **auth)
    assert response.status_code == 200
    assert response.json()["resourceType"] == "Bundle"
    assert client.get("/fhir/metadata", params, **headers).status_code == 200


def test_fhir_bad_body_on_create_and_update_is_an_operation_outcome(client, db):
    admin = f.user("admin.errors", role="administrator")
    token = create_token(by=SYSTEM, username=admin.username)[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "content_type": "application/fhir+json"}
    _outcome(client.post("/fhir/Condition", "{nope", **auth), 400, "structure")
    _outcome(client.post("/fhir/Condition", '{"resourceType": "Goal"}', **auth), 400, "invalid")
    _outcome(
        client.put("/fhir/Condition/a", '{"resourceType": "Condition", "id": "b"}', **auth),
        400,
        "invalid",
    )
    _outcome(
        client.put("/fhir/Condition", '{"resourceType": "Condition"}', **auth), 400, "required"
    )
