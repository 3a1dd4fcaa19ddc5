import pytest

from onestory.access.domain.roles import ROLES, Permission, role_for


def test_roles_that_view_records_can_also_search():
    for role in ROLES.values():
        if role.has(Permission.VIEW_RECORD):
            assert role.has(Permission.SEARCH_PEOPLE)


def test_roles_without_person_level_access_view_no_record():
    no_records = {code for code, r in ROLES.items() if not r.has(Permission.VIEW_RECORD)}
    assert no_records == {
        "commissioner",
        "analyst",
        "national_analyst",
        "privacy_lead",
        "administrator",
    }


def test_only_data_quality_and_admin_see_import_problems():
    allowed = {code for code, r in ROLES.items() if r.has(Permission.VIEW_IMPORT_PROBLEMS)}
    assert allowed == {"data_quality_officer", "administrator"}


def test_role_for_unknown_code_names_the_known_roles():
    with pytest.raises(ValueError, match="social_worker"):
        role_for("wizard")
