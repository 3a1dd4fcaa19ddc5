"""The demo's MDT on a small borough: the demo GP leads people they have a relationship
with, and the demo council staff see whom they coordinate and the action they were given."""

import pytest
from django.contrib.auth import get_user_model

from onestory.access.policy import actor_for_user
from onestory.casework import agenda, queries
from onestory.casework.demo import COORDINATOR, LEAD, SOCIAL_WORKER, create_demo_mdt
from onestory.casework.models import CaseloadEntry, PersonRisk
from onestory.demo import demo_actor, run_demo

pytestmark = pytest.mark.django_db


def test_demo_mdt_is_built_from_people_the_demo_staff_may_see(tmp_path):
    run_demo(people=200, seed=7, out=tmp_path / "borough", quiet=True)
    mdt = create_demo_mdt(by=demo_actor())
    assert mdt.taken_on == 3 and mdt.meeting_id is not None
    users = get_user_model().objects.in_bulk(
        [LEAD, COORDINATOR, SOCIAL_WORKER], field_name="username"
    )
    gp = actor_for_user(users[LEAD])

    # The GP's worklist is their practice's registered list, not the borough.
    worklist = queries.worklist(by=gp)
    scored = PersonRisk.objects.filter(run=worklist.run).count()
    assert 0 < worklist.total < scored - 3

    # The GP sees everyone they took on, by name; the meeting withholds no one from them.
    caseload = queries.caseload(by=gp)
    assert len(caseload.rows) == 3 and caseload.not_shown == 0
    assert all(r.seen.allowed for r in caseload.rows)
    _, entries = agenda.meeting(mdt.meeting_id, by=gp)
    assert entries and not any(e.withheld for e in entries)

    # The council's coordinator sees the people they coordinate whom the council knows;
    # the social worker's action is about someone the council knows.
    coordinator = queries.caseload(by=actor_for_user(users[COORDINATOR]))
    assert CaseloadEntry.objects.filter(coordinator=users[COORDINATOR].staff).count() == 3
    assert any(r.seen.allowed for r in coordinator.rows)
    (row,) = agenda.my_actions(by=actor_for_user(users[SOCIAL_WORKER])).mine
    assert not row.withheld
