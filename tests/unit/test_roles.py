import pytest

from onestory.access.domain.roles import ROLES, Permission, role_for


def test_every_role_can_search_and_view_records():
    for role in ROLES.values():
        assert role.has(Permission.SEARCH_PEOPLE) and role.has(Permission.VIEW_RECORD)


def test_only_data_quality_and_admin_see_import_problems():
    allowed = {code for code, r in ROLES.items() if r.has(Permission.VIEW_IMPORT_PROBLEMS)}
    assert allowed == {"data_quality_officer", "administrator"}


def test_role_for_unknown_code_names_the_known_roles():
    with pytest.raises(ValueError, match="social_worker"):
        role_for("wizard")
