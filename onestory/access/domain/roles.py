"""Roles are plain classes listing permissions (no database rows), so that what a role may
do is read in one place and reviewed like code."""

from enum import StrEnum


class Permission(StrEnum):
    SEARCH_PEOPLE = "search_people"
    VIEW_RECORD = "view_record"
    VIEW_IMPORT_PROBLEMS = "view_import_problems"
    RUN_IMPORTS = "run_imports"
    VIEW_AUDIT = "view_audit"


class Role:
    code: str = ""
    label: str = ""
    permissions: frozenset[Permission] = frozenset()

    @classmethod
    def has(cls, permission: Permission) -> bool:
        return permission in cls.permissions


_CLINICAL = frozenset({Permission.SEARCH_PEOPLE, Permission.VIEW_RECORD})


class GP(Role):
    code, label, permissions = "gp", "GP", _CLINICAL


class Nurse(Role):
    code, label, permissions = "nurse", "Nurse", _CLINICAL


class SocialWorker(Role):
    code, label, permissions = "social_worker", "Social worker", _CLINICAL


class CareCoordinator(Role):
    code, label, permissions = "care_coordinator", "Care coordinator", _CLINICAL


class MentalHealthWorker(Role):
    code, label, permissions = "mental_health_worker", "Mental health worker", _CLINICAL


class HousingOfficer(Role):
    code, label, permissions = "housing_officer", "Housing officer", _CLINICAL


class VoluntaryWorker(Role):
    code, label, permissions = "voluntary_worker", "Voluntary sector worker", _CLINICAL


class DataQualityOfficer(Role):
    code, label = "data_quality_officer", "Data-quality officer"
    permissions = _CLINICAL | {Permission.VIEW_IMPORT_PROBLEMS, Permission.RUN_IMPORTS}


class Administrator(Role):
    code, label = "administrator", "Administrator"
    permissions = frozenset(Permission)


ROLES: dict[str, type[Role]] = {
    r.code: r
    for r in (
        GP,
        Nurse,
        SocialWorker,
        CareCoordinator,
        MentalHealthWorker,
        HousingOfficer,
        VoluntaryWorker,
        DataQualityOfficer,
        Administrator,
    )
}


def role_for(code: str) -> type[Role]:
    try:
        return ROLES[code]
    except KeyError:
        raise ValueError(f"unknown role {code!r}; known roles: {', '.join(ROLES)}") from None
