"""`onestory who-pays --json`: the exact JSON contract."""

import json
import re

import pytest

from onestory.cli import main


def _run(capsys, *argv):
    with pytest.raises(SystemExit) as stop:
        main(["who-pays", *argv])
    assert stop.value.code == 0
    return capsys.readouterr().out


def test_who_pays_json_shape_and_two_decimal_money(capsys):
    out = _run(
        capsys,
        *("--capital", "30000", "--property", "0", "--weekly-income", "250"),
        *("--weekly-cost", "500", "--setting", "home", "--age", "70", "--weeks", "4", "--json"),
    )
    doc = json.loads(out)
    assert list(doc) == ["scenarios"]
    assert list(doc["scenarios"]) == ["current", "cap2021", "floor2017"]
    current = doc["scenarios"]["current"]
    assert list(current) == [
        "person_total",
        "council_total",
        "capital_left",
        "limit_reached_week",
        "cap_reached_week",
        "weeks",
    ]
    assert list(current["weeks"][0]) == ["week", "person", "council", "capital"]
    # 4 × £500 full cost; capital 30,000 − 4 × (500 − 29.15 spare income) = 28,116.60
    assert '"person_total": 2000.00' in out
    assert '"capital_left": 28116.60' in out
    assert current["limit_reached_week"] is None
    # Every money value is written with exactly two decimals.
    for key in ("person", "council", "capital"):
        assert re.search(rf'"{key}": \d+\.\d\d[,}}]', out)


def test_who_pays_single_scenario(capsys):
    out = _run(
        capsys,
        *("--capital", "200000", "--property", "0", "--weekly-income", "0"),
        *("--weekly-cost", "10200", "--setting", "care_home", "--weeks", "10"),
        *("--scenario", "cap2021", "--json"),
    )
    doc = json.loads(out)
    assert list(doc["scenarios"]) == ["cap2021"]
    assert doc["scenarios"]["cap2021"]["cap_reached_week"] == 9


def test_who_pays_negative_money_is_refused(capsys):
    with pytest.raises(SystemExit) as stop:
        main(
            ["who-pays", "--capital", "-1", "--property", "0", "--weekly-income", "0"]
            + ["--weekly-cost", "1", "--setting", "home"]
        )
    assert stop.value.code == 2
