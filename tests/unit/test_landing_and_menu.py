"""Each role's landing page and menu, derived from its permissions; small-number
suppression of aggregate counts."""

import pytest

from onestory.access.domain.roles import PERSON_ROLES, ROLES
from onestory.home.domain.menu import MENU, landing_for, menu_for
from onestory.home.domain.small_numbers import THRESHOLD, suppress

LANDINGS = {
    "gp": "search",
    "nurse": "search",
    "social_worker": "search",
    "care_coordinator": "search",
    "mental_health_worker": "search",
    "housing_officer": "search",
    "voluntary_worker": "search",
    "commissioner": "overview",
    "analyst": "overview",
    "national_analyst": "national",
    "data_quality_officer": "identity-review",
    "privacy_lead": "break-glass-queue",
    "administrator": "staff-list",
    "person": "portal-home",
    "representative": "portal-home",
}


def test_landing_for_every_role_is_its_own_page():
    assert set(LANDINGS) == set(ROLES) | set(PERSON_ROLES)
    for code, role in {**ROLES, **PERSON_ROLES}.items():
        assert landing_for(role) == LANDINGS[code], code


def test_landing_for_unknown_role_is_none():
    assert landing_for(None) is None


@pytest.mark.parametrize("code", sorted({**ROLES, **PERSON_ROLES}))
def test_menu_for_role_holds_its_landing_page_and_only_permitted_links(code):
    role = {**ROLES, **PERSON_ROLES}[code]
    entries = menu_for(role)
    assert LANDINGS[code] in [e.url_name for e in entries]
    assert all(role.has(e.permission) for e in entries)
    assert [e for e in MENU if e in entries] == entries  # menu order kept


def test_menu_for_commissioner_has_no_person_level_page():
    labels = [e.label for e in menu_for(ROLES["commissioner"])]
    assert labels == [
        "Partnership overview",
        "Plans in people's own words",
        "Better Care Fund metrics",
        "Better Care Fund plan",
        "Integration model",
        "Care market",
        "Indicators",
        "Initiatives",
        "Who pays?",
    ]


def test_pooled_budgets_in_menu_only_for_roles_that_hold_budgets():
    with_it = {
        code
        for code, role in ROLES.items()
        if "Pooled budgets" in {e.label for e in menu_for(role)}
    }
    assert with_it == {"social_worker", "care_coordinator"}


def test_who_pays_in_menu_for_care_roles_and_commissioners_only():
    with_it = {
        code for code, role in ROLES.items() if "Who pays?" in {e.label for e in menu_for(role)}
    }
    assert with_it == set(ROLES) - {
        "data_quality_officer",
        "privacy_lead",
        "administrator",
        "national_analyst",
    }


@pytest.mark.parametrize(
    "n, shown, suppressed",
    [
        (0, "0", False),
        (1, "fewer than 8", True),
        (7, "fewer than 8", True),
        (8, "8", False),
        (12345, "12,345", False),
    ],
)
def test_suppress_hides_counts_from_one_to_seven(n, shown, suppressed):
    count = suppress(n)
    assert str(count) == shown
    assert count.suppressed is suppressed
    assert THRESHOLD == 8


def test_suppress_refuses_a_negative_count():
    with pytest.raises(ValueError, match="negative"):
        suppress(-1)
