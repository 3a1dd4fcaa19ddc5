"""Roles are plain classes listing permissions and the data categories they see by default
(no database rows), so that what a role may do is read in one place and reviewed like code.

Staff roles live in `ROLES` (the ones an administrator can assign). A person signed in to
their own record, or their chosen representative, acts under one of `PERSON_ROLES`: those
are never assigned to staff."""

from enum import StrEnum

from onestory.sources.domain.facts import (
    CATEGORIES,
    CHILDREN,
    CLINICAL,
    COMMUNITY_HEALTH,
    DEMOGRAPHICS,
    FINANCE,
    HOUSING_CATEGORY,
    MENTAL_HEALTH_CATEGORY,
    SAFEGUARDING,
    SEXUAL_HEALTH,
    SOCIAL_CARE,
    VOLUNTARY_CATEGORY,
)


class Permission(StrEnum):
    SEARCH_PEOPLE = "search_people"
    VIEW_RECORD = "view_record"
    JOIN_CARE_TEAM = "join_care_team"
    BREAK_GLASS = "break_glass"
    REVIEW_BREAK_GLASS = "review_break_glass"
    VIEW_IMPORT_PROBLEMS = "view_import_problems"
    RUN_IMPORTS = "run_imports"
    VIEW_AUDIT = "view_audit"
    ASSIGN_ROLES = "assign_roles"
    VIEW_AGGREGATES = "view_aggregates"
    # A person (or their representative) on their own record.
    VIEW_OWN_RECORD = "view_own_record"
    SET_SHARING_CHOICES = "set_sharing_choices"
    # Decide uncertain linkage pairs, merge and unmerge people (identity, issue 4).
    REVIEW_LINKAGE = "review_linkage"
    # Lead a multidisciplinary team (issue 8): see the case-finding worklist, take people
    # onto the MDT caseload, run meetings and assign actions. A function GPs and care
    # coordinators hold, not a role of its own.
    LEAD_MDT = "lead_mdt"
    # The care and support plan (planning, issue 6): read it, propose statements, goals and
    # reviews (staff), and confirm statements as the person's own words (the person or
    # their representative only).
    VIEW_PLAN = "view_plan"
    PROPOSE_PLAN = "propose_plan"
    CONFIRM_PLAN = "confirm_plan"
    # Build a person's budget, record its spend, decide direct-payment returns (issue 7).
    MANAGE_BUDGETS = "manage_budgets"
    # The "Who pays?" calculator: three funding policies compared for figures typed in and
    # never stored. Public policy, no personal data: direct-care staff and commissioners.
    USE_WHO_PAYS = "use_who_pays"
    # Run a Shared Lives scheme (issue 11): approve and review carers, refer people, match,
    # introduce and agree arrangements. Held by the council's adult social care staff.
    MANAGE_SHARED_LIVES = "manage_shared_lives"
    # The national view (issue 16): every partnership's published indicators compared, and
    # the integration model each partnership reported. Aggregates only; no person.
    VIEW_NATIONAL = "view_national"
    # Set up and keep the Better Care Fund plan: the section 75 agreement, contributions,
    # schemes and their spend, and the metrics' targets (issue 14). Commissioners only;
    # analysts read the plan with VIEW_AGGREGATES.
    MANAGE_BCF = "manage_bcf"
    # Keep the care market (issue 14): providers, services, contracts, decommissioning.
    # Commissioners only; analysts read the market through VIEW_AGGREGATES.
    MANAGE_MARKET = "manage_market"
    # Keep the initiative register and run evaluations of initiatives (issue 15):
    # aggregates only, for commissioners and analysts.
    MANAGE_INITIATIVES = "manage_initiatives"


class Role:
    code: str = ""
    label: str = ""
    permissions: frozenset[Permission] = frozenset()
    # What the role sees of a record it has a legitimate relationship with, before the
    # person's own refusals are taken away.
    categories: frozenset[str] = frozenset()
    # True when the role sees a person only once the person explicitly allowed sharing
    # with the role's organisation (the voluntary sector).
    needs_explicit_allow: bool = False

    @classmethod
    def has(cls, permission: Permission) -> bool:
        return permission in cls.permissions


_DIRECT_CARE = frozenset(
    {Permission.SEARCH_PEOPLE, Permission.VIEW_RECORD, Permission.JOIN_CARE_TEAM}
)
# Roles that give or plan care use the who-pays calculator.
_CARE_ROLE = frozenset({Permission.USE_WHO_PAYS})
_PLANNING = frozenset({Permission.VIEW_PLAN, Permission.PROPOSE_PLAN})
_EMERGENCY_CARE = _DIRECT_CARE | {Permission.BREAK_GLASS} | _PLANNING | _CARE_ROLE

# Health roles see the clinical side in full, sensitive categories included, and the care
# context around it (social care, housing, voluntary support, children's services);
# finance is for the council's own staff only.
_HEALTH_VIEW = frozenset(
    {
        DEMOGRAPHICS,
        CLINICAL,
        MENTAL_HEALTH_CATEGORY,
        SEXUAL_HEALTH,
        SAFEGUARDING,
        COMMUNITY_HEALTH,
        SOCIAL_CARE,
        CHILDREN,
        HOUSING_CATEGORY,
        VOLUNTARY_CATEGORY,
    }
)
# Social care sees conditions (clinical) to plan care, but not mental or sexual health.
_SOCIAL_CARE_VIEW = frozenset(
    {
        DEMOGRAPHICS,
        SOCIAL_CARE,
        CHILDREN,
        SAFEGUARDING,
        HOUSING_CATEGORY,
        VOLUNTARY_CATEGORY,
        COMMUNITY_HEALTH,
        CLINICAL,
    }
)


class GP(Role):
    code, label, categories = "gp", "GP", _HEALTH_VIEW
    permissions = _EMERGENCY_CARE | {Permission.LEAD_MDT}


class Nurse(Role):
    code, label, permissions, categories = "nurse", "Nurse", _EMERGENCY_CARE, _HEALTH_VIEW


class MentalHealthWorker(Role):
    code, label = "mental_health_worker", "Mental health worker"
    permissions, categories = _EMERGENCY_CARE, _HEALTH_VIEW


class SocialWorker(Role):
    code, label = "social_worker", "Social worker"
    permissions = _EMERGENCY_CARE | {Permission.MANAGE_BUDGETS, Permission.MANAGE_SHARED_LIVES}
    categories = _SOCIAL_CARE_VIEW | {FINANCE}


class CareCoordinator(Role):
    code, label = "care_coordinator", "Care coordinator"
    permissions = _EMERGENCY_CARE | {
        Permission.MANAGE_BUDGETS,
        Permission.LEAD_MDT,
        Permission.MANAGE_SHARED_LIVES,
    }
    categories = _SOCIAL_CARE_VIEW | {FINANCE}


class HousingOfficer(Role):
    """Sees who the person is and their housing, never a diagnosis."""

    code, label = "housing_officer", "Housing officer"
    permissions = _DIRECT_CARE | _PLANNING | _CARE_ROLE
    categories = frozenset({DEMOGRAPHICS, HOUSING_CATEGORY})


class VoluntaryWorker(Role):
    """Sees only what the person chose to share with their organisation."""

    code, label = "voluntary_worker", "Voluntary sector worker"
    permissions = _DIRECT_CARE | _PLANNING | _CARE_ROLE
    categories = frozenset({DEMOGRAPHICS, VOLUNTARY_CATEGORY})
    needs_explicit_allow = True


class Commissioner(Role):
    """Plans and buys services from aggregate figures; no person-level access."""

    code, label = "commissioner", "Commissioner"
    permissions = frozenset(
        {
            Permission.VIEW_AGGREGATES,
            Permission.USE_WHO_PAYS,
            Permission.MANAGE_BCF,
            Permission.MANAGE_MARKET,
            Permission.MANAGE_INITIATIVES,
        }
    )


class Analyst(Role):
    """Evaluates services from aggregate figures (excluding people who opted out of
    secondary use); no person-level access."""

    code, label = "analyst", "Analyst"
    permissions = frozenset(
        {Permission.VIEW_AGGREGATES, Permission.USE_WHO_PAYS, Permission.MANAGE_INITIATIVES}
    )


class NationalAnalyst(Role):
    """Compares partnerships and localities across the country from the indicators they
    publish (already suppressed), and records each partnership's integration model as it
    reports it; no person-level access and no partnership's own figures beyond those."""

    code, label = "national_analyst", "National analyst"
    permissions = frozenset({Permission.VIEW_NATIONAL})


class DataQualityOfficer(Role):
    """Resolves import problems and linkage queries: demographics only, and only with a
    legitimate relationship (joining the care team for the query, with a reason)."""

    code, label = "data_quality_officer", "Data-quality officer"
    permissions = _DIRECT_CARE | {
        Permission.VIEW_IMPORT_PROBLEMS,
        Permission.RUN_IMPORTS,
        Permission.REVIEW_LINKAGE,
    }
    categories = frozenset({DEMOGRAPHICS})


class PrivacyLead(Role):
    """Reviews break-glass access by their organisation's staff and reads the audit log;
    no record access by default."""

    code, label = "privacy_lead", "Privacy lead"
    permissions = frozenset({Permission.REVIEW_BREAK_GLASS, Permission.VIEW_AUDIT})


class Administrator(Role):
    """Assigns roles and organisations and runs imports; no record access."""

    code, label = "administrator", "Administrator"
    permissions = frozenset(
        {
            Permission.ASSIGN_ROLES,
            Permission.VIEW_IMPORT_PROBLEMS,
            Permission.RUN_IMPORTS,
            Permission.VIEW_AUDIT,
        }
    )


_OWN_RECORD = frozenset(
    {
        Permission.VIEW_OWN_RECORD,
        Permission.SET_SHARING_CHOICES,
        Permission.VIEW_PLAN,
        Permission.CONFIRM_PLAN,
    }
)


class PersonSelf(Role):
    """A person signed in to their own record: everything about them."""

    code, label, permissions, categories = (
        "person",
        "The person",
        _OWN_RECORD,
        frozenset(CATEGORIES),
    )


class Representative(Role):
    """Someone the person chose to act for them (a relative, an advocate)."""

    code, label = "representative", "Representative"
    permissions, categories = _OWN_RECORD, frozenset(CATEGORIES)


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
        Commissioner,
        Analyst,
        NationalAnalyst,
        DataQualityOfficer,
        PrivacyLead,
        Administrator,
    )
}
PERSON_ROLES: dict[str, type[Role]] = {r.code: r for r in (PersonSelf, Representative)}


def role_for(code: str) -> type[Role]:
    """The staff role with this code; ValueError naming the known roles otherwise."""
    try:
        return ROLES[code]
    except KeyError:
        raise ValueError(f"unknown role {code!r}; known roles: {', '.join(ROLES)}") from None


def any_role_for(code: str) -> type[Role] | None:
    """A staff or person role with this code, or None."""
    return ROLES.get(code) or PERSON_ROLES.get(code)
