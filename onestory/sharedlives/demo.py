"""A Shared Lives scheme for the demo borough: approved carers with invented households,
and a referral for each example person in the demo social worker's care team, all through
the audited actions as the demo social worker. Demo only; safe to repeat (skipped once the
scheme has carers)."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from onestory.sharedlives import actions
from onestory.sharedlives.domain import synthetic
from onestory.sharedlives.models import Carer, Referral
from onestory.synthetic import reference as ref

WORKER = "socialworker.demo"
CARERS = 24
# What each example person's referral says, in turn: needs, must-nots, preferences, and the
# placement they would otherwise have with its weekly cost in pence.
REFERRALS = (
    ({"personal_care"}, {"smoking"}, {"gardening", "music"}, "Residential care", 1_150_00),
    ({"dementia"}, {"dogs"}, {"walking", "faith:christian"}, "Nursing home", 1_400_00),
    (set(), {"children"}, {"football", "cooking"}, "Supported living", 950_00),
)


@dataclass(frozen=True)
class DemoScheme:
    carers: int
    referrals: int
    already: bool = False  # the scheme was in place before this run


def create_demo_scheme(examples, *, today: date, seed: int = 11) -> DemoScheme:
    from django.contrib.auth import get_user_model

    from onestory.access.policy import actor_for_user, decide
    from onestory.people.models import Person

    user = get_user_model().objects.filter(username=WORKER).first()
    if user is None:
        return DemoScheme(0, 0)
    if Carer.objects.exists():
        return DemoScheme(Carer.objects.count(), Referral.objects.count(), already=True)
    by = actor_for_user(user, "cli")
    rng = random.Random(seed)
    for n in range(CARERS):
        profile = synthetic.carer(rng, n + 1)
        name = f"{rng.choice(ref.GIVEN_NAMES_WIDER['female'])} {rng.choice(ref.SURNAMES)}"
        carer = actions.apply_carer(
            name=name, postcode=profile.postcode, on=today - timedelta(days=200), by=by
        )
        actions.update_carer(
            carer=carer,
            changes={
                "household": profile.household,
                "offers": profile.offers,
                "capacity": profile.capacity,
                "skills": profile.skills,
                "interests": profile.interests,
                "languages": profile.languages,
                "faith": profile.faith,
                "accessibility": profile.accessibility,
            },
            by=by,
        )
        actions.record_assessment(
            carer=carer, on=today - timedelta(days=120), note="Assessment complete", by=by
        )
        if n % 6 != 5:  # most are approved; a few wait for the panel
            actions.panel_decision(
                carer=carer, approve=True, conditions="", on=today - timedelta(days=90), by=by
            )
    referrals = 0
    for example, (needs, must_not, prefs, alternative, cost) in zip(
        examples, REFERRALS, strict=False
    ):
        person = Person.objects.get(pk=example.person_id)
        if not decide(by, person).allowed or Referral.objects.filter(person=person).exists():
            continue
        actions.refer(
            person=person,
            details={
                "postcode": rng.choice(synthetic.DISTRICTS) + " 2AB",
                "needs": needs,
                "must_not": must_not,
                "preferences": prefs,
                "alternative": alternative,
                "alternative_weekly_pence": cost,
            },
            by=by,
        )
        referrals += 1
    return DemoScheme(CARERS, referrals)
