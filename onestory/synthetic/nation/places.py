"""The nation's places: partnerships, their localities, small areas, practices and care
markets. Every figure is drawn from the scenario's seed, so the same seed gives the same
places.

A partnership is an integrated care system with one council, one acute trust and its
localities. A locality has an age structure (a shift towards older people), a deprivation
level (each small area gets an IMD-like decile around it: 1 most deprived), an ethnicity
mix, rurality, GP practices with their list sizes, and a care market: care-home beds and
home-care hours per 1,000 people aged 65+, with weekly prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .scenario import Scenario, locality_code

AREAS_PER_LOCALITY = 12
PRACTICE_LIST = 9_000  # people per practice, roughly
ETHNIC_GROUPS = ("White", "Asian", "Black", "Mixed", "Other")
PLACE_NAMES = (
    "Ashford Vale",
    "Brindle",
    "Carrow",
    "Dunmere",
    "Eskby",
    "Fallowfield",
    "Garside",
    "Holmbrook",
    "Irwell Cross",
    "Kelderby",
    "Lowther Green",
    "Marsden Moor",
    "Netherby",
    "Oakhurst",
    "Pellow",
    "Quarry Bank",
    "Redmire",
    "Stanegate",
    "Thornley",
    "Upton Scar",
)
# Two letters no real postcode area uses, one per partnership (cycled past 20).
POSTCODE_AREAS = tuple(f"Q{c}" for c in "ABDEFGHJKLMNPRSTUWXY")


@dataclass(frozen=True)
class Places:
    partnerships: pl.DataFrame  # partnership, code, name, council, trust
    localities: pl.DataFrame  # locality (index), code, partnership, name, traits, market
    areas: pl.DataFrame  # area (index), locality, imd_decile, postcode_district
    practices: pl.DataFrame  # practice (index), ods, locality, partnership


def build_places(scenario: Scenario, rng: np.random.Generator) -> Places:
    n_p, n_l = scenario.partnerships, scenario.localities
    partnerships = pl.DataFrame(
        {
            "partnership": np.arange(n_p, dtype=np.int32),
            "code": [f"P{p:02d}" for p in range(1, n_p + 1)],
            "name": [f"{PLACE_NAMES[p % len(PLACE_NAMES)]} Partnership" for p in range(n_p)],
            "council_code": [f"E0899{p:04d}" for p in range(1, n_p + 1)],
            "council_name": [f"{PLACE_NAMES[p % len(PLACE_NAMES)]} Council" for p in range(n_p)],
            "trust_code": [f"RQ{p:03d}"[:5] for p in range(1, n_p + 1)],
            "trust_name": [
                f"{PLACE_NAMES[p % len(PLACE_NAMES)]} Hospitals NHS Trust" for p in range(n_p)
            ],
        }
    )
    k = n_p * n_l
    partnership_of = np.repeat(np.arange(n_p, dtype=np.int32), n_l)
    # Partnerships differ (deprivation, age) and localities differ within them.
    p_dep = rng.normal(5.5, 1.5, n_p)
    deprivation = np.clip(p_dep[partnership_of] + rng.normal(0, 1.2, k), 2.0, 9.0)
    older = np.clip(rng.normal(0.0, 0.25, n_p)[partnership_of] + rng.normal(0, 0.2, k), -0.6, 0.6)
    rurality = np.clip(rng.beta(1.5, 3.0, k), 0, 1)
    minority = np.clip(rng.beta(1.2, 5.0, k) * (1.2 - rurality), 0.01, 0.7)
    share = rng.gamma(6.0, 1.0, k)
    share = share / share.sum()
    codes = [locality_code(p + 1, m + 1) for p in range(n_p) for m in range(n_l)]
    localities = pl.DataFrame(
        {
            "locality": np.arange(k, dtype=np.int32),
            "code": codes,
            "partnership": partnership_of,
            "name": [
                f"{PLACE_NAMES[(i * 7 + 3) % len(PLACE_NAMES)]} {1 + i // len(PLACE_NAMES)}"
                for i in range(k)
            ],
            "population_share": share,
            "deprivation_mean_decile": deprivation,
            "older_shift": older,
            "rurality": rurality,
            "minority_share": minority,
            # Care market, per 1,000 people aged 65+.
            "care_home_beds_per_1000_65": rng.uniform(25, 55, k),
            "care_home_weekly_pounds": np.round(rng.uniform(850, 1350, k), 2),
            "home_care_hours_per_1000_65": rng.uniform(150, 450, k),
            "home_care_hourly_pounds": np.round(rng.uniform(22, 32, k), 2),
        }
    )
    a = k * AREAS_PER_LOCALITY
    area_loc = np.repeat(np.arange(k, dtype=np.int32), AREAS_PER_LOCALITY)
    imd = np.clip(np.rint(rng.normal(11 - deprivation[area_loc], 2.0)), 1, 10).astype(np.int8)
    letters = POSTCODE_AREAS
    district = [
        f"{letters[int(partnership_of[loc]) % len(letters)]}{int(loc) % n_l + 1}"
        f"{'ABCDEFGHJK'[j % 10]}"
        for j, loc in enumerate(area_loc)
    ]
    areas = pl.DataFrame(
        {
            "area": np.arange(a, dtype=np.int32),
            "locality": area_loc,
            "imd_decile": imd,
            "postcode_district": district,
        }
    )
    per_locality = np.maximum(1, np.rint(share * scenario.people / PRACTICE_LIST)).astype(int)
    prac_loc = np.repeat(np.arange(k, dtype=np.int32), per_locality)
    practices = pl.DataFrame(
        {
            "practice": np.arange(len(prac_loc), dtype=np.int32),
            "ods": [f"Q{i + 1:05d}" for i in range(len(prac_loc))],
            "locality": prac_loc,
            "partnership": partnership_of[prac_loc],
        }
    )
    return Places(partnerships, localities, areas, practices)
