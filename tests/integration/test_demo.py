"""`onestory demo` end to end on a small borough: every step runs, and a second run
repeats none of the work."""

import re

import pytest

from onestory.access.models import StaffMember
from onestory.audit.models import AuditEvent
from onestory.bcf.models import Agreement, Scheme
from onestory.demo import DEMO_STAFF, _demo, demo_actor, example_people, run_demo
from onestory.demo.neighbour import STAFF as NEIGHBOUR_STAFF
from onestory.national.models import IntegrationModel, PublishedIndicator
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
    assert StaffMember.objects.count() == len(DEMO_STAFF) + len(NEIGHBOUR_STAFF)
    assert result["bcf_plan"].schemes == 5 and not result["bcf_plan"].already
    assert set(result["timings"]) == {"migrate", "generate", "import", "link", "logins", "national"}
    # The national view: a synthetic nation's published indicators, and models to compare by.
    assert result["national"].created > 500 and PublishedIndicator.objects.count() > 500
    assert PublishedIndicator.objects.filter(numerator__isnull=True).exists()  # suppressed
    # The nation's four versions, and two of each demo partnership's own model (recorded
    # as its commissioners would, naming its organisations and the register's initiative).
    assert IntegrationModel.objects.count() == 8
    for code in ("ASH", "BRK"):
        versions = IntegrationModel.objects.filter(partnership=code).order_by("id")
        assert versions.count() == 2 and all(v.reason for v in versions)
        assert versions[0].lead_commissioner_organisation.partnership.code == code
        assert versions.last().record_sharers.filter(partnership__code=code).count() >= 2
    pooled = IntegrationModel.objects.filter(partnership="ASH").order_by("id").last()
    assert pooled.budget == "pooled" and pooled.host_organisation.kind == "adult_social_care"
    assert pooled.spells.count() == 1 and "dfg" in pooled.section75_sources
    # Ashbridge's logins work for Ashbridge's organisations, Brookvale's for Brookvale's.
    bound = dict(
        StaffMember.objects.values_list("user__username", "organisation__partnership__code")
    )
    assert {u: bound[u] for u, *_ in DEMO_STAFF} == {u: "ASH" for u, *_ in DEMO_STAFF}
    assert {u: bound[u] for u, *_ in NEIGHBOUR_STAFF} == {u: "BRK" for u, *_ in NEIGHBOUR_STAFF}


def test_run_demo_twice_repeats_no_work(demo):
    out, _ = demo
    runs = LinkageRun.objects.count()
    # Imports and the listing of example people are audited on every run; nothing else is.
    audit = AuditEvent.objects.exclude(action__in=["sources.import", "demo.example_person"])
    audit_count = audit.count()
    again = run_demo(people=PEOPLE, seed=SEED, out=out, quiet=True)
    assert again["generated"] is False
    assert again["linked"] is None
    assert again["bcf_plan"].already  # the Better Care Fund plan is not made twice
    assert Agreement.objects.count() == 1 and Scheme.objects.count() == 5
    assert LinkageRun.objects.count() == runs
    assert audit.count() == audit_count
    assert StaffMember.objects.count() == len(DEMO_STAFF) + len(NEIGHBOUR_STAFF)
    assert again["initiative"].created is False


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


def test_demo_command_prints_logins_and_people_then_reports_nothing_new(tmp_path, capsys):
    class Args:
        people, seed, out = PEOPLE, SEED, tmp_path / "borough"

    assert _demo(Args) == 0
    printed = capsys.readouterr().out
    for username, _, _, _ in DEMO_STAFF:
        assert username in printed
    assert "onestory-demo" in printed
    assert "People to search for" in printed
    for username, *_ in NEIGHBOUR_STAFF:
        assert username in printed
    logins = [
        line
        for line in printed.splitlines()
        if line.startswith("    ") and (".demo" in line or ".brookvale" in line)
    ]
    assert len(logins) == len(DEMO_STAFF) + len(NEIGHBOUR_STAFF)
    assert max(map(len, logins)) <= 80

    assert _demo(Args) == 0
    again = capsys.readouterr().out
    assert re.search(r"Imported: [\d,]+ rows read, 0 stored", again), again
    assert "(the person index was already up to date)" in again
    assert "Budgets: already in place for the 3 example people." in again
    assert "MDT: the demo caseload and meeting are already in place." in again
    assert "Shared Lives: already in place (24 carers, " in again
    assert "National view: already in place" in again
    assert "Budgets: 0" not in again


def _recorded_conditions(person_id: int) -> set[str]:
    from onestory.sources.models import SourceEvent

    return set(
        SourceEvent.objects.filter(
            record__links__run__is_current=True,
            record__links__person_id=person_id,
            kind="condition",
            end__isnull=True,
        )
        .exclude(status="resolved")
        .values_list("code_display", flat=True)
    )


def test_each_example_persons_plan_and_budget_follow_their_record(demo):
    from onestory.budgets.models import Budget, BudgetLine
    from onestory.planning.demo import person_profile
    from onestory.planning.demo_story import CONDITION_WORDS
    from onestory.planning.models import PlanStatement

    _, result = demo
    budgets = set()
    for example in result["examples"]:
        person = Person.objects.get(pk=example.person_id)
        text = " ".join(
            PlanStatement.objects.filter(plan__person=person).values_list("text", flat=True)
        )
        assert text
        recorded = _recorded_conditions(person.pk)
        for condition, (words, _) in CONDITION_WORDS.items():
            if f"I have {words}," in text:
                assert condition in recorded, (example.name, condition)
        lines = list(
            BudgetLine.objects.filter(stream__budget__person=person).values_list(
                "description", "planned_pence"
            )
        )
        if person_profile(person).in_placement:
            assert "own home" not in text and "staying at home" not in text.lower()
            assert not any("Home care" in d for d, _ in lines)
        budget = Budget.objects.get(person=person)
        budgets.add((tuple(sorted(lines)), budget.streams.count()))
    assert len(budgets) == len(result["examples"]), "example budgets differ"


def test_run_demo_gives_example_people_a_budget_tied_to_their_plan(demo):
    from onestory.budgets.models import Budget, BudgetLine

    _, result = demo
    assert result["budgets"].budgets == len(result["examples"]) > 0
    budget = Budget.objects.filter(person_id=result["examples"][0].person_id).get()
    assert {s.kind for s in budget.streams.all()} == {"personalised_care", "council"}
    lines = BudgetLine.objects.filter(stream__budget=budget)
    assert lines.count() == 2 and all(line.goal_ref for line in lines)
    assert result["budgets"].spends == 6 * result["budgets"].budgets


def test_run_demo_adds_an_example_initiative_that_can_be_evaluated(demo):
    from onestory.audit.domain.actor import Actor
    from onestory.initiatives import actions, report
    from onestory.initiatives.models import Initiative

    _, result = demo
    assert result["initiative"].created is True
    initiative = Initiative.objects.get(name=result["initiative"].name)
    assert [p.locality.code for p in initiative.places.all()] == ["ASH-N"]
    analyst = Actor(id="user:analyst", label="analyst.demo", role="analyst")
    # The demo's practices alternate between the two localities, so the north has the
    # south to compare with.
    run = actions.run_evaluation(
        initiative,
        indicator="emergency_admissions",
        treated=["ASH-N"],
        comparators=["ASH-S"],
        start_quarter=initiative.places.get().start_quarter,
        methods=["did", "scm", "sdid"],
        by=analyst,
    )
    # One comparator: each method gives an estimate or says why it cannot; the report and
    # its PDF are built either way.
    assert set(run.results) == {"did", "scm", "sdid"}
    rep = report.build(run)
    assert report.pdf(rep, []).startswith(b"%PDF")
