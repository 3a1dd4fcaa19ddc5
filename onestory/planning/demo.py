"""Care and support plans for the demo borough: a realistic share of the people with an
open adult social-care service get a plan, with a mix of provenance (the person's own
words, a representative's, professionals' drafts not yet confirmed), goals linked to their
services, reviews (some overdue) and a care coordinator. Everything goes through the
planning actions, acting as the demo logins and as person accounts, so the demo shows
exactly what the rules allow. Demo only; safe to repeat (people with a plan are skipped)."""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from onestory.planning import demo_story

# What each plan says comes from the person's own record: see `demo_story`.
REPRESENTATIVES = ["Susan (daughter)", "David (son)", "Advocate from Age UK"]
# Of people with an open adult social-care service, about two in three have a plan; at most
# this many, so the demo stays quick (each person account hashes a password).
SHARE_WITH_PLAN = 3  # in 5
MAX_PLANS = 80


@dataclass(frozen=True)
class DemoPlans:
    plans: int
    own_words: int
    on_behalf: int
    drafts: int


def _people_with_care_needs():
    from onestory.people.models import Person

    return (
        Person.objects.filter(
            links__run__is_current=True,
            links__record__system__kind="adult_social_care",
            links__record__events__kind="service",
            links__record__events__end__isnull=True,
        )
        .distinct()
        .order_by("pk")
    )


def _person_actor(person, *, by, acting_as="self", name=""):
    """A demo person account for the person (as the portal's demo sign-in makes), and the
    audited actor it acts as."""
    from onestory.access.actions import create_person_account
    from onestory.access.policy import actor_for_user
    from onestory.portal.queries import demo_username

    username = demo_username(person) + ("-rep" if acting_as == "representative" else "")
    account = create_person_account(
        person=person,
        username=username,
        password=secrets.token_urlsafe(24),
        acting_as=acting_as,
        representative_name=name,
        by=by,
    )
    return actor_for_user(account.user)


def _staff_actor(username: str):
    from django.contrib.auth import get_user_model

    from onestory.access.policy import actor_for_user

    user = get_user_model().objects.filter(username=username).first()
    return actor_for_user(user) if user is not None else None


# Long-term social-care services that mean the person lives in a care home.
PLACEMENT_SERVICES = {
    "Long Term Support: Nursing": demo_story.NURSING,
    "Long Term Support: Residential": demo_story.RESIDENTIAL,
}


def person_profile(person, today: date | None = None) -> demo_story.Profile:
    """What the demo's plan and budget for `person` rest on, read from their linked source
    records: active conditions, their current long-term service (and so where they live),
    an unpaid carer, and an emergency admission in the last year."""
    from onestory.sources.models import SourceEvent, SourceRelationship

    today = today or date.today()
    events = SourceEvent.objects.filter(
        record__links__run__is_current=True, record__links__person=person
    )
    conditions = tuple(
        sorted(
            {
                e.code_display
                for e in events.filter(kind="condition").exclude(status="resolved")
                if e.code_display and e.end is None
            }
        )
    )
    services = [
        e
        for e in events.filter(kind="service", end__isnull=True).order_by("-start", "pk")
        if (e.details or {}).get("client_type", "service_user") == "service_user"
    ]
    setting, service = demo_story.HOME, None
    for e in services:
        kind = PLACEMENT_SERVICES.get((e.details or {}).get("service_type", ""))
        if kind is not None:
            setting, service = kind, e
            break
    if service is None and services:
        service = services[0]
    details = (service.details or {}) if service is not None else {}
    carer = relationship = ""
    for r in SourceRelationship.objects.filter(
        record__links__run__is_current=True, record__links__person=person, relationship="carer"
    ).order_by("pk"):
        if r.related_name:
            carer = carer or r.related_name.split()[0]
            said = (r.details or {}).get("relationship", "")
            if said and said != "Unpaid carer":
                relationship = relationship or said.lower()
    admitted = events.filter(kind="admission", start__gte=today - timedelta(days=365)).exists()
    hours = details.get("planned_hours_per_week")
    return demo_story.Profile(
        conditions=conditions,
        setting=setting,
        service=(details.get("service_component") or "") if service is not None else "",
        weekly_cost_pence=details.get("weekly_cost_pence"),
        hours_per_week=float(hours) if hours else None,
        carer=carer,
        carer_relationship=relationship,
        recent_admission=admitted,
    )


def build_plan(person, *, pattern: str, worker, voice=None, coordinator=None, seed: int = 0):
    """One plan: the worker drafts a statement per section and goals; then, by pattern,
    the person (or representative) confirms some, rewrites one and writes their own
    ("mixed"), or nothing has been confirmed yet ("drafts")."""
    from onestory.planning import actions
    from onestory.sources.models import SourceEvent

    profile = person_profile(person)
    plan = actions.create_plan(person, by=worker)
    rows = {}
    for code, text in demo_story.statements(profile, seed).items():
        rows[code] = actions.propose_statement(plan, code, text, by=worker)
    services = list(
        SourceEvent.objects.filter(
            record__links__run__is_current=True,
            record__links__person=person,
            kind="service",
            end__isnull=True,
        ).order_by("pk")[:2]
    )
    goals = []
    for j, goal in enumerate(demo_story.goals(profile)):
        goals.append(
            actions.add_goal(
                plan,
                goal.text,
                who_helps=goal.who_helps,
                by_when=date.today() + timedelta(days=90 + 30 * j),
                services=services[j : j + 1],
                by=worker,
            )
        )
    if coordinator is not None:
        actions.set_coordinator(plan, coordinator["staff"], by=coordinator["actor"])
        held = date.today() - timedelta(days=120 + 40 * (seed % 3))
        actions.record_review(
            plan,
            held_on=held,
            # Every third coordinated plan is overdue for review.
            next_review_on=held + timedelta(days=90 if seed % 3 == 0 else 180),
            progress=[(goals[0], "some", "Some weeks are better than others.", "")],
            by=coordinator["actor"],
        )
    if voice is None or pattern == "drafts":
        return plan
    for code in ("matters", "communication", "strengths", "network"):
        if code != demo_story.rewrite(profile)[0]:
            actions.confirm_statement(rows[code], by=voice)
    code, text = demo_story.rewrite(profile)
    actions.edit_statement(rows[code], text, by=voice)
    actions.confirm_statement(goals[0].statement, by=voice)
    return plan


def create_demo_plans(examples=(), *, by, person_logins=()) -> DemoPlans:
    """Plans for the example people (acting through their portal logins, with drafts left
    for the visitor to confirm) and for a share of people with care needs."""
    from onestory.access.policy import actor_for_user, decide
    from onestory.people.models import Person
    from onestory.planning.domain import provenance
    from onestory.planning.models import Plan, PlanStatement

    worker = _staff_actor("socialworker.demo")
    coord_actor = _staff_actor("carecoordinator.demo")
    if worker is None:
        return DemoPlans(0, 0, 0, 0)
    from onestory.access.models import StaffMember

    coordinator = None
    if coord_actor is not None:
        coordinator = {
            "actor": coord_actor,
            "staff": StaffMember.objects.get(user_id=coord_actor.user_pk),
        }
    have_plan = set(Plan.objects.values_list("person_id", flat=True))
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="portal")}
    examples = list(examples)
    for i, example in enumerate(examples, start=1):
        if example.person_id in have_plan:
            continue
        person = Person.objects.get(pk=example.person_id)
        user = users.get(f"portal{i}.demo")
        voice = actor_for_user(user) if user is not None else None
        build_plan(
            person, pattern="mixed", worker=worker, voice=voice, coordinator=coordinator, seed=i
        )
        have_plan.add(example.person_id)
    for n, person in enumerate(_people_with_care_needs()):
        if Plan.objects.filter(kind="person").count() >= MAX_PLANS:
            break
        if person.pk in have_plan or n % 5 >= SHARE_WITH_PLAN:
            continue
        if not decide(worker, person).allowed:
            continue
        pattern = ("mixed", "drafts", "representative", "mixed", "drafts")[n % 5]
        if pattern == "representative":
            voice = _person_actor(
                person,
                by=by,
                acting_as="representative",
                name=REPRESENTATIVES[n % len(REPRESENTATIVES)],
            )
        elif pattern == "mixed":
            voice = _person_actor(person, by=by)
        else:
            voice = None
        build_plan(
            person,
            pattern=pattern,
            worker=worker,
            voice=voice,
            coordinator=coordinator if n % 4 == 0 else None,
            seed=n,
        )
    share = provenance.share(s.as_domain() for s in PlanStatement.objects.all())
    return DemoPlans(
        Plan.objects.filter(kind="person").count(), share.own_words, share.on_behalf, share.drafts
    )
