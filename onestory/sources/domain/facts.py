"""What an adapter makes of one row of a source extract: plain, frozen facts, no Django.

Every adapter turns its file into `ParsedRow`s. A row with problems is quarantined whole
(nothing from it is stored) and the problems name the field and the reason; the importer
names the file and the row.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

# Source kinds: one adapter each.
GP = "gp"
ACUTE = "acute"
MENTAL_HEALTH = "mental_health"
COMMUNITY = "community"
ADULT_SOCIAL_CARE = "adult_social_care"
CHILDRENS_SERVICES = "childrens_services"
HOUSING = "housing"
VOLUNTARY = "voluntary"
SOURCE_KINDS = (
    GP,
    ACUTE,
    MENTAL_HEALTH,
    COMMUNITY,
    ADULT_SOCIAL_CARE,
    CHILDRENS_SERVICES,
    HOUSING,
    VOLUNTARY,
)
SOURCE_KIND_LABELS = {
    GP: "GP practice",
    ACUTE: "Acute hospital",
    MENTAL_HEALTH: "Mental health trust",
    COMMUNITY: "Community health",
    ADULT_SOCIAL_CARE: "Adult social care",
    CHILDRENS_SERVICES: "Children's services",
    HOUSING: "Housing",
    VOLUNTARY: "Voluntary sector",
}

# Data categories: every timeline entry carries one, and the access policy decides which
# categories each role sees (onestory.access.domain.roles) and which the person refused.
DEMOGRAPHICS = "demographics"
CLINICAL = "clinical"
MENTAL_HEALTH_CATEGORY = "mental_health"
SEXUAL_HEALTH = "sexual_health"
SAFEGUARDING = "safeguarding"
COMMUNITY_HEALTH = "community_health"
SOCIAL_CARE = "social_care"
CHILDREN = "children"
HOUSING_CATEGORY = "housing"
VOLUNTARY_CATEGORY = "voluntary"
FINANCE = "finance"
CATEGORIES = (
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
    FINANCE,
)
# Categories a person may refuse to share, with everyone or with one organisation.
SENSITIVE_CATEGORIES = frozenset({MENTAL_HEALTH_CATEGORY, SEXUAL_HEALTH, SAFEGUARDING})
# The category of what each kind of source system holds as a whole: knowing that a mental
# health trust holds a record is itself mental health information.
SOURCE_KIND_CATEGORY = {
    GP: CLINICAL,
    ACUTE: CLINICAL,
    MENTAL_HEALTH: MENTAL_HEALTH_CATEGORY,
    COMMUNITY: COMMUNITY_HEALTH,
    ADULT_SOCIAL_CARE: SOCIAL_CARE,
    CHILDRENS_SERVICES: CHILDREN,
    HOUSING: HOUSING_CATEGORY,
    VOLUNTARY: VOLUNTARY_CATEGORY,
}


@dataclass(frozen=True)
class System:
    """The organisation and system a row came from."""

    kind: str
    org_code: str
    org_name: str

    @property
    def code(self) -> str:
        return f"{self.kind}:{self.org_code}"


@dataclass(frozen=True)
class PersonFacts:
    """A person as one source system holds them. `local_id` is unique within the system."""

    local_id: str
    nhs_number: str = ""
    given_name: str = ""
    family_name: str = ""
    date_of_birth: date | None = None
    birth_year: int | None = None  # partial dates of birth (voluntary sector)
    birth_month: int | None = None
    sex: str = ""  # "female", "male", "unknown" or ""
    postcode: str = ""
    address: str = ""
    phone: str = ""


@dataclass(frozen=True)
class EventFacts:
    """One entry on the person's timeline."""

    local_id: str  # unique within the system
    kind: str  # e.g. condition, encounter, admission, ae_attendance, referral, service …
    category: str  # one of CATEGORIES
    title: str  # a short human summary, shown on the timeline
    start: date | None
    end: date | None = None
    status: str = ""
    code: str = ""
    code_system: str = ""
    code_display: str = ""
    practitioner: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RelationshipFacts:
    """A relationship the source records between this person and another.

    `related_local_id` names another person in the same system when the source knows them;
    otherwise `related_name` holds what the source wrote."""

    relationship: str  # carer, cared_for, parent, child, partner, household_member, next_of_kin
    related_local_id: str = ""
    related_name: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    field: str
    reason: str


@dataclass
class ParsedRow:
    """One row (or one FHIR resource entry) of an extract."""

    row: int  # 1-based row number as a person would count it (CSV: line number; FHIR: entry)
    raw: dict[str, Any]
    system: System | None = None
    person: PersonFacts | None = None
    events: list[EventFacts] = field(default_factory=list)
    relationships: list[RelationshipFacts] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems
