"""Care teams, sharing choices, secondary-use opt-out, person accounts, role assignment and
the person's access log: each action audited in its own transaction."""

import pytest
from django.core.exceptions import PermissionDenied

from onestory.access import actions
from onestory.access.models import CareTeamJoinRequest, CareTeamMembership, SharingChoice
from onestory.access.policy import actor_for_user, decide
from onestory.access.queries import (
    access_log_for_person,
    care_team,
    join_request_queue,
    people_opted_out,
    sharing_choices,
)
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.people.models import Person
from onestory.record import queries
from tests import factories as f

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system()


@pytest.fixture
def margaret():
    return f.rich_person()


@pytest.fixture
def sw():
    user = f.user(
        "sw.one", role="social_worker", org=f.organisation("SW1", "Council", "adult_social_care")
    )
    return user, actor_for_user(user)


@pytest.fixture
def team_lead(sw):
    """A care coordinator (an MDT lead) in the social worker's council: allocates work."""
    user = f.user("sw.lead", role="care_coordinator", org=sw[0].staff.organisation)
    return actor_for_user(user)


def test_join_care_team_needs_a_reason_and_is_audited_once(margaret, sw, team_lead):
    user, by = sw
    with pytest.raises(ValueError):
        actions.join_care_team(person=margaret, staff=user.staff, reason=" ", by=team_lead)
    # Allocated by the team lead: a basis the system can check, so access at once.
    m = actions.join_care_team(person=margaret, staff=user.staff, reason="Allocated", by=team_lead)
    again = actions.join_care_team(person=margaret, staff=user.staff, reason="Again", by=by)
    assert again.pk == m.pk
    event = AuditEvent.objects.get(action="access.join_care_team")
    assert event.person_id == str(margaret.external_id) and event.purpose == "Allocated"
    assert event.detail["basis"] == "allocation" and m.basis == "allocation"
    assert decide(by, margaret).basis == "care_team"
    (member,) = care_team(margaret, by=by)
    assert member.staff == "sw.one" and member.reason == "Allocated"


def test_leave_care_team_ends_access(margaret, sw, team_lead):
    user, by = sw
    m = actions.join_care_team(person=margaret, staff=user.staff, reason="Allocated", by=team_lead)
    actions.leave_care_team(membership=m, by=by)
    m.refresh_from_db()
    assert m.ended_at is not None and m.ended_by == "sw.one"
    assert not decide(by, margaret).allowed
    assert AuditEvent.objects.filter(action="access.leave_care_team").count() == 1


def test_whole_team_membership_covers_colleagues(margaret, sw, team_lead):
    user, by = sw
    actions.join_care_team(
        person=margaret, staff=user.staff, reason="Team duty", by=team_lead, whole_team=True
    )
    colleague = f.user("sw.two", role="social_worker", org=user.staff.organisation)
    assert decide(actor_for_user(colleague), margaret).allowed
    assert CareTeamMembership.objects.get().staff is None


def test_joining_the_care_team_is_refused_when_the_person_refused_the_organisation(margaret, sw):
    user, by = sw
    f.sharing_choice(margaret, user.staff.organisation, decision="refuse")
    with pytest.raises(PermissionDenied):
        actions.join_care_team(person=margaret, staff=user.staff, reason="Allocated", by=by)


def test_open_episode_at_the_actors_organisation_is_a_relationship():
    asc = f.source_record(f.source_system("adult_social_care", "E08000035", "Leeds"))
    f.source_event(asc, kind="service", category="social_care", title="Day care", status="closed")
    person = f.linked_person(asc)
    council = f.user("sw.leeds", role="social_worker", org=f.organisation("E08000035", "Leeds"))
    elsewhere = f.user("sw.else", role="social_worker", org=f.organisation("E0999", "Else"))
    by = actor_for_user(council)
    assert not decide(by, person).allowed  # only a closed service
    f.source_event(asc, kind="service", category="social_care", title="Home care", status="")
    decision = decide(by, person)
    assert decision.allowed and decision.basis == "open_episode"
    assert not decide(actor_for_user(elsewhere), person).allowed


def test_gp_registration_is_a_relationship(margaret):
    gp = f.user("dr.beech", role="gp", org=f.organisation("B86001", "Beech Tree Surgery"))
    assert decide(actor_for_user(gp), margaret).basis == "open_episode"


def test_person_sets_choices_and_sees_refused_attempts_in_their_access_log(margaret, client):
    person_user = f.person_user(margaret, "margaret.me")
    me = actor_for_user(person_user)
    assert me.role == "person"
    gp_org = f.organisation("B86001", "Beech Tree Surgery", "gp_practice")
    actions.set_sharing_choice(person=margaret, organisation=gp_org, decision="refuse", by=me)
    choice = SharingChoice.objects.get()
    assert (choice.decision, choice.set_by_kind) == ("refuse", "self")

    gp = f.user("dr.beech", role="gp", org=gp_org)
    with pytest.raises(PermissionDenied):
        queries.get_person_record(margaret.external_id, by=actor_for_user(gp))

    log = access_log_for_person(margaret, by=me)
    refused = [e for e in log if e.refused]
    assert len(refused) == 1
    assert (refused[0].who, refused[0].role, refused[0].organisation) == (
        "dr.beech",
        "GP",
        "Beech Tree Surgery",
    )
    assert any(e.action == "access.sharing_choice" for e in log)
    # The person's own record: everything, whatever they refused others.
    record = queries.get_person_record(margaret.external_id, by=me)
    assert record.identity.family_name == "Oldroyd"

    choices = sharing_choices(margaret, by=me)
    assert choices.decision_for("B86001") == "refuse"
    assert "B86001" in {o.code for o in choices.organisations}


def test_access_log_is_only_for_the_person_or_a_privacy_lead(margaret, sw):
    _, by = sw
    f.care_team(margaret, sw[0])
    with pytest.raises(PermissionDenied):
        access_log_for_person(margaret, by=by)
    lead = f.user("privacy.one", role="privacy_lead")
    assert access_log_for_person(margaret, by=actor_for_user(lead)) == ()
    other = f.person_user(f.rich_person(), "someone.else")
    with pytest.raises(PermissionDenied):
        access_log_for_person(margaret, by=actor_for_user(other))


def test_only_sensitive_categories_can_be_refused_for_everyone(margaret):
    me = actor_for_user(f.person_user(margaret, "margaret.me"))
    with pytest.raises(ValueError, match="sensitive"):
        actions.set_sharing_choice(person=margaret, category="housing", decision="refuse", by=me)
    actions.set_sharing_choice(person=margaret, category="sexual_health", decision="refuse", by=me)
    assert SharingChoice.objects.get().organisation is None


def test_staff_without_relationship_cannot_set_choices(margaret, sw):
    _, by = sw
    with pytest.raises(PermissionDenied):
        actions.set_sharing_choice(
            person=margaret, category="mental_health", decision="refuse", by=by
        )


def test_secondary_use_opt_out_and_back(margaret):
    rep = f.person_user(margaret, "margaret.rep", acting_as="representative", name="Jo Oldroyd")
    by = actor_for_user(rep)
    assert (by.role, by.label) == ("representative", "Jo Oldroyd")
    assert actions.set_secondary_use_opt_out(person=margaret, opted_out=True, by=by)
    assert list(Person.objects.filter(pk__in=people_opted_out())) == [margaret]
    assert not actions.set_secondary_use_opt_out(person=margaret, opted_out=False, by=by)
    assert not Person.objects.filter(pk__in=people_opted_out()).exists()
    assert AuditEvent.objects.filter(action="access.secondary_use_opt_out").count() == 2


def test_create_person_account_validates_the_password_and_audits(margaret):
    admin = actor_for_user(f.user("admin.one", role="administrator"))
    with pytest.raises(Exception, match="too short"):
        actions.create_person_account(
            person=margaret, username="margaret.o", password="short", by=admin
        )
    account = actions.create_person_account(
        person=margaret, username="margaret.o", password="river-lantern-oak-42", by=admin
    )
    assert account.acting_as == "self"
    event = AuditEvent.objects.get(action="access.create_person_account")
    assert "river" not in str(event.detail)
    with pytest.raises(PermissionDenied):
        actions.create_person_account(
            person=margaret,
            username="x.y",
            password="river-lantern-oak-42",
            by=actor_for_user(f.user("gp.x", role="gp")),
        )


def test_assign_role_only_by_an_administrator(sw):
    user, by = sw
    housing = f.organisation("HX9", "Housing", "housing")
    with pytest.raises(PermissionDenied):
        actions.assign_role(staff=user.staff, role="housing_officer", organisation=housing, by=by)
    admin = actor_for_user(f.user("admin.one", role="administrator"))
    staff = actions.assign_role(
        staff=user.staff, role="housing_officer", organisation=housing, by=admin
    )
    assert (staff.role, staff.organisation.code) == ("housing_officer", "HX9")
    event = AuditEvent.objects.get(action="access.assign_role")
    assert event.detail["previous"] == {"role": "social_worker", "organisation": "SW1"}
    with pytest.raises(ValueError):
        actions.assign_role(staff=user.staff, role="person", organisation=housing, by=admin)


def test_an_action_and_its_audit_event_roll_back_together(margaret, sw, team_lead, monkeypatch):
    user, by = sw

    def broken(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(actions, "record_event", broken)
    with pytest.raises(RuntimeError):
        actions.join_care_team(person=margaret, staff=user.staff, reason="Allocated", by=team_lead)
    assert not CareTeamMembership.objects.exists()


def test_search_marks_access_and_hides_people_who_refused(margaret, sw):
    from onestory.record.domain.search import parse_search

    user, by = sw
    number = margaret.links.first().record.nhs_number
    # Without a relationship: found only by a precise query, with name and year of birth.
    assert queries.search_people(parse_search(name="oldroyd"), by=by).people == ()
    (hit,) = queries.search_people(parse_search(nhs_number=number), by=by).people
    assert hit.access is False and hit.postcode is None and hit.name == "Margaret Oldroyd"
    f.care_team(margaret, user)
    (hit,) = queries.search_people(parse_search(name="oldroyd"), by=by).people
    assert hit.access is True
    f.sharing_choice(margaret, user.staff.organisation, decision="refuse")
    results = queries.search_people(parse_search(name="oldroyd"), by=by)
    assert results.total == 0 and results.people == () and results.not_shared == 0
    precise = queries.search_people(parse_search(nhs_number=number), by=by)
    assert precise.total == 0 and precise.people == () and precise.not_shared == 1


def test_demo_relationships_give_each_example_person_a_care_team_and_a_login(margaret):
    from onestory.demo import (
        ExamplePerson,
        create_demo_logins,
        create_demo_relationships,
        demo_actor,
    )

    by = demo_actor()
    create_demo_logins(by=by)
    logins = create_demo_relationships(
        [ExamplePerson(margaret.pk, "Margaret Oldroyd", None, 5, 10)], by=by
    )
    assert [x.username for x in logins] == ["portal1.demo"]
    from django.contrib.auth import get_user_model

    portal = get_user_model().objects.get(username="portal1.demo")
    assert decide(actor_for_user(portal), margaret).basis == "own_record"
    for username in ("gp.demo", "socialworker.demo", "housing.demo", "voluntary.demo"):
        staff_user = get_user_model().objects.get(username=username)
        assert decide(actor_for_user(staff_user), margaret).allowed, username
    events = AuditEvent.objects.count()
    create_demo_relationships([ExamplePerson(margaret.pk, "Margaret Oldroyd", None, 5, 10)], by=by)
    assert AuditEvent.objects.count() == events


# ------------------------------------------------ joining needs a basis (issue 11 item 7)


def test_joining_without_a_basis_waits_for_review_and_grants_nothing(margaret, sw):
    user, by = sw
    request = actions.join_care_team(
        person=margaret, staff=user.staff, reason="Heard about them", by=by
    )
    assert isinstance(request, CareTeamJoinRequest) and request.reviewed_at is None
    assert not CareTeamMembership.objects.exists()
    assert not decide(by, margaret).allowed
    assert AuditEvent.objects.filter(action="access.join_care_team_requested").count() == 1
    assert not AuditEvent.objects.filter(action="access.join_care_team").exists()
    # Asking again returns the same request, and records nothing more.
    again = actions.join_care_team(person=margaret, staff=user.staff, reason="Again", by=by)
    assert again.pk == request.pk
    assert AuditEvent.objects.filter(action="access.join_care_team_requested").count() == 1


def test_a_pending_join_is_approved_by_the_privacy_lead_then_grants_access(margaret, sw):
    user, by = sw
    lead = actor_for_user(f.user("pl.council", role="privacy_lead", org=user.staff.organisation))
    request = actions.join_care_team(
        person=margaret, staff=user.staff, reason="Safeguarding enquiry", by=by
    )
    (entry,) = join_request_queue(by=lead)
    assert entry.request_id == request.pk and entry.person_name == "Margaret Oldroyd"
    reviewed = actions.review_join_request(
        request=request, outcome="approved", note="Enquiry confirmed", by=lead
    )
    assert reviewed.membership.basis == "reviewed"
    assert decide(by, margaret).basis == "care_team"
    assert join_request_queue(by=lead) == ()
    with pytest.raises(ValueError, match="already been reviewed"):
        actions.review_join_request(request=request, outcome="refused", note="", by=lead)


def test_a_refused_join_grants_nothing(margaret, sw):
    user, by = sw
    lead = actor_for_user(f.user("pl.council", role="privacy_lead", org=user.staff.organisation))
    request = actions.join_care_team(person=margaret, staff=user.staff, reason="Curious", by=by)
    actions.review_join_request(request=request, outcome="refused", note="", by=lead)
    assert not CareTeamMembership.objects.exists()
    assert not decide(by, margaret).allowed
    event = AuditEvent.objects.get(action="access.review_join_request")
    assert event.detail["outcome"] == "refused"


def test_an_open_referral_at_the_joiners_organisation_is_a_basis():
    asc = f.source_record(f.source_system("adult_social_care", "E08000035", "Leeds"))
    f.source_event(asc, kind="referral", category="social_care", title="Referral", status="")
    person = f.linked_person(asc)
    worker = f.user("sw.leeds", role="social_worker", org=f.organisation("E08000035", "Leeds"))
    m = actions.join_care_team(
        person=person, staff=worker.staff, reason="Referral", by=actor_for_user(worker)
    )
    assert isinstance(m, CareTeamMembership) and m.basis == "episode"


def test_a_care_team_member_may_allocate_a_colleague_but_a_colleague_outside_may_not(
    margaret, sw, team_lead
):
    user, by = sw
    actions.join_care_team(person=margaret, staff=user.staff, reason="Allocated", by=team_lead)
    colleague = f.user("sw.two", role="social_worker", org=user.staff.organisation)
    third = f.user("sw.three", role="social_worker", org=user.staff.organisation)
    # sw.one is in the care team: adding sw.two is an allocation.
    added = actions.join_care_team(person=margaret, staff=colleague.staff, reason="Cover", by=by)
    assert isinstance(added, CareTeamMembership) and added.basis == "allocation"
    # sw.three is not, and has no relationship: adding sw.one's colleague waits for review.
    fourth = f.user("sw.four", role="social_worker", org=user.staff.organisation)
    waiting = actions.join_care_team(
        person=margaret, staff=fourth.staff, reason="Cover", by=actor_for_user(third)
    )
    assert isinstance(waiting, CareTeamJoinRequest)


def test_a_reason_with_an_nhs_number_is_refused_from_a_page_and_masked_from_the_cli(
    margaret, sw, team_lead
):
    user, by = sw
    with pytest.raises(ValueError, match="Remove the NHS number and the date from the reason"):
        actions.join_care_team(
            person=margaret,
            staff=user.staff,
            reason="Stephen Clarke NHS 9998910714 DOB 17/09/1951",
            by=team_lead,
        )
    assert not CareTeamMembership.objects.exists()
    m = actions.join_care_team(
        person=margaret,
        staff=user.staff,
        reason="Allocated, NHS 999 891 0714",
        by=team_lead.via("cli"),
    )
    assert m.reason == "Allocated, NHS [NHS number removed]"
    event = AuditEvent.objects.get(action="access.join_care_team")
    assert "9998910714" not in event.purpose.replace(" ", "")
    assert event.purpose == "Allocated, NHS [NHS number removed]"


def test_the_persons_access_log_names_staff_with_job_title_not_username(margaret, sw):
    user, by = sw
    user.first_name, user.last_name = "Owen", "Gupta"
    user.save()
    user.staff.job_title = "Social worker"
    user.staff.save()
    actions.join_care_team(person=margaret, staff=user.staff, reason="Allocated", by=SYSTEM)
    queries.get_person_record(margaret.external_id, by=by)
    me = f.person_user(margaret)
    entries = access_log_for_person(margaret, by=actor_for_user(me))
    viewed = next(e for e in entries if e.action == "record.view")
    assert (viewed.who, viewed.role, viewed.organisation) == (
        "Owen Gupta",
        "Social worker",
        "Council",
    )
    assert all("sw.one" not in e.who for e in entries)
