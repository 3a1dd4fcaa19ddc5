"""What may be named to someone: the one category rule for every place that names an
organisation, team, role or service (the care team card, who is involved, the household,
"known to N systems", search counts, FHIR exports), and what a search may show about a
person the searcher has no relationship with (ADR 0011).

Naming a service is information in its own right: that a mental health trust holds a record,
or that a mental health worker is in the care team, is mental health information. So each
thing that names a service belongs to a data category, and it is named only when the
category is not sensitive or the viewer sees that category. Pure, no Django."""

from collections.abc import Iterable
from dataclasses import dataclass

from onestory.sources.domain.facts import (
    CATEGORIES,
    CHILDREN,
    CLINICAL,
    COMMUNITY_HEALTH,
    HOUSING_CATEGORY,
    MENTAL_HEALTH_CATEGORY,
    SENSITIVE_CATEGORIES,
    SOCIAL_CARE,
    SOURCE_KIND_CATEGORY,
    VOLUNTARY_CATEGORY,
)

# The category of what each kind of organisation is (access.models.OrganisationKind).
ORGANISATION_KIND_CATEGORY = {
    "gp_practice": CLINICAL,
    "acute_trust": CLINICAL,
    "mental_health_trust": MENTAL_HEALTH_CATEGORY,
    "community_provider": COMMUNITY_HEALTH,
    "adult_social_care": SOCIAL_CARE,
    "childrens_services": CHILDREN,
    "housing": HOUSING_CATEGORY,
    "voluntary": VOLUNTARY_CATEGORY,
    "shared_lives": SOCIAL_CARE,
}

# Roles whose very title is sensitive information (a "Mental health worker" in the care
# team says the person has mental health care).
ROLE_CATEGORY = {"mental_health_worker": MENTAL_HEALTH_CATEGORY}


def may_name(category: str, seen: Iterable[str]) -> bool:
    """True when something of `category` may be named to a viewer who sees the categories
    `seen`: anything not sensitive, and a sensitive category only when it is seen."""
    return category not in SENSITIVE_CATEGORIES or category in frozenset(seen)


def source_kind_category(kind: str) -> str:
    """The category of a source system's kind ("mental_health" → mental health)."""
    return SOURCE_KIND_CATEGORY.get(kind, "")


def may_name_source(kind: str, seen: Iterable[str]) -> bool:
    """True when a source system of `kind` may be named (or counted) to the viewer."""
    return may_name(source_kind_category(kind), seen)


def care_team_member_category(organisation_kind: str, staff_role: str = "") -> str:
    """The category naming a care-team member reveals: the sensitive one of their role and
    their organisation's kind when either is sensitive, otherwise the organisation's."""
    by_role = ROLE_CATEGORY.get(staff_role, "")
    by_org = ORGANISATION_KIND_CATEGORY.get(organisation_kind, "")
    if by_role in SENSITIVE_CATEGORIES:
        return by_role
    return by_org


def may_name_care_team_member(organisation_kind: str, staff_role: str, seen: Iterable[str]) -> bool:
    return may_name(care_team_member_category(organisation_kind, staff_role), seen)


# ---------------------------------------------------------------------------- withheld

ROLE_DOES_NOT_SEE = "role"
PERSON_CHOSE = "person_choice"


@dataclass(frozen=True)
class Withheld:
    """A data category not shown to the viewer, and why: their role does not see it, or
    the person chose not to share it. Says nothing about whether or how much is held."""

    category: str
    reason: str  # ROLE_DOES_NOT_SEE or PERSON_CHOSE


def withheld_categories(role_sees: Iterable[str], allowed: Iterable[str]) -> tuple[Withheld, ...]:
    """Every category outside what the viewer is allowed, with the reason: outside their
    role's default view, or refused by the person. Depends only on the decision, never on
    what the record holds, so it reveals nothing about the person's data."""
    role = frozenset(role_sees)
    ok = frozenset(allowed)
    return tuple(
        Withheld(c, ROLE_DOES_NOT_SEE if c not in role else PERSON_CHOSE)
        for c in CATEGORIES
        if c not in ok
    )


# ---------------------------------------------------------------------------- search

# What a search result may be, for the searcher (ADR 0011).
WITH_ACCESS = "access"  # a relationship: the result shows enough to tell people apart
IDENTITY_ONLY = "identity_only"  # no relationship, may join or break glass: name and birth
NOT_SHARED_WITH_YOU = "not_shared"  # the person refused the searcher's organisation
HIDDEN = "hidden"  # not listed, not counted


def search_standing(
    *,
    has_access: bool,
    refused_by_person: bool,
    needs_explicit_allow: bool,
    allowed_by_person: bool,
    may_join_or_break_glass: bool,
    precise: bool,
    other_partnership: bool = False,
) -> str:
    """How one matching person appears in someone's search results.

    With a relationship they are listed in full. Without one, only a precise query (an NHS
    number, or a name with a full date of birth) by a role that may join the care team or
    break glass lists them, and then with their name and year of birth only, to confirm who
    they are. A person who refused the searcher's organisation appears, on a precise query,
    only as "chose not to share with your organisation" (no name, no link). A role that
    needs the person's explicit allow (the voluntary sector) sees nobody else. A person of
    another partnership (ADR 0026) appears only to someone with a relationship, and never
    as "chose not to share"."""
    if other_partnership and (refused_by_person or not has_access):
        return HIDDEN
    if refused_by_person:
        return NOT_SHARED_WITH_YOU if precise else HIDDEN
    if needs_explicit_allow and not allowed_by_person:
        return HIDDEN
    if has_access:
        return WITH_ACCESS
    if precise and may_join_or_break_glass:
        return IDENTITY_ONLY
    return HIDDEN
