"""Segments and Better Care Fund metrics from the linked record: a small borough whose
figures are worked by hand, a generated borough whose acute extract the discharge and falls
metrics must agree with, and the command's JSON for outside tools."""

import csv
import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from onestory import cli
from onestory.access.models import SecondaryUseOptOut
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.commissioning import queries
from onestory.commissioning.domain import bcf
from tests import factories as f

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("tests")
SNOMED = "http://snomed.info/sct"


def admission(record, admitted, days, code, destination="usual place of residence"):
    return f.source_event(
        record,
        kind="admission",
        title="Emergency admission",
        start=admitted,
        end=admitted + timedelta(days) if days is not None else None,
        code=code,
        code_system=SNOMED,
        details={"admission_method": "emergency", "discharge_destination": destination},
    )


def service(record, service_type, start, end=None):
    return f.source_event(
        record,
        kind="service",
        category="social_care",
        title=service_type,
        start=start,
        end=end,
        details={"service_type": service_type},
    )


def condition(record, code):
    f.source_event(
        record,
        kind="condition",
        title="Diagnosis",
        code=code,
        code_system=SNOMED,
        start=date(2020, 1, 1),
    )


@pytest.fixture
def borough():
    return build_borough()


def build_borough():
    """40 people aged 70 and 10 aged 30 at one practice, plus one older person who opted out
    of secondary use. Groups by index (older people):
      0-9   an emergency admission after a fall (June 2025), home again;
      10-17 heart failure coded, an emergency admission for it (July 2025), to a care home;
      18-26 a permanent residential placement from August 2025; 18-20 move to nursing care;
      27    in residential care since 2024, moved to nursing in June 2025 (not a new one);
      28-37 discharged home on 1 November 2025 into reablement: 28 died in hospital in
            December, 29 was back in hospital on day 91;
      38-39 dementia coded."""
    gp = f.source_system("gp", "Y02101", "Ashbridge Health Centre")
    acute = f.source_system("acute", "R9A", "Ashbridge Teaching Hospitals")
    council = f.source_system("adult_social_care", "E08000999", "Ashbridge Council")
    people = []
    for i in range(51):
        born = date(1995, 3, 1) if 40 <= i < 50 else date(1955, 3, 1)
        nhs = f.nhs_number()
        records = [
            f.source_record(s, nhs_number=nhs, date_of_birth=born, given_name=f"P{i}")
            for s in (gp, acute, council)
        ]
        g, a, c = records
        if i < 10 or i == 50:
            admission(a, date(2025, 6, 1), 4, "217082002")
        if 10 <= i < 18:
            condition(g, "84114007")
            admission(a, date(2025, 7, 1), 6, "84114007", destination="care home")
        if 18 <= i < 27:
            if i < 21:
                service(c, "Long Term Support: Residential", date(2025, 8, 1), date(2025, 11, 30))
                service(c, "Long Term Support: Nursing", date(2025, 12, 1))
            else:
                service(c, "Long Term Support: Residential", date(2025, 8, 1))
        if i == 27:
            service(c, "Long Term Support: Residential", date(2024, 1, 1), date(2025, 5, 31))
            service(c, "Long Term Support: Nursing", date(2025, 6, 1))
        if 28 <= i < 38:
            out = date(2025, 11, 1)
            admission(a, out - timedelta(5), 5, "233604007")
            service(c, "Short Term Support: Reablement", out, out + timedelta(35))
            if i == 28:
                admission(a, date(2025, 12, 10), 5, "233604007", destination="died")
            if i == 29:
                admission(a, date(2026, 1, 29), None, "233604007", destination="")
        if i in (38, 39):
            condition(g, "52448006")
        people.append(f.linked_person(*records))
    SecondaryUseOptOut.objects.create(person=people[50], opted_out_at=timezone.now(), set_by="t")
    return people


def test_bcf_metrics_match_the_hand_worked_borough(borough):
    got = queries.bcf_metrics(by=SYSTEM, year="2025-26")
    m = got["metrics"]
    assert got["year"] == "2025-26" and got["area"] == "Whole installation"
    # 8 heart failure admissions among 50 people (the opted-out person left out): the
    # installation is its own standard, so the crude rate 8 / 50 = 16,000 per 100,000.
    assert m[bcf.AVOIDABLE]["numerator"] == 8 and m[bcf.AVOIDABLE]["denominator"] == 50
    assert m[bcf.AVOIDABLE]["value"] == 16000.0
    # 10 falls + 10 reablement discharges home, 8 to a care home; the death and the stay
    # still open on 31 March are not discharges: 20 / 28.
    assert (m[bcf.DISCHARGE]["numerator"], m[bcf.DISCHARGE]["denominator"]) == (20, 28)
    assert m[bcf.DISCHARGE]["value"] == round(100 * 20 / 28, 1)
    # 10 falls among 40 people 65+, all in the 70-74 band (weight 5,000 of 19,500):
    # 5,000 * (10 / 40) / 19,500 * 100,000 = 6,410.3
    assert (m[bcf.FALLS]["numerator"], m[bcf.FALLS]["denominator"]) == (10, 40)
    assert m[bcf.FALLS]["value"] == 6410.3
    # 9 new placements (18-26); the moves to nursing care and person 27 are not new.
    assert (m[bcf.PERMANENT]["numerator"], m[bcf.PERMANENT]["denominator"]) == (9, 40)
    assert m[bcf.PERMANENT]["value"] == 22500.0
    # 10 into reablement; the death and the person in hospital stay in: 8 / 10.
    assert (m[bcf.REABLEMENT]["numerator"], m[bcf.REABLEMENT]["denominator"]) == (8, 10)
    assert m[bcf.REABLEMENT]["value"] == 80.0
    low, high = m[bcf.REABLEMENT]["ci95"]
    assert low < 80.0 < high
    event = AuditEvent.objects.get(action="commissioning.bcf_metrics")
    assert event.detail["people"] == 50 and event.detail["opted_out_excluded"] == 1
    assert event.person_id == ""


def test_segments_put_everyone_in_one_segment_by_the_priority_order(borough):
    got = queries.population_segments(by=SYSTEM, as_of=date(2026, 3, 31))
    s = got["segments"]
    # 49 alive (person 28 died; the opted-out person is left out)
    assert got["people"] == 49 and sum(s.values()) == 49
    assert s["frailty_dementia"] == 12  # 10 in care homes, 2 with dementia
    assert s["limited_reserve"] == 8  # heart failure and an emergency admission
    assert s["acutely_ill"] == 19  # 10 after a fall, 9 after the reablement admission
    assert s["healthy"] == 10
    assert s["short_decline"] == 0 and s["maternal_infant"] == 0


def test_segments_of_a_past_date_put_people_who_died_within_a_year_in_short_decline(borough):
    got = queries.population_segments(by=SYSTEM, as_of=date(2025, 9, 30))
    assert got["segments"]["short_decline"] is None  # one person: suppressed
    # and secondary suppression hides another figure so the total cannot reveal it
    assert sum(v is None for v in got["segments"].values()) == 2


def test_small_numbers_are_suppressed_in_the_published_metrics(borough):
    SecondaryUseOptOut.objects.bulk_create(
        SecondaryUseOptOut(person=p, opted_out_at=timezone.now(), set_by="t")
        for p in borough[28:31]
    )
    m = queries.bcf_metrics(by=SYSTEM, year="2025-26")["metrics"][bcf.REABLEMENT]
    # 7 left in the reablement cohort: everything derived from it is withheld
    assert m == {
        "value": None,
        "numerator": None,
        "denominator": None,
        "ci95": None,
        "suppressed": True,
    }


def run_cli(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def test_bcf_metrics_command_prints_the_json_for_outside_tools(borough, capsys):
    code, out, _err = run_cli(["bcf", "metrics", "--year", "2025-26", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"year", "area", "metrics"}
    assert data["year"] == "2025-26" and isinstance(data["area"], str)
    assert set(data["metrics"]) == {
        "avoidable_admissions_per_100k",
        "discharge_usual_residence_pct",
        "falls_65plus_per_100k",
        "permanent_admissions_65plus_per_100k",
        "reablement_91day_pct",
    }
    for metric in data["metrics"].values():
        assert {"value", "numerator", "denominator", "ci95"} <= set(metric)
        assert isinstance(metric["value"], float)
        assert (
            len(metric["ci95"]) == 2 and metric["ci95"][0] <= metric["value"] <= metric["ci95"][1]
        )


def test_bcf_metrics_command_prints_a_table_without_json(borough, capsys):
    code, out, _err = run_cli(["bcf", "metrics", "--year", "2025-26"], capsys)
    assert code == 0
    assert "Better Care Fund metrics 2025-26, Whole installation" in out
    assert "91 days" in out and "80.0" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--partnership", "QWO"], "Unknown partnership 'QWO'"),
        (["--locality", "North"], "Unknown locality 'North'"),
        ([], None),
    ],
)
def test_bcf_metrics_command_refuses_an_unknown_area_or_year(argv, message, capsys):
    year = "2025-26" if message else "2025"
    code, out, err = run_cli(["bcf", "metrics", "--year", year, "--json", *argv], capsys)
    assert code == 2 and out == ""
    assert (message or "not a financial year like 2025-26") in err
    assert "Traceback" not in err


def test_segments_command_shows_suppressed_counts_in_words(borough, capsys):
    code, out, _err = run_cli(["segments", "--as-of", "2025-09-30"], capsys)
    assert code == 0
    assert "Short period of decline before dying: fewer than 8" in out


# --- a generated borough -------------------------------------------------------------------


@pytest.fixture
def generated(tmp_path):
    from onestory.people.actions import run_linkage
    from onestory.sources.actions import import_path
    from onestory.synthetic import REFERENCE_DATE, generate

    generate(300, 14, tmp_path)
    import_path(tmp_path, by=SYSTEM, today=REFERENCE_DATE)
    run_linkage(by=SYSTEM)
    return tmp_path


def test_generated_borough_discharges_and_falls_agree_with_its_acute_extract(generated):
    year = bcf.Year.parse("2025-26")
    discharged = home = falls = 0
    with (generated / "acute_admissions.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            d, m, y = (row["discharge_date"] or "//").split("/")
            out = date(int(y), int(m), int(d)) if y else None
            destination = row["discharge_destination"]
            if year.holds(out) and destination and destination != "died":
                discharged += 1
                home += destination == "usual place of residence"
            d, m, y = row["admission_date"].split("/")
            admitted = date(int(y), int(m), int(d))
            d, m, y = row["dob"].split("/")
            born = date(int(y), int(m), int(d))
            age = (
                admitted.year
                - born.year
                - ((admitted.month, admitted.day) < (born.month, born.day))
            )
            falls += (
                row["admission_method"] == "emergency"
                and year.holds(admitted)
                and age >= 65
                and row["primary_diagnosis_snomed"] == "217082002"
            )
    m = queries.bcf_metrics(by=SYSTEM, year="2025-26")["metrics"]
    assert discharged >= 8 and home >= 8
    assert (m[bcf.DISCHARGE]["numerator"], m[bcf.DISCHARGE]["denominator"]) == (home, discharged)
    if falls >= 8:
        assert m[bcf.FALLS]["numerator"] == falls
    else:
        assert m[bcf.FALLS]["suppressed"] is (falls > 0)


def test_bcf_metrics_command_before_any_linkage_says_so_without_a_traceback(capsys):
    code, out, err = run_cli(["bcf", "metrics", "--year", "2025-26", "--json"], capsys)
    assert code == 2 and out == ""
    assert "No current linkage run: link the imported records first." in err
    assert "Traceback" not in err
