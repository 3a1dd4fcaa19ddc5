"""The synthetic nation: the causal model's parts, initiatives acting only where and when
the scenario says, determinism, and a truth file an oracle can recover from the extracts."""

from datetime import date

import numpy as np
import polars as pl
import pytest

from onestory.people.domain.nhs_number import check_digit
from onestory.synthetic.nation import course, generate_nation
from onestory.synthetic.nation.initiatives import Initiatives
from onestory.synthetic.nation.population import valid_nhs_numbers
from onestory.synthetic.nation.scenario import ScenarioError, build, load


def state(n=2, **over):
    base = dict(
        age=np.full(n, 80.0),
        female=np.zeros(n, bool),
        imd=np.full(n, 5),
        propensity=np.ones(n),
        deficits=np.full(n, 4),
        ltc=np.full(n, 2),
        lives_alone=np.zeros(n, bool),
        carer=np.zeros(n, bool),
        carer_broke_q=np.full(n, -99),
        package=np.zeros(n, bool),
        care_home=np.zeros(n, bool),
        fall_q=np.full(n, -99),
        alive=np.ones(n, bool),
    )
    base.update(over)
    return course.State(**base)


@pytest.mark.parametrize(
    "rate", [course.emergency_rate, course.acsc_rate, course.falls_rate, course.ae_rate]
)
def test_course_frailer_person_has_more_expected_admissions(rate):
    s = state(deficits=np.array([2, 14]))
    low, high = rate(s, 4)
    assert high > low > 0


def test_course_same_person_older_more_deprived_accrues_deficits_faster():
    s = state(age=np.array([60.0, 85.0]), imd=np.array([9, 9]))
    young, old = course.deficit_accrual(s)
    assert old > young
    deprived = course.deficit_accrual(state(imd=np.array([1, 10])))
    assert deprived[0] > deprived[1]


def test_course_social_care_gap_living_alone_and_carer_breakdown_raise_risk():
    gap = course.emergency_rate(state(n=1, deficits=np.array([10])), 8)[0]  # in need, no package
    with_package = course.emergency_rate(
        state(n=1, deficits=np.array([10]), package=np.array([True])), 8
    )[0]
    assert with_package < gap
    alone = course.emergency_rate(state(n=1, lives_alone=np.array([True])), 8)[0]
    broke = course.emergency_rate(state(n=1, carer_broke_q=np.array([7])), 8)[0]
    base = course.emergency_rate(state(n=1), 8)[0]
    assert alone > base and broke > base
    assert (
        course.care_home_probability(state(n=1, carer_broke_q=np.array([7])), 8)[0]
        > (course.care_home_probability(state(n=1), 8)[0])
    )


def test_course_dead_people_have_no_events():
    s = state(alive=np.array([True, False]))
    assert course.emergency_rate(s, 0)[1] == 0
    assert course.death_probability(s)[1] == 0


def test_course_winter_quarter_has_more_pressure_than_summer():
    assert course.time_factor(4, 1) > course.time_factor(4, 7)
    assert course.time_factor(8, 7) > course.time_factor(4, 7)  # the trend


def scenario_with(**initiative):
    raw = {
        "name": "MDT",
        "outcome": "emergency_admissions",
        "effect": -0.2,
        "localities": ["P01L02"],
        "start_quarter": [3],
        "ramp_quarters": 2,
        **initiative,
    }
    return build(seed=1, people=10, partnerships=1, localities=2, years=2, initiatives=[raw])


def test_initiative_applies_only_in_its_locality_and_from_the_quarter_after_start():
    sc = scenario_with()
    inits = Initiatives(sc, sc.locality_codes(), 1)
    s = state(n=2)
    loc = np.array([0, 1])  # P01L01 (not in the scheme), P01L02 (in it)
    enrol = np.zeros((2, 1))
    assert inits.active(s, loc, enrol, 2) == []
    by_quarter = {q: inits.active(s, loc, enrol, q)[0].multiplier for q in (3, 4, 5, 6)}
    assert by_quarter[3].tolist() == [1.0, 1.0]  # start quarter: no effect yet
    assert by_quarter[4].tolist() == pytest.approx([1.0, 0.9])  # half way up the ramp
    assert by_quarter[5].tolist() == pytest.approx([1.0, 0.8])
    assert by_quarter[6].tolist() == pytest.approx([1.0, 0.8])


def test_initiative_reaches_only_people_meeting_its_rules():
    sc = scenario_with(min_age=65, min_efi="moderate", coverage=0.5)
    inits = Initiatives(sc, sc.locality_codes(), 1)
    s = state(n=4, age=np.array([80.0, 50.0, 80.0, 80.0]), deficits=np.array([10, 10, 3, 10]))
    enrol = np.array([[0.1], [0.1], [0.1], [0.9]])  # the last is not enrolled
    reached = inits.active(s, np.ones(4, int), enrol, 5)[0].reached
    assert reached.tolist() == [True, False, False, False]


def test_scenario_rejects_unknown_outcome_and_locality(tmp_path):
    with pytest.raises(ScenarioError, match="outcome"):
        scenario_with(outcome="happiness")
    with pytest.raises(ScenarioError, match="unknown localities"):
        scenario_with(localities=["P09L01"])
    path = tmp_path / "s.toml"
    path.write_text(
        'people = 50\npartnerships = 1\nlocalities = 2\nyears = 2\n[[initiative]]\nname = "X"\n'
        'outcome = "falls_admissions"\neffect = -0.3\nlocalities = "all"\nstart_quarter = 2\n'
    )
    sc = load(path, seed=9)
    assert sc.seed == 9 and sc.people == 50
    assert sc.initiatives[0].localities == ("P01L01", "P01L02")


def test_nhs_numbers_are_valid_unique_and_in_the_999_range():
    numbers = valid_nhs_numbers(3)
    assert len(numbers) == len(set(numbers.tolist())) > 900_000
    for n in numbers[:500].astype(str):
        assert n.startswith("999") and check_digit(n[:9]) == int(n[9])


@pytest.fixture(scope="module")
def nation(tmp_path_factory):
    out = tmp_path_factory.mktemp("nation")
    sc = build(seed=4, people=6000, partnerships=2, localities=2, years=3)
    generate_nation(sc, out, {"extracts", "parquet"})
    return out, sc


def test_nation_is_the_same_for_the_same_seed(nation, tmp_path):
    out, sc = nation
    generate_nation(sc, tmp_path, {"extracts"})
    for name in ("truth/effects.csv", "partnerships/P02/acute_admissions.csv"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes()
    other = build(seed=5, people=6000, partnerships=2, localities=2, years=3)
    generate_nation(other, tmp_path / "other", {"extracts"})
    assert (tmp_path / "other/truth/effects.csv").read_bytes() != (
        out / "truth/effects.csv"
    ).read_bytes()


def test_nation_effects_appear_only_where_and_after_the_scenario_says(nation):
    out, sc = nation
    effects = pl.read_csv(out / "truth/effects.csv")
    for ini in sc.initiatives:
        rows = effects.filter(pl.col("initiative_name") == ini.name)
        assert set(rows["locality_code"]) <= set(ini.localities)
        for code in ini.localities:
            start = ini.start_for(code)
            here = rows.filter(pl.col("locality_code") == code)
            assert here["quarter"].min() >= start
            before = here.filter(pl.col("quarter") <= start)
            assert (before["change_expected"] == 0).all()
            full = here.filter(pl.col("quarter") >= start + ini.ramp_quarters)
            ratio = full["expected_observed"] / full["expected_counterfactual"]
            assert ratio.to_list() == pytest.approx([1 + ini.effect] * full.height)


def test_nation_truth_is_recoverable_by_an_oracle_from_the_extracts(nation):
    """Count each reached person's emergency admissions in the hospital extracts, take
    away the counterfactual the generator knows, and average per locality and quarter:
    the result is truth/effects.csv."""
    out, sc = nation
    first = date(ref_year(sc) - sc.years, 10, 1)
    admissions = pl.concat(
        pl.read_csv(p, infer_schema=False)
        for p in sorted((out / "partnerships").glob("*/acute_admissions.csv"))
    ).with_columns(
        person_id=pl.col("hospital_number").str.slice(1).cast(pl.Int64),
        admitted=pl.col("admission_date").str.to_date("%d/%m/%Y"),
    )
    admissions = admissions.with_columns(
        quarter=(
            (pl.col("admitted").dt.year() - first.year) * 12
            + pl.col("admitted").dt.month()
            - first.month
        )
        // 3
    )
    counted = admissions.group_by("person_id", "quarter").agg(pl.len().alias("in_extract"))
    reached = pl.read_parquet(out / "truth/reached.parquet").filter(pl.col("initiative") == 0)
    assert reached.height > 100
    joined = reached.join(
        counted.with_columns(pl.col("quarter").cast(pl.Int16)),
        on=["person_id", "quarter"],
        how="left",
    ).with_columns(pl.col("in_extract").fill_null(0))
    assert (joined["in_extract"] == joined["observed"]).all()
    oracle = joined.group_by("locality", "quarter").agg(
        ((pl.col("in_extract") - pl.col("counterfactual")).sum() / pl.col("units").sum()).alias(
            "oracle"
        )
    )
    codes = sc.locality_codes()
    truth = pl.read_csv(out / "truth/effects.csv").filter(
        pl.col("initiative_name") == sc.initiatives[0].name
    )
    oracle = oracle.with_columns(
        locality_code=pl.col("locality").map_elements(lambda i: codes[i], return_dtype=pl.String)
    )
    both = truth.join(oracle, on=["locality_code", "quarter"], how="left")
    assert both.height == truth.height > 0
    assert both["oracle"].to_list() == pytest.approx(both["att_realised"].to_list())
    # The effect is real: over the full-effect quarters, fewer admissions than without it.
    assert truth["change_realised"].sum() < 0


def ref_year(sc):
    from onestory.synthetic.reference import REFERENCE_DATE

    return REFERENCE_DATE.year


def test_casefinding_model_beats_age_alone_on_a_generated_nation(tmp_path):
    """The existing case-finding model, trained on the nation's last year, beats age alone
    by at least 0.03 of held-out AUC (the margin docs/SYNTHETIC_DATA.md states), and no
    model beats the true risks."""
    from onestory.synthetic.nation.casefinding import compare

    sc = build(seed=3, people=40_000, partnerships=2, localities=2, years=6)
    generate_nation(sc, tmp_path, {"parquet"})
    result = compare(tmp_path, sc.years)
    assert result.held_out > 10_000
    assert result.auc_model >= result.auc_age_only + 0.03
    assert result.auc_best_possible > result.auc_model


def test_nation_has_births_deaths_winter_pressure_and_costs(nation):
    out, _ = nation
    people = pl.read_parquet(out / "parquet/people.parquet")
    assert (people["born_quarter"] >= 0).sum() > 50  # babies born in the period
    assert (people["died_day"] >= 0).sum() > 50
    adm = pl.read_parquet(out / "parquet/admissions.parquet")
    by_month = (
        adm.with_columns(month=(pl.date(1970, 1, 1) + pl.duration(days="start")).dt.month())
        .group_by(((pl.col("month") - 1) // 3).alias("q"))
        .len()
        .sort("q")["len"]
        .to_list()
    )
    assert by_month[0] > by_month[2]  # January–March above July–September
    assert (adm["cost_pounds"] >= 1_650 + 420).all()
    care = pl.read_parquet(out / "parquet/social_care.parquet")
    assert care["weekly_cost_pounds"].min() > 0
    assert set(care["kind"].unique()) >= {1, 3, 4}


def test_nation_falls_and_care_home_outcomes_are_driven_by_frailty(nation):
    out, _ = nation
    truth = pl.read_parquet(out / "truth/people.parquet").filter(pl.col("age") >= 65)
    by_frailty = truth.group_by(pl.col("deficits") >= 9).agg(pl.col("emergency_admissions").mean())
    frail = by_frailty.filter(pl.col("deficits"))["emergency_admissions"][0]
    fitter = by_frailty.filter(~pl.col("deficits"))["emergency_admissions"][0]
    assert frail > 1.5 * fitter


def test_cli_nation_mode_writes_partnerships_and_a_bad_scenario_is_refused(tmp_path, capsys):
    from argparse import Namespace

    from onestory.synthetic.cli import run

    args = Namespace(
        people=300,
        seed=2,
        out=tmp_path / "n",
        error_rate=0.0,
        partnerships=2,
        localities=1,
        years=2,
        scenario=None,
        format=None,
    )
    assert run(args) == 0
    assert "300 people in 2 partnerships" in capsys.readouterr().out
    assert (tmp_path / "n/partnerships/P02/acute_admissions.csv").exists()
    assert (tmp_path / "n/truth/effects.csv").exists()
    bad = tmp_path / "bad.toml"
    bad.write_text('[[initiative]]\nname = "X"\noutcome = "joy"\n')
    args.scenario = bad
    assert run(args) == 2
    assert "outcome must be one of" in capsys.readouterr().out


def test_nation_people_carry_ethnicity_from_their_locality_mix(nation):
    out, _ = nation
    people = pl.read_parquet(out / "parquet/people.parquet")
    assert set(people["ethnicity"].unique()) >= {"White", "Asian"}


def test_nation_binary_outcomes_care_home_and_reablement_have_known_effects(tmp_path):
    initiatives = [
        {
            "name": "Home first",
            "outcome": "care_home_admissions",
            "effect": -0.3,
            "localities": "all",
            "start_quarter": 2,
            "ramp_quarters": 1,
            "min_age": 65,
        },
        {
            "name": "Reablement expansion",
            "outcome": "reablement_at_home_91d",
            "effect": 0.1,
            "localities": ["P01L01"],
            "start_quarter": 1,
            "ramp_quarters": 1,
        },
    ]
    sc = build(seed=8, people=8000, partnerships=1, localities=2, years=3, initiatives=initiatives)
    generate_nation(sc, tmp_path, {"parquet"})
    effects = pl.read_csv(tmp_path / "truth/effects.csv")
    home = effects.filter(pl.col("initiative_name") == "Home first", pl.col("quarter") >= 3)
    assert home.height == 2 * 9  # both localities, quarters 3..11
    ratio = home["expected_observed"] / home["expected_counterfactual"]
    assert ratio.to_list() == pytest.approx([0.7] * home.height)
    reab = effects.filter(pl.col("initiative_name") == "Reablement expansion")
    assert set(reab["locality_code"]) == {"P01L01"}
    assert reab.filter(pl.col("quarter") >= 2)["att_expected"].min() > 0
    # Units are discharges into reablement: as many as the social care rows say.
    care = pl.read_parquet(tmp_path / "parquet/social_care.parquet")
    reablement_rows = care.filter(
        pl.col("kind") == 4, pl.col("locality") == 0, pl.col("quarter") >= 1
    ).height
    assert 0 < reab["units_reached"].sum() <= reablement_rows


def test_scenario_example_in_the_docs_loads(tmp_path):
    import re
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs/SYNTHETIC_DATA.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", doc, re.S)
    assert example is not None
    path = tmp_path / "nation.toml"
    path.write_text(example.group(1), encoding="utf-8")
    sc = load(path)
    assert sc.partnerships == 3 and len(sc.initiatives) == 2
    assert sc.initiatives[0].start_for("P02L02") == 8


def test_nation_in_several_chunks_keeps_people_distinct(tmp_path, monkeypatch):
    import onestory.synthetic.nation as nation_module

    monkeypatch.setattr(nation_module, "CHUNK", 1_000)
    sc = build(seed=6, people=2_500, partnerships=2, localities=1, years=2)
    generate_nation(sc, tmp_path, {"parquet"})
    people = pl.read_parquet(tmp_path / "parquet/people.parquet")
    assert people.height > 2_250  # three chunks of people, and their babies
    assert people["person_id"].n_unique() == people.height
    assert people["nhs_number"].n_unique() == people.height
    truth = pl.read_parquet(tmp_path / "truth/people.parquet")
    # The people drawn, less those who died in the warm-up, plus its babies.
    assert 2_250 < truth.filter(pl.col("year") == 0).height < 2_600


def test_nation_moves_are_recorded_and_events_follow_the_person(nation):
    out, sc = nation
    moves = pl.read_parquet(out / "truth/moves.parquet")
    assert moves.height > 20
    assert (moves["from_locality"] != moves["to_locality"]).mean() > 0.5
    # After a move, the person's admissions are in their new locality.
    adm = pl.read_parquet(out / "parquet/admissions.parquet")
    last = moves.group_by("person_id").agg(
        pl.col("quarter", "to_locality").sort_by("quarter").last()
    )
    after = adm.join(last, on="person_id").filter(pl.col("quarter") > pl.col("quarter_right"))
    assert after.height > 0
    assert (after["locality"] == after["to_locality"]).all()
