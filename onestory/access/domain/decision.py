"""The access rule itself, as a pure function of facts the policy gathers from the database.

Kept apart from Django so that every combination (role × relationship × the person's
choices) can be tested quickly and read in one place."""

from dataclasses import dataclass, field
from datetime import date

from onestory.access.domain.roles import Permission, any_role_for
from onestory.sources.domain.episodes import is_open
from onestory.sources.domain.facts import SENSITIVE_CATEGORIES

# Bases for access (AccessDecision.basis).
CARE_TEAM = "care_team"
OPEN_EPISODE = "open_episode"
BREAK_GLASS = "break_glass"
OWN_RECORD = "own_record"
REPRESENTATIVE = "representative"

# Why access was refused (AccessDecision.reason): codes for the audit log, never shown
# with anything about the person.
NO_RECORD_ACCESS = "role_has_no_record_access"
REFUSED_BY_PERSON = "refused_by_person"
NOT_SHARED = "not_shared_with_organisation"
NO_RELATIONSHIP = "no_legitimate_relationship"
NOT_THEIR_RECORD = "not_their_record"
OTHER_PARTNERSHIP = "other_partnership"  # no relationship, and the person is another's (ADR 0026)

# Event kinds that make the organisation holding them part of the person's care while
# they are open: referrals, services, placements, tenancies, housing duties, hospital
# stays, assessments and children's plans.
EPISODE_KINDS = frozenset(
    {
        "referral",
        "service",
        "placement",
        "request",
        "assessment",
        "review",
        "tenancy",
        "homelessness",
        "admission",
        "child_in_need",
        "child_protection_plan",
        "ehcp",
        "social_prescribing",
    }
)


@dataclass(frozen=True)
class AccessDecision:
    """Whether the actor may see the person's record, on what basis, and which data
    categories. `refused_by_person` says the person's own choice is why (so no action
    such as break-glass can help); `reason` is a code for the audit log."""

    allowed: bool
    basis: str = ""
    categories: frozenset[str] = frozenset()
    refused_by_person: bool = False
    reason: str = ""


@dataclass(frozen=True)
class AccessFacts:
    """What the database says about one actor and one person."""

    role: str
    own_record: bool = False
    representative: bool = False
    care_team: bool = False
    open_episode: bool = False
    break_glass: bool = False
    organisation_refused: bool = False
    organisation_allowed: bool = False
    # The person belongs only to partnerships other than the actor's (ADR 0026): without a
    # relationship nothing of them is shown, not even in search or counts.
    other_partnership: bool = False
    # Sensitive categories the person refused for the actor's organisation (or for
    # everyone, unless allowed for this organisation specifically).
    refused_categories: frozenset[str] = field(default_factory=frozenset)


def decide_from(facts: AccessFacts) -> AccessDecision:
    """The decision for these facts.

    The person and their representative always see the whole record. Staff need a role
    that views records, no refusal of their organisation by the person (which blocks
    break-glass too: the law's overriding duties are outside this system), an explicit
    allow when their role needs one (the voluntary sector), and a legitimate relationship:
    care team, open episode or unexpired break-glass (a person of another partnership is
    reached only through one of these). They then see their role's default
    categories less any sensitive category the person refused."""
    role = any_role_for(facts.role)
    if role is not None and role.has(Permission.VIEW_OWN_RECORD):
        if facts.own_record:
            return AccessDecision(True, OWN_RECORD, role.categories)
        if facts.representative:
            return AccessDecision(True, REPRESENTATIVE, role.categories)
        return AccessDecision(False, reason=NOT_THEIR_RECORD)
    if role is None or not role.has(Permission.VIEW_RECORD):
        return AccessDecision(False, reason=NO_RECORD_ACCESS)
    if facts.organisation_refused:
        return AccessDecision(False, refused_by_person=True, reason=REFUSED_BY_PERSON)
    if role.needs_explicit_allow and not facts.organisation_allowed:
        return AccessDecision(False, reason=NOT_SHARED)
    if facts.care_team:
        basis = CARE_TEAM
    elif facts.open_episode:
        basis = OPEN_EPISODE
    elif facts.break_glass:
        basis = BREAK_GLASS
    else:
        reason = OTHER_PARTNERSHIP if facts.other_partnership else NO_RELATIONSHIP
        return AccessDecision(False, reason=reason)
    refused = facts.refused_categories & SENSITIVE_CATEGORIES
    return AccessDecision(True, basis, frozenset(role.categories - refused))


def refused_categories(
    choices: list[tuple[str | None, str, str]], organisation: str
) -> frozenset[str]:
    """Sensitive categories refused for `organisation`, from (organisation code or None,
    category, decision) choices: an organisation's own choice for a category beats the
    person's choice for everyone."""
    everyone: dict[str, str] = {}
    this_org: dict[str, str] = {}
    for org, category, decision in choices:
        if not category:
            continue
        if org is None:
            everyone[category] = decision
        elif org == organisation:
            this_org[category] = decision
    merged = {**everyone, **this_org}
    return frozenset(c for c, d in merged.items() if d == "refuse" and c in SENSITIVE_CATEGORIES)


def episode_is_open(kind: str, end: date | None, status: str, today: date) -> bool:
    """An episode of one of EPISODE_KINDS counts while it is open (the platform's one rule,
    `sources.domain.episodes.is_open`)."""
    return kind in EPISODE_KINDS and is_open(end, status, today)
