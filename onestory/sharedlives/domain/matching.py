"""Whether a carer could support a person (hard constraints, each refusal with its reason)
and how well they would fit (a weighted compatibility score whose parts add up to the total).

Words are plain lower-case tokens, so that a scheme's own vocabulary works and the command
line takes the same words as the pages (see docs/SHARED_LIVES.md for the usual ones):

- a person's `needs` ("epilepsy", "wheelchair", "autism"…): a need requires the carer skills
  in `NEED_SKILLS` and the home features in `NEED_ACCESS`; a need in neither table requires a
  carer skill of the same name (a need the scheme has no rule for is never assumed met);
- a person's `must_not`: things the household must not have ("smoking", "dogs", "children");
- a person's `preferences`: interests ("gardening"), and `language:<x>` / `faith:<x>`;
- a person's `starts` (when support is wanted) against a carer's `available_from`;
- a person's `safeguarding` flags, each excluding the households in `SAFEGUARDING_EXCLUDES`
  (an unknown flag is refused where it is read, never ignored);
- a carer's `household` features, `offers` (long_term, short_breaks, day_support), `skills`,
  `accessibility`, `interests`, `languages`, `faith`, and `safeguarding` (an open concern about
  the household: the carer takes no one until it is resolved).
"""

from dataclasses import dataclass, field
from datetime import date

from onestory.sharedlives.domain import places

OFFERS = ("long_term", "short_breaks", "day_support")
OFFER_LABELS = {
    "long_term": "Long-term",
    "short_breaks": "Short breaks",
    "day_support": "Day support",
}

NEED_SKILLS: dict[str, frozenset[str]] = {
    "epilepsy": frozenset({"epilepsy_care"}),
    "diabetes": frozenset({"diabetes_care"}),
    "peg_feeding": frozenset({"peg_feeding"}),
    "dementia": frozenset({"dementia_care"}),
    "autism": frozenset({"autism"}),
    "mental_health": frozenset({"mental_health"}),
    "behaviour_support": frozenset({"positive_behaviour_support"}),
    "personal_care": frozenset({"personal_care"}),
    "hoist": frozenset({"moving_and_handling"}),
}
NEED_ACCESS: dict[str, frozenset[str]] = {
    "wheelchair": frozenset({"step_free", "ground_floor_bedroom"}),
    "limited_mobility": frozenset({"ground_floor_bedroom"}),
    "hoist": frozenset({"hoist"}),
}
# Needs that are met by the home alone (no skill of the same name is required).
ACCESS_ONLY_NEEDS = frozenset(NEED_ACCESS) - frozenset(NEED_SKILLS)
# A person's safeguarding flag and the household features it rules out.
SAFEGUARDING_EXCLUDES: dict[str, frozenset[str]] = {
    "risk_to_children": frozenset({"children"}),
    "risk_to_older_people": frozenset({"older_people"}),
    "risk_to_women": frozenset({"women"}),
    "risk_to_men": frozenset({"men"}),
    "risk_to_animals": frozenset({"pets", "dogs", "cats"}),
    "risk_from_men": frozenset({"men"}),
}

# The score: each part's maximum; they add up to `MAX_SCORE`.
WEIGHT_DISTANCE = 35
WEIGHT_INTERESTS = 30
WEIGHT_LANGUAGE = 20
WEIGHT_FAITH = 15
MAX_SCORE = WEIGHT_DISTANCE + WEIGHT_INTERESTS + WEIGHT_LANGUAGE + WEIGHT_FAITH
DISTANCE_ZERO_KM = 15.0  # full points at the same place, none from this far away
INTERESTS_FOR_FULL = 3  # this many shared interests (or all the person's, if fewer) score full


@dataclass(frozen=True)
class Person:
    id: str
    postcode: str
    needs: frozenset[str] = frozenset()
    must_not: frozenset[str] = frozenset()
    preferences: frozenset[str] = frozenset()
    support: str = "long_term"
    safeguarding: frozenset[str] = frozenset()
    max_km: float | None = None
    starts: date | None = None  # when the support is wanted (None: as soon as possible)

    @property
    def interests(self) -> frozenset[str]:
        return frozenset(p for p in self.preferences if ":" not in p)

    @property
    def languages(self) -> frozenset[str]:
        return _prefixed(self.preferences, "language:")

    @property
    def faiths(self) -> frozenset[str]:
        return _prefixed(self.preferences, "faith:")

    @property
    def required_skills(self) -> frozenset[str]:
        return required_skills(self.needs)

    @property
    def required_access(self) -> frozenset[str]:
        return required_access(self.needs)

    @property
    def excluded_by_safeguarding(self) -> frozenset[str]:
        return frozenset().union(*(SAFEGUARDING_EXCLUDES[f] for f in self.safeguarding))


@dataclass(frozen=True)
class Carer:
    id: str
    postcode: str
    capacity: int
    offers: frozenset[str] = frozenset({"long_term"})
    household: frozenset[str] = frozenset()
    skills: frozenset[str] = frozenset()
    accessibility: frozenset[str] = frozenset()
    interests: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    faith: frozenset[str] = frozenset()
    safeguarding: frozenset[str] = frozenset()
    approved: bool = True
    available_from: date | None = None  # None: available now


@dataclass(frozen=True)
class Refusal:
    code: str  # approval, capacity, offers, must_not, accessibility, skills, safeguarding, distance
    reason: str


@dataclass(frozen=True)
class Part:
    code: str  # distance, interests, language, faith
    label: str
    points: int
    out_of: int
    reason: str


@dataclass(frozen=True)
class Score:
    parts: tuple[Part, ...] = field(default_factory=tuple)

    @property
    def total(self) -> int:
        return sum(part.points for part in self.parts)


CONSTRAINT_LABELS = {
    "approval": "not approved",
    "capacity": "no room",
    "offers": "does not offer that support",
    "must_not": "a must-not",
    "accessibility": "home not accessible",
    "skills": "skills a need requires",
    "safeguarding": "safeguarding",
    "distance": "too far",
    "availability": "not available yet",
}


def _prefixed(tokens: frozenset[str], prefix: str) -> frozenset[str]:
    return frozenset(t[len(prefix) :] for t in tokens if t.startswith(prefix))


def required_skills(needs: frozenset[str]) -> frozenset[str]:
    skills: set[str] = set()
    for need in needs:
        if need in NEED_SKILLS:
            skills |= NEED_SKILLS[need]
        elif need not in ACCESS_ONLY_NEEDS:
            skills.add(need)
    return frozenset(skills)


def required_access(needs: frozenset[str]) -> frozenset[str]:
    return frozenset().union(*(NEED_ACCESS.get(n, frozenset()) for n in needs))


def _words(tokens: frozenset[str] | set[str]) -> str:
    return ", ".join(sorted(t.replace("_", " ") for t in tokens))


def refusals(person: Person, carer: Carer) -> list[Refusal]:
    """Every hard constraint the pair fails, each with its reason; empty when it could work."""
    out: list[Refusal] = []
    if not carer.approved:
        out.append(Refusal("approval", "The carer is not approved."))
    if carer.capacity < 1:
        out.append(Refusal("capacity", "The carer has no room (capacity 0)."))
    if person.support not in carer.offers:
        out.append(
            Refusal("offers", f"The carer does not offer {person.support.replace('_', ' ')}.")
        )
    clash = person.must_not & carer.household
    if clash:
        out.append(Refusal("must_not", f"Must not have: {_words(clash)} (the household has)."))
    missing_access = person.required_access - carer.accessibility
    if missing_access:
        out.append(Refusal("accessibility", f"The home does not have: {_words(missing_access)}."))
    missing_skills = person.required_skills - carer.skills
    if missing_skills:
        out.append(Refusal("skills", f"Needs a carer skilled in: {_words(missing_skills)}."))
    if carer.safeguarding:
        out.append(Refusal("safeguarding", "An open safeguarding concern about the household."))
    excluded = person.excluded_by_safeguarding & carer.household
    if excluded:
        out.append(Refusal("safeguarding", f"A safeguarding flag rules out: {_words(excluded)}."))
    if person.max_km is not None:
        km = places.distance_km(
            places.position_km(person.postcode), places.position_km(carer.postcode)
        )
        if km is None:
            out.append(Refusal("distance", "The distance is not known and a limit is set."))
        elif km > person.max_km:
            out.append(Refusal("distance", f"{km:.1f} km away; the limit is {person.max_km:g} km."))
    if carer.available_from is not None and (
        person.starts is None or person.starts < carer.available_from
    ):
        out.append(
            Refusal(
                "availability",
                f"The carer is available from {carer.available_from.isoformat()}"
                + (
                    f"; support is wanted from {person.starts.isoformat()}."
                    if person.starts
                    else "."
                ),
            )
        )
    return out


def distance_points(km: float | None) -> int:
    if km is None:
        return WEIGHT_DISTANCE // 2
    return round(WEIGHT_DISTANCE * max(0.0, 1.0 - km / DISTANCE_ZERO_KM))


def interest_points(shared: int, wanted: int) -> int:
    if wanted == 0:
        return WEIGHT_INTERESTS
    full = min(wanted, INTERESTS_FOR_FULL)
    return round(WEIGHT_INTERESTS * min(shared, full) / full)


def shared_points(weight: int, shared: int, wanted: int) -> int:
    """Language and faith: full when the person states none or one is shared, else none."""
    return weight if wanted == 0 or shared > 0 else 0


def score(person: Person, carer: Carer) -> Score:
    km = places.distance_km(places.position_km(person.postcode), places.position_km(carer.postcode))
    distance = Part(
        "distance",
        "Travel distance",
        distance_points(km),
        WEIGHT_DISTANCE,
        "Distance not known (postcode outside the borough table): half points."
        if km is None
        else f"About {km:.1f} km apart.",
    )
    shared_interests = person.interests & carer.interests
    interests = Part(
        "interests",
        "Shared interests",
        interest_points(len(shared_interests), len(person.interests)),
        WEIGHT_INTERESTS,
        "No interests stated."
        if not person.interests
        else f"Shares: {_words(shared_interests)}."
        if shared_interests
        else "No shared interests.",
    )
    language = _shared_part(
        "language", "Language", WEIGHT_LANGUAGE, person.languages, carer.languages
    )
    faith = _shared_part("faith", "Faith", WEIGHT_FAITH, person.faiths, carer.faith)
    return Score((distance, interests, language, faith))


def _shared_part(
    code: str, label: str, weight: int, wanted: frozenset[str], has: frozenset[str]
) -> Part:
    shared = wanted & has
    points = shared_points(weight, len(shared), len(wanted))
    if not wanted:
        reason = f"No {label.lower()} preference stated."
    elif shared:
        reason = f"Shares: {_words(shared)}."
    else:
        reason = f"Prefers {_words(wanted)}; the household has none of these."
    return Part(code, label, points, weight, reason)


@dataclass(frozen=True)
class Candidate:
    carer: Carer
    score: Score


@dataclass(frozen=True)
class Shortlist:
    candidates: tuple[Candidate, ...]  # best first
    refused: tuple[tuple[Carer, tuple[Refusal, ...]], ...]


def shortlist(person: Person, carers: list[Carer], size: int = 10) -> Shortlist:
    """The carers who pass every hard constraint, best score first (ties by carer id), and
    the refused ones with every reason."""
    fits: list[Candidate] = []
    refused: list[tuple[Carer, tuple[Refusal, ...]]] = []
    for carer in carers:
        why = refusals(person, carer)
        if why:
            refused.append((carer, tuple(why)))
        else:
            fits.append(Candidate(carer, score(person, carer)))
    fits.sort(key=lambda c: (-c.score.total, c.carer.id))
    return Shortlist(tuple(fits[:size]), tuple(refused))
