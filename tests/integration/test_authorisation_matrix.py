"""The authorisation matrix: every staff role × every way to read a person (person page,
timeline fragment, JSON record, JSON timeline, JSON search, search page) × with or without a
legitimate relationship × with or without the person's refusal of the caller's organisation.

Each cell asserts the allow or deny, that a deny reveals nothing about the person (no name,
NHS number or date of birth in a 403 body; no hit in search) and that the right audit event
was written. The expected outcome is computed here from the issue's rules, not from the
policy code, so a change to the policy that breaks a rule fails a cell."""

from datetime import date

import pytest

from onestory.access.domain.roles import ROLES
from onestory.access.models import OrganisationKind
from onestory.audit.models import AuditEvent
from onestory.sources.models import SourceRecord
from tests import factories as f

pytestmark = pytest.mark.django_db

# Roles whose holders read person-level records (given a relationship); the rest never do.
RECORD_ROLES = {
    "gp",
    "nurse",
    "social_worker",
    "care_coordinator",
    "mental_health_worker",
    "housing_officer",
    "voluntary_worker",
    "data_quality_officer",
}
NO_RECORD_ROLES = {"commissioner", "analyst", "national_analyst", "privacy_lead", "administrator"}

ORG_KIND = {
    "gp": OrganisationKind.GP_PRACTICE,
    "nurse": OrganisationKind.COMMUNITY_PROVIDER,
    "social_worker": OrganisationKind.ADULT_SOCIAL_CARE,
    "care_coordinator": OrganisationKind.ADULT_SOCIAL_CARE,
    "mental_health_worker": OrganisationKind.MENTAL_HEALTH_TRUST,
    "housing_officer": OrganisationKind.HOUSING,
    "voluntary_worker": OrganisationKind.VOLUNTARY,
    "data_quality_officer": OrganisationKind.COMMISSIONER,
    "commissioner": OrganisationKind.COMMISSIONER,
    "analyst": OrganisationKind.COMMISSIONER,
    "national_analyst": OrganisationKind.COMMISSIONER,
    "privacy_lead": OrganisationKind.GP_PRACTICE,
    "administrator": OrganisationKind.COMMISSIONER,
}

RECORD_ENDPOINTS = ("person_page", "timeline_fragment", "api_record", "api_timeline")
SEARCH_ENDPOINTS = ("api_search", "search_page")
ENDPOINTS = RECORD_ENDPOINTS + SEARCH_ENDPOINTS

# What a deny must never show: the person's names, NHS number and date of birth (an unusual
# one, so that no example date in a form hint matches it by chance).
DOB = date(1947, 7, 14)
DOB_FORMS = ("14/07/1947", "1947-07-14", "14 July 1947", "14 Jul 1947")


def test_matrix_covers_every_role():
    assert RECORD_ROLES | NO_RECORD_ROLES == set(ROLES)


def _request(client, endpoint: str, person_id: str):
    if endpoint == "person_page":
        return client.get(f"/people/{person_id}/")
    if endpoint == "timeline_fragment":
        return client.get(f"/people/{person_id}/timeline/", HTTP_HX_REQUEST="true")
    if endpoint == "api_record":
        return client.get(f"/api/people/{person_id}")
    if endpoint == "api_timeline":
        return client.get(f"/api/people/{person_id}/timeline")
    if endpoint == "api_search":
        return client.get("/api/people", {"name": "oldroyd"})
    return client.get("/", {"name": "oldroyd"})


def _reveals(body: str, nhs: str) -> list[str]:
    spaced = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
    found = [w for w in ("margaret", "oldroyd", "maggie") if w in body.lower()]
    found += [n for n in (nhs, spaced) if n in body]
    found += [d for d in DOB_FORMS if d in body]
    return found


@pytest.mark.parametrize("refused", [False, True], ids=["not_refused", "refused"])
@pytest.mark.parametrize("related", [True, False], ids=["related", "unrelated"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", sorted(ROLES))
def test_authorisation_matrix(client, role, endpoint, related, refused):
    margaret = f.rich_person()
    SourceRecord.objects.filter(links__person=margaret).update(date_of_birth=DOB)
    nhs = margaret.links.filter(record__nhs_number__gt="").first().record.nhs_number
    org = f.organisation(f"M-{role}"[:20], f"Matrix {role}", ORG_KIND[role])
    user = f.user(f"matrix.{role}", role=role, org=org)
    if related:
        f.care_team(margaret, user, reason="Matrix: in the care team")
        if role == "voluntary_worker":
            # The voluntary sector's relationship needs the person's explicit allow too.
            f.sharing_choice(margaret, org, decision="allow")
    if refused:
        from onestory.access.models import SharingChoice

        SharingChoice.objects.filter(person=margaret, organisation=org, category="").delete()
        f.sharing_choice(margaret, org, decision="refuse")
    client.force_login(user)
    person_id = str(margaret.external_id)

    response = _request(client, endpoint, person_id)
    body = response.content.decode()
    events = AuditEvent.objects.filter(actor_id=f"user:{user.pk}")
    channel = "api" if endpoint.startswith("api") else "page"

    if endpoint in RECORD_ENDPOINTS:
        allowed = role in RECORD_ROLES and related and not refused
        if allowed:
            assert response.status_code == 200, body[:500]
            if endpoint in ("person_page", "api_record"):
                assert "oldroyd" in body.lower()
            actions = set(events.filter(person_id=person_id).values_list("action", flat=True))
            wanted = {
                "person_page": {"record.view"},  # one read per visit
                "timeline_fragment": {"record.timeline"},
                "api_record": {"record.view"},
                "api_timeline": {"record.timeline"},
            }[endpoint]
            assert wanted <= actions
            assert "record.denied" not in actions
            assert set(events.values_list("channel", flat=True)) == {channel}
        else:
            assert response.status_code == 403, body[:500]
            assert _reveals(body, nhs) == []
            denied = events.filter(action="record.denied", person_id=person_id)
            assert denied.count() >= 1
            assert denied.first().channel == channel
            assert not events.filter(action__in=["record.view", "record.timeline"]).exists()
            expected_reason = (
                "role_has_no_record_access"
                if role in NO_RECORD_ROLES
                else "refused_by_person"
                if refused
                else "not_shared_with_organisation"
                if role == "voluntary_worker"
                else "no_legitimate_relationship"
            )
            assert denied.first().detail["reason"] == expected_reason
        return

    # Search: roles with record access search; a refusal, or no relationship on a name-only
    # search, hides the person entirely.
    if role in NO_RECORD_ROLES:
        # The API refuses; the search page refuses or sends them to their own start page.
        assert response.status_code in ((403,) if channel == "api" else (302, 403)), body[:500]
        if response.status_code == 302:
            assert "oldroyd" not in response["Location"].lower()
        assert _reveals(body, nhs) == []
        assert not events.filter(action="record.search").exists()
        return
    assert response.status_code == 200, body[:500]
    (search,) = events.filter(action="record.search")
    assert search.channel == channel
    if refused:
        # The search form echoes what was typed; nothing else may name the person.
        assert _reveals(body.replace('value="oldroyd"', ""), nhs) == []
        assert person_id not in body
        assert search.detail["results"] == 0
        return
    if not related:
        # Without a relationship a name alone lists nobody (ADR 0011); precise queries, which
        # may list name and year of birth, are in test_authorisation_matrix_record.
        assert _reveals(body.replace('value="oldroyd"', ""), nhs) == []
        assert person_id not in body
        assert search.detail["results"] == 0
        return
    assert person_id in body and "oldroyd" in body.lower()
    assert search.detail["results"] == 1
    if endpoint == "api_search":
        (hit,) = response.json()["results"]
        if "access" in hit:
            assert hit["access"] is (related and role in RECORD_ROLES)
