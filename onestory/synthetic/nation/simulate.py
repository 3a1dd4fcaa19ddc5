"""Quarter by quarter for one chunk of people: the causal model in `course`, the
initiatives in `initiatives`, and the events they produce, as polars tables.

A chunk is simulated on its own random generator (seeded by the scenario's seed and the
chunk's number), so a nation is the same whatever order its chunks are written in, and
memory stays flat: one chunk's arrays and events at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from . import course
from .course import State
from .initiatives import Active, Initiatives, acting_on, combined
from .population import Identity, initial_population, new_addresses
from .schemas import ADMISSIONS, AE_ATTENDANCES, PERSON_YEARS, REACHED, SOCIAL_CARE

EMERGENCY_KINDS = ("other", "acsc", "falls")
NEVER = -99


@dataclass
class Context:
    """What every chunk shares: the calendar, the places and the initiatives."""

    seed: int
    quarter_days: np.ndarray  # Q + 1 day numbers (days since 1970): each quarter's start
    quarter_months: list[int]
    locality_partnership: np.ndarray
    locality_share: np.ndarray
    locality_older: np.ndarray
    locality_minority: np.ndarray
    locality_package: np.ndarray  # chance a quarter that a person in need gets a package
    area_locality: np.ndarray
    area_imd: np.ndarray
    area_district: list[str]
    practice_locality: np.ndarray
    initiatives: Initiatives

    @property
    def quarters(self) -> int:
        return len(self.quarter_days) - 1


@dataclass
class ChunkResult:
    people: pl.DataFrame
    admissions: pl.DataFrame
    ae: pl.DataFrame
    social_care: pl.DataFrame
    deficits: pl.DataFrame
    person_years: pl.DataFrame
    reached: pl.DataFrame
    population: pl.DataFrame  # per locality and quarter: people alive at its start, 65+
    moves: pl.DataFrame  # who moved between localities, when, from where to where


@dataclass
class _Events:
    rows: dict[str, list[dict[str, np.ndarray]]] = field(
        default_factory=lambda: {
            "adm": [],
            "ae": [],
            "asc": [],
            "def": [],
            "py": [],
            "reach": [],
            "pop": [],
            "moves": [],
        }
    )

    def add(self, table: str, **cols: np.ndarray) -> None:
        if len(next(iter(cols.values()))):
            self.rows[table].append(cols)

    def frame(self, kind: str, schema: dict[str, Any]) -> pl.DataFrame:
        parts = self.rows[kind]
        if not parts:
            return pl.DataFrame(schema=schema)
        return pl.DataFrame(
            {k: np.concatenate([p[k] for p in parts]) for k in schema}, schema=schema
        )


def _draw_counts(
    rng: np.random.Generator, mu0: np.ndarray, acts: list[Active]
) -> tuple[np.ndarray, np.ndarray, dict[int, np.ndarray]]:
    """Events of one kind this quarter: (who, kept mask over `who`, per acting initiative
    the kept mask without it)."""
    n = len(mu0)
    m, cap = combined(acts, n)
    potential = rng.poisson(mu0 * cap)
    who = np.repeat(np.arange(n), potential)
    u = rng.random(len(who))
    kept = u < (m / cap)[who]
    without = {a.index: u < (m / a.multiplier / cap)[who] for a in acts}
    return who, kept, without


def simulate_chunk(ctx: Context, chunk: int, first_pid: int, n0: int) -> ChunkResult:
    rng = np.random.default_rng([ctx.seed, 1, chunk])
    ident, s, where = initial_population(ctx, rng, first_pid, n0, WARMUP)
    deficits_at_start = np.zeros(len(s.age), dtype=np.int64)
    loc, area, practice = where
    cap = len(s.age)
    enrol = ctx.initiatives.enrolment(rng, cap)
    born_q = np.where(np.arange(cap) < n0, -1, 10_000).astype(np.int32)
    died_day = np.full(cap, -1, dtype=np.int64)
    next_slot = n0
    ev = _Events()
    year_mu = np.zeros(cap)
    year_em = np.zeros(cap, dtype=np.int32)
    year_start: dict[str, np.ndarray] = {}

    for q in range(-WARMUP, ctx.quarters):
        # Warm-up quarters (negative) run the model but record nothing, so the period starts
        # from a population the model has shaped (the frailest have already died).
        rec = ev if q >= 0 else _NOTHING
        if q == 0:
            deficits_at_start = np.where(s.alive, s.deficits, 0)
        t0 = quarter_day(ctx, q)
        ndays = quarter_day(ctx, q + 1) - t0
        tf = course.time_factor(q, quarter_month(ctx, q))
        s.age = (t0 - ident.dob_day) / 365.25
        idx = np.arange(cap)
        if q % 4 == 0:
            year_mu[:] = 0
            year_em[:] = 0
            year_start = {
                "alive": s.alive.copy(),
                "age": s.age.copy(),
                "deficits": s.deficits.copy(),
                "ltc": s.ltc.copy(),
                "lives_alone": s.lives_alone.copy(),
                "care_home": s.care_home.copy(),
                "locality": loc.copy(),
                "imd": s.imd.copy(),
            }

        n_loc = len(ctx.locality_share)
        rec.add(
            "pop",
            locality=np.arange(n_loc, dtype=np.int32),
            quarter=np.full(n_loc, q, dtype=np.int16),
            people=np.bincount(loc[s.alive], minlength=n_loc),
            people_65_plus=np.bincount(loc[s.alive & (s.age >= 65)], minlength=n_loc),
        )

        # 1. Deficits and conditions accrue.
        new_def = np.minimum(rng.poisson(course.deficit_accrual(s)), 36 - s.deficits)
        new_def = np.where(s.alive, new_def, 0)
        who = np.repeat(idx, new_def)
        if len(who):
            first = np.repeat(s.deficits, new_def)
            offs = np.arange(len(who)) - np.repeat(np.cumsum(new_def) - new_def, new_def)
            rec.add(
                "def",
                pid=ident.pid[who],
                ordinal=(first + offs).astype(np.int16),
                day=t0 + rng.integers(0, ndays, len(who)),
            )
        s.deficits = s.deficits + new_def
        s.ltc = np.minimum(
            s.ltc + np.where(s.alive, rng.poisson(course.ltc_accrual(s)), 0), course.MAX_LTC
        )

        # 2. Who the initiatives reach, and the counts they change.
        actives = ctx.initiatives.active(s, loc, enrol, q)
        t = _Tally(actives, cap)
        obs, cf, e_obs, e_cf = t.obs, t.cf, t.e_obs, t.e_cf
        tally = t.add

        adm_who, adm_kind = [], []
        for k, kind in enumerate(EMERGENCY_KINDS):
            rate = {"other": course.emergency_rate, "acsc": course.acsc_rate}.get(
                kind, course.falls_rate
            )
            mu0 = rate(s, q, tf)
            acts = acting_on(actives, f"{kind}_admissions")
            w, kept, without = _draw_counts(rng, mu0, acts)
            tally(acts, mu0, w, kept, without)
            m, _ = combined(acts, cap)
            year_mu += mu0 * m
            adm_who.append(w[kept])
            adm_kind.append(np.full(int(kept.sum()), k, dtype=np.int8))
        a_who = np.concatenate(adm_who)
        a_kind = np.concatenate(adm_kind)
        np.add.at(year_em, a_who, 1)
        mu_ae = course.ae_rate(s, q, tf)
        acts = acting_on(actives, "ae_attendances")
        w, kept, without = _draw_counts(rng, mu_ae, acts)
        tally(acts, mu_ae, w, kept, without)
        ae_who = w[kept]
        ae_day = rng.integers(0, ndays, len(ae_who))

        # 3. Admissions: dates, stays and where people go afterwards.
        a_day = rng.integers(0, ndays, len(a_who))
        falls = a_kind == 2
        los = rng.geometric(
            1.0 / course.length_of_stay_mean(s.age[a_who], s.deficits[a_who], falls)
        )
        gap = course.care_gap(s)
        broke = course.recent(s.carer_broke_q, q, 2)
        p_died, p_home, p_reab = course.discharge_probabilities(
            s.age[a_who],
            s.deficits[a_who],
            s.lives_alone[a_who],
            broke[a_who],
            gap[a_who],
            s.care_home[a_who],
        )
        r = rng.random(len(a_who))
        dest = np.where(
            r < p_died,
            1,
            np.where(r < p_died + p_home, 2, np.where(r < p_died + p_home + p_reab, 3, 0)),
        ).astype(np.int8)  # 0 usual place, 1 died, 2 care home, 3 reablement
        # A death in hospital ends the person's last spell of the quarter; earlier ones
        # that drew "died" go home instead.
        order = np.lexsort((a_day, a_who))
        last = np.zeros(len(a_who), dtype=bool)
        if len(order):
            ow = a_who[order]
            last[order[np.r_[ow[1:] != ow[:-1], True]]] = True
        died_person = np.zeros(cap, dtype=bool)
        died_person[a_who[dest == 1]] = True
        dest = np.where((dest == 1) & ~last, 0, dest)
        dest = np.where(died_person[a_who] & last, 1, dest)
        a_start = t0 + a_day
        a_end = a_start + los
        dead_in_hospital = a_who[dest == 1]
        died_day[dead_in_hospital] = a_end[dest == 1]
        # A&E rows after a death in hospital move to the day of that admission.
        death_adm_day = np.full(cap, 10_000)
        death_adm_day[dead_in_hospital] = a_day[dest == 1]
        ae_day = np.minimum(ae_day, death_adm_day[ae_who])
        s.fall_q[a_who[falls]] = q

        # Reablement after discharge, and who is at home 91 days later.
        reab = dest == 3
        r_who = a_who[reab]
        p_at_home = course.reablement_home_probability(
            s.age[r_who], s.deficits[r_who], s.carer[r_who]
        )
        r_acts = acting_on(actives, "reablement_at_home_91d")
        u = rng.random(len(r_who))
        m_r, _ = combined([_subset(a, r_who) for a in r_acts], len(r_who))
        at_home = u < np.minimum(1.0, p_at_home * m_r)
        for a in r_acts:
            sub = _subset(a, r_who)
            cf_home = u < np.minimum(1.0, p_at_home * m_r / sub.multiplier)
            reached_rows = sub.reached
            np.add.at(obs[a.index], r_who[reached_rows], at_home[reached_rows])
            np.add.at(cf[a.index], r_who[reached_rows], cf_home[reached_rows])
            np.add.at(
                e_obs[a.index], r_who[reached_rows], np.minimum(1.0, p_at_home * m_r)[reached_rows]
            )
            np.add.at(
                e_cf[a.index],
                r_who[reached_rows],
                np.minimum(1.0, p_at_home * m_r / sub.multiplier)[reached_rows],
            )
        after = rng.random(len(r_who))
        outcome_91 = np.where(
            at_home, 0, np.where(after < 0.5, 2, np.where(after < 0.8, 1, 3))
        ).astype(np.int8)  # 0 home, 1 died, 2 care home, 3 in hospital
        r_end = a_end[reab]
        r_died = r_who[outcome_91 == 1]
        died_day[r_died] = r_end[outcome_91 == 1] + rng.integers(20, 91, len(r_died))
        to_home = np.concatenate([a_who[dest == 2], r_who[outcome_91 == 2]])
        home_day = np.concatenate([a_end[dest == 2], r_end[outcome_91 == 2] + 42])
        home_route = np.concatenate(
            [
                np.zeros(int((dest == 2).sum()), np.int8),
                np.ones(int((outcome_91 == 2).sum()), np.int8),
            ]
        )
        rec.add(
            "adm",
            pid=ident.pid[a_who],
            partnership=ctx.locality_partnership[loc[a_who]],
            locality=loc[a_who],
            quarter=np.full(len(a_who), q, dtype=np.int16),
            kind=a_kind,
            start=a_start,
            end=a_end,
            destination=dest,
            deficits=s.deficits[a_who].astype(np.int16),
            age=s.age[a_who],
        )
        rec.add(
            "ae",
            pid=np.concatenate([ident.pid[ae_who], ident.pid[a_who]]),
            partnership=ctx.locality_partnership[loc[np.concatenate([ae_who, a_who])]],
            locality=loc[np.concatenate([ae_who, a_who])],
            quarter=np.full(len(ae_who) + len(a_who), q, dtype=np.int16),
            day=np.concatenate([t0 + ae_day, a_start]),
            admitted=np.concatenate([np.zeros(len(ae_who), bool), np.ones(len(a_who), bool)]),
            kind=np.concatenate([np.full(len(ae_who), 9, np.int8), a_kind]),
        )

        # 4. Permanent care-home admissions from the community.
        p_ch = np.where(died_person, 0.0, course.care_home_probability(s, q))
        p_ch[to_home] = 0.0
        c_acts = acting_on(actives, "care_home_admissions")
        m_c, _ = combined(c_acts, cap)
        u = rng.random(cap)
        enters = u < np.minimum(1.0, p_ch * m_c)
        for a in c_acts:
            cf_enter = u < np.minimum(1.0, p_ch * m_c / a.multiplier)
            obs[a.index] += enters
            cf[a.index] += cf_enter
            e_obs[a.index] += np.minimum(1.0, p_ch * m_c)
            e_cf[a.index] += np.minimum(1.0, p_ch * m_c / a.multiplier)
        c_who = idx[enters]
        to_home = np.concatenate([to_home, c_who])
        home_day = np.concatenate([home_day, t0 + rng.integers(0, ndays, len(c_who))])
        home_route = np.concatenate([home_route, np.full(len(c_who), 2, np.int8)])

        # 5. Home care packages for people in need, as the care market allows.
        need = course.care_gap(s) & s.alive
        gets = need & (rng.random(cap) < ctx.locality_package[loc])
        g_who = idx[gets]
        s.package[g_who] = True
        g_day = t0 + rng.integers(0, ndays, len(g_who))
        hours = rng.integers(5, 22, len(g_who))
        rec.add(
            "asc",
            pid=ident.pid[np.concatenate([to_home, g_who, r_who])],
            partnership=ctx.locality_partnership[loc[np.concatenate([to_home, g_who, r_who])]],
            locality=loc[np.concatenate([to_home, g_who, r_who])],
            quarter=np.full(len(to_home) + len(g_who) + len(r_who), q, dtype=np.int16),
            kind=np.concatenate(
                [
                    np.where(home_route == 2, 2, 1).astype(np.int8),  # care home
                    np.full(len(g_who), 3, np.int8),  # home care package
                    np.full(len(r_who), 4, np.int8),  # reablement
                ]
            ),
            start=np.concatenate([home_day, g_day, r_end]),
            hours=np.concatenate(
                [np.zeros(len(to_home), np.int64), hours, np.full(len(r_who), 14)]
            ),
            outcome_91=np.concatenate(
                [np.full(len(to_home) + len(g_who), -1, np.int8), outcome_91]
            ),
            deficits=s.deficits[np.concatenate([to_home, g_who, r_who])].astype(np.int16),
        )
        s.care_home[to_home] = True
        s.package[to_home] = False

        # 6. Carers break down; deaths in the community; moves.
        breaks = rng.random(cap) < course.carer_breakdown_probability(s)
        s.carer[breaks] = False
        s.carer_broke_q[breaks] = q
        dies = (rng.random(cap) < course.death_probability(s)) & ~died_person
        last_end = np.full(cap, t0, dtype=np.int64)
        np.maximum.at(last_end, a_who, a_end)
        c_day = np.maximum(last_end, t0 + rng.integers(0, ndays, cap))
        died_day[dies & (died_day < 0)] = c_day[dies & (died_day < 0)]
        gone = dies | died_person | np.isin(idx, r_died)

        # The initiatives' person-quarter truth (before deaths end anyone's record).
        for a in actives:
            rw = idx[a.reached]
            if a.initiative.outcome == "reablement_at_home_91d":
                units = np.bincount(r_who[a.reached[r_who]], minlength=cap)
                rw = idx[units > 0]
            else:
                units = np.ones(cap, dtype=np.int64)
            rec.add(
                "reach",
                initiative=np.full(len(rw), a.index, dtype=np.int16),
                pid=ident.pid[rw],
                locality=loc[rw],
                quarter=np.full(len(rw), q, dtype=np.int16),
                units=units[rw],
                observed=obs[a.index][rw],
                counterfactual=cf[a.index][rw],
                expected_observed=e_obs[a.index][rw],
                expected_counterfactual=e_cf[a.index][rw],
            )
        s.alive &= ~gone

        moves = s.alive & (rng.random(cap) < course.MOVE_RATE)
        if moves.any():
            mv = idx[moves]
            same = rng.random(len(mv)) < 0.8
            part = ctx.locality_partnership[loc[mv]]
            pick = rng.choice(len(ctx.locality_share), len(mv), p=ctx.locality_share)
            for i in np.flatnonzero(same):
                options = np.flatnonzero(ctx.locality_partnership == part[i])
                pick[i] = options[rng.integers(0, len(options))]
            rec.add(
                "moves",
                pid=ident.pid[mv],
                quarter=np.full(len(mv), q, dtype=np.int16),
                from_locality=loc[mv].astype(np.int32),
                to_locality=pick.astype(np.int32),
            )
            loc[mv] = pick
            _place(ctx, rng, mv, loc, area, practice, s, ident)
            new_addresses(rng, ident, mv, area, ctx)

        # 7. Births.
        mothers = idx[s.alive & s.female & (s.age >= 18) & (s.age < 45)]
        n_births = min(int(rng.poisson(len(mothers) * course.BIRTH_RATE)), cap - next_slot)
        if n_births > 0:
            b = np.arange(next_slot, next_slot + n_births)
            next_slot += n_births
            mother = mothers[rng.integers(0, len(mothers), n_births)]
            ident.dob_day[b] = t0 + rng.integers(0, ndays, n_births)
            born_q[b] = q if q >= 0 else -1
            loc[b], area[b], practice[b] = loc[mother], area[mother], practice[mother]
            s.imd[b] = s.imd[mother]
            s.female[b] = rng.random(n_births) < 0.49
            for arr in (s.lives_alone, s.carer, s.package, s.care_home):
                arr[b] = False
            s.deficits[b] = 0
            s.ltc[b] = 0
            s.alive[b] = True
            ident.family[b] = ident.family[mother]
            ident.address[b] = ident.address[mother]
            ident.postcode[b] = ident.postcode[mother]
            ident.ethnicity[b] = ident.ethnicity[mother]

        # 8. The person-year truth at the end of each year.
        if q % 4 == 3 or q == ctx.quarters - 1:
            keep = year_start["alive"]
            rec.add(
                "py",
                pid=ident.pid[keep],
                year=np.full(int(keep.sum()), q // 4, dtype=np.int16),
                locality=year_start["locality"][keep],
                age=np.floor(year_start["age"][keep]).astype(np.int16),
                imd=year_start["imd"][keep],
                deficits=year_start["deficits"][keep].astype(np.int16),
                ltc=year_start["ltc"][keep].astype(np.int16),
                lives_alone=year_start["lives_alone"][keep],
                care_home=year_start["care_home"][keep],
                expected_emergency_admissions=year_mu[keep],
                true_risk=1.0 - np.exp(-year_mu[keep]),
                emergency_admissions=year_em[keep],
                died=~s.alive[keep],
            )

    # People who died in the warm-up never appear.
    start = int(ctx.quarter_days[0])
    used = np.flatnonzero(~((died_day >= 0) & (died_day < start)) & (born_q < 10_000))
    used = used[used < next_slot]
    people = ident.frame(used, loc, area, practice, ctx).with_columns(
        pl.Series("born_quarter", born_q[used]),
        pl.Series("died_day", died_day[used]),
        pl.Series("female", s.female[used]),
        pl.Series("lives_alone", s.lives_alone[used]),
        pl.Series("has_unpaid_carer", s.carer[used]),
        pl.Series("deficits_at_start", deficits_at_start[used].astype(np.int16)),
        pl.Series("deficits_at_end", s.deficits[used].astype(np.int16)),
    )
    return ChunkResult(
        people=people,
        admissions=ev.frame("adm", ADMISSIONS),
        ae=ev.frame("ae", AE_ATTENDANCES),
        social_care=ev.frame("asc", SOCIAL_CARE),
        deficits=ev.frame("def", {"pid": pl.Int64, "ordinal": pl.Int16, "day": pl.Int64}),
        person_years=ev.frame("py", PERSON_YEARS),
        reached=ev.frame("reach", REACHED),
        moves=ev.frame(
            "moves",
            {
                "pid": pl.Int64,
                "quarter": pl.Int16,
                "from_locality": pl.Int32,
                "to_locality": pl.Int32,
            },
        ),
        population=ev.frame(
            "pop",
            {
                "locality": pl.Int32,
                "quarter": pl.Int16,
                "people": pl.Int64,
                "people_65_plus": pl.Int64,
            },
        ),
    )


class _Nothing:
    """Where the warm-up's events go."""

    def add(self, table: str, **cols: np.ndarray) -> None:
        return None


_NOTHING = _Nothing()
WARMUP = 8  # quarters


def quarter_day(ctx: Context, q: int) -> int:
    """The first day of quarter `q` (negative: before the period, 91 days a quarter)."""
    if q >= 0:
        return int(ctx.quarter_days[q])
    return int(ctx.quarter_days[0]) + 91 * q


def quarter_month(ctx: Context, q: int) -> int:
    if q >= 0:
        return ctx.quarter_months[q]
    return (ctx.quarter_months[0] - 1 + 3 * q) % 12 + 1


class _Tally:
    """Per acting initiative and person this quarter: observed and counterfactual counts,
    and their expectations."""

    def __init__(self, actives: list[Active], cap: int) -> None:
        self.cap = cap
        self.obs = {a.index: np.zeros(cap) for a in actives}
        self.cf = {a.index: np.zeros(cap) for a in actives}
        self.e_obs = {a.index: np.zeros(cap) for a in actives}
        self.e_cf = {a.index: np.zeros(cap) for a in actives}

    def add(self, acts: list[Active], mu0: np.ndarray, who, kept, without) -> None:
        m, _ = combined(acts, self.cap)
        for a in acts:
            self.obs[a.index] += np.bincount(who[kept], minlength=self.cap)
            self.cf[a.index] += np.bincount(who[without[a.index]], minlength=self.cap)
            self.e_obs[a.index] += mu0 * m
            self.e_cf[a.index] += mu0 * m / a.multiplier


def _subset(a: Active, rows: np.ndarray) -> Active:
    return Active(a.index, a.initiative, a.reached[rows], a.multiplier[rows])


def _place(ctx, rng, mv, loc, area, practice, s: State, ident: Identity) -> None:
    """New small area and practice in each mover's (new) locality."""
    from .population import AREAS, pick_within

    area[mv] = pick_within(rng, loc[mv], AREAS, ctx)
    practice[mv] = pick_within(rng, loc[mv], "practice", ctx)
    s.imd[mv] = ctx.area_imd[area[mv]]


def day_number(d: date) -> int:
    return (d - date(1970, 1, 1)).days
