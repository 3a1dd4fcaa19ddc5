"""A synthetic Shared Lives scheme for the borough: people referred and approved carers drawn
from the usual vocabulary, deterministic for a seed (benchmarks, demo data, tests)."""

import random

from onestory.sharedlives.domain.matching import Carer, Person

DISTRICTS = ("LS11", "LS12", "LS13", "LS27", "LS28")
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
NEEDS = (
    "epilepsy",
    "diabetes",
    "dementia",
    "autism",
    "mental_health",
    "personal_care",
    "wheelchair",
    "limited_mobility",
    "behaviour_support",
)
SKILLS = (
    "epilepsy_care",
    "diabetes_care",
    "dementia_care",
    "autism",
    "mental_health",
    "personal_care",
    "positive_behaviour_support",
    "moving_and_handling",
)
ACCESS = ("step_free", "ground_floor_bedroom", "hoist")
HOUSEHOLD = ("dogs", "cats", "smoking", "children", "older_people", "men", "women")
INTERESTS = (
    "gardening",
    "football",
    "music",
    "cooking",
    "walking",
    "crafts",
    "films",
    "animals",
    "church",
    "swimming",
    "fishing",
    "art",
)
LANGUAGES = ("english", "urdu", "punjabi", "polish", "bengali", "gujarati")
FAITHS = ("christian", "muslim", "sikh", "hindu", "none")


def postcode(rng: random.Random) -> str:
    letters = rng.choice(INWARD_LETTERS) + rng.choice(INWARD_LETTERS)
    return f"{rng.choice(DISTRICTS)} {rng.randint(1, 9)}{letters}"


def _some(rng: random.Random, words: tuple[str, ...], most: int) -> frozenset[str]:
    return frozenset(rng.sample(words, rng.randint(0, most)))


def person(rng: random.Random, n: int) -> Person:
    prefs = set(_some(rng, INTERESTS, 4))
    if rng.random() < 0.4:
        prefs.add("language:" + rng.choice(LANGUAGES))
    if rng.random() < 0.3:
        prefs.add("faith:" + rng.choice(FAITHS))
    return Person(
        id=f"P{n:06d}",
        postcode=postcode(rng),
        needs=_some(rng, NEEDS, 2),
        must_not=_some(rng, HOUSEHOLD[:4], 1),
        preferences=frozenset(prefs),
        support=rng.choices(("long_term", "short_breaks", "day_support"), (6, 3, 1))[0],
        safeguarding=frozenset({"risk_to_children"}) if rng.random() < 0.05 else frozenset(),
        max_km=rng.choice((None, None, 5.0, 8.0)),
    )


def carer(rng: random.Random, n: int) -> Carer:
    return Carer(
        id=f"C{n:06d}",
        postcode=postcode(rng),
        capacity=rng.choice((1, 1, 1, 2, 2, 3)),
        offers=frozenset(
            rng.sample(("long_term", "short_breaks", "day_support"), rng.randint(1, 3))
        ),
        household=_some(rng, HOUSEHOLD, 3),
        skills=_some(rng, SKILLS, 4),
        accessibility=_some(rng, ACCESS, 2),
        interests=_some(rng, INTERESTS, 4),
        languages=frozenset({"english"}) | _some(rng, LANGUAGES, 1),
        faith=_some(rng, FAITHS, 1),
        safeguarding=frozenset({"open_concern"}) if rng.random() < 0.01 else frozenset(),
    )


def scheme(people: int, carers: int, seed: int = 11) -> tuple[list[Person], list[Carer]]:
    rng = random.Random(seed)
    return [person(rng, i + 1) for i in range(people)], [carer(rng, i + 1) for i in range(carers)]
