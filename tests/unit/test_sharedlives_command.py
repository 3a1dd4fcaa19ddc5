"""`onestory sharedlives match`: reads the two CSV files, writes person_id,carer_id,score and
prints the JSON summary; bad rows are named (file, row, field) and the good rows kept."""

import csv
import json
import subprocess
import sys

import pytest

from onestory.cli import main

PEOPLE = """id,postcode,needs,must_not,preferences,support,safeguarding,max_km
P1,LS12 3AB,epilepsy,smoking,gardening;language:urdu,long_term,,
P2,LS28 1AB,,dogs,music,,risk_to_children,
P3,LS11 2AB,wheelchair,,,,,
"""
CARERS = """id,postcode,capacity,offers,household,skills,accessibility,interests,languages
C1,LS12 4DE,1,long_term;short_breaks,cats,epilepsy_care,,gardening,urdu;english
C2,LS28 2DE,2,long_term,dogs,,,music,english
C3,LS28 5DE,1,long_term,,,,music,english
"""


def _files(tmp_path, people=PEOPLE, carers=CARERS):
    (tmp_path / "people.csv").write_text(people)
    (tmp_path / "carers.csv").write_text(carers)
    return [
        "sharedlives", "match",
        "--people", str(tmp_path / "people.csv"),
        "--carers", str(tmp_path / "carers.csv"),
        "--out", str(tmp_path / "matches.csv"),
    ]  # fmt: skip


def _run(capsys, argv, code=0):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == code
    return capsys.readouterr()


def test_match_json_summary_and_matches_file(tmp_path, capsys):
    out = _run(capsys, [*_files(tmp_path), "--json"]).out
    doc = json.loads(out)
    assert list(doc) == ["people", "carers", "matched", "unmatched", "total_score"]
    assert (doc["people"], doc["carers"], doc["matched"]) == (3, 3, 2)
    assert doc["unmatched"][0]["person_id"] == "P3"
    assert "home not accessible" in doc["unmatched"][0]["reason"]
    rows = list(csv.DictReader((tmp_path / "matches.csv").open()))
    assert [r["person_id"] for r in rows] == ["P1", "P2"]
    assert {r["person_id"]: r["carer_id"] for r in rows} == {"P1": "C1", "P2": "C3"}
    assert list(rows[0]) == ["person_id", "carer_id", "score"]
    assert doc["total_score"] == sum(int(r["score"]) for r in rows)


def test_match_bad_rows_are_named_and_good_rows_kept(tmp_path, capsys):
    people = PEOPLE + "P4,nowhere,,,,,,\nP5,LS12 1AA,,,,,unheard_of_flag,\nP1,LS12 1AA,,,,,,\n"
    carers = CARERS + "C4,LS12 1AA,two,long_term,,,,,\nC5,LS12 1AA,1,,,,,,\n"
    people = people.replace(
        "id,postcode,needs,must_not,preferences,support,safeguarding,max_km",
        "id,postcode,needs,must_not,preferences,support,safeguarding,max_km,starts",
    )
    people += "P6,LS12 1AA,,,,,,,soon\n"
    result = _run(capsys, [*_files(tmp_path, people, carers), "--json"], code=3)
    errors = result.err.splitlines()
    assert "people.csv: row 5, field postcode: not a postcode: 'nowhere'" in errors
    assert any(e.startswith("people.csv: row 6, field safeguarding: unknown") for e in errors)
    assert "people.csv: row 7, field id: duplicate id 'P1'" in errors
    assert "people.csv: row 8, field starts: not a date (YYYY-MM-DD): 'soon'" in errors
    assert "carers.csv: row 5, field capacity: not a whole number: 'two'" in errors
    assert any(e.startswith("carers.csv: row 6, field offers:") for e in errors)
    doc = json.loads(result.out)
    assert (doc["people"], doc["carers"], doc["matched"]) == (3, 3, 2)


def test_match_missing_column_names_the_file_and_column(tmp_path, capsys):
    result = _run(capsys, _files(tmp_path, people="id,postcode\nP1,LS12 1AA\n"), code=3)
    assert "people.csv: row 1, field needs, must_not, preferences: missing column(s)" in result.err
    assert "0 of 0 people matched" in result.out


def test_match_missing_file_is_an_error_not_a_traceback(tmp_path, capsys):
    argv = _files(tmp_path)
    (tmp_path / "carers.csv").unlink()
    result = _run(capsys, argv, code=3)
    assert "carers.csv: cannot be read" in result.err
    assert "Traceback" not in result.err


def test_match_runs_as_the_onestory_command(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "onestory", *_files(tmp_path), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["matched"] == 2
