"""`onestory demo` end to end on a small borough: every step runs, and a second run
repeats none of the work."""

import pytest

from onestory.access.models import StaffMember
from onestory.audit.models import AuditEvent
from onestory.demo import DEMO_STAFF, _demo, demo_actor, example_people, run_demo
from onestory.people.models import LinkageRun, Person, PersonLink
from onestory.sources.models import SourceRecord

pytestmark = pytest.mark.django_db

PEOPLE, SEED = 200, 7


@pytest.fixture
def demo(tmp_path):
    out = tmp_path / "borough"
    return out, run_demo(people=PEOPLE, seed=SEED, out=out, quiet=True)


def test_run_demo_builds_borough_index_and_logins(demo):
    out, result = demo
    assert result["generated"] is True
    assert (out / "manifest.json").is_file()
    assert SourceRecord.objects.exists()
    assert LinkageRun.objects.filter(is_current=True).count() == 1
    assert StaffMember.objects.count() == len(DEMO_STAFF)
    assert set(result["timings"]) == {"migrate", "generate", "import", "link", "logins"}


def test_run_demo_twice_repeats_no_work(demo):
    out, _ = demo
    runs = LinkageRun.objects.count()
    # Imports and the listing of example people are audited on every run; nothing else is.
    audit = AuditEvent.objects.exclude(action__in=["sources.import", "demo.example_person"])
    audit_count = audit.count()
    again = run_demo(people=PEOPLE, seed=SEED, out=out, quiet=True)
    assert again["generated"] is False
    assert again["linked"] is None
    assert LinkageRun.objects.count() == runs
    assert audit.count() == audit_count
    assert StaffMember.objects.count() == len(DEMO_STAFF)


def test_example_people_are_linked_across_four_systems(demo):
    people = example_people(by=demo_actor(), count=3, min_systems=4)
    assert people, "a borough of 200 has people known to four or more systems"
    for p in people:
        systems = (
            PersonLink.objects.filter(run__is_current=True, person_id=p.person_id)
            .values("record__system")
            .distinct()
            .count()
        )
        assert systems == p.systems >= 4
        assert p.name.strip() and p.date_of_birth is not None
    listed = AuditEvent.objects.filter(action="demo.example_person").values_list(
        "person_id", flat=True
    )
    assert {str(Person.objects.get(pk=p.person_id).external_id) for p in people} <= set(listed)


def test_demo_command_prints_logins_and_people(tmp_path, capsys):
    class Args:
        people, seed, out = PEOPLE, SEED, tmp_path / "borough"

    assert _demo(Args) == 0
    printed = capsys.readouterr().out
    for username, _, _, _ in DEMO_STAFF:
        assert username in printed
    assert "onestory-demo" in printed
    assert "People to search for" in printed


def test_run_demo_gives_example_people_a_budget_tied_to_their_plan(demo):
    from onestory.budgets.models import Budget, BudgetLine

    _, result = demo
    assert result["budgets"].budgets == len(result["examples"]) > 0
    budget = Budget.objects.filter(person_id=result["examples"][0].person_id).get()
    assert {s.kind for s in budget.streams.all()} == {"personalised_care", "council"}
    lines = BudgetLine.objects.filter(stream__budget=budget)
    assert lines.count() == 2 and all(line.goal_ref for line in lines)
    assert result["budgets"].spends == 6 * result["budgets"].budgets
