"""The authorisation matrix's partnership dimension (ADR 0026): two partnerships on one
installation. Margaret Oldroyd's GP practice is in partnership B; the staff are partnership
A's. Without a relationship they get nothing about her through any entry point — every
page, list, worklist, search, count, API, FHIR route, export and CSV the project's URL
patterns list (`_routes.routes()`), and precise searches by NHS number — neither her name,
NHS number nor date of birth. With one (cross-boundary care: a care team membership) they
see her record, through that relationship only. A person who moves between partnerships
keeps one identity."""

import json
import re

import pytest
from django.core.exceptions import PermissionDenied

from onestory.access import actions
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.interop.actions import create_token
from onestory.places.actions import load_catalogue
from onestory.places.domain.catalogue import Catalogue, LocalityRow, PartnershipRow, PracticeRow
from onestory.places.models import Partnership
from onestory.sources.models import SourceRecord
from tests import factories as f
from tests.integration._routes import routes
from tests.integration.test_authorisation_matrix import DOB, ORG_KIND, _reveals
from tests.integration.test_fhir_bulk import ASYNC, _export

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("tests", channel="cli")

# Partnership B holds Margaret's GP practice (B86001, as tests.factories.rich_person uses).
PRACTICE_A, PRACTICE_B = "A00001", "B86001"
# The roles a sweep of every route signs in as: ones that read records (one that may break
# glass, one that may not see clinical data, one that needs the person's allow) and the
# aggregate roles.
SWEEP_ROLES = (
    "gp",
    "social_worker",
    "voluntary_worker",
    "data_quality_officer",
    "commissioner",
    "analyst",
)
GETTABLE = sorted(
    {r.pattern for r in routes() if not r.pattern.startswith("^")}
    - {"health/", "ready/", "favicon.ico", "who-pays/plotly.min.js", "api/docs"}
)


def _two_partnerships():
    load_catalogue(
        Catalogue(
            partnerships=[PartnershipRow("PA", "Partnership A"), PartnershipRow("PB", "Partner B")],
            localities=[LocalityRow("PA-1", "A One", "PA"), LocalityRow("PB-1", "B One", "PB")],
            practices=[PracticeRow(PRACTICE_A, "PA-1"), PracticeRow(PRACTICE_B, "PB-1")],
        ),
        source="tests",
        by=SYSTEM,
    )
    return {p.code: p for p in Partnership.objects.all()}


def _staff(role: str, partnership, suffix: str = "a"):
    org = f.organisation(f"P{suffix}-{role}"[:20], f"Partnership {suffix} {role}", ORG_KIND[role])
    org.partnership = partnership
    org.save(update_fields=["partnership"])
    return f.user(f"{suffix}.{role}", role=role, org=org)


def _margaret():
    margaret = f.rich_person()  # GP record at B86001: partnership B's person
    SourceRecord.objects.filter(links__person=margaret).update(date_of_birth=DOB)
    nhs = margaret.links.filter(record__nhs_number__gt="").first().record.nhs_number
    return margaret, nhs


def _url(pattern: str, person_id: str) -> str:
    values = {"resource_type": "Patient", "group": "all", "name": "Patient.ndjson"}

    def one(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        if name in values:
            return values[name]
        if converter == "int" or name in ("job_id", "version"):
            return "1"
        return person_id

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", one, pattern).replace("<>", "")


def _unechoed(body: str, nhs: str) -> str:
    """The body without the query it echoes (a search box's value, a bundle's self link)."""
    body = body.replace(f'value="{nhs}"', "")
    return re.sub(r"[?&][^\s\"']*" + nhs + r"[^\s\"']*", "", body)


@pytest.mark.parametrize("pattern", GETTABLE)
def test_partnership_no_route_shows_another_partnerships_person(client, pattern):
    parts = _two_partnerships()
    margaret, nhs = _margaret()
    person_id = str(margaret.external_id)
    url = _url(pattern, person_id)
    for role in SWEEP_ROLES:
        user = _staff(role, parts["PA"])
        client.force_login(user)
        token = create_token(by=SYSTEM, username=user.username)[1]
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if pattern.startswith("fhir") else {}
        if "$export" in pattern:
            headers |= ASYNC
        # A precise query on every route (an NHS number lists a person without a
        # relationship by name to their own partnership's staff, ADR 0011).
        response = client.get(url, {"nhs_number": nhs, "identifier": nhs}, **headers)
        body = _unechoed(response.content.decode(errors="replace"), nhs)
        assert response.status_code < 500, (role, url, body[:300])
        assert _reveals(body, nhs) == [], (role, url)
        assert "oldroyd" not in response.get("Location", "").lower(), (role, url)


@pytest.mark.parametrize("role", ["gp", "social_worker", "care_coordinator", "nurse"])
def test_partnership_precise_search_finds_only_your_partnerships_people(client, role):
    """An NHS number lists a person without a relationship by name and year of birth (ADR
    0011) — for their own partnership's staff only."""
    parts = _two_partnerships()
    margaret, nhs = _margaret()
    own = _staff(role, parts["PB"], suffix="b")
    other = _staff(role, parts["PA"])
    for user, listed in ((own, True), (other, False)):
        client.force_login(user)
        api = client.get("/api/people", {"nhs_number": nhs})
        page = client.get("/", {"nhs_number": nhs}).content.decode()
        fhir_token = create_token(by=SYSTEM, username=user.username)[1]
        fhir = client.get(
            "/fhir/Patient",
            {"identifier": f"https://fhir.nhs.uk/Id/nhs-number|{nhs}"},
            HTTP_AUTHORIZATION=f"Bearer {fhir_token}",
        )
        assert api.status_code == 200 and fhir.status_code == 200
        results = api.json()["results"]
        assert len(results) == (1 if listed else 0), user.username
        assert ("oldroyd" in page.lower()) is listed
        if not listed:
            assert _reveals(page.replace(f'value="{nhs}"', ""), nhs) == []
            assert str(margaret.external_id) not in page
            assert "chosen not to share" not in page
            assert fhir.json().get("total", 0) == 0
            assert fhir.json().get("entry", []) == []
            # The bundle's self link echoes the query; nothing else may name her.
            unechoed = {k: v for k, v in fhir.json().items() if k != "link"}
            assert _reveals(json.dumps(unechoed), nhs) == []


def test_partnership_refusal_of_another_partnership_is_not_even_hinted(client):
    """A refusal shows "chose not to share with your organisation" on a precise search; to
    another partnership the person does not appear at all."""
    parts = _two_partnerships()
    margaret, nhs = _margaret()
    user = _staff("gp", parts["PA"])
    f.sharing_choice(margaret, user.staff.organisation, decision="refuse")
    client.force_login(user)
    page = client.get("/", {"nhs_number": nhs}).content.decode()
    assert "chosen not to share" not in page
    assert client.get("/api/people", {"nhs_number": nhs}).json()["results"] == []


@pytest.mark.parametrize("role", ["gp", "nurse", "social_worker", "mental_health_worker"])
def test_partnership_record_refused_without_relationship_with_reason(client, role):
    parts = _two_partnerships()
    margaret, nhs = _margaret()
    user = _staff(role, parts["PA"])
    client.force_login(user)
    for url in (f"/people/{margaret.external_id}/", f"/api/people/{margaret.external_id}"):
        response = client.get(url)
        assert response.status_code == 403
        assert _reveals(response.content.decode(), nhs) == []
        if url.startswith("/people/"):
            # Withheld, said as such, with no offer of break-glass or joining.
            assert 'data-testid="other-partnership"' in response.content.decode()
            assert "Break glass</button>" not in response.content.decode()
    denied = AuditEvent.objects.filter(actor_id=f"user:{user.pk}", action="record.denied")
    assert set(denied.values_list("detail__reason", flat=True)) == {"other_partnership"}


@pytest.mark.parametrize("role", ["gp", "nurse", "social_worker", "mental_health_worker"])
def test_partnership_cross_boundary_care_shows_the_record(client, role):
    """In her care team across the boundary, partnership A's staff see her everywhere a
    relationship opens: the page, the API, search by name, FHIR read and bulk export."""
    parts = _two_partnerships()
    margaret, nhs = _margaret()
    user = _staff(role, parts["PA"])
    f.care_team(margaret, user, reason="Cross-boundary care: discharged to our community team")
    client.force_login(user)
    person_id = str(margaret.external_id)
    page = client.get(f"/people/{person_id}/")
    assert page.status_code == 200 and "oldroyd" in page.content.decode().lower()
    api = client.get(f"/api/people/{person_id}")
    assert api.status_code == 200 and api.json()["id"] == person_id
    hits = client.get("/api/people", {"name": "oldroyd"}).json()["results"]
    assert [h["id"] for h in hits] == [person_id]
    token = create_token(by=SYSTEM, username=user.username)[1]
    read = client.get(f"/fhir/Patient/{person_id}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert read.status_code == 200 and read.json()["id"] == person_id
    files, _status = _export(client, token)
    assert [p["id"] for p in files["Patient"]] == [person_id]


def test_partnership_no_break_glass_or_join_request_across_the_boundary():
    parts = _two_partnerships()
    margaret, _nhs = _margaret()
    gp = _staff("gp", parts["PA"])
    me = Actor(
        id=f"user:{gp.pk}", label=gp.username, role="gp", organisation=gp.staff.organisation.code,
        channel="page", user_pk=gp.pk,
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        actions.break_glass(
            person=margaret, staff=gp.staff, reason="Collapsed at the clinic", by=me
        )
    with pytest.raises(PermissionDenied):
        actions.join_care_team(person=margaret, staff=gp.staff, reason="Asked to help", by=me)
    # Her own partnership's GP may break glass; a colleague already in her care team
    # across the boundary may bring another in (an allocation).
    own = _staff("gp", parts["PB"], suffix="b")
    own_actor = Actor(
        id=f"user:{own.pk}", label=own.username, role="gp",
        organisation=own.staff.organisation.code, channel="page", user_pk=own.pk,
    )  # fmt: skip
    grant = actions.break_glass(
        person=margaret, staff=own.staff, reason="Collapsed at the surgery", by=own_actor
    )
    assert grant.pk is not None
    colleague = f.user("a.gp2", role="gp", org=gp.staff.organisation)
    actions.join_care_team(person=margaret, staff=colleague.staff, reason="Shared care", by=SYSTEM)
    colleague_actor = Actor(
        id=f"user:{colleague.pk}", label=colleague.username, role="gp",
        organisation=gp.staff.organisation.code, channel="page", user_pk=colleague.pk,
    )  # fmt: skip
    member = actions.join_care_team(
        person=margaret, staff=gp.staff, reason="Shared care after her move", by=colleague_actor
    )
    assert member.basis == "allocation"


def test_partnership_commissioner_sees_only_own_partnerships_figures(client):
    parts = _two_partnerships()
    f.rich_person()
    user = _staff("commissioner", parts["PA"])
    client.force_login(user)
    assert client.get("/evaluation/indicators/", {"partnership": "PB"}).status_code == 403
    assert client.get("/commissioning/needs/", {"partnership": "PB"}).status_code == 403
    overview = client.get("/overview/")
    assert overview.status_code == 200
    (event,) = AuditEvent.objects.filter(actor_id=f"user:{user.pk}", action="overview.viewed")
    assert event.detail["people"] == 0  # Margaret is partnership B's
    b = _staff("commissioner", parts["PB"], suffix="b")
    client.force_login(b)
    client.get("/overview/")
    (event,) = AuditEvent.objects.filter(actor_id=f"user:{b.pk}", action="overview.viewed")
    assert event.detail["people"] == 1


def test_partnership_plans_report_counts_only_own_partnerships_plans(client):
    from onestory.planning.models import Plan

    parts = _two_partnerships()
    margaret, _nhs = _margaret()
    Plan.objects.create(person=margaret)
    for partnership, plans in (("PA", 0), ("PB", 1)):
        user = _staff("commissioner", parts[partnership], suffix=partnership)
        client.force_login(user)
        assert client.get("/plans/report/").status_code == 200
        (event,) = AuditEvent.objects.filter(
            actor_id=f"user:{user.pk}", action="plan.report_viewed"
        )
        assert event.detail["plans"] == plans


def test_partnership_person_who_moves_keeps_one_identity(client):
    """Registered at a practice in A, then at one in B: one person after linkage, seen by
    both practices (each through its registration) under the same id."""
    from onestory.people.actions import run_linkage
    from onestory.people.domain.linkage import DeterministicLinker

    parts = _two_partnerships()
    nhs = f.nhs_number()
    old = f.source_system("gp", PRACTICE_A, "Old Surgery")
    new = f.source_system("gp", PRACTICE_B, "New Surgery")
    for system in (old, new):
        f.source_record(system, nhs_number=nhs, given_name="Margaret", family_name="Oldroyd")
    run_linkage(by=SYSTEM, linker=DeterministicLinker())
    (person_id,) = set(
        SourceRecord.objects.filter(nhs_number=nhs).values_list(
            "links__person__external_id", flat=True
        )
    )
    for code, partnership in ((PRACTICE_A, parts["PA"]), (PRACTICE_B, parts["PB"])):
        org = f.organisation(code, f"Practice {code}", "gp_practice")
        org.partnership = partnership
        org.save(update_fields=["partnership"])
        user = f.user(f"gp.{code}", role="gp", org=org)
        client.force_login(user)
        assert client.get(f"/api/people/{person_id}").status_code == 200
        (hit,) = client.get("/api/people", {"nhs_number": nhs}).json()["results"]
        assert hit["id"] == str(person_id)


def test_partnership_identity_review_stays_within_the_partnership(client):
    """A data-quality officer reviews their own partnership's uncertain pairs and people;
    another partnership's are not found (and not named)."""
    from onestory.people.models import ReviewPair

    parts = _two_partnerships()
    margaret, nhs = _margaret()
    practice_b = f.source_system("gp", PRACTICE_B)
    one = f.source_record(practice_b, given_name="Margaret", family_name="Oldroyd")
    two = f.source_record(practice_b, given_name="Margret", family_name="Oldroyd")
    f.linked_person(one, run=f.current_run())
    f.linked_person(two, run=f.current_run())
    pair = ReviewPair.objects.create(
        run=f.current_run(), record_a=one, record_b=two, match_probability=0.6
    )
    for partnership, sees in (("PA", False), ("PB", True)):
        client.force_login(_staff("data_quality_officer", parts[partnership], suffix=partnership))
        queue = client.get("/identity/review/").content.decode()
        detail = client.get(f"/identity/review/{pair.pk}/")
        identity = client.get(f"/identity/people/{margaret.external_id}/")
        assert ("oldroyd" in queue.lower()) is sees
        assert detail.status_code == (200 if sees else 404)
        assert identity.status_code == (200 if sees else 404)
        if not sees:
            for response in (detail, identity):
                assert _reveals(response.content.decode(), nhs) == []
