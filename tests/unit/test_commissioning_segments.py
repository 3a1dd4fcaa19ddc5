"""Bridges to Health segmentation: each segment's defining rule, the priority order, and
that everyone is in exactly one segment."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onestory.commissioning.domain import segments as sg
from onestory.commissioning.domain.segments import Facts


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # each segment's defining rule, on an otherwise healthy adult
        (Facts(age=40), sg.HEALTHY),
        (Facts(age=0), sg.MATERNAL_INFANT),
        (Facts(age=29, maternity_12m=True), sg.MATERNAL_INFANT),
        (Facts(age=30, hospital_contacts_12m=1), sg.ACUTELY_ILL),
        (Facts(age=50, chronic_conditions=1), sg.CHRONIC),
        (Facts(age=50, organ_failure=True), sg.CHRONIC),  # organ failure, no exacerbation
        (Facts(age=25, disability_coded=True), sg.DISABILITY),
        (Facts(age=45, long_term_care_package=True), sg.DISABILITY),
        (Facts(age=70, end_of_life_coded=True), sg.END_OF_LIFE),
        (Facts(age=70, dies_within_year=True), sg.END_OF_LIFE),
        (Facts(age=60, organ_failure=True, emergency_admissions_12m=1), sg.LIMITED_RESERVE),
        (Facts(age=50, dementia_or_severe_frailty_coded=True), sg.FRAILTY_DEMENTIA),
        (Facts(age=80, efi_deficits=13), sg.FRAILTY_DEMENTIA),
        (Facts(age=80, in_care_home=True), sg.FRAILTY_DEMENTIA),
    ],
)
def test_segment_defining_rule(facts, expected):
    assert sg.segment(facts) == expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # edges of the rules
        (Facts(age=1), sg.HEALTHY),  # an infant is under 1
        (Facts(age=80, efi_deficits=12), sg.HEALTHY),  # moderate eFI alone
        (Facts(age=64, efi_deficits=20), sg.HEALTHY),  # eFI is a 65+ measure
        (Facts(age=50, in_care_home=True), sg.HEALTHY),  # 65+ rule; a package is separate
        (Facts(age=70, emergency_admissions_12m=2), sg.HEALTHY),  # contacts are counted apart
        # priority: the earlier segment wins
        (
            Facts(age=85, dementia_or_severe_frailty_coded=True, dies_within_year=True),
            sg.END_OF_LIFE,
        ),
        (
            Facts(age=85, efi_deficits=14, organ_failure=True, emergency_admissions_12m=3),
            sg.FRAILTY_DEMENTIA,
        ),
        (
            Facts(age=30, disability_coded=True, organ_failure=True, emergency_admissions_12m=1),
            sg.LIMITED_RESERVE,
        ),
        (Facts(age=30, disability_coded=True, chronic_conditions=3), sg.DISABILITY),
        (Facts(age=30, chronic_conditions=1, maternity_12m=True), sg.CHRONIC),
        (Facts(age=0, hospital_contacts_12m=2), sg.MATERNAL_INFANT),
    ],
)
def test_segment_edges_and_priority(facts, expected):
    assert sg.segment(facts) == expected


def test_every_segment_has_a_label_and_a_documented_rule_in_priority_order():
    assert set(sg.ORDER) == set(sg.LABELS) == set(sg.RULES)
    assert sg.ORDER[-1] == sg.HEALTHY and len(sg.ORDER) == 8


facts = st.builds(
    Facts,
    age=st.integers(0, 110),
    efi_deficits=st.integers(0, 36),
    end_of_life_coded=st.booleans(),
    dies_within_year=st.booleans(),
    dementia_or_severe_frailty_coded=st.booleans(),
    in_care_home=st.booleans(),
    organ_failure=st.booleans(),
    emergency_admissions_12m=st.integers(0, 5),
    disability_coded=st.booleans(),
    long_term_care_package=st.booleans(),
    chronic_conditions=st.integers(0, 6),
    maternity_12m=st.booleans(),
    hospital_contacts_12m=st.integers(0, 5),
)


@settings(max_examples=500, deadline=None)
@given(facts)
def test_each_person_is_in_exactly_one_segment_the_first_whose_rule_they_meet(f):
    got = sg.segment(f)
    assert got in sg.ORDER
    met = [name for name, rule in sg.PRIORITY if rule(f)]
    assert got == (met[0] if met else sg.HEALTHY)
    # and no earlier segment's rule is met
    earlier = sg.ORDER[: sg.ORDER.index(got)]
    assert not any(rule(f) for name, rule in sg.PRIORITY if name in earlier)


@settings(max_examples=500, deadline=None)
@given(facts)
def test_people_whose_ages_fall_between_the_same_cuts_are_segmented_alike(f):
    # the engine segments each distinct set of facts once, with this representative age
    from dataclasses import replace

    assert sg.segment(replace(f, age=sg.representative_age(f.age))) == sg.segment(f)


@pytest.mark.parametrize(("age", "rep"), [(0, 0), (1, 1), (64, 1), (65, 65), (104, 65)])
def test_representative_age(age, rep):
    assert sg.representative_age(age) == rep
