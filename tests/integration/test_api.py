"""The JSON API at /api/: search, record summary, timeline, errors and the OpenAPI schema."""

from datetime import date

import pytest

from onestory.audit.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def nurse():
    return f.user("nurse.api", role="nurse")


@pytest.fixture
def api(client, nurse):
    client.force_login(nurse)
    return client


@pytest.fixture
def margaret(nurse):
    p = f.rich_person()
    f.care_team(p, nurse)  # a legitimate relationship: the nurse is in her care team
    return p


def test_openapi_schema_lists_the_people_paths(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/people", "/api/people/{person_id}", "/api/people/{person_id}/timeline"} <= set(
        paths
    )
    schemas = response.json()["components"]["schemas"]
    assert {"PersonRecordOut", "TimelineOut", "SearchOut"} <= set(schemas)
    params = {p["name"] for p in paths["/api/people/{person_id}/timeline"]["get"]["parameters"]}
    assert {"system", "kind", "page", "page_size", "from_date", "to_date"} <= params


def test_interactive_docs_page_is_served(client):
    assert client.get("/api/docs").status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/people?name=a", "/api/people/{id}", "/api/people/{id}/timeline"]
)
def test_api_requires_sign_in(client, margaret, path):
    response = client.get(path.format(id=margaret.external_id))
    assert response.status_code == 401
    assert not AuditEvent.objects.exists()


def test_api_search_by_name_returns_typed_summaries(api, margaret):
    response = api.get("/api/people", {"name": "oldroyd"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    (person,) = body["results"]
    assert person["id"] == str(margaret.external_id)
    assert person["name"] == "Margaret Oldroyd"
    assert person["date_of_birth"] == "1950-03-31"
    assert person["systems"] == 5
    event = AuditEvent.objects.get(action="record.search")
    assert event.channel == "api" and event.detail == {
        "criteria": ["name"],
        "results": 1,
        "identity_only": 0,
        "not_shared": 0,
    }


def test_api_search_by_nhs_number_and_postcode(api, margaret):
    number = margaret.links.first().record.nhs_number
    body = api.get("/api/people", {"nhs_number": number, "postcode": "LS2"}).json()
    assert [p["id"] for p in body["results"]] == [str(margaret.external_id)]


def test_api_search_rejects_bad_criteria_with_400(api):
    response = api.get("/api/people", {"dob": "yesterday"})
    assert response.status_code == 400
    assert "dob" in response.json()["errors"]
    assert api.get("/api/people").status_code == 400


def test_api_person_record(api, margaret):
    gp = margaret.links.get(record__system__kind="gp").record
    f.source_event(
        gp,
        kind="condition",
        title="Diagnosis: Hypertension",
        status="active",
        code="38341003",
        code_display="Hypertension",
        start=date(2012, 1, 1),
    )
    # Not current, by the clinical summary's rule: resolved, ended, or a short-term
    # problem (a urinary tract infection) from long ago.
    for code, status, end, start in (
        ("195967001", "resolved", None, date(2015, 1, 1)),
        ("44054006", "active", date(2020, 1, 1), date(2016, 1, 1)),
        ("68566005", "", None, date(2019, 5, 1)),
    ):
        f.source_event(
            gp, kind="condition", title="Old", status=status, code=code, start=start, end=end
        )
    asc = margaret.links.get(record__system__kind="adult_social_care").record
    f.source_event(
        asc,
        kind="service",
        category="social_care",
        title="Home care",
        status="open",
        details={"planned_hours_per_week": 7, "weekly_cost_pence": 16100},
    )
    response = api.get(f"/api/people/{margaret.external_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(margaret.external_id)
    assert body["identity"]["preferred_from"]["kind"] == "gp"
    assert len(body["identity"]["variants"]) == 5
    assert [c["code"] for c in body["conditions"]] == ["38341003"]
    (service,) = body["current_services"]
    assert service["hours_per_week"] == 7.0 and service["weekly_cost_pence"] == 16100
    assert len(body["organisations"]) == 5
    event = AuditEvent.objects.get(action="record.view")
    assert event.channel == "api" and event.person_id == str(margaret.external_id)


def test_api_timeline_filters_and_pages(api, margaret):
    url = f"/api/people/{margaret.external_id}/timeline"
    body = api.get(url, {"page_size": 3, "page": 2}).json()
    assert (body["total"], body["pages"], body["page"], len(body["items"])) == (10, 4, 2, 3)
    item = body["items"][0]
    assert {"org_name", "kind_label"} <= set(item["system"])
    assert item["source_file"] and item["record_local_id"]
    filtered = api.get(f"{url}?system=gp:B86001&system=housing:H001").json()
    assert filtered["total"] == 4
    assert {i["system"]["code"] for i in filtered["items"]} == {"gp:B86001", "housing:H001"}
    by_kind = api.get(url, {"kind": "adaptation"}).json()
    assert {i["kind"] for i in by_kind["items"]} == {"adaptation"} and by_kind["total"] == 2


def test_api_timeline_date_range_takes_iso_dates(api, margaret):
    url = f"/api/people/{margaret.external_id}/timeline"
    later = api.get(url, {"from_date": "2025-03-01"}).json()
    assert later["total"] == 5 and {i["start"] for i in later["items"]} == {"2025-03-03"}
    earlier = api.get(url, {"to_date": "2025-02-28"}).json()
    assert earlier["total"] == 5 and {i["start"] for i in earlier["items"]} == {"2025-02-24"}
    assert api.get(url, {"from_date": "3 March 2025"}).status_code == 422


def test_api_unknown_person_is_404(api):
    missing = "00000000-0000-0000-0000-000000000002"
    assert api.get(f"/api/people/{missing}").status_code == 404
    assert api.get(f"/api/people/{missing}/timeline").status_code == 404


def test_api_user_without_staff_profile_gets_403(client, margaret):
    client.force_login(f.user("no.staff", role=""))
    response = client.get(f"/api/people/{margaret.external_id}")
    assert response.status_code == 403
    assert response.json()["detail"]
    assert client.get("/api/people", {"name": "x"}).status_code == 403


def test_api_search_says_whether_access_is_held(client, margaret):
    in_team = f.user("nurse.team", role="nurse")
    f.care_team(margaret, in_team)
    outsider = f.user("nurse.outside", role="nurse", org=f.organisation("Y77001", "Elsewhere"))
    seen = {}
    number = margaret.links.first().record.nhs_number
    for user in (in_team, outsider):
        client.force_login(user)
        people = client.get("/api/people", {"nhs_number": number}).json()["results"]
        seen[user.username] = [p["access"] for p in people if p["id"] == str(margaret.external_id)]
    assert seen == {"nurse.team": [True], "nurse.outside": [False]}
