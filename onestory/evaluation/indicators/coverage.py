"""Do the estimators' 95% intervals hold the true effect? A check on generated nations.

For each seed: a nation with an initiative of known effect (`planted`) and a placebo
initiative that changes nothing (`placebo`, effect 0), each in three localities from the
same quarter; the indicator panel built from its Parquet tables (`nation.nation_panel`);
difference-in-differences, synthetic control and synthetic DiD (`evaluation.domain`) on
the treated localities against the others; and the true average effect on the treated
from `truth/effects.csv`, in the panel's units (emergency admissions per 100,000).

A planted run is **covered** when its 95% interval holds the truth; a placebo run is a
**false positive** when its interval leaves out zero. `bench/evaluation_coverage.py`
runs it over 20 seeds; `tests/unit/test_evaluation_coverage.py` over a few small ones.
No Django here.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from onestory.evaluation.domain.panel import from_matrix
from onestory.evaluation.domain.result import METHODS, evaluate
from onestory.evaluation.indicators.nation import nation_panel
from onestory.synthetic.nation import generate_nation
from onestory.synthetic.nation.scenario import Scenario, build

OUTCOME = "emergency_admissions"
PLANTED = ("P01L01", "P02L02", "P03L03")
PLACEBO = ("P01L03", "P02L04", "P03L01")
START = 12  # the quarter (from 0) both initiatives start in


def scenario(seed: int, people: int, effect: float = -0.3, years: int = 6) -> Scenario:
    """Three partnerships of four localities; the planted initiative cuts emergency
    admissions of people 65+ with moderate or severe frailty by `effect` (relative) in
    three localities; the placebo reaches the same kind of people in three others and
    changes nothing."""
    common = {
        "outcome": OUTCOME,
        "start_quarter": START,
        "ramp_quarters": 2,
        "min_age": 65,
        "min_efi": "moderate",
        "coverage": 1.0,
    }
    return build(
        seed=seed,
        people=people,
        partnerships=3,
        localities=4,
        years=years,
        initiatives=[
            {"name": "planted", "effect": effect, "localities": list(PLANTED), **common},
            {"name": "placebo", "effect": 0.0, "localities": list(PLACEBO), **common},
        ],
    )


@dataclass(frozen=True)
class Run:
    seed: int
    initiative: str
    method: str
    truth: float
    att: float
    se: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def covered(self) -> bool:
        return self.ci_low is not None and self.ci_low <= self.truth <= (self.ci_high or 0)

    @property
    def significant(self) -> bool:
        return self.ci_low is not None and not self.ci_low <= 0.0 <= (self.ci_high or 0)


def truth_att(folder: Path, panel: pl.DataFrame, initiative: str, start: str) -> float:
    """The realised average effect on the treated localities from the start on, in the
    panel's units: each locality-quarter's change in events (observed − counterfactual,
    `truth/effects.csv`) per 100,000 of its population, averaged over treated localities
    and post-start quarters (zero where the initiative reached nobody or changed nothing)."""
    effects = pl.read_csv(folder / "truth" / "effects.csv")
    changes = effects.filter(pl.col("initiative_name") == initiative).select(
        pl.col("locality_code").alias("locality"),
        pl.col("quarter_start").str.to_date().alias("day"),
        "change_realised",
    )
    where = PLANTED if initiative == "planted" else PLACEBO
    post = panel.filter(pl.col("locality").is_in(where), pl.col("quarter") >= start)
    post = post.with_columns(
        day=pl.col("quarter").map_elements(_quarter_start, return_dtype=pl.Date)
    ).join(changes, on=["locality", "day"], how="left")
    per = post["change_realised"].fill_null(0.0) * 100_000 / post["denominator"]
    return float(per.mean() or 0.0)


def _quarter_start(label: str):
    from onestory.evaluation.indicators.domain import Quarter

    return Quarter.parse(label).start


def estimate(
    panel: pl.DataFrame, treated: tuple[str, ...], excluded: tuple[str, ...], start: str
) -> dict[str, dict]:
    """Each method's result on the crude rate, treated localities against every locality
    neither treated nor `excluded`."""
    wide = panel.pivot(on="quarter", index="locality", values="rate_per_100k").sort("locality")
    periods = [c for c in wide.columns if c != "locality"]
    periods.sort()
    controls = [u for u in wide["locality"] if u not in treated and u not in excluded]
    order = controls + list(treated)
    y = np.array(
        [wide.filter(pl.col("locality") == u).select(periods).row(0) for u in order], dtype=float
    )
    p = from_matrix(
        y, n_treated=len(treated), n_pre=periods.index(start), units=order, periods=periods
    )
    return {m: evaluate(p, m, placebo_draws=200, seed=0).body for m in METHODS}


def run_seed(seed: int, people: int, folder: Path, effect: float = -0.3) -> list[Run]:
    """Generate one nation into `folder`, build its panel and evaluate both initiatives."""
    generate_nation(scenario(seed, people, effect), folder, formats={"parquet"})
    full = nation_panel(folder, [OUTCOME])
    panel = full.filter(pl.col("indicator") == OUTCOME)
    start = sorted(panel["quarter"].unique().to_list())[START]
    runs = []
    for name, treated, excluded in (
        ("planted", PLANTED, PLACEBO[:0]),
        ("placebo", PLACEBO, PLANTED),
    ):
        truth = truth_att(folder, panel, name, start)
        for method, body in estimate(panel, treated, excluded, start).items():
            ci = body["ci95"] or [None, None]
            runs.append(Run(seed, name, method, truth, body["att"], body["se"], ci[0], ci[1]))
    return runs


def summary(runs: list[Run]) -> pl.DataFrame:
    """Per method: planted runs covered, placebo runs called significant, and the mean
    estimate against the mean truth."""
    frame = pl.DataFrame(
        [
            {
                "initiative": r.initiative,
                "method": r.method,
                "truth": r.truth,
                "att": r.att,
                "se": r.se,
                "covered": r.covered,
                "significant": r.significant,
            }
            for r in runs
        ]
    )
    planted = (
        frame.filter(pl.col("initiative") == "planted")
        .group_by("method")
        .agg(
            pl.len().alias("seeds"),
            pl.col("covered").sum().alias("planted_covered"),
            pl.col("significant").sum().alias("planted_significant"),
            pl.col("truth").mean().alias("mean_truth"),
            pl.col("att").mean().alias("mean_estimate"),
            pl.col("se").mean().alias("mean_se"),
        )
    )
    placebo = (
        frame.filter(pl.col("initiative") == "placebo")
        .group_by("method")
        .agg(
            pl.col("significant").sum().alias("placebo_significant"),
            pl.col("att").mean().alias("placebo_mean_estimate"),
        )
    )
    return planted.join(placebo, on="method").sort("method")
