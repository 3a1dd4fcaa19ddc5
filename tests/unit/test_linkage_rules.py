from datetime import date

from onestory.people.domain.linkage import (
    RULE_DEMOGRAPHICS,
    RULE_NHS_NUMBER,
    RULE_UNLINKED,
    Assignment,
    DeterministicLinker,
    LinkageRecord,
    carry_forward_people,
)

DOB = date(1941, 3, 5)


def rec(i, nhs="", family="smith", dob=DOB, postcode="AB12CD"):
    return LinkageRecord(i, nhs, family, dob, postcode)


def clusters_of(records):
    out = DeterministicLinker().cluster(records)
    by_cluster = {}
    for a in out:
        by_cluster.setdefault(a.cluster, set()).add(a.record_id)
    return sorted(sorted(c) for c in by_cluster.values()), {a.record_id: a for a in out}


def test_linker_joins_records_sharing_a_valid_nhs_number():
    groups, by_id = clusters_of(
        [rec(1, "9990000018", family="smith"), rec(2, "9990000018", family="smyth")]
    )
    assert groups == [[1, 2]]
    assert by_id[1].rule == by_id[2].rule == RULE_NHS_NUMBER
    assert by_id[1].match_probability == 1.0


def test_linker_ignores_invalid_nhs_numbers():
    # 9990000019 fails Modulus 11: it must not join anything by number
    groups, by_id = clusters_of(
        [rec(1, "9990000019", postcode="X1"), rec(2, "9990000019", postcode="Y2")]
    )
    assert groups == [[1], [2]]
    assert by_id[1].rule == RULE_UNLINKED
    assert by_id[1].match_probability is None


def test_linker_joins_record_without_nhs_number_on_demographics():
    groups, by_id = clusters_of([rec(1, "9990000018"), rec(2, ""), rec(3, "")])
    assert groups == [[1, 2, 3]]
    assert by_id[2].rule == RULE_DEMOGRAPHICS


def test_linker_does_not_join_different_nhs_numbers_on_demographics():
    # twins at one address: same family name, date of birth and postcode
    groups, _ = clusters_of([rec(1, "9990000018"), rec(2, "9990000026")])
    assert groups == [[1], [2]]


def test_linker_leaves_ambiguous_demographic_match_unlinked():
    groups, by_id = clusters_of([rec(1, "9990000018"), rec(2, "9990000026"), rec(3, "")])
    assert groups == [[1], [2], [3]]
    assert by_id[3].rule == RULE_UNLINKED


def test_linker_needs_all_three_demographic_fields():
    groups, _ = clusters_of([rec(1, "", postcode=""), rec(2, "", postcode="")])
    assert groups == [[1], [2]]


def test_linker_demographic_match_is_exact():
    groups, _ = clusters_of([rec(1, ""), rec(2, "", dob=date(1941, 5, 3))])
    assert groups == [[1], [2]]


def test_carry_forward_keeps_person_on_larger_part_of_a_split():
    assignments = [Assignment(r, c, RULE_NHS_NUMBER, 1.0) for r, c in [(1, 0), (2, 0), (3, 1)]]
    previous = {1: 100, 2: 100, 3: 100}
    assert carry_forward_people(assignments, previous) == {0: 100, 1: None}


def test_carry_forward_merge_keeps_the_person_with_more_records():
    assignments = [Assignment(r, 0, RULE_NHS_NUMBER, 1.0) for r in (1, 2, 3)]
    previous = {1: 100, 2: 200, 3: 200}
    assert carry_forward_people(assignments, previous) == {0: 200}


def test_carry_forward_new_records_get_no_person():
    assignments = [Assignment(9, 0, RULE_UNLINKED, None)]
    assert carry_forward_people(assignments, {}) == {0: None}
