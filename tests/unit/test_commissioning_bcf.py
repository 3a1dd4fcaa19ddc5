"""The five Better Care Fund metrics against hand-worked cases."""

from datetime import date, timedelta

import pytest

from onestory.commissioning.domain import bcf, codes, stats
from onestory.commissioning.domain.bcf import CareEpisode, Spell

Y = bcf.Year.parse("2025-26")
ACSC = codes.load("acsc_chronic")
INJURY = codes.load("injury")
FALL = codes.load("falls_cause")


def spell(
    pid=1,
    age=70,
    admitted=date(2025, 6, 1),
    days=3,
    emergency=True,
    diagnosis="",
    destination="usual place of residence",
    sex="female",
    cause="",
):
    return Spell(
        pid,
        age,
        sex,
        admitted,
        admitted + timedelta(days) if days is not None else None,
        emergency,
        diagnosis,
        destination,
        cause,
    )


def test_year_parses_and_has_its_dates():
    assert (Y.start, Y.end, Y.midpoint) == (date(2025, 4, 1), date(2026, 3, 31), date(2025, 9, 30))
    assert Y.reablement_window == (date(2025, 10, 1), date(2025, 12, 31))
    assert Y.label == "2025-26"


@pytest.mark.parametrize("text", ["2025", "2025-27", "25-26", "2025/26", ""])
def test_year_refuses_what_is_not_a_financial_year(text):
    with pytest.raises(ValueError):
        bcf.Year.parse(text)


@pytest.mark.parametrize(
    ("code", "listed"),
    [
        ("I50.9", True),
        ("I500", True),
        ("J44.1", True),
        ("I11.0", True),
        ("I11.9", True),
        ("I12", False),
        ("84114007", True),
        ("233604007", False),
        ("", False),
    ],
)
def test_acsc_list_matches_icd10_prefixes_and_snomed_codes(code, listed):
    assert ACSC.matches(code) is listed


# --- avoidable admissions -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("spells", "expected_count"),
    [
        ([spell(diagnosis="I50.0")], 1),
        ([spell(diagnosis="I50.0", emergency=False)], 0),  # elective: not unplanned
        ([spell(diagnosis="233604007")], 0),  # pneumonia is an acute ACSC, not chronic
        ([spell(diagnosis="195951007", admitted=date(2025, 3, 31))], 0),  # the year before
        ([spell(diagnosis="195951007", admitted=date(2026, 3, 31))], 1),  # last day counts
        ([spell(diagnosis="J45"), spell(diagnosis="J45", admitted=date(2025, 9, 1))], 2),
    ],
)
def test_avoidable_admissions_count_emergency_chronic_acsc_admissions(spells, expected_count):
    population = {bcf.stratum(70, "female"): 1000}
    got = bcf.avoidable_admissions(spells, population, Y, ACSC)
    assert got.numerator == expected_count
    assert got.denominator == 1000
    assert got.value == pytest.approx(expected_count * 100.0)  # per 100,000 of 1,000 people


def test_avoidable_admissions_against_a_reference_standardise_by_age():
    # Standard: 1% in 20-24 year olds, 5% in 70-74; crude 2%. This area: 100 of each,
    # expected 6, observed 12 (all in the older band): 2 * 2% = 4,000 per 100,000.
    young, old = bcf.stratum(22, "male"), bcf.stratum(72, "male")
    from fractions import Fraction

    reference = bcf.Reference({young: Fraction(1, 100), old: Fraction(5, 100)}, Fraction(2, 100))
    spells = [spell(pid=i, age=72, sex="male", diagnosis="I50") for i in range(12)]
    got = bcf.avoidable_admissions(spells, {young: 100, old: 100}, Y, ACSC, reference)
    assert got.value == pytest.approx(4000.0)
    assert got.numerator == 12


# --- discharge to usual place of residence ---------------------------------------------------
@pytest.mark.parametrize(
    ("destinations", "numerator", "denominator"),
    [
        (["usual place of residence"] * 3 + ["care home"], 3, 4),
        (["usual place of residence", "died"], 1, 1),  # deaths leave the denominator
        (["usual place of residence", ""], 1, 1),  # unknown destination is not counted
        (["19", "other hospital"], 1, 2),  # the SUS code for usual residence
    ],
)
def test_discharge_to_usual_residence(destinations, numerator, denominator):
    spells = [spell(pid=i, destination=d) for i, d in enumerate(destinations)]
    got = bcf.discharge_usual_residence(spells, Y)
    assert (got.numerator, got.denominator) == (numerator, denominator)
    assert got.value == pytest.approx(100 * numerator / denominator)


def test_discharge_counts_by_discharge_date_and_leaves_people_still_in_hospital_out():
    spells = [
        spell(admitted=date(2025, 3, 28), days=5),  # discharged 2 April: in the year
        spell(admitted=date(2026, 3, 30), days=5),  # discharged after the year
        spell(admitted=date(2025, 6, 1), days=None, destination=""),  # still in hospital
    ]
    got = bcf.discharge_usual_residence(spells, Y)
    assert (got.numerator, got.denominator) == (1, 1)


# --- falls -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("s", "counted"),
    [
        (spell(diagnosis="217082002"), True),  # accidental fall as primary diagnosis
        (spell(diagnosis="S72.0", cause="W01"), True),  # hip fracture from a trip
        (spell(diagnosis="S72.0", cause="V43"), False),  # road traffic, not a fall
        (spell(diagnosis="S72.0"), False),  # no cause recorded
        (spell(diagnosis="J18", cause="W19"), False),  # not an injury
        (spell(diagnosis="217082002", age=64), False),  # under 65
        (spell(diagnosis="217082002", emergency=False), False),
    ],
)
def test_falls_count_emergency_fall_injuries_at_65_plus(s, counted):
    got = bcf.falls_65plus([s], [100] * 6, Y, INJURY, FALL)
    assert got.numerator == int(counted)


def test_falls_rate_is_the_same_in_every_band_gives_that_rate():
    population = [1000, 800, 600, 400, 200, 100]
    spells = [
        spell(pid=i * 100 + k, age=age, diagnosis="217082002")
        for i, (age, n) in enumerate(zip((67, 72, 77, 82, 87, 93), population, strict=True))
        for k in range(n // 100)
    ]  # 1 admission per 100 people in every band: 1,000 per 100,000
    got = bcf.falls_65plus(spells, population, Y, INJURY, FALL)
    assert got.value == 1000.0
    assert got.numerator == 31 and got.denominator == 3100


# --- permanent admissions ----------------------------------------------------------------------
def ep(pid, setting, start, end=None, age=80):
    return CareEpisode(pid, age, setting, start, end)


@pytest.mark.parametrize(
    ("episodes", "admitted"),
    [
        ([ep(1, "residential", date(2025, 5, 1))], 1),
        # residential, then nursing the next day: one admission (a transfer)
        (
            [
                ep(1, "residential", date(2025, 5, 1), date(2025, 9, 1)),
                ep(1, "nursing", date(2025, 9, 2)),
            ],
            1,
        ),
        # in residential care since before the year, moved to nursing in it: not new
        (
            [
                ep(1, "residential", date(2024, 1, 1), date(2025, 9, 1)),
                ep(1, "nursing", date(2025, 9, 1)),
            ],
            0,
        ),
        # left the home for months and went back: a new admission
        (
            [
                ep(1, "residential", date(2024, 1, 1), date(2024, 6, 1)),
                ep(1, "residential", date(2025, 6, 1)),
            ],
            1,
        ),
        ([ep(1, "residential", date(2025, 5, 1), age=64)], 0),  # under 65
        ([ep(1, "community", date(2025, 5, 1))], 0),  # home care is not a placement
        (
            [
                ep(1, "residential", date(2025, 5, 1), date(2025, 6, 1)),
                ep(1, "residential", date(2025, 12, 1)),
            ],
            1,
        ),  # twice in the year: one person
        ([ep(1, "nursing", date(2025, 5, 1)), ep(2, "nursing", date(2026, 4, 1))], 1),
    ],
)
def test_permanent_admissions_count_new_placements_not_transfers(episodes, admitted):
    got = bcf.permanent_admissions_65plus(episodes, 2000, Y)
    assert got.numerator == admitted
    assert got.value == pytest.approx(admitted * 100_000 / 2000)


# --- reablement ----------------------------------------------------------------------------
OUT = date(2025, 11, 1)
DAY91 = OUT + timedelta(91)


def discharge(pid=1, age=80, out=OUT, destination="usual place of residence"):
    return Spell(pid, age, "female", out - timedelta(5), out, True, "J18", destination)


def reable(pid=1, start=OUT):
    return CareEpisode(pid, 80, "reablement", start, start + timedelta(30))


@pytest.mark.parametrize(
    ("spells", "episodes", "deaths", "at_home", "cohort", "why"),
    [
        ([discharge()], [reable()], {}, 1, 1, ""),
        # died before day 91: stays in the denominator
        ([discharge()], [reable()], {1: OUT + timedelta(40)}, 0, 1, "died"),
        # died in hospital on a readmission: the hospital knows of the death
        (
            [
                discharge(),
                Spell(
                    1, 80, "female", OUT + timedelta(60), OUT + timedelta(70), True, "J18", "died"
                ),
            ],
            [reable()],
            {},
            0,
            1,
            "died",
        ),
        # in hospital on day 91: stays in the denominator
        (
            [discharge(), Spell(1, 80, "female", DAY91 - timedelta(2), None, True, "J18")],
            [reable()],
            {},
            0,
            1,
            "in hospital",
        ),
        # readmitted and home again before day 91: at home
        (
            [
                discharge(),
                Spell(1, 80, "female", OUT + timedelta(20), OUT + timedelta(30), True, "J18"),
            ],
            [reable()],
            {},
            1,
            1,
            "",
        ),
        # in a care home on day 91
        (
            [discharge()],
            [reable(), ep(1, "residential", OUT + timedelta(50))],
            {},
            0,
            1,
            "in a care home",
        ),
        # dies after day 91: was at home on day 91
        ([discharge()], [reable()], {1: DAY91 + timedelta(1)}, 1, 1, ""),
        # reablement starting three weeks after discharge is not "on discharge"
        ([discharge()], [reable(start=OUT + timedelta(21))], {}, 0, 0, None),
        # discharged in September: outside the October-December window
        ([discharge(out=date(2025, 9, 30))], [reable(start=date(2025, 9, 30))], {}, 0, 0, None),
        ([discharge(age=60)], [reable()], {}, 0, 0, None),  # under 65
        ([discharge()], [], {}, 0, 0, None),  # no reablement
    ],
)
def test_reablement_91_days(spells, episodes, deaths, at_home, cohort, why):
    got = bcf.reablement_91day(spells, episodes, Y, deaths)
    assert (got.numerator, got.denominator) == (at_home, cohort)
    outcomes = bcf.reablement_cohort(spells, episodes, Y, deaths)
    assert [o.why_not for o in outcomes] == ([why] if cohort else [])


def test_reablement_counts_a_person_once_at_their_first_discharge():
    second = date(2025, 12, 1)
    spells = [discharge(), discharge(out=second)]
    episodes = [reable(), reable(start=second)]
    outcomes = bcf.reablement_cohort(spells, episodes, Y)
    assert [(o.person_id, o.discharged) for o in outcomes] == [(1, OUT)]


def test_reablement_percentage_with_deaths_and_hospital_in_the_denominator():
    # 4 people: 2 at home, 1 died, 1 in hospital on day 91 -> 2 / 4 = 50%.
    spells = [discharge(pid=i) for i in range(1, 5)]
    spells.append(Spell(4, 80, "female", DAY91 - timedelta(1), DAY91 + timedelta(3), True, "J18"))
    episodes = [reable(pid=i) for i in range(1, 5)]
    got = bcf.reablement_91day(spells, episodes, Y, {3: OUT + timedelta(10)})
    assert (got.numerator, got.denominator, got.value) == (2, 4, 50.0)
    assert got.ci95 == pytest.approx(tuple(100 * x for x in stats.wilson(2, 4)))
