"""Partnerships and localities: `onestory places load` from a synthetic nation's folder
(idempotent; bad rows left out and named), `onestory places list`, and commissioners'
figures for a partnership or a locality."""

import json
from pathlib import Path

import pytest

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.places.demo import create_demo_places
from onestory.places.models import Locality, Partnership, PracticePlace
from onestory.synthetic.nation import generate_nation
from onestory.synthetic.nation.scenario import build
from tests.integration.test_commissioning import build_borough, run_cli

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def nation(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("nation")
    generate_nation(build(seed=4, people=600, partnerships=2, localities=3, years=2), out)
    return out


def test_places_load_stores_a_nations_places_and_a_second_load_changes_nothing(nation, capsys):
    code, out, err = run_cli(["places", "load", str(nation)], capsys)
    assert code == 0, err
    assert "2 partnerships, 6 localities" in out and "already there" in out
    assert Partnership.objects.count() == 2 and Locality.objects.count() == 6
    assert PracticePlace.objects.filter(locality__partnership__code="P01").exists()
    code, out, _ = run_cli(["places", "load", str(nation / "places")], capsys)
    assert code == 0 and "0 new, 0 changed" in out
    events = AuditEvent.objects.filter(action="places.loaded").order_by("id")
    assert [e.detail["created"] for e in events] == [8 + PracticePlace.objects.count()]


def test_places_load_keeps_good_rows_and_names_the_bad_ones(nation, tmp_path, capsys):
    for name in ("partnerships.csv", "localities.csv", "practices.csv"):
        (tmp_path / name).write_bytes((nation / "places" / name).read_bytes())
    with (tmp_path / "practices.csv").open("a") as fh:
        fh.write("999,Q99999,42,0,10\n")
        fh.write("1000,,0,0,5\n")
    code, out, err = run_cli(["places", "load", str(tmp_path)], capsys)
    assert code == 3
    assert "practices.csv, row" in err and "locality: 42 is not in localities.csv" in err
    assert "ods: is empty" in err and "Traceback" not in err
    assert "2 rows left out" in out
    assert Locality.objects.count() == 6 and not PracticePlace.objects.filter(ods="Q99999").exists()


def test_places_load_refuses_a_folder_with_nothing_to_load(tmp_path, capsys):
    (tmp_path / "partnerships.csv").write_bytes(b"\xff\xfe\x00garbage")
    code, out, err = run_cli(["places", "load", str(tmp_path)], capsys)
    assert code == 2 and out == ""
    assert "localities.csv: not found in" in err and "nothing to load" in err
    assert "Traceback" not in err
    code, _, err = run_cli(["places", "load", str(tmp_path / "missing")], capsys)
    assert code == 2 and "is not a folder" in err


def test_places_list_prints_partnerships_and_their_localities(capsys):
    code, out, _ = run_cli(["places", "list", "--json"], capsys)
    assert code == 0 and json.loads(out) == {"partnerships": []}
    create_demo_places(by=Actor.system("tests"))
    code, out, _ = run_cli(["places", "list", "--json"], capsys)
    data = json.loads(out)["partnerships"]
    assert [p["code"] for p in data] == ["ASH"]
    assert [loc["code"] for loc in data[0]["localities"]] == ["ASH-N", "ASH-S"]
    code, out, _ = run_cli(["places", "list"], capsys)
    assert "ASH-N  Ashbridge North" in out


def test_bcf_metrics_for_a_locality_count_only_its_practices_people(capsys):
    build_borough()  # everyone at Y02101, a practice of Ashbridge North
    create_demo_places(by=Actor.system("tests"))
    whole = json.loads(run_cli(["bcf", "metrics", "--year", "2025-26", "--json"], capsys)[1])
    north = json.loads(
        run_cli(["bcf", "metrics", "--year", "2025-26", "--json", "--locality", "ASH-N"], capsys)[1]
    )
    assert north["area"] == "Ashbridge North (ASH-N)"
    assert north["metrics"] == whole["metrics"]
    south = json.loads(
        run_cli(
            [
                "bcf",
                "metrics",
                "--year",
                "2025-26",
                "--json",
                "--partnership",
                "ASH",
                "--locality",
                "ASH-S",
            ],
            capsys,
        )[1]
    )
    assert all(m["denominator"] in (0, None) for m in south["metrics"].values())
    part = json.loads(
        run_cli(["bcf", "metrics", "--year", "2025-26", "--json", "--partnership", "ASH"], capsys)[
            1
        ]
    )
    assert part["area"].endswith("(ASH)") and part["metrics"] == whole["metrics"]


def test_an_unknown_locality_or_one_outside_the_partnership_says_which_there_are(capsys):
    create_demo_places(by=Actor.system("tests"))
    code, _, err = run_cli(["segments", "--locality", "ASH-X"], capsys)
    assert code == 2 and "Unknown locality 'ASH-X' (localities: ASH-N, ASH-S)" in err
    code, _, err = run_cli(["segments", "--partnership", "P01", "--locality", "ASH-N"], capsys)
    assert code == 2 and "in partnership 'P01'" in err
    code, _, err = run_cli(["segments", "--partnership", "ZZZ"], capsys)
    assert code == 2 and "partnerships: ASH" in err
