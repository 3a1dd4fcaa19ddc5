"""The borough's people: households, family ties, conditions, frailty, deaths and carers.

Everything is drawn from one `random.Random`, in a fixed order, so a seed gives the same
borough every time.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from onestory.people.domain.nhs_number import check_digit

from . import reference as ref


@dataclass(slots=True)
class Address:
    line: str  # "12 Mill Lane" or "Flat 3, 40 Oak Road"
    town: str
    postcode: str

    @property
    def full(self) -> str:
        return f"{self.line}, {self.town}"


@dataclass(slots=True, eq=False)
class Household:
    hid: int
    address: Address
    tenure: str  # owner / private / council / housing_association
    practice: int
    members: list[Person] = field(default_factory=list, repr=False)
    previous_address: Address | None = None
    moved_on: date | None = None


@dataclass(slots=True, eq=False)
class Person:
    index: int
    sex: str  # female / male
    dob: date
    given: str
    family: str
    household: Household = field(repr=False)
    nhs_number: str = ""
    phone: str = ""
    registered: bool = True
    partner: Person | None = field(default=None, repr=False)
    parents: list[Person] = field(default_factory=list, repr=False)
    children: list[Person] = field(default_factory=list, repr=False)
    conditions: dict[str, date] = field(default_factory=dict)
    frailty: float = 0.0
    died_on: date | None = None
    carer: Person | None = field(default=None, repr=False)
    carer_relationship: str = ""
    cares_for: list[Person] = field(default_factory=list, repr=False)

    @property
    def pid(self) -> str:
        return f"P{self.index:06d}"

    @property
    def age(self) -> int:
        return age_on(self.dob, ref.REFERENCE_DATE)

    def alive_on(self, day: date) -> bool:
        return self.died_on is None or day <= self.died_on


def age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def random_day(rng: random.Random, start: date, end: date) -> date:
    """A day in [start, end]; `start` when the range is empty."""
    span = (end - start).days
    return start if span <= 0 else start + timedelta(days=rng.randint(0, span))


@dataclass(slots=True)
class Borough:
    people: list[Person] = field(repr=False)
    households: list[Household] = field(repr=False)
    practices: list[tuple[str, str]]


# Household shapes: (name, weight).
_SHAPES = (
    ("older_single", 14),
    ("older_couple", 12),
    ("single_adult", 14),
    ("couple", 17),
    ("family", 22),
    ("lone_parent", 9),
    ("with_older_parent", 7),
    ("family_with_grandparent", 3),
    ("sharers", 4),
)
_SHAPE_NAMES = [s for s, _ in _SHAPES]
_SHAPE_WEIGHTS = [w for _, w in _SHAPES]


class _Builder:
    def __init__(self, rng: random.Random, n_people: int) -> None:
        self.rng = rng
        self.n = n_people
        self.people: list[Person] = []
        self.households: list[Household] = []
        n_practices = min(len(ref.GP_PRACTICES), max(3, round(n_people / 4000)))
        self.practices = list(ref.GP_PRACTICES[:n_practices])
        self._make_streets()
        self._used_addresses: set[tuple[int, str]] = set()
        self._nhs_pool = self._nhs_numbers(n_people)
        self._phones_used = 0

    # --- places -------------------------------------------------------------------
    def _make_streets(self) -> None:
        rng = self.rng
        n_streets = max(30, self.n // 45)
        names: set[str] = set()
        self.streets: list[tuple[str, int, list[str]]] = []  # name, district, postcodes
        while len(self.streets) < n_streets:
            name = f"{rng.choice(ref.STREET_FIRST)} {rng.choice(ref.STREET_SUFFIX)}"
            if name in names and len(names) < len(ref.STREET_FIRST) * len(ref.STREET_SUFFIX):
                continue
            names.add(name)
            district = rng.randrange(len(ref.DISTRICTS))
            outward = ref.DISTRICTS[district][0]
            codes = [
                f"{outward} {rng.randint(1, 9)}{rng.choice(ref.INWARD_LETTERS)}"
                f"{rng.choice(ref.INWARD_LETTERS)}"
                for _ in range(rng.randint(1, 3))
            ]
            self.streets.append((name, district, codes))

    def new_address(self, flat: bool = False) -> tuple[Address, int]:
        """An unused address, and the index of its street."""
        rng = self.rng
        while True:
            s = rng.randrange(len(self.streets))
            name, district, codes = self.streets[s]
            number = rng.randint(1, 180)
            line = f"{number} {name}"
            if flat:
                line = f"Flat {rng.randint(1, 24)}, {line}"
            if (s, line) in self._used_addresses:
                continue
            self._used_addresses.add((s, line))
            town = ref.DISTRICTS[district][1]
            return Address(line, town, codes[number % len(codes)]), s

    # --- identifiers --------------------------------------------------------------
    def _nhs_numbers(self, n: int) -> list[str]:
        """Unique synthetic NHS numbers: 999 + six digits + Modulus 11 check digit."""
        stems = self.rng.sample(range(1_000_000), min(1_000_000, int(n * 1.25) + 50))
        out = []
        for stem in stems:
            nine = f"999{stem:06d}"
            check = check_digit(nine)
            if check is not None:
                out.append(f"{nine}{check}")
        out.reverse()  # pop() from the end keeps the sampled order
        return out

    def phone(self, age: int) -> str:
        rng = self.rng
        if age < 11:
            return ""
        if rng.random() < (0.75 if age < 70 else 0.35):
            return f"{ref.MOBILE_PREFIX}{rng.randint(0, 999):03d}"
        return f"{ref.LANDLINE_PREFIX}{rng.randint(0, 999):03d}"

    # --- names --------------------------------------------------------------------
    def given_name(self, sex: str, birth_year: int) -> str:
        rng = self.rng
        if rng.random() < 0.09:
            return rng.choice(ref.GIVEN_NAMES_WIDER[sex])
        eras = ref.GIVEN_NAMES[sex]
        era = max(y for y in eras if y <= max(birth_year, 1920))
        return rng.choice(eras[era])

    def surname(self) -> str:
        rng = self.rng
        if rng.random() < 0.02:
            a, b = rng.sample(ref.SURNAMES, 2)
            return f"{a}-{b}"
        return rng.choice(ref.SURNAMES)

    # --- people -------------------------------------------------------------------
    def person(self, hh: Household, sex: str, age: int, family: str) -> Person:
        rng = self.rng
        dob = ref.REFERENCE_DATE - timedelta(days=age * 365 + rng.randint(0, 364))
        p = Person(
            index=len(self.people) + 1,
            sex=sex,
            dob=dob,
            given=self.given_name(sex, dob.year),
            family=family,
            household=hh,
        )
        p.nhs_number = self._nhs_pool.pop()
        p.phone = self.phone(age)
        p.registered = rng.random() > 0.012
        self.people.append(p)
        hh.members.append(p)
        return p

    def eldest_child_age(self) -> int:
        # Skewed older, since younger siblings are drawn below the eldest.
        return self.rng.randint(0, 17) if self.rng.random() < 0.35 else self.rng.randint(7, 17)

    def older_age(self) -> int:
        return min(104, 65 + int(self.rng.expovariate(1 / 9.5)))

    def household(self, shape: str) -> None:
        rng = self.rng
        tenure_roll = rng.random()
        older = shape in ("older_single", "older_couple")
        if tenure_roll < (0.11 if not older else 0.13):
            tenure = "council"
        elif tenure_roll < (0.19 if not older else 0.21):
            tenure = "housing_association"
        elif tenure_roll < (0.40 if not older else 0.27):
            tenure = "private"
        else:
            tenure = "owner"
        address, street = self.new_address(
            flat=tenure in ("council", "housing_association") and rng.random() < 0.4
        )
        practice = street % len(self.practices)  # each street has its nearest practice
        if rng.random() < 0.2:
            practice = rng.randrange(len(self.practices))
        hh = Household(len(self.households) + 1, address, tenure, practice)
        self.households.append(hh)
        if rng.random() < 0.1:
            hh.previous_address, _ = self.new_address()
            hh.moved_on = random_day(rng, ref.WINDOW_START, ref.REFERENCE_DATE - timedelta(60))

        def couple(age_a: int) -> tuple[Person, Person]:
            same_sex = rng.random() < 0.03
            sex_a = rng.choice(("female", "male"))
            sex_b = sex_a if same_sex else ("male" if sex_a == "female" else "female")
            fam = self.surname()
            a = self.person(hh, sex_a, age_a, fam)
            age_b = max(18, age_a + rng.randint(-6, 6))
            b = self.person(hh, sex_b, age_b, fam if rng.random() < 0.75 else self.surname())
            a.partner, b.partner = b, a
            return a, b

        def kids(parents: list[Person], eldest: int, n: int) -> None:
            fam = parents[0].family
            if len(parents) == 2 and parents[0].family != parents[1].family:
                if rng.random() < 0.15:
                    fam = f"{parents[0].family}-{parents[1].family}"
            for i in range(n):
                age = eldest if i == 0 else rng.randint(max(0, eldest - 8), eldest)
                child = self.person(hh, rng.choice(("female", "male")), age, fam)
                for par in parents:
                    child.parents.append(par)
                    par.children.append(child)

        if shape == "older_single":
            sex = "female" if rng.random() < 0.64 else "male"
            self.person(hh, sex, self.older_age(), self.surname())
        elif shape == "older_couple":
            couple(min(self.older_age(), 96))
        elif shape == "single_adult":
            age = rng.randint(40, 64) if rng.random() < 0.55 else rng.randint(18, 39)
            self.person(hh, rng.choice(("female", "male")), age, self.surname())
        elif shape == "couple":
            couple(rng.randint(45, 66) if rng.random() < 0.6 else rng.randint(20, 44))
        elif shape == "family":
            eldest = self.eldest_child_age()
            a, b = couple(eldest + rng.randint(22, 40))
            kids([a, b], eldest, rng.choice((1, 1, 1, 2, 2, 2, 3)))
        elif shape == "lone_parent":
            sex = "female" if rng.random() < 0.88 else "male"
            eldest = self.eldest_child_age()
            a = self.person(hh, sex, eldest + rng.randint(19, 38), self.surname())
            kids([a], eldest, rng.choice((1, 1, 1, 2, 2, 3)))
        elif shape == "with_older_parent":
            sex = "female" if rng.random() < 0.6 else "male"
            parent = self.person(
                hh, sex, min(104, 68 + int(rng.expovariate(1 / 7))), self.surname()
            )
            child_age = max(25, parent.age - rng.randint(22, 38))
            child = self.person(
                hh,
                rng.choice(("female", "male")),
                child_age,
                parent.family if rng.random() < 0.6 else self.surname(),
            )
            child.parents.append(parent)
            parent.children.append(child)
        elif shape == "family_with_grandparent":
            eldest = self.eldest_child_age()
            a, b = couple(eldest + rng.randint(24, 40))
            kids([a, b], eldest, rng.choice((1, 2, 2, 3)))
            gp_sex = "female" if rng.random() < 0.65 else "male"
            grand = self.person(hh, gp_sex, max(a.age + 22, 66), a.family)
            grand.children.append(a)
            a.parents.append(grand)
        else:  # sharers
            for _ in range(rng.randint(2, 4)):
                self.person(hh, rng.choice(("female", "male")), rng.randint(19, 35), self.surname())

    def build(self) -> Borough:
        rng = self.rng
        while len(self.people) < self.n:
            self.household(rng.choices(_SHAPE_NAMES, _SHAPE_WEIGHTS)[0])
        # Trim the last household to the exact number of people asked for.
        while len(self.people) > self.n:
            p = self.people.pop()
            p.household.members.remove(p)
            if p.partner is not None:
                p.partner.partner = None
            for par in p.parents:
                par.children.remove(p)
            for ch in p.children:
                ch.parents.remove(p)
        self.households = [h for h in self.households if h.members]
        self.link_adult_children()
        for p in self.people:
            self.conditions(p)
        for p in self.people:
            self.death(p)
        for p in self.people:
            self.assign_carer(p)
        return Borough(self.people, self.households, self.practices)

    def link_adult_children(self) -> None:
        """Older people living apart from their children get adult children elsewhere."""
        rng = self.rng
        by_year: dict[int, list[Person]] = {}
        for p in self.people:
            if 25 <= p.age <= 75:
                by_year.setdefault(p.dob.year, []).append(p)
        for p in self.people:
            if p.age < 60 or p.children or rng.random() > 0.7:
                continue
            partner = p.partner
            if partner is not None and partner.index < p.index:
                continue  # the couple shares children, linked once
            for _ in range(rng.choice((1, 1, 2, 2, 3))):
                year = p.dob.year + rng.randint(20, 40)
                pool = by_year.get(year)
                if not pool:
                    continue
                child = rng.choice(pool)
                if len(child.parents) >= 2 or child.household is p.household or child is p:
                    continue
                if child.partner is p:
                    continue
                for par in (p, partner) if partner is not None else (p,):
                    if par not in child.parents:
                        child.parents.append(par)
                        par.children.append(child)

    def conditions(self, p: Person) -> None:
        rng = self.rng
        age = p.age
        band = (
            0
            if age < 18
            else 1
            if age < 40
            else 2
            if age < 60
            else 3
            if age < 75
            else (4 if age < 85 else 5)
        )
        for key, probs in ref.PREVALENCE.items():
            prob = probs[band]
            if key == "osteoporosis" and p.sex == "male":
                prob *= 0.3
            if prob and rng.random() < prob:
                p.conditions[key] = self.onset(p, key)
        if age >= 18 and rng.random() < ref.SMI_PREVALENCE:
            p.conditions[rng.choice(ref.SMI_KINDS)] = self.onset(p, "smi")
        deficits = sum(1 for c in p.conditions if c in ref.FRAILTY_DEFICITS)
        # Deficits the condition list does not carry (mobility, polypharmacy, needing care...)
        # accumulate with age, as in the electronic Frailty Index.
        if age > 60:
            deficits += _poisson(rng, (age - 60) / 6)
        f = deficits / 36 + rng.gauss(0, 0.03)
        if age >= 65 and rng.random() < 0.05 + 0.8 * max(0.0, f):
            p.conditions["falls"] = random_day(rng, ref.WINDOW_START, ref.REFERENCE_DATE)
            f += 0.03
        p.frailty = round(min(0.85, max(0.0, f)), 3)
        if age >= 65 and p.frailty >= 0.12:
            key = (
                "mild_frailty"
                if p.frailty < 0.24
                else "moderate_frailty"
                if p.frailty < 0.36
                else "severe_frailty"
            )
            p.conditions[key] = random_day(rng, ref.WINDOW_START, ref.REFERENCE_DATE)

    def onset(self, p: Person, key: str) -> date:
        rng = self.rng
        earliest_age = {
            "learning_disability": 2,
            "autism": 2,
            "adhd": 5,
            "asthma": 3,
            "eczema": 0,
        }.get(key, 16 if p.age >= 16 else 0)
        earliest = max(add_years(p.dob, earliest_age), add_years(ref.REFERENCE_DATE, -30))
        if rng.random() < 0.2:  # diagnosed in the last three years
            earliest = max(earliest, ref.WINDOW_START)
        return random_day(rng, min(earliest, ref.REFERENCE_DATE), ref.REFERENCE_DATE)

    def death(self, p: Person) -> None:
        rng = self.rng
        yearly = (0.0001 if p.age < 18 else 0.0012) if p.age < 65 else 0.004 + 0.55 * p.frailty**2
        if p.age >= 90:
            yearly += 0.05
        if rng.random() < 1 - (1 - min(0.6, yearly)) ** 3:
            p.died_on = random_day(rng, ref.WINDOW_START, ref.REFERENCE_DATE)

    def assign_carer(self, p: Person) -> None:
        """An unpaid carer for frail people, people with dementia or a learning disability."""
        rng = self.rng
        needs = (
            (p.age >= 18 and p.frailty >= 0.28)
            or "dementia" in p.conditions
            or ("learning_disability" in p.conditions and p.age >= 16)
        )
        if not needs or rng.random() > 0.7:
            return
        candidates: list[tuple[Person, str]] = []
        if p.partner is not None and p.partner.age < 92 and p.partner.frailty < 0.3:
            candidates.append((p.partner, "Partner"))
        for child in p.children:
            if child.age >= 18:
                rel = "Daughter" if child.sex == "female" else "Son"
                candidates.append((child, rel))
        for parent in p.parents:
            if parent.age < 85 and parent.household is p.household:
                rel = "Mother" if parent.sex == "female" else "Father"
                candidates.append((parent, rel))
        if not candidates:
            return
        # A coresident carer first, as in real life.
        candidates.sort(key=lambda c: c[0].household is not p.household)
        carer, rel = candidates[0] if rng.random() < 0.8 else rng.choice(candidates)
        p.carer = carer
        p.carer_relationship = rel
        carer.cares_for.append(p)


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, prod = math.exp(-lam), 0, 1.0
    while True:
        prod *= rng.random()
        if prod < limit:
            return k
        k += 1


def build_borough(rng: random.Random, n_people: int) -> Borough:
    """Make `n_people` people in households, with families, conditions, deaths and carers."""
    if n_people < 1:
        raise ValueError("need at least one person")
    return _Builder(rng, n_people).build()
