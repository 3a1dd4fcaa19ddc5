"""The demo borough's care plans: a share of people with open adult social-care services,
with a mix of provenance, built through the actions."""

from datetime import date

import pytest

from onestory.audit.domain.actor import Actor
from onestory.planning.demo import create_demo_plans
from onestory.planning.models import Plan, PlanStatement
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_create_demo_plans_gives_a_share_of_people_with_care_needs_mixed_provenance():
    asc = f.source_system("adult_social_care", "E08000035", "Leeds City Council")
    org = f.organisation("E08000035", "Leeds City Council", "adult_social_care")
    f.user("socialworker.demo", role="social_worker", org=org)
    f.user("carecoordinator.demo", role="care_coordinator", org=org)
    people = []
    for i in range(10):
        record = f.source_record(asc, given_name=f"Person{i}", family_name="Demo")
        f.source_event(record, kind="service", category="social_care", title="Home care")
        people.append(f.linked_person(record))
    f.linked_person(f.source_record(f.source_system("gp", "B1", "Surgery")))  # no care needs

    result = create_demo_plans(by=Actor.system("demo"))

    assert result.plans == Plan.objects.count() == 6
    assert result.own_words > 0 and result.on_behalf > 0 and result.drafts > 0
    # Nobody's plan says something in their words they did not confirm.
    for s in PlanStatement.objects.filter(status="confirmed"):
        assert s.confirmed_by_kind in ("person", "representative") and s.confirmed_text == s.text
    assert Plan.objects.filter(coordinator__isnull=False, next_review_on__isnull=False).exists()
    # Safe to repeat.
    assert create_demo_plans(by=Actor.system("demo")).plans == 6


def _placement_person():
    gp = f.source_system("gp", "Y02101", "Ashbridge Health Centre")
    asc = f.source_system("adult_social_care", "E08000999", "Ashbridge Council")
    gp_record = f.source_record(gp, given_name="Joyce", family_name="Cook")
    for name, status in (("Dementia", "active"), ("Osteoporosis", "active"), ("Falls", "resolved")):
        f.source_event(gp_record, kind="condition", code_display=name, status=status, title=name)
    f.source_event(gp_record, kind="condition", code_display="Asthma", status="active")
    asc_record = f.source_record(asc, given_name="Joyce", family_name="Cook")
    for service_type, component, end in (
        ("Short Term Support: Reablement", "Reablement", date(2026, 4, 16)),
        ("Long Term Support: Nursing", "Nursing care", None),
    ):
        f.source_event(
            asc_record,
            kind="service",
            category="social_care",
            title=component,
            end=end,
            details={
                "client_type": "service_user",
                "service_type": service_type,
                "service_component": component,
                "weekly_cost_pence": 122_700,
            },
        )
    return f.linked_person(gp_record, asc_record)


def test_person_profile_reads_conditions_and_placement_from_the_record():
    from onestory.planning.demo import person_profile

    profile = person_profile(_placement_person())

    assert profile.conditions == ("Asthma", "Dementia", "Osteoporosis")  # not resolved falls
    assert (profile.setting, profile.service, profile.weekly_cost_pence) == (
        "nursing",
        "Nursing care",
        122_700,
    )


def test_demo_plan_for_a_nursing_home_resident_says_nothing_of_staying_at_home():
    from onestory.demo import ExamplePerson

    person = _placement_person()
    org = f.organisation("E08000999", "Ashbridge Council", "adult_social_care")
    f.user("socialworker.demo", role="social_worker", org=org)
    f.user("carecoordinator.demo", role="care_coordinator", org=org)

    create_demo_plans([ExamplePerson(person.pk, "Joyce Cook", None, 2, 5)], by=Actor.system("demo"))

    text = " ".join(
        PlanStatement.objects.filter(plan__person=person).values_list("text", flat=True)
    )
    assert text, "the example person has a plan"
    assert "own home" not in text.lower() and "staying at home" not in text.lower()
    assert "dementia" in text.lower()
    assert "diabetes" not in text.lower() and "copd" not in text.lower()
