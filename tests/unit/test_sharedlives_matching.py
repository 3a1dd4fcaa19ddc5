"""Shared Lives matching: every hard constraint refuses what it must (with its reason), the
score's parts add up to the total, and the travel distance comes from the borough's postcodes."""

from datetime import date

import pytest

from onestory.sharedlives.domain import matching, places, synthetic
from onestory.sharedlives.domain.matching import Carer, Person


def _person(**kw) -> Person:
    return Person(**{"id": "P1", "postcode": "LS12 3AB", **kw})


def _carer(**kw) -> Carer:
    return Carer(**{"id": "C1", "postcode": "LS12 4DE", "capacity": 1, **kw})


def _codes(person: Person, carer: Carer) -> list[str]:
    return [r.code for r in matching.refusals(person, carer)]


def test_refusals_empty_when_everything_fits():
    assert matching.refusals(_person(), _carer()) == []


def test_refusals_capacity_zero_is_refused():
    assert _codes(_person(), _carer(capacity=0)) == ["capacity"]


def test_refusals_unapproved_carer_is_refused():
    assert _codes(_person(), _carer(approved=False)) == ["approval"]


def test_refusals_support_not_offered_is_refused():
    refusal = matching.refusals(_person(support="short_breaks"), _carer())
    assert [r.code for r in refusal] == ["offers"]
    assert "short breaks" in refusal[0].reason


def test_refusals_must_not_names_the_clash():
    refusal = matching.refusals(
        _person(must_not=frozenset({"smoking"})), _carer(household=frozenset({"smoking", "cats"}))
    )
    assert [r.code for r in refusal] == ["must_not"]
    assert "smoking" in refusal[0].reason and "cats" not in refusal[0].reason


def test_refusals_must_not_absent_from_household_passes():
    assert (
        _codes(_person(must_not=frozenset({"dogs"})), _carer(household=frozenset({"cats"}))) == []
    )


def test_refusals_wheelchair_needs_an_accessible_home():
    person = _person(needs=frozenset({"wheelchair"}))
    refusal = matching.refusals(person, _carer(accessibility=frozenset({"step_free"})))
    assert [r.code for r in refusal] == ["accessibility"]
    assert "ground floor bedroom" in refusal[0].reason
    ok = _carer(accessibility=frozenset({"step_free", "ground_floor_bedroom"}))
    assert matching.refusals(person, ok) == []


def test_refusals_need_requires_its_skill():
    person = _person(needs=frozenset({"epilepsy"}))
    assert _codes(person, _carer()) == ["skills"]
    assert _codes(person, _carer(skills=frozenset({"epilepsy_care"}))) == []


def test_refusals_need_without_a_rule_requires_a_skill_of_the_same_name():
    person = _person(needs=frozenset({"sign_language"}))
    assert _codes(person, _carer()) == ["skills"]
    assert _codes(person, _carer(skills=frozenset({"sign_language"}))) == []


def test_refusals_open_safeguarding_concern_refuses_everyone():
    assert _codes(_person(), _carer(safeguarding=frozenset({"open_concern"}))) == ["safeguarding"]


def test_refusals_safeguarding_flag_rules_out_households_with_children():
    person = _person(safeguarding=frozenset({"risk_to_children"}))
    assert _codes(person, _carer(household=frozenset({"children"}))) == ["safeguarding"]
    assert _codes(person, _carer(household=frozenset({"older_people"}))) == []


def test_refusals_distance_over_the_limit_is_refused():
    person = _person(postcode="LS28 1AB", max_km=2.0)
    refusal = matching.refusals(person, _carer(postcode="LS11 5AB"))
    assert [r.code for r in refusal] == ["distance"]
    assert "km" in refusal[0].reason


def test_refusals_distance_unknown_with_a_limit_is_refused():
    person = _person(max_km=5.0)
    assert _codes(person, _carer(postcode="SW1A 1AA")) == ["distance"]


def test_refusals_carer_not_available_yet_is_refused():
    later = _carer(available_from=date(2027, 1, 4))
    refusal = matching.refusals(_person(), later)
    assert [r.code for r in refusal] == ["availability"] and "2027-01-04" in refusal[0].reason
    assert _codes(_person(starts=date(2026, 12, 1)), later) == ["availability"]
    assert _codes(_person(starts=date(2027, 1, 4)), later) == []
    assert _codes(_person(starts=date(2026, 12, 1)), _carer()) == []


def test_refusals_lists_every_failing_constraint():
    person = _person(needs=frozenset({"epilepsy", "wheelchair"}), must_not=frozenset({"dogs"}))
    carer = _carer(capacity=0, household=frozenset({"dogs"}))
    assert _codes(person, carer) == ["capacity", "must_not", "accessibility", "skills"]


def test_score_parts_add_up_to_the_total_on_a_synthetic_scheme():
    people, carers = synthetic.scheme(60, 60, seed=3)
    for person in people:
        for carer in carers:
            s = matching.score(person, carer)
            assert s.total == sum(p.points for p in s.parts)
            assert [p.code for p in s.parts] == ["distance", "interests", "language", "faith"]
            assert all(0 <= p.points <= p.out_of for p in s.parts)
            assert sum(p.out_of for p in s.parts) == matching.MAX_SCORE
            assert all(p.reason for p in s.parts)


def test_score_shared_interests_language_and_faith_are_explained():
    person = _person(preferences=frozenset({"gardening", "music", "language:urdu", "faith:muslim"}))
    carer = _carer(
        postcode="LS12 3AB",
        interests=frozenset({"gardening"}),
        languages=frozenset({"urdu"}),
        faith=frozenset({"christian"}),
    )
    parts = {p.code: p for p in matching.score(person, carer).parts}
    assert parts["distance"].points == matching.WEIGHT_DISTANCE
    assert parts["interests"].points == 15 and "gardening" in parts["interests"].reason
    assert parts["language"].points == matching.WEIGHT_LANGUAGE
    assert parts["faith"].points == 0 and "muslim" in parts["faith"].reason


def test_score_distance_unknown_gets_half_points():
    part = matching.score(_person(), _carer(postcode="not a postcode")).parts[0]
    assert part.points == matching.WEIGHT_DISTANCE // 2 and "not known" in part.reason


def test_places_same_sector_is_the_same_place_and_districts_are_apart():
    assert places.distance_km(places.position_km("LS12 3AB"), places.position_km("ls123zz")) == 0
    far = places.distance_km(places.position_km("LS28 1AA"), places.position_km("LS11 1AA"))
    assert far is not None and far > 8
    assert places.position_km("SW1A 1AA") is None
    assert places.position_km("hello") is None


@pytest.mark.parametrize("seed", [1, 2])
def test_shortlist_is_best_first_and_holds_only_carers_who_pass(seed):
    people, carers = synthetic.scheme(10, 80, seed=seed)
    for person in people:
        result = matching.shortlist(person, carers, size=5)
        totals = [c.score.total for c in result.candidates]
        assert totals == sorted(totals, reverse=True)
        assert all(matching.refusals(person, c.carer) == [] for c in result.candidates)
        assert all(reasons for _carer, reasons in result.refused)
        assert len(result.candidates) <= 5


def test_shortlist_ties_break_by_carer_id():
    carers = [_carer(id=i) for i in ("C3", "C1", "C2")]
    result = matching.shortlist(_person(), carers)
    assert [c.carer.id for c in result.candidates] == ["C1", "C2", "C3"]
