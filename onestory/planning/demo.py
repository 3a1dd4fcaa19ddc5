"""Care and support plans for the demo borough: a realistic share of the people with an
open adult social-care service get a plan, with a mix of provenance (the person's own
words, a representative's, professionals' drafts not yet confirmed), goals linked to their
services, reviews (some overdue) and a care coordinator. Everything goes through the
planning actions, acting as the demo logins and as person accounts, so the demo shows
exactly what the rules allow. Demo only; safe to repeat (people with a plan are skipped)."""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

# Statements a social worker drafts, and what people say when they rewrite them.
DRAFTS = {
    "about_me": [
        "I have lived in this street for thirty years and I know all my neighbours.",
        "I worked as a bus driver until I retired.",
        "I am a grandmother of five and family is everything to me.",
        "I used to be a nurse, so I know my own mind about my care.",
    ],
    "communication": [
        "I hear better on my left side, so please sit on my left.",
        "Please speak slowly and give me time to answer.",
        "I prefer a phone call to a letter.",
    ],
    "support_me": [
        "I need help getting washed and dressed in the morning, but not before 9.",
        "I like to do as much as I can for myself; please ask before you help.",
        "I need help with my tablets at breakfast and teatime.",
    ],
    "matters": [
        "Staying in my own home matters most to me.",
        "Seeing my grandchildren every Sunday matters to me.",
        "Going to church on Sundays is important to me.",
        "My dog Pip is my best friend and must stay with me.",
    ],
    "strengths": [
        "I am a good cook and I like feeding people.",
        "I know a lot about gardening and I help at the allotment.",
        "I am good with numbers and I help at the lunch club with the money.",
    ],
    "network": [
        "My daughter visits every evening after work.",
        "My neighbour Joan does my shopping on Thursdays.",
        "I go to the memory café at the library on Tuesdays.",
    ],
    "needs": [
        "I have diabetes and my feet are sore, so walking far is hard.",
        "I get breathless on the stairs because of my COPD.",
        "My memory is not what it was and I forget my tablets.",
    ],
    "contingency": [
        "If my daughter cannot come, I call my son on the number by the phone.",
        "If I fall, I press my pendant alarm and wait for help.",
        "If I feel unwell at night, I call 111 and then my daughter.",
    ],
}
REWRITES = {
    "about_me": "I drove the number 42 for thirty-one years and I still know every stop.",
    "support_me": "I want help with my back and my feet, the rest I can do myself, thank you.",
    "matters": "Staying at home with Pip matters more than anything.",
    "needs": "My feet are the problem, not my head.",
}
GOALS = [
    ("I want to walk to the corner shop by myself again.", "Physiotherapist and my daughter"),
    ("I want to get back to the lunch club once a week.", "Social prescribing link worker"),
    ("I want to manage my own tablets with a dosette box.", "Pharmacist and district nurse"),
    ("I want to have a bath again, safely.", "Occupational therapist"),
]
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


def build_plan(person, *, pattern: str, worker, voice=None, coordinator=None, seed: int = 0):
    """One plan: the worker drafts a statement per section and goals; then, by pattern,
    the person (or representative) confirms some, rewrites one and writes their own
    ("mixed"), or nothing has been confirmed yet ("drafts")."""
    from onestory.planning import actions
    from onestory.sources.models import SourceEvent

    plan = actions.create_plan(person, by=worker)
    rows = {}
    for i, (code, texts) in enumerate(DRAFTS.items()):
        rows[code] = actions.propose_statement(
            plan, code, texts[(seed + i) % len(texts)], by=worker
        )
    services = list(
        SourceEvent.objects.filter(
            record__links__run__is_current=True,
            record__links__person=person,
            kind="service",
            end__isnull=True,
        ).order_by("pk")[:2]
    )
    goals = []
    for j in range(2):
        text, helper = GOALS[(seed + j) % len(GOALS)]
        goals.append(
            actions.add_goal(
                plan,
                text,
                who_helps=helper,
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
            progress=[(goals[0], "some", "I got to the end of the road last week.", "")],
            by=coordinator["actor"],
        )
    if voice is None or pattern == "drafts":
        return plan
    for code in ("matters", "communication", "strengths", "network"):
        actions.confirm_statement(rows[code], by=voice)
    rewrite = next(c for c in REWRITES if (seed + len(c)) % 2 == 0 or c == "needs")
    actions.edit_statement(rows[rewrite], REWRITES[rewrite], by=voice)
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
