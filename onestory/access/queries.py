"""Audited reads about access itself: who looked at a person's record, the break-glass
review queue, a person's care team and their sharing choices."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from onestory.access.domain.roles import ROLES, Permission, any_role_for
from onestory.access.domain.visibility import may_name_care_team_member
from onestory.access.models import (
    BreakGlassGrant,
    CareTeamMembership,
    Organisation,
    PersonAccount,
    SecondaryUseOptOut,
    SharingChoice,
    StaffMember,
)
from onestory.access.policy import decide, has_permission, kept, require
from onestory.access.review_queries import (  # noqa: F401 (the review queue, re-exported)
    BreakGlassEntry,
    JoinRequestEntry,
    OverdueItem,
    break_glass_queue,
    grant_to_review,
    join_request_queue,
    join_request_to_review,
    organisations_with_privacy_lead,
    overdue_reviews,
    own_join_request,
)
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.people.models import Person

# What each audited action means to the person reading their access log.
ACTION_LABELS = {
    "record.view": "Looked at your record",
    "record.timeline": "Looked at your timeline",
    "record.summary": "Looked at your health summary (conditions, medicines, allergies)",
    "record.denied": "Tried to look at your record and was refused",
    "access.join_care_team": "Joined your care team",
    "access.leave_care_team": "Left your care team",
    "access.break_glass": "Used emergency access to your record",
    "access.review_break_glass": "Reviewed an emergency access to your record",
    "access.join_care_team_requested": "Asked to join your care team (waiting for review)",
    "access.review_join_request": "Reviewed a request to join your care team",
    "access.review_queue_named": "Saw your name while reviewing access to your record",
    "access.sharing_choice": "Changed a sharing choice",
    "access.secondary_use_opt_out": "Changed your secondary-use opt-out",
    "access.create_person_account": "Set up a sign-in to your record",
    "access.log_viewed": "Looked at who has seen your record",
    "access.sharing_choices_viewed": "Looked at your sharing choices",
    "demo.example_person": "Listed you as a demo example",
    "plan.viewed": "Looked at your care and support plan",
    "plan.denied": "Tried to look at your plan and was refused",
    "plan.created": "Started your care and support plan",
    "plan.statement_proposed": "Suggested words for your plan (a draft for you to confirm)",
    "plan.statement_edited": "Changed words in your plan",
    "plan.statement_confirmed": "Confirmed words in your plan",
    "plan.version_restored": "Brought back an earlier version of your plan",
    "plan.goal_added": "Added a goal to your plan",
    "plan.review_recorded": "Recorded a review of your plan",
    "plan.coordinator_set": "Named your care coordinator",
    "budget.view": "Looked at your budget",
    "budget.denied": "Tried to look at your budget and was refused",
    "budget.indicative": "Worked out your indicative budget",
    "budget.create": "Set up your budget",
    "budget.add_stream": "Added money to your budget",
    "budget.add_line": "Planned spending from your budget",
    "budget.record_spend": "Recorded spending from your budget",
    "budget.direct_payment_return": "Checked your direct payment statement",
    "budget.decide_return": "Decided about unspent direct payment money",
    "budget.deferred_payment_agreement": "Set up a deferred payment agreement",
    "fhir.read": "Read part of your record through the FHIR interface",
    "fhir.search": "Searched records through the FHIR interface",
    "fhir.everything": "Fetched your whole record through the FHIR interface",
    "people.merge": "Joined two records of you into one",
    "people.unmerge": "Separated records that were not yours",
    "people.link_record": "Added a new record to your story",
    "people.view_identity": "Checked which records are yours",
    "casework.caseload_added": "Took you onto the team's caseload",
    "casework.caseload_ended": "Took you off the team's caseload",
    "casework.discussion_recorded": "Discussed your care at a team meeting",
}
CHANNEL_LABELS = {"page": "Web page", "api": "JSON API", "cli": "Command line", "system": "System"}


@dataclass(frozen=True)
class AccessLogEntry:
    at: datetime
    who: str
    role: str  # label
    organisation: str  # name (or code when unknown)
    action: str
    what: str
    how: str
    why: str
    refused: bool


@dataclass(frozen=True)
class CareTeamMember:
    membership_id: int
    organisation_code: str
    organisation: str
    staff: str  # username, or "" for the whole team
    staff_role: str
    whole_team: bool
    reason: str
    started_at: datetime
    started_by: str
    staff_name: str = ""  # first and last name (the username when none was given)


@dataclass(frozen=True)
class ChoiceRow:
    organisation_code: str  # "" for everyone
    organisation: str
    category: str  # "" for everything the organisation holds
    decision: str
    set_at: datetime
    set_by: str
    set_by_kind: str


@dataclass(frozen=True)
class HoldingOrganisation:
    code: str
    name: str
    kind: str


@dataclass(frozen=True)
class SharingChoices:
    person_id: uuid.UUID
    choices: tuple[ChoiceRow, ...]
    opted_out_of_secondary_use: bool
    organisations: tuple[HoldingOrganisation, ...]  # those holding records about the person

    def decision_for(self, organisation_code: str = "", category: str = "") -> str:
        """The recorded decision for this scope, or "" when none was recorded."""
        for c in self.choices:
            if c.organisation_code == organisation_code and c.category == category:
                return c.decision
        return ""


def _role_label(code: str) -> str:
    role = any_role_for(code)
    if role is not None:
        return role.label
    return "System" if code == "system" else code


def _staff_by_actor_id(actor_ids) -> dict[str, StaffMember]:
    """Members of staff behind audit actor ids ("user:<pk>"), so that the person reads a
    name and job title ("Owen Gupta, GP partner") rather than a username."""
    pks = {int(a.split(":", 1)[1]) for a in actor_ids if a.startswith("user:") and a[5:].isdigit()}
    members = StaffMember.objects.filter(user_id__in=pks).select_related("user", "organisation")
    return {f"user:{s.user_id}": s for s in members}


def access_log_for_person(person, *, by: Actor) -> tuple[AccessLogEntry, ...]:
    """Every audit event about the person, newest first, as the person reads it: who
    (name, role, organisation), what, when, how and why, refused attempts included. Only
    the person, their representative or a privacy lead may read it."""
    decision = decide(by, person)
    own = decision.allowed and decision.basis in ("own_record", "representative")
    # Privacy leads (REVIEW_BREAK_GLASS) answer the person's questions about access.
    if not own and not has_permission(by, Permission.REVIEW_BREAK_GLASS):
        raise PermissionDenied("You may not read this access log.")
    events = list(AuditEvent.objects.filter(person_id=str(person.external_id)).order_by("-id"))
    names = dict(
        Organisation.objects.filter(code__in={e.organisation for e in events}).values_list(
            "code", "name"
        )
    )
    staff = _staff_by_actor_id({e.actor_id for e in events})
    entries = tuple(
        AccessLogEntry(
            at=e.at,
            who=staff[e.actor_id].full_name if e.actor_id in staff else e.actor_label,
            role=(
                staff[e.actor_id].job_title or _role_label(e.role)
                if e.actor_id in staff
                else _role_label(e.role)
            ),
            organisation=names.get(e.organisation, e.organisation),
            action=e.action,
            what=ACTION_LABELS.get(e.action, e.action.replace(".", ": ").replace("_", " ")),
            how=CHANNEL_LABELS.get(e.channel, e.channel),
            why=e.purpose,
            refused=e.action == "record.denied",
        )
        for e in events
    )
    record_event(by=by, action="access.log_viewed", person_id=str(person.external_id), detail={})
    return entries


def care_team(person, *, by: Actor) -> tuple[CareTeamMember, ...]:
    """The person's active care team, for someone who may see the person's record. Not
    audited on its own: it is shown with the record, whose read is audited."""
    decision = decide(by, person)
    if not decision.allowed:
        raise PermissionDenied("You do not have access to this person's record.")
    # A member whose role or organisation names a category the reader may not see (a
    # mental health worker, for a housing officer) is left out, as everywhere else.
    members = [
        m
        for m in CareTeamMembership.objects.filter(
            person=person, ended_at__isnull=True
        ).select_related("organisation", "staff__user")
        if may_name_care_team_member(
            m.organisation.kind, m.staff.role if m.staff else "", decision.categories
        )
    ]
    out = tuple(
        CareTeamMember(
            membership_id=m.pk,
            organisation_code=m.organisation.code,
            organisation=m.organisation.name,
            staff=m.staff.user.get_username() if m.staff else "",
            staff_role=_role_label(m.staff.role) if m.staff else "",
            whole_team=m.staff is None,
            staff_name=m.staff.full_name if m.staff else "",
            reason=m.reason,
            started_at=m.started_at,
            started_by=m.started_by,
        )
        for m in members
    )
    return out


def sharing_choices(person, *, by: Actor) -> SharingChoices:
    """The person's sharing choices, their secondary-use opt-out and the organisations
    holding records about them, for the person, their representative or staff who may
    see the record."""
    from onestory.people.models import PersonLink

    decision = decide(by, person)
    if not decision.allowed:
        raise PermissionDenied("You do not have access to this person's record.")
    rows = SharingChoice.objects.filter(person=person).select_related("organisation")
    choices = tuple(
        ChoiceRow(
            organisation_code=c.organisation.code if c.organisation else "",
            organisation=c.organisation.name if c.organisation else "Everyone",
            category=c.category,
            decision=c.decision,
            set_at=c.set_at,
            set_by=c.set_by,
            set_by_kind=c.set_by_kind,
        )
        for c in sorted(
            rows, key=lambda c: (c.organisation is not None, c.organisation_id or 0, c.category)
        )
    )
    codes = set(
        PersonLink.objects.filter(run__is_current=True, person=person).values_list(
            "record__system__org_code", flat=True
        )
    )
    organisations = tuple(
        HoldingOrganisation(o.code, o.name, o.kind)
        for o in Organisation.objects.filter(code__in=codes).order_by("name")
    )
    result = SharingChoices(
        person_id=person.external_id,
        choices=choices,
        opted_out_of_secondary_use=SecondaryUseOptOut.objects.filter(person=person).exists(),
        organisations=organisations,
    )
    record_event(
        by=by,
        action="access.sharing_choices_viewed",
        person_id=str(person.external_id),
        detail={"choices": len(choices)},
    )
    return result


def people_opted_out():
    """A subquery of person pks who opted out of secondary use: analytics and evaluation
    exclude them (`.exclude(pk__in=people_opted_out())`)."""
    return SecondaryUseOptOut.objects.values("person_id")


def denied(by: Actor, person, *, attempted: str, reason: str) -> None:
    """Record a refused read of the person's record (committed even though the caller then
    raises), so the person sees refused attempts in their access log."""
    with transaction.atomic():
        record_event(
            by=by,
            action="record.denied",
            person_id=str(person.external_id),
            detail={"attempted": attempted, "reason": reason},
        )


# Lookups the access pages need to hand model instances to the actions (which check
# permission again), and the staff list for the administrator's page. Each checks the policy
# first; none reads a person's record.


@dataclass(frozen=True)
class StaffRow:
    id: int
    username: str
    job_title: str
    role: str
    role_label: str
    organisation_code: str
    organisation_name: str
    full_name: str = ""
    active: bool = True


def staff_list(*, by: Actor) -> tuple[StaffRow, ...]:
    """Every member of staff, by organisation then username (administrators only)."""
    require(by, Permission.ASSIGN_ROLES)
    rows = StaffMember.objects.select_related("user", "organisation").order_by(
        "organisation__name", "user__username"
    )
    return tuple(
        StaffRow(
            id=s.pk,
            username=s.user.get_username(),
            job_title=s.job_title,
            role=s.role,
            role_label=ROLES[s.role].label if s.role in ROLES else s.role,
            organisation_code=s.organisation.code,
            organisation_name=s.organisation.name,
            full_name=f"{s.user.first_name} {s.user.last_name}".strip(),
            active=s.user.is_active,
        )
        for s in rows
    )


def organisations(*, by: Actor) -> tuple[Organisation, ...]:
    require(by, Permission.ASSIGN_ROLES)
    return tuple(Organisation.objects.order_by("name"))


def organisation(code: str, *, by: Actor) -> Organisation:
    require(by, Permission.ASSIGN_ROLES)
    try:
        return Organisation.objects.get(code=code)
    except Organisation.DoesNotExist:
        raise ValueError("Choose an organisation from the list.") from None


def staff_member(staff_id: int, *, by: Actor) -> StaffMember:
    require(by, Permission.ASSIGN_ROLES)
    try:
        return StaffMember.objects.select_related("user", "organisation").get(pk=staff_id)
    except StaffMember.DoesNotExist:
        raise Http404("No such member of staff.") from None


def own_membership(membership_id: int, *, by: Actor) -> CareTeamMembership:
    """An active care-team membership of the actor, or of the actor's organisation."""
    try:
        return CareTeamMembership.objects.select_related("person", "organisation").get(
            pk=membership_id, organisation__code=by.organisation, ended_at__isnull=True
        )
    except CareTeamMembership.DoesNotExist:
        raise Http404("No such care-team membership.") from None


def person_by_external_id(external_id) -> Person:
    """The person with this id (no personal data: the id and a key), or 404."""
    try:
        return kept(
            ("person", str(external_id)), lambda: Person.objects.get(external_id=external_id)
        )
    except (Person.DoesNotExist, ValueError):
        raise Http404("No such person.") from None


def person_for_account(user) -> Person:
    """The person a signed-in person account (or representative) acts for."""
    try:
        return PersonAccount.objects.select_related("person").get(user_id=user.pk).person
    except PersonAccount.DoesNotExist:
        raise PermissionDenied("This account is not linked to a person's record.") from None


def break_glass_expiry(person: Person, *, by: Actor):
    """When the actor's current break-glass access to the person ends, or None."""
    return (
        BreakGlassGrant.objects.filter(
            person=person, staff__user_id=by.user_pk, expires_at__gt=timezone.now()
        )
        .order_by("-expires_at")
        .values_list("expires_at", flat=True)
        .first()
    )


def holding_organisation(code: str) -> Organisation:
    """An organisation by code, for the person's sharing choices (the action checks that
    the actor speaks for the person)."""
    try:
        return Organisation.objects.get(code=code)
    except Organisation.DoesNotExist:
        raise Http404("No such organisation.") from None
