"""The demo's plans and budgets follow each person's own record: no condition they do not
have, no "staying at home" for someone in a care home, and budgets that differ."""

import re

import pytest

from onestory.planning.demo_story import (
    CONDITION_WORDS,
    NURSING,
    RESIDENTIAL,
    Profile,
    budget_lines,
    goals,
    needs_answers,
    rewrite,
    statements,
)

# Words that name a condition in plain English, and the GP record's name they stand for,
# written out here (not taken from the module) so that a new sentence naming a condition is
# caught.
NAMED_IN_TEXT = {
    r"\bdiabet": "Diabetes mellitus type 2",
    r"\bCOPD\b|\blung disease": "Chronic obstructive lung disease",
    r"\bdementia": "Dementia",
    r"\bheart failure": "Heart failure",
    r"\barthritis": "Osteoarthritis",
    r"\bosteoporosis": "Osteoporosis",
    r"\bparkinson": "Parkinson's disease",
    r"\bstroke": "Cerebrovascular accident",
    r"\batrial fibrillation": "Atrial fibrillation",
    r"\bdepression": "Depressive disorder",
    r"\bincontinence": "Urinary incontinence",
    r"\bhearing loss": "Hearing loss",
}

PROFILES = {
    "nursing, dementia": Profile(
        conditions=("Dementia", "Hypertensive disorder", "Osteoporosis"),
        setting=NURSING,
        service="Nursing care",
        weekly_cost_pence=122_700,
    ),
    "residential, no conditions named": Profile(
        conditions=("Hypertensive disorder",), setting=RESIDENTIAL, service="Residential care"
    ),
    "home care, carer, COPD": Profile(
        conditions=("Chronic obstructive lung disease", "Diabetes mellitus type 2"),
        service="Home care",
        weekly_cost_pence=22_050,
        hours_per_week=9,
        carer="Steven",
        carer_relationship="partner",
    ),
    "home, falls, alone": Profile(
        conditions=("Falls", "Osteoarthritis", "Depressive disorder"),
        service="Home care",
        hours_per_week=5,
        recent_admission=True,
    ),
}


def _all_text(profile: Profile, seed: int) -> str:
    parts = list(statements(profile, seed).values())
    parts += [g.text for g in goals(profile)]
    parts += [line.description for line in budget_lines(profile)]
    parts.append(rewrite(profile)[1])
    return " ".join(parts)


@pytest.mark.parametrize("name", PROFILES)
@pytest.mark.parametrize("seed", range(4))
def test_story_names_only_conditions_the_person_has(name, seed):
    profile = PROFILES[name]
    text = _all_text(profile, seed)
    for pattern, condition in NAMED_IN_TEXT.items():
        if re.search(pattern, text, re.IGNORECASE):
            assert profile.has(condition), f"{name}: names {condition} ({pattern})"


def test_every_condition_the_story_can_name_is_checked_above():
    names = {words for words, _ in CONDITION_WORDS.values()}
    checked = {condition for condition in NAMED_IN_TEXT.values()}
    unchecked = {c for c in CONDITION_WORDS if c not in checked}
    # Falls, sight and hearing are named as what happens, checked through the profiles.
    assert unchecked <= {"Falls", "Visual impairment"}, unchecked
    assert names


@pytest.mark.parametrize("name", [n for n, p in PROFILES.items() if p.in_placement])
def test_care_home_resident_gets_no_staying_at_home_or_home_care(name):
    profile = PROFILES[name]
    text = _all_text(profile, 0).lower()
    assert "own home" not in text and "staying at home" not in text
    assert "home care" not in text and "corner shop" not in text
    assert all("Home care" not in line.description for line in budget_lines(profile))


def test_person_at_home_with_a_carer_hears_about_their_carer_and_their_home():
    profile = PROFILES["home care, carer, COPD"]
    said = statements(profile)
    assert "Steven" in said["network"] and "partner" in said["network"]
    assert "9 hours a week" in said["support_me"]
    assert "own home" in said["matters"]
    assert "COPD" in said["needs"] and "diabetes" in said["needs"]


def test_budgets_differ_between_people():
    answers = {name: tuple(sorted(needs_answers(p).items())) for name, p in PROFILES.items()}
    lines = {name: tuple(budget_lines(p)) for name, p in PROFILES.items()}
    assert len(set(answers.values())) == len(PROFILES)
    assert len(set(lines.values())) >= 3


def test_person_with_no_service_is_not_said_to_have_carers_coming():
    profile = Profile(conditions=("Dementia",), carer="Samantha", carer_relationship="daughter")
    said = statements(profile)
    assert "Carers come" not in said["support_me"] and "Samantha" in said["support_me"]
    council = budget_lines(profile)[0]
    assert "Samantha" in council.description and "Home care" not in council.description
