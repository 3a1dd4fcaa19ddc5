"""Search as clients use it (issue 19 item 2): date prefixes and partial dates, `_count`
alone, `_total`, `_summary=count`, `_sort`, `_elements`, `_lastUpdated`, `_revinclude`,
token search with system|code, any identifier system for Patient, chained
`subject:Patient.identifier`; and a CapabilityStatement that lists exactly these."""

import copy
from datetime import date

import pytest

from onestory.audit.domain.actor import Actor
from onestory.interop.actions import create_token, import_bundle
from tests import factories as f
from tests.integration.test_fhir_api import NHS, _bundle

SYSTEM = Actor.system("tests", channel="cli")
SNOMED = "http://snomed.info/sct"


@pytest.fixture
def world(db):
    """Margaret (five CSV sources, born 31 March 1950) with the hospital's five weight
    Observations (1 January to 1 May 2024), a GP in her care team, and a stranger."""
    margaret = f.rich_person()
    gp = f.user("gp.search", role="gp")
    f.care_team(margaret, gp)
    number = margaret.links.filter(record__nhs_number__gt="").first().record.nhs_number
    import_bundle(_bundle(number), by=SYSTEM, file_name="hospital.json")
    f.linked_person(f.source_record(given_name="Stranger", family_name="Danger"))
    _row, token = create_token(by=SYSTEM, username="gp.search")
    return {"person": margaret, "pid": str(margaret.external_id), "nhs": number, "token": token}


def _search(client, world, rtype, **params):
    response = client.get(f"/fhir/{rtype}", params, HTTP_AUTHORIZATION=f"Bearer {world['token']}")
    assert response.status_code == 200, response.content[:400]
    return response.json()


def _matches(body):
    return [e["resource"] for e in body.get("entry", []) if e["search"]["mode"] == "match"]


@pytest.mark.parametrize(
    ("value", "months"),
    [
        ("2024", [1, 2, 3, 4, 5]),
        ("2024-03", [3]),
        ("eq2024-03-01", [3]),
        ("ne2024-03-01", [1, 2, 4, 5]),
        ("ge2024-03", [3, 4, 5]),
        ("gt2024-03", [4, 5]),
        ("le2024-03-01", [1, 2, 3]),
        ("lt2024-03", [1, 2]),
        ("sa2024-03", [4, 5]),
        ("eb2024-03", [1, 2]),
        ("2023", []),
        ("ge2024-02-15T10:00:00Z", [3, 4, 5]),
    ],
)
def test_fhir_date_prefixes_and_partial_dates(client, world, value, months):
    body = _search(client, world, "Observation", patient=world["pid"], date=value, _sort="date")
    got = [int(o["effectiveDateTime"][5:7]) for o in _matches(body)]
    assert got == months and body["total"] == len(months)


def test_fhir_date_ap_is_approximately(client, world):
    body = _search(client, world, "Observation", patient=world["pid"], date="ap2024-03-01")
    assert "2024-03-01" in {o["effectiveDateTime"] for o in _matches(body)}


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("1950", 1),
        ("1950-03", 1),
        ("ge1950-03", 1),
        ("lt1950", 0),
        ("gt1950-03-31", 0),
        ("1951", 0),
    ],
)
def test_fhir_patient_birthdate_with_prefixes_and_partial_dates(client, world, value, found):
    body = _search(client, world, "Patient", birthdate=value)
    assert body["total"] == found
    if found:
        assert _matches(body)[0]["id"] == world["pid"]


def test_fhir_count_alone_total_and_summary_count(client, world):
    body = _search(client, world, "Patient", _count=5)
    assert body["total"] == 1 and [p["id"] for p in _matches(body)] == [world["pid"]]
    counted = _search(client, world, "Observation", patient=world["pid"], _summary="count")
    assert counted["total"] == 5 and not _matches(counted)  # the withheld notice stays
    zero = _search(client, world, "Observation", patient=world["pid"], _count=0)
    assert zero["total"] == 5 and not _matches(zero)
    untotalled = _search(client, world, "Observation", patient=world["pid"], _total="none")
    assert "total" not in untotalled and len(_matches(untotalled)) == 5
    fhirpy_count = _search(client, world, "Observation", _count=0, _totalMethod="count")
    assert fhirpy_count["total"] == 5


def test_fhir_sort_ascending_descending_and_by_last_updated(client, world):
    up = _matches(_search(client, world, "Observation", patient=world["pid"], _sort="date"))
    down = _matches(_search(client, world, "Observation", patient=world["pid"], _sort="-date"))
    assert [o["effectiveDateTime"] for o in up] == sorted(o["effectiveDateTime"] for o in up)
    assert [o["id"] for o in down] == [o["id"] for o in reversed(up)]
    by_id = _matches(_search(client, world, "Observation", patient=world["pid"], _sort="-_id"))
    assert [o["id"] for o in by_id] == sorted((o["id"] for o in up), reverse=True)
    _search(client, world, "Observation", patient=world["pid"], _sort="-_lastUpdated,date")
    response = client.get(
        "/fhir/Observation", {"_sort": "colour"}, HTTP_AUTHORIZATION=f"Bearer {world['token']}"
    )
    assert response.status_code == 400 and "colour" in response.json()["issue"][0]["diagnostics"]


def test_fhir_elements_keeps_only_what_is_asked_and_says_so(client, world):
    body = _search(client, world, "Observation", patient=world["pid"], _elements="code,status")
    for o in _matches(body):
        assert set(o) == {"resourceType", "id", "meta", "code", "status"}
        assert {"code": "SUBSETTED"}.items() <= o["meta"]["tag"][-1].items()
    (patient,) = _matches(_search(client, world, "Patient", _id=world["pid"], _elements="gender"))
    assert "name" not in patient and "gender" in patient


def test_fhir_last_updated(client, world):
    today = date.today().isoformat()
    assert (
        _search(client, world, "Observation", patient=world["pid"], _lastUpdated=f"ge{today}")[
            "total"
        ]
        == 5
    )
    assert (
        _search(client, world, "Observation", patient=world["pid"], _lastUpdated="lt2000")["total"]
        == 0
    )


def test_fhir_token_search_on_code_category_and_identifier(client, world):
    def total(rtype, **params):
        return _search(client, world, rtype, patient=world["pid"], **params)["total"]

    assert total("Observation", code=f"{SNOMED}|27113001") == 5
    assert total("Observation", code="27113001") == 5
    assert total("Observation", code="http://loinc.org|27113001") == 0
    assert total("Observation", code="|27113001") == 0  # it has a system
    assert total("Observation", code="999,27113001") == 5  # comma: any of
    # The A&E attendances from the hospital's CSV are Encounters of class EMER.
    assert total("Encounter", category="EMER") == 2
    assert total("Encounter", category="http://terminology.hl7.org/CodeSystem/v3-ActCode|AMB") == 4
    record = world["person"].links.get(record__system__kind="gp").record
    own = f"https://onestory.example/Id/source-record/{record.system.code}|{record.local_id}"
    assert _search(client, world, "Patient", identifier=own)["total"] == 1
    assert _search(client, world, "Patient", identifier=f"{NHS}|{world['nhs']}")["total"] == 1
    assert _search(client, world, "Patient", identifier="http://example.org|nothing")["total"] == 0


def test_fhir_chained_subject_patient_identifier(client, world):
    for name in ("subject:Patient.identifier", "patient.identifier", "subject.identifier"):
        body = _search(client, world, "Observation", **{name: f"{NHS}|{world['nhs']}"})
        assert body["total"] == 5, name
    assert (
        _search(
            client, world, "Observation", **{"subject:Patient.identifier": f"{NHS}|9990000018"}
        )["total"]
        == 0
    )


def test_fhir_revinclude_observations_of_patient_and_provenance_of_target(client, world):
    body = _search(client, world, "Patient", _id=world["pid"], _revinclude="Observation:subject")
    included = [e["resource"] for e in body["entry"] if e["search"]["mode"] == "include"]
    assert len([r for r in included if r["resourceType"] == "Observation"]) == 5
    observation = _matches(_search(client, world, "Observation", patient=world["pid"]))[0]
    provenance = {
        "resourceType": "Provenance",
        "id": "prov-1",
        "target": [{"reference": f"Observation/{observation['id']}"}],
        "recorded": "2024-05-01T10:00:00Z",
        "agent": [{"who": {"display": "Ward clerk"}}],
    }
    import_bundle(copy.deepcopy(provenance), by=SYSTEM, file_name="provenance.json")
    body = _search(
        client, world, "Observation", _id=observation["id"], _revinclude="Provenance:target"
    )
    assert [e["resource"]["id"] for e in body["entry"] if e["search"]["mode"] == "include"] == [
        "prov-1"
    ]


# A value each advertised parameter takes, to check the statement promises nothing that
# is refused.
SAMPLES = {
    "_id": "x", "_lastUpdated": "ge2024", "_count": "5", "_offset": "0", "_total": "accurate",
    "_summary": "count", "_elements": "id", "identifier": "a|b", "name": "x", "family": "x",
    "given": "x", "birthdate": "1950", "gender": "female", "patient": "Patient/x",
    "subject": "Patient/x", "date": "ge2024-01", "status": "final", "code": "a|b",
    "category": "x", "patient.identifier": "a|b", "subject.identifier": "a|b",
    "patient:Patient.identifier": "a|b", "subject:Patient.identifier": "a|b",
}  # fmt: skip


def test_fhir_capability_statement_advertises_exactly_what_is_served(client, world):
    statement = client.get("/fhir/metadata").json()
    resources = statement["rest"][0]["resource"]
    assert {"Immunization", "DiagnosticReport", "Claim", "ImagingStudy"} <= {
        r["type"] for r in resources
    }
    for resource in resources:
        rtype = resource["type"]
        assert {i["code"] for i in resource["interaction"]} >= {"read", "vread", "update", "create"}
        for param in resource["searchParam"]:
            name = param["name"]
            value = "_id" if name == "_sort" else SAMPLES[name]
            response = client.get(
                f"/fhir/{rtype}", {name: value}, HTTP_AUTHORIZATION=f"Bearer {world['token']}"
            )
            assert response.status_code == 200, (rtype, name, response.content[:200])
        for value in resource.get("searchRevInclude", []):
            params = {"_revinclude": value}
            response = client.get(
                f"/fhir/{rtype}", params, HTTP_AUTHORIZATION=f"Bearer {world['token']}"
            )
            assert response.status_code == 200, (rtype, value)
    observation = next(r for r in resources if r["type"] == "Observation")
    names = {p["name"] for p in observation["searchParam"]}
    assert {"code", "category", "_lastUpdated", "_sort", "subject:Patient.identifier"} <= names


def test_fhir_patient_search_sorts_and_pages_in_the_query(client, world):
    """Two people in the GP's care; `_sort=family` orders them, `_count=1` pages them."""
    from onestory.access.models import CareTeamMembership

    other = f.linked_person(f.source_record(given_name="Alan", family_name="Abbott"))
    gp = CareTeamMembership.objects.get(person=world["person"]).staff.user
    f.care_team(other, gp)
    first = _search(client, world, "Patient", _sort="family", _count=1)
    assert first["total"] == 2 and _matches(first)[0]["name"][0]["family"] == "Abbott"
    nxt = next(x["url"] for x in first["link"] if x["relation"] == "next")
    second = client.get(nxt, HTTP_AUTHORIZATION=f"Bearer {world['token']}").json()
    assert _matches(second)[0]["id"] == world["pid"]
    reverse = _search(client, world, "Patient", _sort="-family", _count=1)
    assert _matches(reverse)[0]["id"] == world["pid"]
