"""The people of one chunk at the start of the period: where they live, their age, sex,
ethnicity, household, frailty and conditions, and who they are (NHS number, name, date of
birth, address) — all as arrays.

NHS numbers come from the 999 range (synthetic): 999 + six digits + the Modulus 11 check
digit gives about 909,000 valid numbers. People take them in a shuffled order by their
number in the nation, so they are unique for nations of up to that many people (births
included); a larger nation reuses numbers, but never within one chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from onestory.synthetic import reference as ref

from . import course
from .course import State
from .places import AREAS_PER_LOCALITY, ETHNIC_GROUPS

if TYPE_CHECKING:
    from .simulate import Context

AREAS = "area"
# Age bands (lower, upper) and England-like shares.
AGE_BANDS = ((0, 5), (5, 18), (18, 30), (30, 45), (45, 65), (65, 75), (75, 85), (85, 100))
AGE_SHARES = np.array([0.057, 0.155, 0.155, 0.2, 0.25, 0.1, 0.06, 0.023])
BIRTH_HEADROOM = 0.12  # spare places in a chunk for the babies born in it


def capacity(n0: int) -> int:
    """Places in a chunk of `n0` people: them, and the babies born among them."""
    return n0 + int(n0 * BIRTH_HEADROOM) + 16


def _names(sex: str) -> np.ndarray:
    pooled: list[str] = []
    for names in ref.GIVEN_NAMES[sex].values():
        pooled.extend(names)
    pooled.extend(ref.GIVEN_NAMES_WIDER[sex])
    return np.array(sorted(set(pooled)), dtype=object)


def valid_nhs_numbers(seed: int) -> np.ndarray:
    """Every valid 999-range NHS number, in an order shuffled by `seed`."""
    stems = np.arange(1_000_000, dtype=np.int64)
    total = np.full(len(stems), 9 * 10 + 9 * 9 + 9 * 8, dtype=np.int64)
    rest = stems.copy()
    for weight in (2, 3, 4, 5, 6, 7):  # last digit of the stem first
        total = total + weight * (rest % 10)
        rest //= 10
    check = 11 - total % 11
    check = np.where(check == 11, 0, check)
    ok = check != 10
    numbers = 9_990_000_000 + stems[ok] * 10 + check[ok]
    return np.random.default_rng([seed, 0]).permutation(numbers)


@dataclass
class Identity:
    pid: np.ndarray
    nhs: np.ndarray  # int64
    given: np.ndarray  # object
    family: np.ndarray
    dob_day: np.ndarray  # days since 1970
    address: np.ndarray
    postcode: np.ndarray
    ethnicity: np.ndarray  # index into ETHNIC_GROUPS

    def frame(self, used: np.ndarray, loc, area, practice, ctx: Context) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "pid": self.pid[used],
                "nhs_number": self.nhs[used].astype(str),
                "given_name": self.given[used].tolist(),
                "family_name": self.family[used].tolist(),
                "dob_day": self.dob_day[used],
                "address": self.address[used].tolist(),
                "postcode": self.postcode[used].tolist(),
                "ethnicity": np.array(ETHNIC_GROUPS)[self.ethnicity[used]].tolist(),
                "locality": loc[used],
                "partnership": ctx.locality_partnership[loc[used]],
                "area": area[used],
                "practice": practice[used],
            }
        )


def pick_within(rng: np.random.Generator, locs: np.ndarray, what: str, ctx: Context) -> np.ndarray:
    """A small area (or practice) in each locality of `locs`, at random."""
    if what == AREAS:
        return locs * AREAS_PER_LOCALITY + rng.integers(0, AREAS_PER_LOCALITY, len(locs))
    first = np.searchsorted(ctx.practice_locality, locs, side="left")
    last = np.searchsorted(ctx.practice_locality, locs, side="right")
    return first + (rng.random(len(locs)) * (last - first)).astype(np.int64)


def new_addresses(rng: np.random.Generator, ident: Identity, who: np.ndarray, area, ctx) -> None:
    n = len(who)
    first = np.array(ref.STREET_FIRST, dtype=object)[rng.integers(0, len(ref.STREET_FIRST), n)]
    suffix = np.array(ref.STREET_SUFFIX, dtype=object)[rng.integers(0, len(ref.STREET_SUFFIX), n)]
    house = rng.integers(1, 180, n)
    letters = np.array(list(ref.INWARD_LETTERS), dtype=object)
    inward = (
        rng.integers(1, 10, n).astype(str).astype(object)
        + letters[rng.integers(0, len(letters), n)]
        + letters[rng.integers(0, len(letters), n)]
    )
    district = np.array(ctx.area_district, dtype=object)[area[who]]
    ident.address[who] = house.astype(str).astype(object) + " " + first + " " + suffix
    ident.postcode[who] = district + " " + inward


def initial_population(
    ctx: Context, rng: np.random.Generator, first_pid: int, n0: int, warmup: int = 0
) -> tuple[Identity, State, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    cap = capacity(n0)
    live = np.arange(cap) < n0
    loc = rng.choice(len(ctx.locality_share), cap, p=ctx.locality_share).astype(np.int64)
    area = pick_within(rng, loc, AREAS, ctx)
    practice = pick_within(rng, loc, "practice", ctx)
    # Age: England-like bands, tilted towards older people where the locality is older.
    band_mid = np.array([(a + b) / 2 for a, b in AGE_BANDS])
    tilt = np.exp(np.outer(ctx.locality_older, (band_mid - 40) / 40))
    weights = AGE_SHARES * tilt
    weights /= weights.sum(axis=1, keepdims=True)
    cum = np.cumsum(weights, axis=1)[loc]
    band = (rng.random(cap)[:, None] > cum).sum(axis=1)
    band = np.minimum(band, len(AGE_BANDS) - 1)
    lo = np.array([a for a, _ in AGE_BANDS])[band]
    hi = np.array([b for _, b in AGE_BANDS])[band]
    age = lo + rng.random(cap) * (hi - lo)
    t0 = int(ctx.quarter_days[0]) - 91 * warmup
    dob_day = t0 - np.floor(age * 365.25).astype(np.int64)
    female = rng.random(cap) < np.where(age >= 75, 0.56, 0.5)
    imd = ctx.area_imd[area].astype(np.int64)
    propensity = np.minimum(rng.lognormal(-0.5, 1.0, cap), 3.0)
    deficits = np.minimum(
        rng.poisson(course.expected_deficits(age, imd, propensity)), course.DEFICITS
    )
    ltc = np.minimum(rng.poisson(course.expected_ltc(age, imd, propensity)), course.MAX_LTC)
    p_alone = np.select([age < 18, age < 65, age < 80], [0.0, 0.1, 0.3], 0.5)
    lives_alone = rng.random(cap) < p_alone
    carer = (age >= 50) & (rng.random(cap) < np.clip(0.02 * deficits, 0, 0.6))
    need = (age >= 65) & (deficits >= course.NEED_DEFICITS)
    care_home = need & (rng.random(cap) < np.clip(0.01 * (deficits - 8), 0, 0.4))
    package = need & ~care_home & (rng.random(cap) < 0.5)
    state = State(
        age=age,
        female=female,
        imd=imd,
        propensity=propensity,
        deficits=deficits,
        ltc=ltc,
        lives_alone=lives_alone & ~care_home,
        carer=carer,
        carer_broke_q=np.full(cap, -99, dtype=np.int64),
        package=package,
        care_home=care_home,
        fall_q=np.full(cap, -99, dtype=np.int64),
        alive=live.copy(),
    )
    # Who they are.
    eth = np.where(
        rng.random(cap) < ctx.locality_minority[loc], rng.integers(1, len(ETHNIC_GROUPS), cap), 0
    )
    pid = first_pid + np.arange(cap, dtype=np.int64)
    numbers = ctx_numbers(ctx)
    given = np.where(
        female,
        _cached_names("female")[rng.integers(0, len(_cached_names("female")), cap)],
        _cached_names("male")[rng.integers(0, len(_cached_names("male")), cap)],
    )
    surnames = np.array(ref.SURNAMES, dtype=object)
    ident = Identity(
        pid=pid,
        nhs=numbers[pid % len(numbers)],
        given=given,
        family=surnames[rng.integers(0, len(surnames), cap)],
        dob_day=dob_day,
        address=np.empty(cap, dtype=object),
        postcode=np.empty(cap, dtype=object),
        ethnicity=eth,
    )
    new_addresses(rng, ident, np.arange(cap), area, ctx)
    return ident, state, (loc, area, practice)


_NAMES: dict[str, np.ndarray] = {}
_NUMBERS: dict[int, np.ndarray] = {}


def _cached_names(sex: str) -> np.ndarray:
    if sex not in _NAMES:
        _NAMES[sex] = _names(sex)
    return _NAMES[sex]


def ctx_numbers(ctx: Context) -> np.ndarray:
    if ctx.seed not in _NUMBERS:
        _NUMBERS.clear()
        _NUMBERS[ctx.seed] = valid_nhs_numbers(ctx.seed)
    return _NUMBERS[ctx.seed]
