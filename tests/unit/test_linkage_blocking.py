"""Blocking: a fixed rule that an affordable single-field block already covers is left out
(ADR 0015), so it costs no join for pairs the single-field block finds anyway."""

from onestory.people.engines.blocking import BLOCKING_RULES, blocking_rules
from onestory.people.engines.splink_linker import settings


def test_blocking_rule_covered_by_a_single_field_block_is_dropped():
    rules = blocking_rules(["l.dob = r.dob"])
    # each of these requires l.dob = r.dob, so the single-field block finds all its pairs
    assert "l.family = r.family AND l.dob = r.dob" not in rules
    assert "l.given = r.given AND l.dob = r.dob" not in rules
    assert "l.dob = r.dob AND l.postcode = r.postcode" not in rules
    assert "l.dob = r.dob AND substr(l.family, 1, 1) = substr(r.family, 1, 1)" not in rules
    assert rules[-1] == "l.dob = r.dob"


def test_blocking_rule_not_covered_by_a_single_field_block_is_kept():
    rules = blocking_rules(["l.dob = r.dob"])
    # a swapped day and month is not an equal date of birth: the dob block misses these
    assert "l.family = r.family AND l.dob = r.dob_swapped" in rules
    assert "l.family = r.family AND l.postcode = r.postcode" in rules
    assert "l.nhs = r.nhs" in rules
    # every fixed rule left out has the single-field block as one of its conditions
    for rule in set(BLOCKING_RULES) - set(rules):
        assert "l.dob = r.dob" in rule.split(" AND ")


def test_blocking_rules_unchanged_without_single_field_blocks():
    assert blocking_rules() == list(BLOCKING_RULES)


def test_splink_settings_carry_the_pruned_rules():
    extra = ["l.postcode = r.postcode", "l.family = r.family"]
    used = [
        r["blocking_rule"]
        for r in settings(extra_blocking=extra)["blocking_rules_to_generate_predictions"]
    ]
    assert used == blocking_rules(extra)
    assert "l.family = r.family AND l.postcode = r.postcode" not in used
    assert "l.postcode = r.postcode AND l.birth_year = r.birth_year" not in used
    assert "l.given = r.given AND l.dob = r.dob" in used
