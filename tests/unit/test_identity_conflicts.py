"""When two people's identities conflict, so that a merge needs a second officer."""

from datetime import date

from onestory.people.domain.conflicts import (
    DATE_OF_BIRTH,
    NHS_NUMBER,
    SEX,
    IdentityFacts,
    identity_conflicts,
    may_confirm,
    strongest_evidence,
    within_a_transposition,
)
from onestory.people.domain.explain import AGREE, DISAGREE, MISSING, PARTIAL, FieldAgreement

NHS_A = "9434765919"
NHS_B = "9990000026"


def fields(conflicts):
    return [c.field for c in conflicts]


def test_conflicts_none_when_everything_agrees_or_is_missing():
    a = [IdentityFacts(NHS_A, date(1950, 3, 31), "female")]
    assert identity_conflicts(a, [IdentityFacts(NHS_A, date(1950, 3, 31), "F")]) == []
    assert identity_conflicts(a, [IdentityFacts("", None, "")]) == []
    assert identity_conflicts(a, [IdentityFacts("1234567890", None, "unknown")]) == []


def test_conflicts_different_valid_nhs_numbers():
    (c,) = identity_conflicts([IdentityFacts(NHS_A)], [IdentityFacts(NHS_B)])
    assert c.field == NHS_NUMBER and c.first == (NHS_A,) and c.second == (NHS_B,)
    assert c.label == "NHS number"


def test_conflicts_dates_of_birth_more_than_a_transposition_apart():
    def dob(x, y):
        return fields(
            identity_conflicts([IdentityFacts(date_of_birth=x)], [IdentityFacts(date_of_birth=y)])
        )

    assert dob(date(1950, 3, 4), date(1950, 4, 3)) == []  # day and month swapped
    assert dob(date(1950, 3, 31), date(1950, 3, 13)) == []  # neighbouring digits swapped
    assert dob(date(1950, 3, 31), date(1951, 3, 31)) == [DATE_OF_BIRTH]  # a digit changed
    assert dob(date(1950, 3, 31), date(1962, 7, 2)) == [DATE_OF_BIRTH]


def test_conflicts_different_sex_shown_in_words_and_dates_in_nhs_style():
    conflicts = identity_conflicts(
        [IdentityFacts("", date(1950, 5, 2), "female")],
        [IdentityFacts("", date(1970, 1, 9), "M")],
    )
    assert fields(conflicts) == [DATE_OF_BIRTH, SEX]
    assert conflicts[0].first == ("2 May 1950",)
    assert conflicts[1].first == ("female",) and conflicts[1].second == ("male",)


def test_within_a_transposition_is_symmetric_and_strict():
    assert within_a_transposition(date(1980, 12, 1), date(1980, 1, 12))
    assert within_a_transposition(date(1980, 1, 12), date(1980, 12, 1))
    assert not within_a_transposition(date(1980, 1, 12), date(1980, 1, 13))


def test_may_confirm_only_a_different_officer():
    assert may_confirm("user:1", "user:2")
    assert not may_confirm("user:1", "user:1")
    assert not may_confirm("user:1", "")


def test_strongest_evidence_takes_the_best_agreement_per_field_in_order():
    pairs = [
        [FieldAgreement("NHS number", MISSING, "m"), FieldAgreement("Sex", DISAGREE, "d")],
        [FieldAgreement("NHS number", AGREE, "a"), FieldAgreement("Sex", PARTIAL, "p")],
    ]
    best = strongest_evidence(pairs)
    assert [(f.field, f.outcome) for f in best] == [("NHS number", AGREE), ("Sex", PARTIAL)]
