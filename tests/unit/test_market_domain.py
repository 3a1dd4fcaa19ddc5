"""The care market's pure rules: contract flexibility and completeness, which events count as
using a service, the decommissioning impact with small-number suppression, plan themes, and
pooled share arithmetic and consent."""

from datetime import date

import pytest

from onestory.market.domain import contracts, pools, themes, usage

D = date(2026, 6, 1)


# --- contracts


@pytest.mark.parametrize(
    "kind, flexible, wanted, fits, needs",
    [
        (contracts.SPOT, {"timing", "hours"}, {"timing", "hours"}, ("timing", "hours"), ()),
        (contracts.BLOCK, {"timing", "tasks"}, {"hours"}, (), ("hours",)),
        (contracts.FRAMEWORK, {"timing"}, {"worker", "timing"}, ("timing",), ("worker",)),
        (contracts.COST_AND_VOLUME, set(), set(), (), ()),
    ],
)
def test_check_variation_splits_allowed_from_needing_a_variation(
    kind, flexible, wanted, fits, needs
):
    check = contracts.check_variation(kind, flexible, wanted)
    assert check.fits == fits
    assert tuple(a for a, _ in check.needs_variation) == needs
    assert check.ok is (not needs)


def test_check_variation_block_hours_says_the_volume_is_fixed():
    check = contracts.check_variation(contracts.BLOCK, set(), {"hours"})
    assert "fixed volume" in check.needs_variation[0][1]


def test_check_variation_contract_not_in_force_allows_nothing():
    check = contracts.check_variation(contracts.SPOT, {"timing"}, {"timing"}, active=False)
    assert check.fits == () and "not in force" in check.needs_variation[0][1]


def test_check_variation_unknown_aspect_is_an_error():
    with pytest.raises(ValueError, match="colour"):
        contracts.check_variation(contracts.SPOT, set(), {"colour"})


@pytest.mark.parametrize(
    "kind, aspects, problem",
    [
        (contracts.BLOCK, {"hours"}, "fixed volume"),
        (contracts.SPOT, {"banking"}, "hours to be variable"),
        (contracts.SPOT, {"flying"}, "Unknown aspect"),
    ],
)
def test_flexibility_problems_names_each_rule(kind, aspects, problem):
    assert any(problem in p for p in contracts.flexibility_problems(kind, aspects))


def test_default_flexibility_of_every_kind_has_no_problems():
    for kind in contracts.KINDS:
        assert contracts.flexibility_problems(kind, contracts.default_flexibility(kind)) == []


@pytest.mark.parametrize(
    "kind, value, volume, price, end, problem",
    [
        (contracts.BLOCK, None, 100, None, None, "needs its value"),
        (contracts.BLOCK, 1000, None, None, None, "needs the volume"),
        (contracts.COST_AND_VOLUME, 1000, 10, None, None, "priced per unit"),
        (contracts.SPOT, None, None, None, None, "priced per unit"),
        (contracts.FRAMEWORK, None, None, None, date(2026, 1, 1), "end after it starts"),
        ("lease", None, None, None, None, "Choose the kind"),
    ],
)
def test_contract_problems_names_what_is_missing(kind, value, volume, price, end, problem):
    found = contracts.contract_problems(
        kind=kind,
        start=date(2026, 4, 1),
        end=end,
        value_pence=value,
        volume=volume,
        unit_price_pence=price,
    )
    assert any(problem in p for p in found), found


def test_contract_problems_complete_block_contract_is_fine():
    assert (
        contracts.contract_problems(
            kind=contracts.BLOCK,
            start=date(2026, 4, 1),
            end=date(2027, 4, 1),
            value_pence=100_000_00,
            volume=4000,
            unit_price_pence=None,
        )
        == []
    )


def test_annual_value_scales_a_two_year_contract_to_one_year():
    assert contracts.annual_value("block", 730_00, date(2026, 1, 1), date(2027, 12, 31)) == 365_50
    assert contracts.annual_value("spot", None, date(2026, 1, 1), None) is None


# --- who uses a service


def _event(person=1, kind="service", start=date(2026, 1, 1), end=None, org="E08000999", **kw):
    return usage.EventFacts(
        person=person,
        kind=kind,
        start=start,
        end=end,
        system_org=org,
        codes=kw.get("codes", ("Home care",)),
        support_reason=kw.get("reason", ""),
    )


@pytest.mark.parametrize(
    "event, expected",
    [
        (_event(), True),
        (_event(codes=("home  CARE",)), True),  # case and spaces do not matter
        (_event(kind="placement"), True),
        (_event(kind="assessment"), False),
        (_event(start=date(2026, 7, 1)), False),  # not started yet
        (_event(end=date(2026, 5, 31)), False),  # ended
        (_event(end=D), True),  # ends today: still using it
        (_event(org="E08000035"), False),  # another council's home care
        (_event(codes=("Day care",)), False),
        (_event(start=None), False),
    ],
)
def test_matches_open_service_with_the_code_and_organisation(event, expected):
    assert usage.matches("Home care", "E08000999", event, D) is expected


def test_matches_never_on_an_empty_record_code():
    assert not usage.matches("", "", _event(codes=("",)), D)


def test_users_leaves_out_opted_out_people_and_counts_a_person_once():
    events = [_event(1, reason="Memory"), _event(1), _event(2), _event(3)]
    found = usage.users("Home care", "", events, D, excluded={3})
    assert found == {1: "Memory", 2: ""}


# --- decommissioning impact


def test_impact_of_a_small_group_shows_nothing_but_fewer_than_eight():
    people = {i: "Memory" for i in range(7)}
    result = usage.impact(people, {i: frozenset({"Personal care"}) for i in range(7)}, themes.ORDER)
    assert result == usage.Impact(None, (), (), None, None)


def test_impact_suppresses_each_small_reason():
    # 20 people: 12 physical, 5 memory, 3 mental health. Both small cells are hidden; with
    # two hidden, the shown total cannot give either away, so the 12 stays.
    people = {i: "Physical" for i in range(12)}
    people |= {i: "Memory" for i in range(12, 17)}
    people |= {i: "Mental health" for i in range(17, 20)}
    result = usage.impact(people, {}, themes.ORDER)
    assert result.people == 20
    assert dict((r.label, r.people) for r in result.reasons) == {
        "Physical": 12,
        "Memory": None,
        "Mental health": None,
    }


def test_impact_secondary_suppression_hides_the_next_smallest_reason():
    people = {i: "Physical" for i in range(20)}
    people |= {i: "Memory" for i in range(20, 30)}
    people |= {i: "Learning disability" for i in range(30, 33)}
    result = usage.impact(people, {}, themes.ORDER)
    shown = {r.label: r.people for r in result.reasons}
    assert shown == {"Physical": 20, "Memory": None, "Learning disability": None}


def test_impact_counts_plan_themes_per_person_with_primary_suppression():
    people = dict.fromkeys(range(12), "Physical")
    plans = {i: frozenset({"Personal care", "Getting out and seeing people"}) for i in range(9)}
    plans |= {9: frozenset({"Getting out and seeing people"})}
    result = usage.impact(people, plans, themes.ORDER)
    shown = {r.label: r.people for r in result.themes}
    assert shown == {"Personal care": 9, "Getting out and seeing people": 10}
    # 10 with a plan, 2 without: the 2 is suppressed, and with it the 10 (the total shows).
    assert (result.with_plan, result.without_plan) == (None, None)


def test_impact_small_theme_is_suppressed_but_others_shown():
    people = dict.fromkeys(range(10), "Physical")
    plans = {i: frozenset({"Personal care"}) for i in range(10)}
    plans[0] = frozenset({"Personal care", "Getting about"})
    result = usage.impact(people, plans, themes.ORDER)
    shown = {r.label: r.people for r in result.themes}
    assert shown == {"Personal care": 10, "Getting about": None}
    assert (result.with_plan, result.without_plan) == (10, 0)


# --- plan themes


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I want to get washed and dressed by 9", {"Personal care"}),
        ("Go to the allotment club with my friends", {"Getting out and seeing people"}),
        ("Cook my own meals at home", {"Staying at home and daily living"}),
        ("Something else entirely", {themes.OTHER}),
        ("Sing my favourite songs", {themes.OTHER}),  # "son" only as "my son"
        ("See my son on Sundays", {"Family and caring"}),
    ],
)
def test_themes_of_sorts_a_statement_by_its_words(text, expected):
    assert themes.themes_of(text) == expected


def test_person_themes_drops_other_when_anything_else_is_found():
    assert themes.person_themes(["Nothing here", "Take the bus"]) == {"Getting about"}
    assert themes.person_themes([]) == frozenset()


# --- pools


def test_periods_due_weekly_from_joining_until_leaving():
    anchor = date(2026, 6, 1)  # a Monday
    due = pools.periods_due(
        anchor, pools.WEEK, date(2026, 6, 3), date(2026, 6, 29), date(2027, 1, 1)
    )
    # Periods start 1, 8, 15, 22, 29 June: joining on the 3rd pays from the 8th; leaving on
    # the 29th pays nothing for the period starting that day.
    assert due == [date(2026, 6, 8), date(2026, 6, 15), date(2026, 6, 22)]


def test_periods_due_monthly_keeps_the_day_of_the_month_and_clamps():
    anchor = date(2026, 1, 31)
    due = pools.periods_due(anchor, pools.MONTH, anchor, None, date(2026, 5, 1))
    assert due == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]


def test_committed_is_share_times_periods_up_to_the_budget_end():
    # Weekly £40 from 1 June 2026 to the budget's end on 1 April 2027: 44 weeks.
    assert pools.committed(40_00, D, pools.WEEK, D, None, date(2027, 4, 1)) == 44 * 40_00
    # Leaving on 1 July: 1, 8, 15, 22, 29 June.
    assert pools.committed(40_00, D, pools.WEEK, D, date(2026, 7, 1), date(2027, 4, 1)) == 200_00


def test_committed_refuses_a_negative_share():
    with pytest.raises(ValueError):
        pools.committed(-1, D, pools.WEEK, D, None, date(2027, 1, 1))


@pytest.mark.parametrize(
    "cost, members, expected",
    [(100_00, 3, [33_34, 33_33, 33_33]), (90_00, 2, [45_00, 45_00]), (1, 2, [1, 0])],
)
def test_equal_shares_add_up_exactly(cost, members, expected):
    shares = pools.equal_shares(cost, members)
    assert shares == expected and sum(shares) == cost


def test_balance_says_shortfall_or_surplus():
    assert pools.balance(90_00, [40_00, 40_00]) == pools.PoolBalance(90_00, 80_00, 10_00, 0)
    assert pools.balance(90_00, [50_00, 50_00]).surplus == 10_00
    assert pools.balance(90_00, [45_00, 45_00]).covered


def test_share_percent_and_per_year():
    assert pools.share_percent(1, 3) == 33 and pools.share_percent(2, 3) == 67
    assert pools.share_percent(5, 0) == 0
    assert pools.per_year(40_00, pools.WEEK) == 2080_00
    assert pools.per_year(100_00, pools.MONTH) == 1200_00


@pytest.mark.parametrize(
    "given_by, agreement, role, problem",
    [
        ("person", "", "care_coordinator", ""),
        ("on_behalf", "Said yes at her review on 2 June", "care_coordinator", ""),
        ("on_behalf", "yes", "care_coordinator", "stated agreement"),
        ("representative", "", "social_worker", "Name the representative"),
        ("representative", "Her son, Paul", "social_worker", ""),
        ("person", "", "representative", "only your own consent"),
        ("", "", "care_coordinator", "Say who gave consent"),
    ],
)
def test_consent_problem_needs_the_stated_agreement_on_behalf(given_by, agreement, role, problem):
    found = pools.consent_problem(given_by, agreement, role)
    assert (problem in found) if problem else found == ""
