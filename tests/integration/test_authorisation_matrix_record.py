"""The authorisation matrix, continued for what the record shows around the person: search
results (page and API, precise and sweeping queries), the care-team card and household on
the person page, and the FHIR export, for every role that reads records × with or without a
relationship × with or without the person's refusal of the caller's organisation.

The expected outcome is written here from the rules (ADR 0011 for search; one category
rule for naming services), not read from the policy code."""

import re
from datetime import date

import pytest

from onestory.access.models import OrganisationKind
from onestory.audit.models import AuditEvent
from onestory.sources.models import SourceRecord
from tests import factories as f

pytestmark = pytest.mark.django_db

RECORD_ROLES = (
    "gp",
    "nurse",
    "social_worker",
    "care_coordinator",
    "mental_health_worker",
    "housing_officer",
    "voluntary_worker",
    "data_quality_officer",
)
# Roles that see mental health information by default.
SEES_MENTAL_HEALTH = {"gp", "nurse", "mental_health_worker"}
ORG_KIND = {
    "gp": OrganisationKind.GP_PRACTICE,
    "nurse": OrganisationKind.COMMUNITY_PROVIDER,
    "social_worker": OrganisationKind.ADULT_SOCIAL_CARE,
    "care_coordinator": OrganisationKind.ADULT_SOCIAL_CARE,
    "mental_health_worker": OrganisationKind.MENTAL_HEALTH_TRUST,
    "housing_officer": OrganisationKind.HOUSING,
    "voluntary_worker": OrganisationKind.VOLUNTARY,
    "data_quality_officer": OrganisationKind.COMMISSIONER,
}
DOB = date(1947, 7, 14)
DOB_FORMS = ("14/07/1947", "1947-07-14", "14 July 1947", "14 Jul 1947")
CMHT_REASON = "Care coordinator in the community mental health team"


def _reveals(body: str, nhs: str) -> list[str]:
    spaced = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
    found = [w for w in ("margaret", "oldroyd", "maggie") if w in body.lower()]
    found += [n for n in (nhs, spaced) if n in body]
    found += [d for d in DOB_FORMS if d in body]
    return found


def _world(role: str, related: bool, refused: bool):
    """Margaret (five systems, a mental health worker in her care team), a neighbour known
    only to the mental health trust, and a user of `role` with or without a relationship
    and with or without her refusal of their organisation."""
    margaret = f.rich_person()
    SourceRecord.objects.filter(links__person=margaret).update(date_of_birth=DOB)
    nhs = margaret.links.filter(record__nhs_number__gt="").first().record.nhs_number
    mh_system = margaret.links.get(record__system__kind="mental_health").record.system
    f.linked_person(f.source_record(mh_system, given_name="Hidden", family_name="Neighbour"))
    cmht = f.organisation("RGD-CMHT", "Leeds CMHT", OrganisationKind.MENTAL_HEALTH_TRUST)
    mh_worker = f.user("mh.worker", role="mental_health_worker", org=cmht)
    f.care_team(margaret, mh_worker, reason=CMHT_REASON)
    org = f.organisation(f"R-{role}"[:20], f"Record matrix {role}", ORG_KIND[role])
    user = f.user(f"rm.{role}", role=role, org=org)
    if related:
        f.care_team(margaret, user, reason="Matrix: in the care team")
        if role == "voluntary_worker":
            f.sharing_choice(margaret, org, decision="allow")
    if refused:
        from onestory.access.models import SharingChoice

        SharingChoice.objects.filter(person=margaret, organisation=org, category="").delete()
        f.sharing_choice(margaret, org, decision="refuse")
    return margaret, nhs, user


CELLS = [
    pytest.param(role, related, refused, id=f"{role}-{rel}-{ref}")
    for role in RECORD_ROLES
    for related, rel in ((True, "related"), (False, "unrelated"))
    for refused, ref in ((False, "not_refused"), (True, "refused"))
]


@pytest.mark.parametrize(("role", "related", "refused"), CELLS)
def test_search_by_nhs_number(client, role, related, refused):
    """A precise query: with a relationship, the full summary; without one, name and year
    of birth only to roles that may join (not the voluntary sector without the person's
    allow); after a refusal, only "chose not to share with your organisation"."""
    margaret, nhs, user = _world(role, related, refused)
    client.force_login(user)
    person_id = str(margaret.external_id)
    api = client.get("/api/people", {"nhs_number": nhs}).json()
    page = client.get("/", {"nhs_number": nhs}).content.decode()
    page_without_input = page.replace(f'value="{nhs}"', "")
    hits = [h for h in api["results"] if h["id"] == person_id]

    if refused:
        assert hits == [] and api["not_shared"] == 1 and api["total"] == 0
        assert person_id not in page and _reveals(page_without_input, nhs) == []
        assert "chosen not to share their record with your organisation" in page
    elif related:
        (hit,) = hits
        assert hit["access"] is True and hit["withheld"] == []
        # A mental health trust is not counted for a role that does not see mental health.
        assert hit["postcode"] == "LS2 5ZN"
        assert hit["systems"] == (5 if role in SEES_MENTAL_HEALTH else 4)
        assert hit["date_of_birth"] == "1947-07-14"
        assert person_id in page and "You have access" in page
    elif role == "voluntary_worker":
        # Sees nobody the person has not allowed: not even that they exist.
        assert hits == [] and api["not_shared"] == 0 and api["total"] == 0
        assert person_id not in page and _reveals(page_without_input, nhs) == []
    else:
        (hit,) = hits
        assert hit["access"] is False
        assert (hit["name"], hit["birth_year"]) == ("Margaret Oldroyd", 1947)
        assert hit["date_of_birth"] is None and hit["postcode"] is None
        assert hit["systems"] is None
        assert set(hit["withheld"]) == {"date_of_birth", "postcode", "systems"}
        assert person_id in page and "No access yet" in page
        results = page.split('id="results"')[1]  # the form's hint gives LS2 5ZN as an example
        assert "LS2 5ZN" not in results and "Born 1947" in results
        assert not any(d in page for d in DOB_FORMS)
    searches = AuditEvent.objects.filter(actor_id=f"user:{user.pk}", action="record.search")
    assert searches.count() == 2
    assert nhs not in str(searches.first().detail)


@pytest.mark.parametrize(("role", "related", "refused"), CELLS)
def test_search_by_postcode_lists_only_people_with_a_relationship(client, role, related, refused):
    """A sweep (a postcode) never lists anyone the searcher has no relationship with, nor
    counts them, nor says a refusal exists."""
    margaret, nhs, user = _world(role, related, refused)
    f.linked_person(f.source_record(given_name="Norah", family_name="Nextdoor"))
    client.force_login(user)
    person_id = str(margaret.external_id)
    api = client.get("/api/people", {"postcode": "LS2 5ZN"}).json()
    page = client.get("/", {"postcode": "LS2 5ZN"}).content.decode()
    assert api["related_only"] is True and api["not_shared"] == 0
    assert "nextdoor" not in page.lower() and "Nextdoor" not in str(api)
    if related and not refused:
        assert [h["id"] for h in api["results"]] == [person_id] and api["total"] == 1
        assert person_id in page
    else:
        assert api["results"] == [] and api["total"] == 0
        assert person_id not in page and _reveals(page, nhs) == []
        assert "chosen not to share" not in page


@pytest.mark.parametrize(("role", "related", "refused"), CELLS)
def test_care_team_card_and_household(client, role, related, refused):
    """The care-team card and household name a mental health worker, or a neighbour known
    only to the mental health trust, only to roles that see mental health; the others are
    told that some information is not shown. Without access the page is the 403."""
    margaret, nhs, user = _world(role, related, refused)
    client.force_login(user)
    response = client.get(f"/people/{margaret.external_id}/")
    body = response.content.decode()
    if not related or refused:
        assert response.status_code == 403
        assert _reveals(body, nhs) == [] and CMHT_REASON not in body
        return
    assert response.status_code == 200
    shows_mh = role in SEES_MENTAL_HEALTH
    for text in (CMHT_REASON, "mh.worker", "Leeds CMHT", "Hidden Neighbour"):
        assert (text in body) is shows_mh, text
    assert ('data-testid="withheld"' in body) is True  # every role has something withheld
    # She has no diagnoses at all; only a role that sees every diagnosis category may be
    # told "none recorded", the others "none that you can see".
    assert ("No active conditions or diagnoses recorded." in body) is shows_mh
    assert ("No active conditions or diagnoses that you can see." in body) is not shows_mh
    if not shows_mh:
        notes = re.findall(r'data-testid="withheld">([^<]*)<', body)
        assert any(
            re.search(r"[:;] [a-z ,]*mental health[a-z ,]* \(your role does not see this\)", n)
            for n in notes
        ), notes
    api = client.get(f"/api/people/{margaret.external_id}").json()
    assert ("mental_health" in {w["category"] for w in api["withheld"]}) is not shows_mh
    assert ("Hidden Neighbour" in str(api["household"])) is shows_mh


def test_care_team_card_hides_mental_health_after_the_person_refused_it_for_everyone(client):
    margaret, nhs, user = _world("nurse", related=True, refused=False)
    client.force_login(user)
    assert CMHT_REASON in client.get(f"/people/{margaret.external_id}/").content.decode()
    f.sharing_choice(margaret, None, category="mental_health", decision="refuse")
    body = client.get(f"/people/{margaret.external_id}/").content.decode()
    for text in (CMHT_REASON, "mh.worker", "Leeds CMHT", "Hidden Neighbour", "Mental health trust"):
        assert text not in body, text
    assert "mental health (the person chose not to share this with you)" in body
    assert "Known to 4 systems that you can see" in body
    api = client.get(f"/api/people/{margaret.external_id}").json()
    assert {"category": "mental_health", "label": "Mental health", "reason": "person_choice"} in (
        api["withheld"]
    )
    # Search counts only what may be named, too.
    (hit,) = client.get("/api/people", {"nhs_number": nhs}).json()["results"]
    assert hit["systems"] == 4


@pytest.mark.parametrize(("role", "related", "refused"), CELLS)
def test_fhir_export(client, role, related, refused):
    """The person page's "Export as FHIR" ($everything): only with access; a mental health
    trust is not named to roles that do not see mental health; what was withheld is said in
    an OperationOutcome and a REDACTED label, never by leaving it silently out."""
    margaret, nhs, user = _world(role, related, refused)
    client.force_login(user)
    response = client.get(f"/fhir/Patient/{margaret.external_id}/$everything", {"_download": "1"})
    body = response.content.decode()
    if not related or refused:
        assert response.status_code == 403
        assert _reveals(body, nhs) == []
        assert AuditEvent.objects.filter(
            actor_id=f"user:{user.pk}", action="record.denied"
        ).exists()
        return
    assert response.status_code == 200
    resources = [e["resource"] for e in response.json()["entry"]]
    orgs = {r["name"] for r in resources if r["resourceType"] == "Organization"}
    assert ("Leeds and York Partnership" in orgs) is (role in SEES_MENTAL_HEALTH)
    (outcome,) = [r for r in resources if r["resourceType"] == "OperationOutcome"]
    assert {i["code"] for i in outcome["issue"]} == {"suppressed"}
    (patient,) = [r for r in resources if r["resourceType"] == "Patient"]
    assert {"code": "REDACTED"}.items() <= patient["meta"]["security"][0].items()
    assert ("mental health" in str(outcome)) is (role not in SEES_MENTAL_HEALTH)


def test_no_access_page_says_the_person_refused_and_offers_nothing_that_cannot_work(client):
    margaret, nhs, user = _world("voluntary_worker", related=False, refused=True)
    client.force_login(user)
    body = client.get(f"/people/{margaret.external_id}/").content.decode()
    assert "chosen not to share their record with Record matrix voluntary_worker" in body
    assert "Join the care team</button>" not in body and "Break glass</button>" not in body
    assert _reveals(body, nhs) == []


def test_no_access_page_for_a_voluntary_worker_not_yet_allowed_offers_no_join(client):
    margaret, nhs, user = _world("voluntary_worker", related=False, refused=False)
    client.force_login(user)
    body = client.get(f"/people/{margaret.external_id}/").content.decode()
    assert 'data-testid="not-shared"' in body
    assert "Join the care team</button>" not in body


def test_no_access_page_without_a_relationship_still_offers_join_and_break_glass(client):
    margaret, nhs, user = _world("nurse", related=False, refused=False)
    client.force_login(user)
    body = client.get(f"/people/{margaret.external_id}/").content.decode()
    assert "Join the care team</button>" in body and "Break glass</button>" in body
    assert 'data-testid="refused-by-person"' not in body


def test_search_pages_through_results_on_the_page_and_the_api(client):
    gp = f.user("rm.pager", role="gp", org=f.organisation("B86001", "Beech Tree Surgery"))
    sys = f.source_system("gp", "B86001")
    for i in range(55):
        p = f.linked_person(f.source_record(sys, given_name=f"P{i:02d}", family_name="Pager"))
        f.care_team(p, gp)
    client.force_login(gp)
    first = client.get("/", {"name": "pager"}).content.decode()
    assert "55 people found" in first and "Page 2 of 2" in first
    second = client.get("/", {"name": "pager", "page": "2"}).content.decode()
    assert second.count('href="/people/') == 5 and "Page 1 of 2" in second
    api = client.get("/api/people", {"name": "pager", "limit": 20, "page": 3}).json()
    assert (api["total"], api["offset"], api["page"], api["pages"]) == (55, 40, 3, 3)
    assert len(api["results"]) == 15
    by_offset = client.get("/api/people", {"name": "pager", "limit": 20, "offset": 40}).json()
    assert [r["id"] for r in by_offset["results"]] == [r["id"] for r in api["results"]]


def test_search_finds_a_misspelt_name_on_the_page(client):
    gp = f.user("rm.typo", role="gp", org=f.organisation("B86001", "Beech Tree Surgery"))
    joyce = f.linked_person(f.source_record(given_name="Joyce", family_name="Cook"))
    f.care_team(joyce, gp)
    client.force_login(gp)
    page = client.get("/", {"name": "Joyse Cook"}).content.decode()
    assert f"/people/{joyce.external_id}/" in page and "close to the name you typed" in page


def test_timeline_leaves_out_a_mental_health_service_once_mental_health_is_refused(client):
    margaret, nhs, user = _world("nurse", related=True, refused=False)
    mh = margaret.links.get(record__system__kind="mental_health").record
    f.source_event(mh, kind="encounter", category="clinical", title="Physical health check")
    client.force_login(user)
    url = f"/api/people/{margaret.external_id}/timeline"
    assert "Physical health check" in client.get(url).content.decode()
    f.sharing_choice(margaret, None, category="mental_health", decision="refuse")
    response = client.get(url)
    body = response.content.decode()
    assert "Physical health check" not in body and "Leeds and York Partnership" not in body
    withheld = {w["category"]: w["reason"] for w in response.json()["withheld"]}
    assert withheld["mental_health"] == "person_choice" and withheld["finance"] == "role"
    fragment = client.get(
        f"/people/{margaret.external_id}/timeline/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "mental health (the person chose not to share this with you)" in fragment
