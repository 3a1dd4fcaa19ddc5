"""The audited record queries: search, record summary, timeline."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.record import queries
from onestory.record.domain.search import parse_search
from tests import factories as f

pytestmark = pytest.mark.django_db

GP = Actor(id="user:1", label="dr.jones", role="gp", organisation="B86001")


def search(**criteria):
    return queries.search_people(parse_search(**criteria), by=GP)


@pytest.fixture
def margaret():
    return f.rich_person()


@pytest.fixture
def others():
    """Two other people, to make sure searches exclude them. The GP's practice is in their
    care teams: without a relationship an imprecise search would not list them at all
    (ADR 0011, tested in test_authorisation_matrix_record)."""
    sys = f.source_system("gp", "B86002", "Other Surgery")
    bob = f.linked_person(
        f.source_record(
            sys,
            given_name="Robert",
            family_name="Oldfield",
            date_of_birth=date(1961, 7, 2),
            postcode="LS25 1AB",
            nhs_number=f.nhs_number(),
        )
    )
    ann = f.linked_person(
        f.source_record(
            sys,
            given_name="Ann",
            family_name="Smith",
            date_of_birth=date(1950, 3, 31),
            postcode="LS6 2AA",
            nhs_number=f.nhs_number(),
        )
    )
    f.care_team(bob, org="B86001")
    f.care_team(ann, org="B86001")
    return bob, ann


def ids(results):
    return {p.person_id for p in results.people}


def test_search_by_family_name_prefix_finds_only_matching_people(margaret, others):
    bob, ann = others
    assert ids(search(name="oldr")) == {margaret.external_id}
    assert ids(search(name="Old")) == {margaret.external_id, bob.external_id}


def test_search_by_given_and_family_name_either_order(margaret, others):
    assert ids(search(name="Maggie Oldroyd")) == {margaret.external_id}
    assert ids(search(name="Oldroyd Marg")) == {margaret.external_id}
    assert ids(search(name="Robert Oldroyd")) == set()


def test_search_by_hyphenated_family_name_typed_with_space(margaret):
    assert ids(search(name="Margaret Oldroyd Smith")) == {margaret.external_id}


def test_search_by_date_of_birth_accepts_uk_and_iso_formats(margaret, others):
    bob, ann = others
    expected = {margaret.external_id, ann.external_id}
    assert ids(search(dob="31/03/1950")) == expected
    assert ids(search(dob="1950-03-31")) == expected


def test_search_by_nhs_number_with_or_without_spaces(margaret, others):
    number = margaret.links.first().record.nhs_number
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
    assert ids(search(nhs_number=number)) == {margaret.external_id}
    assert ids(search(nhs_number=spaced)) == {margaret.external_id}


def test_search_by_postcode_full_normalised_and_district(margaret, others):
    bob, ann = others
    assert ids(search(postcode="LS2 5ZN")) == {margaret.external_id}
    assert ids(search(postcode="ls25zn")) == {margaret.external_id}
    # The district LS2 must not match LS25 1AB.
    assert ids(search(postcode="LS2")) == {margaret.external_id}
    assert ids(search(postcode="LS25")) == {bob.external_id}


def test_search_combines_criteria_across_linked_records(margaret, others):
    # The NHS number is on the GP record, the hyphenated name only on housing's.
    number = margaret.links.first().record.nhs_number
    assert ids(search(name="Oldroyd-Smith", nhs_number=number)) == {margaret.external_id}
    assert ids(search(name="Maggie", dob="31/03/1950")) == {margaret.external_id}
    assert ids(search(name="Ann", postcode="LS2 5ZN")) == set()


def test_search_summary_prefers_gp_demographics_and_counts_systems(margaret):
    (result,) = search(name="Oldroyd").people
    assert (result.given_name, result.family_name) == ("Margaret", "Oldroyd")
    assert result.date_of_birth == date(1950, 3, 31)
    assert result.postcode == "LS2 5ZN"
    assert len(result.nhs_number) == 12 and result.nhs_number.startswith("999 ")
    assert result.systems == 5


def test_search_ignores_records_not_linked_in_the_current_run(margaret):
    f.source_record(given_name="Unlinked", family_name="Oldroyd")
    old_run_only = f.source_record(given_name="Oldrun", family_name="Oldroyd")
    f.link(old_run_only, f.person(), run=f.linkage_run(current=False))
    assert ids(search(name="Oldroyd")) == {margaret.external_id}


def test_search_is_audited_without_the_search_terms(margaret):
    number = margaret.links.first().record.nhs_number
    search(name="Oldroyd", nhs_number=number, postcode="LS2 5ZN", dob="31/03/1950")
    event = AuditEvent.objects.get(action="record.search")
    assert event.detail == {
        "criteria": ["name", "dob", "nhs_number", "postcode"],
        "results": 1,
        "identity_only": 0,
        "not_shared": 0,
    }
    assert event.actor_id == GP.id
    flat = str(event.detail) + event.purpose + event.person_id
    for term in ("oldroyd", number, "LS2", "1950"):
        assert term.lower() not in flat.lower()


def test_search_without_permission_is_refused():
    nobody = Actor(id="user:9", label="x", role="not_a_role")
    with pytest.raises(PermissionDenied):
        queries.search_people(parse_search(name="a"), by=nobody)
    assert not AuditEvent.objects.filter(action="record.search").exists()


def test_search_limit_reports_total_beyond_the_limit():
    sys = f.source_system("gp")
    for i in range(7):
        p = f.linked_person(f.source_record(sys, family_name="Many", given_name=f"P{i}"))
        f.care_team(p, org="B86001")
    results = queries.search_people(parse_search(name="many"), by=GP, limit=5)
    assert results.total == 7 and len(results.people) == 5 and results.truncated
    rest = queries.search_people(parse_search(name="many"), by=GP, limit=5, offset=5)
    assert (rest.total, len(rest.people), rest.page, rest.pages) == (7, 2, 2, 2)
    assert not rest.truncated
    assert not {p.person_id for p in rest.people} & {p.person_id for p in results.people}


def test_search_tolerates_a_misspelt_name_and_ranks_exact_matches_first():
    sys = f.source_system("gp")
    joyce = f.linked_person(f.source_record(sys, given_name="Joyce", family_name="Cook"))
    joy = f.linked_person(f.source_record(sys, given_name="Joyse", family_name="Cooke"))
    far = f.linked_person(f.source_record(sys, given_name="Jack", family_name="Cole"))
    for p in (joyce, joy, far):
        f.care_team(p, org="B86001")
    results = search(name="Joyse Cook").people
    assert [p.person_id for p in results] == [joy.external_id, joyce.external_id]
    assert results[0].match == 1.0 and 0.85 <= results[1].match < 1.0
    assert ids(search(name="Cok")) == {joyce.external_id, joy.external_id}
    assert ids(search(name="Jyce Cook")) == {joyce.external_id}


# ----------------------------------------------------------------------------- record


def test_person_record_identity_prefers_gp_and_lists_every_variant(margaret):
    record = queries.get_person_record(margaret.external_id, by=GP)
    assert record.identity.preferred_from.kind == "gp"
    assert record.identity.name == "Margaret Oldroyd"
    names = {(v.system.kind, v.name) for v in record.identity.variants}
    assert ("mental_health", "Maggie Oldroyd") in names
    assert ("housing", "Margaret Oldroyd-Smith") in names
    assert len(record.identity.variants) == 5
    assert record.nhs_number.count(" ") == 2


def test_person_record_without_gp_prefers_most_recently_updated():
    asc = f.source_system("adult_social_care")
    housing = f.source_system("housing")
    old = f.source_record(asc, given_name="Old", family_name="Name")
    new = f.source_record(housing, given_name="New", family_name="Name")
    old.updated_at = new.updated_at - timedelta(days=30)
    old.save()
    p = f.linked_person(old, new)
    f.care_team(p, org="B86001")  # the GP's practice is in the person's care team
    assert queries.get_person_record(p.external_id, by=GP).identity.given_name == "New"


def test_person_record_age_from_date_of_birth(margaret):
    record = queries.get_person_record(margaret.external_id, by=GP)
    today = date.today()
    expected = today.year - 1950 - ((today.month, today.day) < (3, 31))
    assert record.age == expected


def test_person_record_conditions_active_gp_and_diagnoses_elsewhere_deduplicated(margaret):
    gp_rec, acute_rec = (margaret.links.get(record__system__kind=k).record for k in ("gp", "acute"))
    f.source_event(
        gp_rec,
        kind="condition",
        title="Diagnosis: Type 2 diabetes",
        status="active",
        code="44054006",
        code_display="Type 2 diabetes mellitus",
        start=date(2015, 1, 1),
    )
    f.source_event(
        gp_rec,
        kind="condition",
        title="Diagnosis: Asthma",
        status="resolved",
        code="195967001",
        code_display="Asthma",
    )
    f.source_event(
        acute_rec,
        kind="admission",
        title="Emergency admission",
        status="discharged",
        code="44054006",
        code_display="Diabetes",
        start=date(2024, 2, 1),
    )
    f.source_event(
        acute_rec,
        kind="ae_attendance",
        title="A&E attendance",
        status="discharged",
        code="125605004",
        code_display="Fracture of bone",
        start=date.today() - timedelta(weeks=2),
    )
    # A short-term problem from long ago is past, as the clinical summary says.
    f.source_event(
        acute_rec,
        kind="ae_attendance",
        title="A&E attendance",
        status="discharged",
        code="68566005",
        code_display="Urinary tract infection",
        start=date(2024, 5, 1),
    )
    record = queries.get_person_record(margaret.external_id, by=GP)
    by_code = {c.code: c for c in record.conditions}
    assert set(by_code) == {"44054006", "125605004"}
    diabetes = by_code["44054006"]
    assert diabetes.display == "Type 2 diabetes mellitus"
    assert diabetes.onset == date(2015, 1, 1)
    assert {s.kind for s in diabetes.systems} == {"gp", "acute"}


def test_person_record_organisations_name_professionals_and_count_entries(margaret):
    mh = margaret.links.get(record__system__kind="mental_health").record
    f.source_event(
        mh,
        kind="contact",
        category="mental_health",
        title="Contact",
        practitioner="Nurse Patel",
        start=date(2025, 4, 1),
    )
    record = queries.get_person_record(margaret.external_id, by=GP)
    assert len(record.organisations) == 5
    assert record.organisations[0].system.kind == "gp"
    mh_org = next(o for o in record.organisations if o.system.kind == "mental_health")
    assert mh_org.events == 3
    assert [p.name for p in mh_org.professionals] == ["Nurse Patel"]
    assert mh_org.system.org_name == "Leeds and York Partnership"
    assert record.total_events == 11


def test_person_record_current_services_with_hours_and_cost(margaret):
    asc = margaret.links.get(record__system__kind="adult_social_care").record
    housing = margaret.links.get(record__system__kind="housing").record
    mh = margaret.links.get(record__system__kind="mental_health").record
    f.source_event(
        asc,
        kind="service",
        category="social_care",
        title="Home care",
        status="open",
        start=date(2024, 6, 1),
        details={
            "service_component": "Home care",
            "planned_hours_per_week": 10.5,
            "weekly_cost_pence": 24150,
        },
    )
    f.source_event(
        asc,
        kind="service",
        category="social_care",
        title="Old day care",
        status="closed",
        start=date(2020, 1, 1),
        end=date(2021, 1, 1),
    )
    f.source_event(
        housing,
        kind="tenancy",
        category="housing",
        title="Tenancy: secure",
        start=date(2010, 1, 1),
        status="active",
    )
    f.source_event(
        mh,
        kind="referral",
        category="mental_health",
        title="Referral to CMHT",
        status="open",
        start=date(2025, 1, 1),
    )
    f.source_event(
        mh,
        kind="referral",
        category="mental_health",
        title="Old referral",
        status="closed",
        start=date(2019, 1, 1),
        end=date(2019, 6, 1),
    )
    record = queries.get_person_record(margaret.external_id, by=GP)
    titles = {s.title: s for s in record.current_services}
    assert set(titles) == {"Home care", "Tenancy: secure", "Referral to CMHT"}
    care = titles["Home care"]
    assert str(care.hours_per_week) == "10.5"
    assert care.weekly_cost.pence == 24150 and str(care.weekly_cost) == "£241.50"
    assert titles["Tenancy: secure"].group == "Tenancy"


def test_person_record_household_from_housing_and_shared_address(margaret):
    housing_rec = margaret.links.get(record__system__kind="housing").record
    partner_rec = f.source_record(
        housing_rec.system,
        given_name="Arthur",
        family_name="Oldroyd",
        date_of_birth=date(1948, 1, 1),
    )
    arthur = f.linked_person(partner_rec)
    f.source_relationship(housing_rec, "household_member", related_local_id=partner_rec.local_id)
    # Someone else's GP record at the same address, not linked to anyone.
    f.source_record(
        f.source_system("gp", "B86009"),
        given_name="Lodger",
        family_name="Jones",
        address="1 Test Street, Leeds.",
        postcode="ls2 5zn",
    )
    # Same postcode, different house: not household.
    f.source_record(given_name="Neighbour", family_name="Brown", address="3 Test Street, Leeds")
    record = queries.get_person_record(margaret.external_id, by=GP)
    household = {(h.name, h.person_id) for h in record.household}
    assert household == {("Arthur Oldroyd", arthur.external_id), ("Lodger Jones", None)}


def test_person_record_family_and_carers_resolved_both_ways(margaret):
    gp_rec = margaret.links.get(record__system__kind="gp").record
    asc_rec = margaret.links.get(record__system__kind="adult_social_care").record
    f.source_relationship(
        gp_rec, "carer", related_name="Susan Oldroyd", details={"relationship": "Daughter"}
    )
    # Susan's own social care record (as a carer) points at Margaret's record.
    susan_rec = f.source_record(
        asc_rec.system,
        given_name="Susan",
        family_name="Oldroyd",
        date_of_birth=date(1975, 5, 5),
        address="9 Elsewhere",
    )
    susan = f.linked_person(susan_rec)
    f.source_relationship(susan_rec, "cared_for", related_local_id=asc_rec.local_id)
    record = queries.get_person_record(margaret.external_id, by=GP)
    # The GP names her; her own social care record is linked: one entry, both sources.
    (susan_entry,) = record.family
    assert (susan_entry.relationship, susan_entry.person_id) == ("carer", susan.external_id)
    assert susan_entry.description == "Daughter"
    assert {s.kind for s in susan_entry.systems} == {"gp", "adult_social_care"}


def test_person_record_view_is_audited_with_person_and_purpose(margaret):
    queries.get_person_record(margaret.external_id, by=GP, purpose="Discharge planning")
    event = AuditEvent.objects.get(action="record.view")
    assert event.person_id == str(margaret.external_id)
    assert event.purpose == "Discharge planning"


def test_person_record_unknown_person_is_not_found():
    with pytest.raises(queries.PersonNotFound):
        queries.get_person_record("00000000-0000-0000-0000-000000000000", by=GP)
    with pytest.raises(queries.PersonNotFound):
        queries.get_person_record("not-a-uuid", by=GP)


def test_person_record_without_permission_is_refused_and_not_audited(margaret):
    nobody = Actor(id="user:9", label="x", role="not_a_role")
    with pytest.raises(PermissionDenied):
        queries.get_person_record(margaret.external_id, by=nobody)
    assert not AuditEvent.objects.filter(action="record.view").exists()


def test_person_record_query_count_is_bounded(margaret, django_assert_max_num_queries):
    for r in (link.record for link in margaret.links.all()):
        for i in range(20):
            f.source_event(r, start=date(2020, 1, 1) + timedelta(days=i), practitioner=f"Dr {i}")
    # (+3: the access decision reads the person's choices and the GP's relationship.)
    with django_assert_max_num_queries(19):
        queries.get_person_record(margaret.external_id, by=GP)


# ----------------------------------------------------------------------------- timeline


def test_timeline_merges_sources_newest_first(margaret):
    timeline = queries.get_timeline(margaret.external_id, by=GP)
    assert timeline.total == 10
    starts = [i.start for i in timeline.items]
    assert starts == sorted(starts, reverse=True)
    assert {i.system.kind for i in timeline.items} == {
        "gp",
        "acute",
        "mental_health",
        "adult_social_care",
        "housing",
    }
    item = timeline.items[0]
    assert item.system.org_name and item.source_file and item.source_row and item.record_local_id


def test_timeline_filters_by_system_and_kind_with_facet_counts(margaret):
    gp_code = "gp:B86001"
    timeline = queries.get_timeline(margaret.external_id, by=GP, systems=[gp_code])
    assert timeline.total == 2 and {i.system.code for i in timeline.items} == {gp_code}
    facets = {fv.value: fv for fv in timeline.systems}
    assert facets[gp_code].selected and facets[gp_code].count == 2
    assert len(facets) == 5  # facets count every entry, not only the filtered ones

    by_kind = queries.get_timeline(margaret.external_id, by=GP, kinds=["ae_attendance", "contact"])
    assert by_kind.total == 4
    assert {i.kind for i in by_kind.items} == {"ae_attendance", "contact"}

    both = queries.get_timeline(margaret.external_id, by=GP, systems=[gp_code], kinds=["contact"])
    assert both.total == 0 and both.items == ()


def test_timeline_paginates(margaret):
    first = queries.get_timeline(margaret.external_id, by=GP, page_size=4)
    third = queries.get_timeline(margaret.external_id, by=GP, page_size=4, page=3)
    assert (first.pages, len(first.items), len(third.items)) == (3, 4, 2)
    assert first.has_next and not first.has_previous and not third.has_next
    beyond = queries.get_timeline(margaret.external_id, by=GP, page_size=4, page=99)
    assert beyond.page == 3


def test_timeline_read_is_audited(margaret):
    queries.get_timeline(margaret.external_id, by=GP, kinds=["contact"], page=1)
    event = AuditEvent.objects.get(action="record.timeline")
    assert event.person_id == str(margaret.external_id)
    assert event.detail["kinds"] == ["contact"]


def test_timeline_query_count_does_not_grow_with_entries(margaret, django_assert_max_num_queries):
    records = [link.record for link in margaret.links.all()]
    for i in range(500):
        f.source_event(records[i % 5], start=date(2015, 1, 1) + timedelta(days=i))
    # Five reads, three for the access decision, then the audit append (up to eight
    # statements, savepoints included, on the chain's first event).
    with django_assert_max_num_queries(16):
        timeline = queries.get_timeline(margaret.external_id, by=GP, page=3)
    assert timeline.total == 510 and len(timeline.items) == 50


def test_person_record_named_relative_matched_to_linked_household_member(margaret):
    housing_rec = margaret.links.get(record__system__kind="housing").record
    gp_rec = margaret.links.get(record__system__kind="gp").record
    partner_rec = f.source_record(housing_rec.system, given_name="Arthur", family_name="Oldroyd")
    arthur = f.linked_person(partner_rec)
    f.source_relationship(housing_rec, "household_member", related_local_id=partner_rec.local_id)
    f.source_relationship(
        gp_rec, "next_of_kin", related_name="ARTHUR OLDROYD", details={"relationship": "Husband"}
    )
    f.source_relationship(gp_rec, "emergency_contact", related_name="Nobody Known")
    record = queries.get_person_record(margaret.external_id, by=GP)
    kin = {r.relationship: r for r in record.family}
    assert kin["next_of_kin"].person_id == arthur.external_id
    assert kin["next_of_kin"].description == "Husband"
    assert kin["next_of_kin"].how == "Recorded by Beech Tree Surgery"
    assert kin["emergency_contact"].person_id is None


def test_search_runs_a_fixed_number_of_queries_whatever_the_number_of_people():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sys = f.source_system("gp")

    def queries_for(n: int) -> int:
        for i in range(n):
            p = f.linked_person(f.source_record(sys, family_name="Fixed", given_name=f"Q{i}"))
            f.care_team(p, org="B86001")
        with CaptureQueriesContext(connection) as ctx:
            found = search(name="fixed")
        assert found.total >= n
        return len(ctx.captured_queries)

    search(name="warm")  # the audit chain's first event costs a few queries once
    assert queries_for(3) == queries_for(30)
