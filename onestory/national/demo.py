"""The national view for the demo: a synthetic nation of three partnerships (four localities
each, three years) stands in for the partnerships that publish to it. Its indicators are
computed from the nation's tables, suppressed as a publication is, and loaded; each
partnership gets an integration model. Demo only; a second run changes nothing."""

from dataclasses import dataclass
from pathlib import Path

from onestory.national import actions
from onestory.national.domain.published import Indicator, kind_of
from onestory.national.models import IntegrationModel

PEOPLE = 30_000
SEED = 16
# (partnership, from quarter, budget, MDT model, shared records): P01 pooled its budget part
# way through, so a comparison by model changes with the quarter.
MODELS = (
    ("P01", "2023Q1", "aligned", "practice", False),
    ("P01", "2025Q1", "pooled", "neighbourhood", True),
    ("P02", "2023Q1", "aligned", "none", False),
    ("P03", "2023Q1", "pooled", "neighbourhood", True),
)


@dataclass(frozen=True)
class DemoNational:
    rows: int
    created: int
    already: bool


def publication(folder: Path) -> list[Indicator]:
    """The nation's indicators as its partnerships would publish them."""
    from onestory.evaluation.indicators import domain as ind
    from onestory.evaluation.indicators import queries as iq
    from onestory.evaluation.indicators.nation import nation_panel

    names = [n for n in ind.INDICATORS if kind_of(n) != "cost"]
    out = []
    for r in iq.published(nation_panel(folder, names)):
        if r["denominator"]:
            numerator = None if r["suppressed"] else int(r["numerator"])
            out.append(
                Indicator(
                    r["partnership"],
                    r["locality"],
                    r["quarter"],
                    r["indicator"],
                    numerator,
                    int(r["denominator"]),
                )
            )
    return out


def create_demo_national(out: Path, *, by) -> DemoNational:
    from onestory.synthetic.nation import generate_nation
    from onestory.synthetic.nation.scenario import build

    folder = out / "nation"
    if not (folder / "parquet" / "people.parquet").exists():
        scenario = build(seed=SEED, people=PEOPLE, partnerships=3, localities=4, years=3)
        generate_nation(scenario, folder, {"parquet"})
    rows = publication(folder)
    counts = actions.load_published(rows, source="demo nation", by=by)
    for partnership, quarter, budget, mdt, shared in MODELS:
        if not IntegrationModel.objects.filter(
            partnership=partnership, from_quarter=quarter
        ).exists():
            actions.record_model(
                partnership=partnership,
                from_quarter=quarter,
                budget=budget,
                mdt=mdt,
                shared_records=shared,
                by=by,
            )
    return DemoNational(len(rows), counts["created"], already=not counts["created"])
