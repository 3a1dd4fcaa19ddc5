"""A synthetic nation: partnerships and localities over years, with initiatives whose
effects are known (docs/SYNTHETIC_DATA.md, "A synthetic nation").

    summary = generate_nation(scenario, out, formats={"extracts"})

Plain Python with numpy and polars, no Django; the same scenario (and seed) gives the same
nation. People are simulated in chunks of `CHUNK` and each chunk is written before the
next starts, so memory does not grow with the nation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from onestory.synthetic import reference as ref
from onestory.synthetic.output import Progress, noop_progress

from . import course
from .initiatives import Initiatives
from .places import Places, build_places
from .population import capacity
from .scenario import Scenario
from .simulate import Context, day_number, simulate_chunk
from .writers import NationWriter

CHUNK = 50_000
FORMATS = ("extracts", "parquet")


@dataclass
class NationSummary:
    seed: int
    people: int
    quarters: int
    files: dict[str, int] = field(default_factory=dict)


def calendar(years: int) -> tuple[list[date], list[int]]:
    """Quarter start dates (one more than the quarters, for the end of the last): the
    period ends on the last quarter end before the reference date."""
    end_year = ref.REFERENCE_DATE.year
    first = date(end_year - years, 10, 1)
    starts = []
    y, m = first.year, first.month
    for _ in range(4 * years + 1):
        starts.append(date(y, m, 1))
        m += 3
        if m > 12:
            y, m = y + 1, m - 12
    return starts, [d.month for d in starts[:-1]]


def context(scenario: Scenario, places: Places) -> Context:
    starts, months = calendar(scenario.years)
    loc = places.localities
    package = (loc["home_care_hours_per_1000_65"].to_numpy() / 450.0) * 0.5
    return Context(
        seed=scenario.seed,
        quarter_days=np.array([day_number(d) for d in starts], dtype=np.int64),
        quarter_months=months,
        locality_partnership=loc["partnership"].to_numpy().astype(np.int64),
        locality_share=loc["population_share"].to_numpy(),
        locality_older=loc["older_shift"].to_numpy(),
        locality_minority=loc["minority_share"].to_numpy(),
        locality_package=package,
        area_locality=places.areas["locality"].to_numpy(),
        area_imd=places.areas["imd_decile"].to_numpy(),
        area_district=places.areas["postcode_district"].to_list(),
        practice_locality=places.practices["locality"].to_numpy().astype(np.int64),
        initiatives=Initiatives(scenario, loc["code"].to_list(), scenario.seed),
    )


def effects_table(reached: pl.DataFrame, scenario: Scenario, places: Places) -> pl.DataFrame:
    """truth/effects.csv from the person-quarter truth: per initiative, locality and
    quarter, the people (or discharges) reached and the average effect on them."""
    starts, _ = calendar(scenario.years)
    names = pl.DataFrame(
        {
            "initiative": np.arange(len(scenario.initiatives), dtype=np.int16),
            "initiative_name": [i.name for i in scenario.initiatives],
            "outcome": [i.outcome for i in scenario.initiatives],
            "effect": [i.effect for i in scenario.initiatives],
        }
    )
    g = (
        reached.group_by("initiative", "locality", "quarter")
        .agg(
            pl.col("units").sum().alias("units_reached"),
            pl.col("observed").sum(),
            pl.col("counterfactual").sum(),
            pl.col("expected_observed").sum(),
            pl.col("expected_counterfactual").sum(),
        )
        .with_columns(
            att_realised=(pl.col("observed") - pl.col("counterfactual")) / pl.col("units_reached"),
            att_expected=(pl.col("expected_observed") - pl.col("expected_counterfactual"))
            / pl.col("units_reached"),
            change_realised=pl.col("observed") - pl.col("counterfactual"),
            change_expected=pl.col("expected_observed") - pl.col("expected_counterfactual"),
        )
    )
    quarters = pl.DataFrame(
        {
            "quarter": np.arange(scenario.quarters, dtype=np.int16),
            "quarter_start": [d.isoformat() for d in starts[:-1]],
        }
    )
    localities = places.localities.select(
        pl.col("locality").cast(pl.Int32), pl.col("code").alias("locality_code")
    )
    return (
        g.join(names, on="initiative")
        .join(localities, on="locality")
        .join(quarters, on="quarter")
        .select(
            "initiative_name",
            "outcome",
            "effect",
            "locality_code",
            "quarter",
            "quarter_start",
            "units_reached",
            "observed",
            "counterfactual",
            "att_realised",
            "change_realised",
            "expected_observed",
            "expected_counterfactual",
            "att_expected",
            "change_expected",
        )
        .sort("initiative_name", "locality_code", "quarter")
    )


def generate_nation(
    scenario: Scenario,
    out: Path,
    formats: set[str] | None = None,
    progress: Progress = noop_progress,
) -> NationSummary:
    formats = formats or {"extracts"}
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([scenario.seed, 0, 0])
    places = build_places(scenario, rng)
    ctx = context(scenario, places)
    writer = NationWriter(out, places, formats, day_number(ref.REFERENCE_DATE))
    writer.start_day = int(ctx.quarter_days[0])
    first_pid = 0
    done = 0
    reached: list[pl.DataFrame] = []
    population: list[pl.DataFrame] = []
    registered: list[pl.DataFrame] = []
    chunks = max(1, -(-scenario.people // CHUNK))
    try:
        for c in range(chunks):
            n0 = min(CHUNK, scenario.people - done)
            progress("Simulating the nation", done, scenario.people)
            result = simulate_chunk(ctx, c, first_pid, n0)
            first_pid += capacity(n0)
            done += n0
            writer.write(result)
            reached.append(
                result.reached.group_by("initiative", "locality", "quarter").agg(
                    pl.col("units", "observed", "counterfactual").sum(),
                    pl.col("expected_observed", "expected_counterfactual").sum(),
                )
            )
            population.append(result.population)
            registered.append(
                result.people.filter(pl.col("died_day") < 0)
                .group_by("practice")
                .agg(pl.len().alias("registered_at_end"))
            )
            del result
        progress("Simulating the nation", done, scenario.people)
    finally:
        writer.close()
    all_reached = pl.concat(reached) if reached else pl.DataFrame()
    effects = effects_table(all_reached, scenario, places) if all_reached.height else None
    if effects is not None:
        effects.write_csv(out / "truth" / "effects.csv")
    else:
        (out / "truth" / "effects.csv").write_text("initiative_name\n", encoding="utf-8")
    (out / "places").mkdir(exist_ok=True)
    places.partnerships.write_csv(out / "places" / "partnerships.csv")
    places.localities.write_csv(out / "places" / "localities.csv", float_precision=4)
    places.areas.write_csv(out / "places" / "areas.csv")
    lists = (
        pl.concat(registered)
        .group_by(pl.col("practice").cast(pl.Int32))
        .agg(pl.col("registered_at_end").sum())
    )
    places.practices.join(lists, on="practice", how="left").with_columns(
        pl.col("registered_at_end").fill_null(0)
    ).sort("practice").write_csv(out / "places" / "practices.csv")
    starts, _ = calendar(scenario.years)
    quarter_start = pl.DataFrame(
        {
            "quarter": np.arange(scenario.quarters, dtype=np.int16),
            "quarter_start": [d.isoformat() for d in starts[:-1]],
        }
    )
    codes = places.localities.select(
        pl.col("locality").cast(pl.Int32), pl.col("code").alias("locality_code")
    )
    (
        pl.concat(population)
        .group_by("locality", "quarter")
        .agg(pl.col("people", "people_65_plus").sum())
        .join(codes, on="locality")
        .join(quarter_start, on="quarter")
        .sort("locality", "quarter")
        .select("locality_code", "quarter", "quarter_start", "people", "people_65_plus")
        .write_csv(out / "places" / "population.csv")
    )
    pl.DataFrame(
        {
            "item": list(course.UNIT_COSTS),
            "pounds": [v[0] for v in course.UNIT_COSTS.values()],
            "unit": [v[1] for v in course.UNIT_COSTS.values()],
        }
    ).write_csv(out / "unit_costs.csv")
    manifest: dict[str, Any] = {
        "generator": "onestory synth (nation)",
        "seed": scenario.seed,
        "people": scenario.people,
        "partnerships": scenario.partnerships,
        "localities_per_partnership": scenario.localities,
        "years": scenario.years,
        "first_quarter_start": calendar(scenario.years)[0][0].isoformat(),
        "initiatives": [i.__dict__ for i in scenario.initiatives],
        "formats": sorted(formats),
        "rows": dict(sorted(writer.rows.items())),
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, indent=2, default=list) + "\n", encoding="utf-8"
    )
    return NationSummary(scenario.seed, scenario.people, scenario.quarters, dict(writer.rows))
