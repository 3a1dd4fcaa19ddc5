"""The synthetic borough's people and the noise each source adds, without writing files."""

import random
from collections import Counter

import pytest

from onestory.people.domain.nhs_number import is_synthetic
from onestory.synthetic import reference as ref
from onestory.synthetic.noise import make_view, nickname, typo
from onestory.synthetic.output import Breaker, ErrorLog, FileSpec, wrong_nhs_number
from onestory.synthetic.population import build_borough


@pytest.fixture(scope="module")
def borough():
    return build_borough(random.Random(21), 4000)


def test_build_borough_makes_exactly_the_people_asked_for(borough):
    assert len(borough.people) == 4000
    assert sum(len(h.members) for h in borough.households) == 4000
    assert len({p.pid for p in borough.people}) == 4000


def test_nhs_numbers_are_unique_synthetic_and_valid(borough):
    numbers = [p.nhs_number for p in borough.people]
    assert len(set(numbers)) == len(numbers)
    assert all(is_synthetic(n) for n in numbers)


def test_age_pyramid_is_realistic(borough):
    n = len(borough.people)
    children = sum(p.age < 18 for p in borough.people) / n
    over_65 = sum(p.age >= 65 for p in borough.people) / n
    over_85 = sum(p.age >= 85 for p in borough.people) / n
    assert 0.18 < children < 0.29
    assert 0.14 < over_65 < 0.25
    assert 0.01 < over_85 < 0.05


def test_frailty_rises_with_age(borough):
    def mean(lo, hi):
        group = [p.frailty for p in borough.people if lo <= p.age < hi]
        return sum(group) / len(group)

    assert mean(18, 50) < mean(65, 75) < mean(75, 85) < mean(85, 110)


def test_older_people_often_live_alone_and_households_vary(borough):
    sizes = Counter(len(h.members) for h in borough.households)
    assert sizes[1] and sizes[2] and sizes[4]
    older = [p for p in borough.people if p.age >= 75]
    alone = sum(len(p.household.members) == 1 for p in older) / len(older)
    assert 0.25 < alone < 0.7


def test_family_ties_are_symmetric(borough):
    for p in borough.people:
        if p.partner is not None:
            assert p.partner.partner is p
        for child in p.children:
            assert p in child.parents
        if p.carer is not None:
            assert p in p.carer.cares_for


def test_unpaid_carers_are_partners_or_adult_relatives(borough):
    cared = [p for p in borough.people if p.carer is not None]
    assert len(cared) > 20
    for p in cared:
        assert p.carer.age >= 18
        assert p.carer is p.partner or p.carer in p.children or p.carer in p.parents


def test_condition_prevalence_follows_age(borough):
    def share(key, lo, hi):
        group = [p for p in borough.people if lo <= p.age < hi]
        return sum(key in p.conditions for p in group) / len(group)

    assert share("hypertension", 70, 110) > 3 * share("hypertension", 18, 45)
    assert share("dementia", 18, 60) == 0 or share("dementia", 80, 110) > 0.05
    assert share("asthma", 0, 18) > 0.04


def test_postcodes_and_phones_have_valid_formats(borough):
    import re

    postcode = re.compile(r"^LS\d{1,2} \d[ABD-HJLNP-UW-Z]{2}$")
    for p in borough.people:
        assert postcode.match(p.household.address.postcode)
        if p.phone:
            assert p.phone.startswith((ref.MOBILE_PREFIX, ref.LANDLINE_PREFIX))


def test_adult_social_care_view_lacks_nhs_number_for_about_a_third(borough):
    rng = random.Random(1)
    views = [make_view(rng, "adult_social_care", str(i), p) for i, p in enumerate(borough.people)]
    missing = sum(1 for v in views if not v.nhs_number) / len(views)
    assert 0.30 < missing < 0.36


def test_housing_and_voluntary_views_never_hold_nhs_numbers(borough):
    rng = random.Random(2)
    for kind in ("housing", "voluntary"):
        assert all(not make_view(rng, kind, "x", p).nhs_number for p in borough.people[:500])


def test_gp_view_is_the_clean_record(borough):
    rng = random.Random(3)
    for p in borough.people[:500]:
        v = make_view(rng, "gp", "x", p)
        assert (v.given, v.family, v.dob_shown, v.address) == (
            p.given,
            p.family,
            p.dob,
            p.household.address,
        )


def test_swapped_dates_of_birth_only_when_the_day_is_twelve_or_less(borough):
    rng = random.Random(4)
    swapped = 0
    for p in borough.people:
        for _ in range(5):
            v = make_view(rng, "adult_social_care", "x", p)
            if v.dob_shown != p.dob:
                swapped += 1
                assert p.dob.day <= 12
                assert (v.dob_shown.day, v.dob_shown.month) == (p.dob.month, p.dob.day)
    assert swapped > 0


def test_voluntary_views_have_partial_dates_of_birth(borough):
    rng = random.Random(5)
    shapes = Counter()
    for p in borough.people[:1000]:
        bm = make_view(rng, "voluntary", "x", p).birth_month
        shapes["MM/YYYY" if "/" in bm else "YYYY" if bm else "blank"] += 1
        if bm:
            assert bm.endswith(str(p.dob.year))
    assert shapes["MM/YYYY"] > shapes["YYYY"] > shapes["blank"] > 0


@pytest.mark.parametrize(
    ("given", "allowed"),
    [
        ("William", {"Bill", "Will", "Billy"}),
        ("Margaret", {"Peggy", "Maggie", "Meg", "Margret"}),
        ("Catherine", {"Katherine", "Kathryn", "Cathy", "Kate"}),
        ("Zebedee", {"Zebedee"}),
    ],
)
def test_nickname_comes_from_the_variants_table(given, allowed):
    rng = random.Random(6)
    assert {nickname(rng, given) for _ in range(50)} <= allowed


def test_typo_changes_a_name_by_one_slip():
    rng = random.Random(7)
    for name in ("Margaret", "Smith", "Okafor", "Lee"):
        slipped = typo(rng, name)
        assert slipped != name
        assert abs(len(slipped) - len(name)) <= 1


def test_wrong_nhs_number_fails_modulus_11():
    from onestory.people.domain.nhs_number import is_valid

    rng = random.Random(8)
    for current in ("9990000018", "", "9991234567"):
        bad = wrong_nhs_number(rng, current)
        assert len(bad) == 10 and bad.startswith("999") and not is_valid(bad)


def test_breaker_uses_every_kind_of_error_a_file_allows():
    log = ErrorLog()
    breaker = Breaker(seed=1, rate=1.0, log=log)
    spec = FileSpec(
        "la_person_id",
        "iso",
        "date_of_birth",
        ("event_start_date",),
        "nhs_number",
        "event_type",
        ("Visit",),
        "unit_cost_weekly_pounds",
    )
    for _ in range(300):
        row = {
            "la_person_id": "123",
            "date_of_birth": "1940-01-02",
            "event_start_date": "2025-01-01",
            "nhs_number": "9990000018",
            "event_type": "Service",
            "unit_cost_weekly_pounds": "250.00",
        }
        breaker.break_row("f.csv", spec, row)
    assert set(log.by_file["f.csv"]) == {
        "bad_date",
        "missing_local_id",
        "future_date_of_birth",
        "bad_nhs_number",
        "unknown_event_type",
        "negative_cost",
    }


def test_breaker_at_rate_zero_never_breaks():
    breaker = Breaker(seed=1, rate=0.0, log=ErrorLog())
    assert not any(breaker.roll() for _ in range(10_000))
