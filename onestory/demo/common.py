"""What every step of `onestory demo` shares: the demo password, the logins it makes (one
per role), the shapes it returns and the guard that keeps it out of production."""

from dataclasses import dataclass
from datetime import date

# The one password every demo login shares: shown on screen by `onestory demo`. Demo only:
# `create_demo_logins` refuses to run outside ONESTORY_ENV=demo (or the tests).
DEMO_PASSWORD = "onestory-demo"
COMMISSIONER_CODE = "DEMO-ICB"
COMMISSIONER_NAME = "Demo Borough Health and Care Partnership (commissioner)"

# SourceSystem.kind -> OrganisationKind value.
ORGANISATION_KIND_FOR_SOURCE = {
    "gp": "gp_practice",
    "acute": "acute_trust",
    "mental_health": "mental_health_trust",
    "community": "community_provider",
    "adult_social_care": "adult_social_care",
    "childrens_services": "childrens_services",
    "housing": "housing",
    "voluntary": "voluntary",
}

# One login per role: (username, role code, source kind of the organisation they work in,
# job title). `None` for the kind means the commissioner.
DEMO_STAFF = (
    ("gp.demo", "gp", "gp", "GP partner"),
    ("nurse.demo", "nurse", "community", "District nurse"),
    ("socialworker.demo", "social_worker", "adult_social_care", "Social worker"),
    ("carecoordinator.demo", "care_coordinator", "adult_social_care", "Care coordinator"),
    ("mentalhealth.demo", "mental_health_worker", "mental_health", "Community psychiatric nurse"),
    ("housing.demo", "housing_officer", "housing", "Tenancy sustainment officer"),
    ("voluntary.demo", "voluntary_worker", "voluntary", "Social prescribing link worker"),
    ("dq.demo", "data_quality_officer", None, "Data-quality officer"),
    ("commissioner.demo", "commissioner", None, "Commissioning manager"),
    ("analyst.demo", "analyst", None, "Population health analyst"),
    ("national.demo", "national_analyst", None, "National integration analyst"),
    # The GP practice's privacy lead reviews the GP login's break-glass access.
    ("privacy.demo", "privacy_lead", "gp", "Practice privacy lead"),
    ("admin.demo", "administrator", None, "System administrator"),
)

# Synthetic first and last names for the demo logins, shown to people in "who has looked
# at my record" with the job title above.
DEMO_STAFF_NAMES = {
    "gp.demo": ("Owen", "Gupta"),
    "nurse.demo": ("Grace", "Adeyemi"),
    "socialworker.demo": ("Priya", "Shah"),
    "carecoordinator.demo": ("Tom", "Whitaker"),
    "mentalhealth.demo": ("Niamh", "Byrne"),
    "housing.demo": ("Daniel", "Okafor"),
    "voluntary.demo": ("Helen", "Marsh"),
    "dq.demo": ("Sam", "Lowe"),
    "commissioner.demo": ("Rachel", "Iqbal"),
    "analyst.demo": ("Ben", "Carter"),
    "national.demo": ("Aisha", "Patel"),
    "privacy.demo": ("Fatima", "Hussain"),
    "admin.demo": ("Chris", "Ellis"),
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    organisation: str


@dataclass(frozen=True)
class PersonLogin:
    """A person-portal sign-in for one of the example people (demo only)."""

    username: str
    password: str
    name: str
    acting_as: str


@dataclass(frozen=True)
class ExamplePerson:
    person_id: int
    name: str
    date_of_birth: date | None
    systems: int
    events: int


def _require_demo_environment() -> None:
    from django.conf import settings

    if settings.ENV not in {"demo", "test"}:
        raise SystemExit(
            "Refusing: demo logins share a published password. "
            "Run with ONESTORY_ENV=demo (make demo does)."
        )


def demo_actor():
    from onestory.audit.domain.actor import Actor

    return Actor.system("demo", channel="cli")
