"""What each role sees of a record it may open, and the person's category refusals, across
the audited queries, pages and the JSON API."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from onestory.access.policy import actor_for_user, decide
from onestory.record import queries
from onestory.record.domain.search import parse_search
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def margaret():
    """rich_person plus a GP diagnosis and a children's-services child protection plan."""
    p = f.rich_person()
    gp = p.links.get(record__system__kind="gp").record
    f.source_event(
        gp,
        kind="condition",
        title="Diagnosis: Chlamydia",
        category="sexual_health",
        code="105629000",
        code_display="Chlamydial infection",
        status="active",
    )
    f.source_event(
        gp,
        kind="condition",
        title="Diagnosis: Hypertension",
        code="38341003",
        code_display="Hypertension",
        status="active",
        start=date(2012, 1, 1),
    )
    return p


def _staff(role: str, code: str, kind: str, person):
    user = f.user(f"{role}.cat", role=role, org=f.organisation(code, f"Org {code}", kind))
    f.care_team(person, user)
    return user, actor_for_user(user)


def test_housing_officer_never_sees_a_diagnosis(margaret, client):
    user, by = _staff("housing_officer", "HX1", "housing", margaret)
    record = queries.get_person_record(margaret.external_id, by=by)
    assert record.conditions == ()
    assert {o.system.kind for o in record.organisations} >= {"housing"}
    # The mental health trust's involvement is itself mental health information.
    assert "mental_health" not in {o.system.kind for o in record.organisations}
    assert "mental_health" not in {v.system.kind for v in record.identity.variants}
    timeline = queries.get_timeline(margaret.external_id, by=by)
    assert {i.category for i in timeline.items} == {"housing"}
    client.force_login(user)
    body = client.get(f"/api/people/{margaret.external_id}").content.decode()
    assert "Hypertension" not in body and "Chlamydia" not in body
    page = client.get(f"/people/{margaret.external_id}/").content.decode()
    assert "Hypertension" not in page and "Stairlift" in page


def test_housing_officer_search_does_not_match_on_mental_health_records(margaret):
    _, by = _staff("housing_officer", "HX1", "housing", margaret)
    # Only the mental health trust knows her by a former name ("Maggie" is no longer a
    # test of this: search now finds a listed nickname on any record).
    mh = margaret.links.get(record__system__kind="mental_health").record
    mh.family_name, mh.norm_family = "Hartley", "hartley"
    mh.save()
    assert queries.search_people(parse_search(name="hartley"), by=by).total == 0
    assert queries.search_people(parse_search(name="margaret"), by=by).total == 1
    _, nurse = _staff("nurse", "NX1", "community_provider", margaret)
    assert queries.search_people(parse_search(name="hartley"), by=nurse).total == 1


def test_social_worker_sees_conditions_but_not_sexual_health(margaret):
    _, by = _staff("social_worker", "SX1", "adult_social_care", margaret)
    record = queries.get_person_record(margaret.external_id, by=by)
    displays = {c.display for c in record.conditions}
    assert "Hypertension" in displays and "Chlamydial infection" not in displays


def test_voluntary_worker_sees_nothing_without_explicit_allow(margaret, client):
    user, by = _staff("voluntary_worker", "VX1", "voluntary", margaret)
    with pytest.raises(PermissionDenied):
        queries.get_person_record(margaret.external_id, by=by)
    client.force_login(user)
    assert client.get(f"/api/people/{margaret.external_id}").status_code == 403
    f.sharing_choice(margaret, user.staff.organisation, decision="allow")
    decision = decide(by, margaret)
    assert decision.allowed and decision.categories == {"demographics", "voluntary"}
    record = queries.get_person_record(margaret.external_id, by=by)
    assert record.conditions == () and record.identity.family_name == "Oldroyd"
    assert queries.get_timeline(margaret.external_id, by=by).total == 0


def test_refused_sensitive_category_disappears_from_pages_and_api(margaret, client):
    user, by = _staff("gp", "GX1", "gp_practice", margaret)
    before = queries.get_timeline(margaret.external_id, by=by)
    assert "mental_health" in {c.value for c in before.categories}
    f.sharing_choice(margaret, None, category="mental_health", decision="refuse")
    f.sharing_choice(margaret, None, category="sexual_health", decision="refuse")

    after = queries.get_timeline(margaret.external_id, by=by)
    assert not {"mental_health", "sexual_health"} & {c.value for c in after.categories}
    assert after.total == before.total - 2 - 1  # two CMHT contacts, one sexual-health entry
    record = queries.get_person_record(margaret.external_id, by=by)
    assert "mental_health" not in {o.system.kind for o in record.organisations}
    assert "Chlamydial infection" not in {c.display for c in record.conditions}

    client.force_login(user)
    for url in (
        f"/api/people/{margaret.external_id}",
        f"/api/people/{margaret.external_id}/timeline",
        f"/people/{margaret.external_id}/",
    ):
        body = client.get(url).content.decode()
        assert "CMHT" not in body and "Leeds and York Partnership" not in body, url
        assert "Chlamydia" not in body, url


def test_category_refused_for_everyone_but_allowed_for_one_organisation(margaret):
    _, gp = _staff("gp", "GX1", "gp_practice", margaret)
    _, nurse = _staff("nurse", "NX1", "community_provider", margaret)
    f.sharing_choice(margaret, None, category="mental_health", decision="refuse")
    f.sharing_choice(margaret, f.organisation("GX1"), category="mental_health", decision="allow")
    assert "mental_health" in decide(gp, margaret).categories
    assert "mental_health" not in decide(nurse, margaret).categories
