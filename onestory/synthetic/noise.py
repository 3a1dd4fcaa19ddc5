"""How each source system holds a person: its own id, and the errors real extracts have."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from . import reference as ref
from .population import Address, Person

# Per source kind: (NHS number missing, nickname used, name typo, day/month swapped in the
# date of birth, old address kept after a move, sex recorded as unknown, a second record
# for the same person). The GP record is the cleanest.
NOISE: dict[str, tuple[float, float, float, float, float, float, float]] = {
    "gp": (0.004, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
    "acute": (0.04, 0.04, 0.02, 0.012, 0.5, 0.004, 0.012),
    "mental_health": (0.07, 0.06, 0.025, 0.012, 0.5, 0.004, 0.0),
    "community": (0.05, 0.05, 0.02, 0.012, 0.5, 0.0, 0.01),
    "adult_social_care": (0.33, 0.09, 0.035, 0.02, 0.5, 0.004, 0.02),
    "childrens_services": (0.6, 0.05, 0.03, 0.02, 0.5, 0.0, 0.0),
    "housing": (1.0, 0.12, 0.04, 0.02, 0.0, 0.0, 0.0),
    "voluntary": (1.0, 0.35, 0.05, 0.0, 0.5, 0.0, 0.0),
}

_VOWELS = "aeiou"


def typo(rng: random.Random, name: str) -> str:
    """One keyboard-style slip: transposed, dropped, doubled or substituted letter."""
    if len(name) < 4:
        return name + name[-1]
    i = rng.randint(1, len(name) - 2)
    op = rng.randrange(4)
    if op == 0 and name[i].isalpha() and name[i + 1].isalpha():
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if op == 1:
        return name[:i] + name[i + 1 :]
    if op == 2:
        return name[:i] + name[i] + name[i:]
    vowel = rng.choice([v for v in _VOWELS if v != name[i].lower()])
    return name[:i] + vowel + name[i + 1 :]


def nickname(rng: random.Random, given: str) -> str:
    variants = ref.NAME_VARIANTS.get(given)
    return rng.choice(variants) if variants else given


@dataclass(slots=True)
class View:
    """A person as one system holds them."""

    local_id: str
    person: Person = field(repr=False)
    nhs_number: str
    given: str
    family: str
    dob_shown: date  # possibly with day and month swapped
    sex: str  # female / male / unknown
    address: Address
    birth_month: str = ""  # voluntary sector: "MM/YYYY", "YYYY" or ""
    used: bool = False


def make_view(rng: random.Random, kind: str, local_id: str, p: Person) -> View:
    """Draw how `kind`'s system records `p`, with that system's share of errors."""
    nhs_p, nick_p, typo_p, swap_p, old_p, unk_p, _dup = NOISE[kind]
    given, family = p.given, p.family
    if rng.random() < nick_p:
        given = nickname(rng, given)
    if rng.random() < typo_p:
        if rng.random() < 0.5:
            family = typo(rng, family)
        else:
            given = typo(rng, given)
    dob = p.dob
    if dob.day <= 12 and dob.day != dob.month and rng.random() < swap_p:
        dob = dob.replace(day=dob.month, month=dob.day)
    hh = p.household
    address = hh.address
    if hh.previous_address is not None and rng.random() < old_p:
        address = hh.previous_address
    sex = "unknown" if rng.random() < unk_p else p.sex
    nhs = "" if rng.random() < nhs_p else p.nhs_number
    view = View(local_id, p, nhs, given, family, dob, sex, address)
    if kind == "voluntary":
        roll = rng.random()
        if roll < 0.55:
            view.birth_month = f"{p.dob.month:02d}/{p.dob.year}"
        elif roll < 0.85:
            view.birth_month = str(p.dob.year)
    return view
