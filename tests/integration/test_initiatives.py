"""The initiative register's actions and queries: initiatives created and edited with
their audit events, the locality-quarter panel (emergency admissions, opted-out people
left out), evaluation runs kept whole, the report page and PDF with small numbers
suppressed, and lived experience per locality and quarter."""

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from onestory.access.models import SecondaryUseOptOut
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.initiatives import actions, panels, queries, report
from onestory.initiatives.domain import register
from onestory.initiatives.models import EvaluationRun, Initiative, SurveyResponse
from onestory.planning.models import Goal, GoalProgress, Plan, PlanStatement, Review
from tests import factories as f
from tests.initiatives_world import build_world, mdt_scheme

pytestmark = pytest.mark.django_db

ANALYST = Actor(id="user:1", label="Ann Analyst", role="analyst", organisation="QWO")
COMPARATORS = ["L2", "L3", "L4", "L5", "L6"]


@pytest.fixture
def world():
    return build_world()


def _run(initiative, methods=("did", "scm", "sdid"), **kw):
    return actions.run_evaluation(
        initiative,
        indicator="emergency_admissions",
        treated=["L1"],
        comparators=kw.pop("comparators", COMPARATORS),
        start_quarter="2025Q1",
        methods=list(methods),
        by=ANALYST,
        **kw,
    )


def test_create_initiative_saves_places_and_audits_ids_only(world):
    initiative = mdt_scheme(ANALYST)
    assert [(p.locality.code, p.start_quarter) for p in initiative.places.all()] == [
        ("L1", "2025Q1")
    ]
    event = AuditEvent.objects.get(action="initiative.created")
    assert event.detail["initiative"] == str(initiative.external_id)
    assert event.detail["localities"] == ["L1"] and "name" not in event.detail


def test_create_initiative_bad_input_names_each_field_and_saves_nothing(world):
    bad = actions.InitiativeInput(
        name=" ",
        kind="magic",
        status="running",
        people_reached=-1,
        starts_on=date(2025, 5, 1),
        ends_on=date(2025, 1, 1),
        places=[("L9", "2025Q1")],
    )
    with pytest.raises(actions.Invalid) as caught:
        actions.create_initiative(bad, by=ANALYST)
    assert set(caught.value.errors) == {"name", "kind", "people_reached", "ends_on", "places"}
    assert "Locality 'L9'" in caught.value.errors["places"]
    assert not Initiative.objects.exists()


def test_update_initiative_audits_what_changed_and_nothing_when_nothing_did(world):
    initiative = mdt_scheme(ANALYST)
    same = actions.InitiativeInput(
        name=initiative.name,
        kind=initiative.kind,
        aims=initiative.aims,
        starts_on=initiative.starts_on,
        people_reached=initiative.people_reached,
        cost_pence=initiative.cost_pence,
        indicators=initiative.indicators,
        status=initiative.status,
        places=[("L1", "2025Q1")],
    )
    assert actions.update_initiative(initiative, same, by=ANALYST) == []
    assert not AuditEvent.objects.filter(action="initiative.updated").exists()
    same.decision, same.learned, same.places = (
        "scale_up",
        "Worked",
        [("L1", "2025q1"), ("L2", "2025Q3")],
    )
    changed = actions.update_initiative(initiative, same, by=ANALYST)
    assert changed == ["learned", "decision", "localities"]
    assert AuditEvent.objects.get(action="initiative.updated").detail["changed"] == changed
    assert initiative.places.count() == 2


def test_commissioner_may_manage_but_a_gp_may_not(world):
    commissioner = Actor(id="user:2", label="C", role="commissioner")
    assert mdt_scheme(commissioner).pk
    with pytest.raises(Exception, match="(?i)not allow|permission"):
        mdt_scheme(Actor(id="user:3", label="G", role="gp"))


def test_search_register_by_words_kind_locality_status_and_decision(world):
    mdt_scheme(ANALYST, decision="stop", learned="GPs did not attend")
    mdt_scheme(ANALYST, name="Falls service south", kind="falls_service", places=[("L3", "2024Q3")])
    names = lambda s: [i.name for i in queries.search_register(s, by=ANALYST)]  # noqa: E731
    assert names(register.Search(words="attend")) == ["MDT case management in L1"]
    assert names(register.Search(locality="L3")) == ["Falls service south"]
    assert names(register.Search(decision="stop")) == ["MDT case management in L1"]
    assert names(register.Search(kind="falls_service", status="ended")) == []
    assert AuditEvent.objects.filter(action="initiative.register_searched").count() == 4


def test_panel_counts_emergency_admissions_per_locality_and_quarter(world):
    frame = panels.locality_quarter_panel(
        by=ANALYST, indicators=["emergency_admissions"], localities=["L1", "L2"]
    )
    assert frame.columns == list(panels.SCHEMA)
    assert frame.height == 2 * 8  # two localities, eight quarters, balanced
    row = frame.filter((pl.col("locality") == "L1") & (pl.col("quarter") == "2025Q1")).row(
        0, named=True
    )
    # base 6, wobble (4*7 + 0 + 0) % 3 - 1 = 0, two fewer from the start: 4 of 10 people
    assert (row["numerator"], row["denominator"]) == (4, 10)
    assert row["rate_per_100k"] == pytest.approx(40_000.0)
    # The interval is the age-standardised rate's (Dobson), as the indicators module gives it.
    std = row["std_rate_per_100k"]
    assert std is not None and row["ci_low"] < std < row["ci_high"]


def test_panel_leaves_out_people_who_opted_out_and_elective_admissions(world):
    l2 = world["people"]["L2"]
    before = panels.locality_quarter_panel(
        by=ANALYST, indicators=["emergency_admissions"], localities=["L2"]
    )
    SecondaryUseOptOut.objects.create(person=l2[0], opted_out_at=timezone.now(), set_by="tests")
    f.source_event(
        world["gp_records"]["L2"][1],
        kind="admission",
        start=date(2024, 2, 2),
        details={"admission_method": "elective"},
    )
    after = panels.locality_quarter_panel(
        by=ANALYST, indicators=["emergency_admissions"], localities=["L2"]
    )
    assert after["denominator"].unique().to_list() == [9]
    assert after["numerator"].sum() < before["numerator"].sum()


def test_panel_refuses_an_indicator_it_cannot_compute(world):
    with pytest.raises(panels.UnknownIndicator, match="delayed_discharges"):
        panels.locality_quarter_panel(by=ANALYST, indicators=["delayed_discharges"])


def test_run_evaluation_keeps_inputs_panel_code_version_and_results(world):
    initiative = mdt_scheme(ANALYST)
    run = _run(initiative)
    run.refresh_from_db()
    assert (run.treated, run.comparators, run.start_quarter) == (["L1"], COMPARATORS, "2025Q1")
    assert run.methods == ["did", "scm", "sdid"] and run.ran_by_label == "Ann Analyst"
    assert run.panel_csv.startswith("partnership,locality,quarter,indicator,numerator")
    assert len(run.panel_csv.splitlines()) == 1 + 6 * 8
    assert run.code_version.startswith("0.1.0+src.")
    for method in ("did", "scm", "sdid"):
        body = run.results[method]
        assert set(body) == {
            "method",
            "att",
            "se",
            "ci95",
            "weights",
            "time_weights",
            "gaps",
            "pre_rmspe",
            "placebo",
        }
        assert body["att"] == pytest.approx(-20_000, abs=4_000)  # two of ten people a quarter
    assert run.results["scm"]["placebo"]["p_value"] is not None
    event = AuditEvent.objects.get(action="initiative.evaluation_run")
    assert event.detail["panel_sha256"] == run.panel_sha256
    assert event.detail["code_version"] == run.code_version
    again = _run(initiative)  # same data, same code: same panel and result
    assert again.panel_sha256 == run.panel_sha256 and again.results == run.results


def test_run_evaluation_refuses_bad_inputs_naming_the_field(world):
    initiative = mdt_scheme(ANALYST)
    with pytest.raises(actions.Invalid) as caught:
        actions.run_evaluation(
            initiative,
            indicator="delayed_discharges",
            treated=["L2"],
            comparators=[],
            start_quarter="July 2025",
            methods=["magic"],
            by=ANALYST,
        )
    assert set(caught.value.errors) == {
        "indicator",
        "treated",
        "comparators",
        "start_quarter",
        "methods",
    }
    assert not EvaluationRun.objects.exists()


def test_run_page_shows_estimates_reading_and_suppressed_counts(world, client):
    run = _run(mdt_scheme(ANALYST))
    client.force_login(f.user("ann.analyst", role="analyst", org=f.organisation("QWO", "ICB")))
    html = client.get(reverse("evaluation-run", args=[run.external_id])).content.decode()
    assert 'data-testid="method-scm"' in html and "95% interval" in html
    assert "placebo p-value" in html and "What this cannot show" in html
    assert run.code_version in html
    # L1 had 4 admissions in 2025Q1: a count below 8 is "fewer than 8" and its rate hidden
    assert "fewer than 8" in html and "40,000.0" not in html
    assert "evaluation-figures" in html
    assert AuditEvent.objects.filter(action="initiative.evaluation_viewed").count() == 1


def test_run_pdf_is_a_pdf_with_the_estimate_and_reading(world, client):
    run = _run(mdt_scheme(ANALYST))
    client.force_login(f.user("ann.analyst", role="analyst", org=f.organisation("QWO", "ICB")))
    response = client.get(reverse("evaluation-run-pdf", args=[run.external_id]))
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    import io

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Synthetic control" in text and "95% interval" in text
    assert run.code_version in text and "fewer than 8" in text


def _plan(person, when: datetime, own: int, drafts: int, met: int, not_met: int):
    plan = Plan.objects.create(person=person)
    for n in range(own + drafts):
        PlanStatement.objects.create(
            plan=plan,
            section="about_me",
            text=f"Statement {n}",
            written_by_kind="person" if n < own else "professional",
            written_by_label="x",
            status="confirmed" if n < own else "draft",
            confirmed_by_kind="person" if n < own else "",
            confirmed_by_label="x" if n < own else "",
            confirmed_text=f"Statement {n}" if n < own else "",
            confirmed_at=when if n < own else None,
            updated_at=when,
        )
        if n == 0:
            review = Review.objects.create(
                plan=plan,
                held_on=when.date(),
                next_review_on=when.date() + timedelta(90),
                recorded_by_label="x",
            )
    for n in range(met + not_met):
        g_s = PlanStatement.objects.create(
            plan=plan,
            section="goals",
            text=f"Goal {n}",
            written_by_kind="professional",
            written_by_label="x",
            updated_at=when - timedelta(days=400),
        )
        goal = Goal.objects.create(plan=plan, statement=g_s)
        GoalProgress.objects.create(
            review=review, goal=goal, progress="achieved" if n < met else "some"
        )


def test_lived_experience_per_locality_and_quarter_with_suppression(world):
    when = datetime(2025, 2, 10, 12, tzinfo=UTC)
    people = world["people"]["L1"]
    _plan(people[0], when, own=6, drafts=2, met=8, not_met=2)
    _plan(people[1], when, own=4, drafts=0, met=0, not_met=0)
    _plan(world["people"]["L2"][0], when, own=2, drafts=1, met=0, not_met=0)
    for n in range(10):
        SurveyResponse.objects.create(
            person=people[n],
            respondent="person",
            answered_on=date(2025, 3, 1),
            answers={"control": 4 if n < 8 else 2},
            entered_by_label="x",
        )
    rows = {
        (r.locality, r.quarter): r
        for r in queries.lived_experience(
            by=ANALYST, localities=["L1", "L2"], quarter_list=["2025Q1", "2025Q2"]
        )
    }
    l1 = rows[("L1", "2025Q1")]
    assert (l1.own_words.numerator, l1.own_words.denominator) == (10, 12)
    assert l1.own_words.pct is None  # 2 drafts: the complement is small, so no share
    assert (l1.goals_met.numerator, l1.goals_met.denominator, l1.goals_met.pct) == (8, 10, None)
    assert l1.survey_responses == 10
    control = {q.key: q for q in l1.survey}["control"]
    assert control.answered == 10 and control.helped_pct is None  # 2 did not: suppressed
    l2 = rows[("L2", "2025Q1")]
    assert l2.own_words.numerator is None and l2.own_words.denominator is None
    assert rows[("L1", "2025Q2")].own_words.denominator == 0
    assert AuditEvent.objects.filter(action="initiative.lived_experience_viewed").exists()


def test_lived_experience_page_shows_shares_and_refuses_a_bad_quarter(world, client):
    when = datetime(2025, 2, 10, 12, tzinfo=UTC)
    for p in world["people"]["L1"]:
        _plan(p, when, own=1, drafts=1, met=0, not_met=0)
    client.force_login(f.user("ann.analyst", role="analyst", org=f.organisation("QWO", "ICB")))
    url = reverse("lived-experience")
    html = client.get(url, {"locality": "L1", "from": "2025Q1", "to": "2025Q1"}).content.decode()
    assert 'data-testid="lived-L1-2025Q1"' in html and "50% (10 of 20)" in html
    bad = client.get(url, {"from": "2025-01"})
    assert bad.status_code == 400 and "write it like 2025Q3" in bad.content.decode()


def test_run_repeats_outside_onestory_with_onestory_evaluate_on_its_panel(world, tmp_path, capsys):
    import json
    from argparse import Namespace

    from onestory.evaluation.commands import _evaluate

    run = _run(mdt_scheme(ANALYST), methods=("scm",))
    panel = tmp_path / "panel.csv"
    panel.write_text(run.panel_csv, encoding="utf-8")
    args = Namespace(
        method="scm",
        panel=panel,
        unit="locality",
        time="quarter",
        outcome="rate_per_100k",
        treated="L1",
        start="2025Q1",
        json=True,
        placebo_draws=run.placebo_draws,
        seed=run.seed,
    )
    assert _evaluate(args) == 0
    assert json.loads(capsys.readouterr().out) == run.results["scm"]


def test_report_puts_gaps_in_time_order_whatever_order_the_database_returns(world):
    run = _run(mdt_scheme(ANALYST), methods=("did",))
    gaps = run.results["did"]["gaps"]
    run.results["did"]["gaps"] = dict(reversed(list(gaps.items())))  # as jsonb may
    run.save()
    run.refresh_from_db()
    figure = report.figures(report.build(run))["gaps"]["data"][0]
    assert figure["x"] == sorted(gaps) and figure["y"] == [gaps[k] for k in sorted(gaps)]


def test_register_page_searches_and_suppresses_small_people_reached(world, client):
    mdt_scheme(ANALYST, people_reached=5, learned="GPs did not attend")
    mdt_scheme(ANALYST, name="Falls service south", kind="falls_service", places=[("L3", "2024Q3")])
    client.force_login(f.user("ann.analyst", role="analyst", org=f.organisation("QWO", "ICB")))
    url = reverse("initiatives")
    html = client.get(url).content.decode()
    assert html.count('data-testid="initiative-row"') == 2
    assert "fewer than 8" in html and ">5<" not in html
    html = client.get(url, {"q": "attend", "locality": "L1"}).content.decode()
    assert html.count('data-testid="initiative-row"') == 1 and "MDT case management in L1" in html
    html = client.get(url, {"q": "attend", "kind": "falls_service"}).content.decode()
    assert 'data-testid="register-none"' in html
    html = client.get(url, {"status": "nonsense"}).content.decode()  # unknown filter: ignored
    assert html.count('data-testid="initiative-row"') == 2


def test_register_and_initiative_pages_say_when_a_place_started_in_words(world, client):
    initiative = mdt_scheme(ANALYST)
    client.force_login(f.user("ann.analyst", role="analyst", org=f.organisation("QWO", "ICB")))
    for url in (reverse("initiatives"), reverse("initiative", args=[initiative.external_id])):
        html = client.get(url).content.decode()
        assert "from January to March 2025" in html and "from 2025Q1" not in html


def test_run_page_shows_lived_experience_beside_the_numbers(world, client):
    when = datetime(2025, 2, 10, 12, tzinfo=UTC)
    for p in world["people"]["L1"]:
        _plan(p, when, own=1, drafts=1, met=0, not_met=0)
    run = _run(mdt_scheme(ANALYST), methods=("did",))
    client.force_login(f.user("ann.analyst", role="analyst", org=f.organisation("QWO", "ICB")))
    html = client.get(reverse("evaluation-run", args=[run.external_id])).content.decode()
    row = html[html.index('data-testid="lived-L1-2025Q1"') :]
    assert "50% (10 of 20)" in row[: row.index("</tr>")]
    assert 'data-testid="lived-L2-2025Q1"' not in html  # nothing recorded there: not listed
