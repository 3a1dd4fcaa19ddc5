"""The demo borough's care plans: a share of people with open adult social-care services,
with a mix of provenance, built through the actions."""

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
