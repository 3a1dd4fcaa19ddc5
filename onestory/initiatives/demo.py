"""An example initiative in the demo's register: MDT case management in Ashbridge North,
compared with Ashbridge South. Created once; a second `make demo` finds it by name and
changes nothing (no audit event)."""

from dataclasses import dataclass

from django.utils import timezone

from onestory.initiatives import actions
from onestory.initiatives.domain import quarters
from onestory.initiatives.models import Initiative

NAME = "Ashbridge North MDT case management"


@dataclass(frozen=True)
class DemoInitiative:
    created: bool
    name: str = NAME


def create_demo_initiative(*, by) -> DemoInitiative:
    from onestory.places.models import Locality

    if Initiative.objects.filter(name=NAME).exists():
        return DemoInitiative(created=False)
    if not Locality.objects.filter(code="ASH-N").exists():
        return DemoInitiative(created=False, name="")
    today = timezone.localdate()
    start = quarters.first_day(quarters.of(today.replace(year=today.year - 1)))
    actions.create_initiative(
        actions.InitiativeInput(
            name=NAME,
            kind="mdt_case_management",
            aims=(
                "Find people at risk of an emergency admission (electronic Frailty Index, "
                "risk model) and plan their care in a weekly multidisciplinary meeting, so "
                "that fewer of them are admitted in an emergency."
            ),
            starts_on=start,
            people_reached=240,
            cost_pence=18_500_000,
            indicators=["emergency_admissions", "ae_attendances"],
            status="running",
            learned=(
                "Early days. GP attendance at the meeting mattered most; evaluate against "
                "Ashbridge South before deciding whether to scale up."
            ),
            places=[("ASH-N", quarters.of(start))],
        ),
        by=by,
    )
    return DemoInitiative(created=True)
