"""The demo's Shared Lives scheme: carers through the approval actions, and referrals only
for example people the demo social worker may see."""

from datetime import date

import pytest

from onestory.audit.models import AuditEvent
from onestory.demo import ExamplePerson
from onestory.sharedlives.demo import CARERS, create_demo_scheme
from onestory.sharedlives.models import Carer, Referral
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_demo_scheme_approves_carers_and_refers_only_people_the_worker_may_see():
    council = f.organisation("E08000999", "Council", "adult_social_care")
    worker = f.user("socialworker.demo", role="social_worker", org=council)
    seen, unseen = f.rich_person(), f.rich_person()
    f.care_team(seen, worker)
    examples = [ExamplePerson(p.pk, "", None, 5, 10) for p in (seen, unseen)]
    result = create_demo_scheme(examples, today=date(2026, 11, 2))
    assert result.carers == CARERS == Carer.objects.count()
    assert Carer.objects.filter(status="approved").count() == 20
    assert list(Referral.objects.values_list("person_id", flat=True)) == [seen.pk]
    assert result.referrals == 1
    assert AuditEvent.objects.filter(action="sharedlives.panel_decided").count() == 20
    again = create_demo_scheme(examples, today=date(2026, 11, 2))
    assert again.already and again.carers == CARERS and Carer.objects.count() == CARERS
