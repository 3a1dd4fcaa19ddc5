"""Reading indicators partnerships publish, and which integration model was in force."""

import pytest

from onestory.national.domain.models_in_time import Version, model_in
from onestory.national.domain.published import kind_of, missing_columns, quarter_key, read


def row(**kw):
    base = {
        "partnership": "P01",
        "locality": "P01L01",
        "quarter": "2025Q3",
        "indicator": "emergency_admissions",
        "numerator": "120",
        "denominator": "10000",
    }
    return {**base, **kw}


def test_read_keeps_counts_and_reads_suppressed_numerators_as_none():
    found, problems = read(
        [
            (2, row()),
            (3, row(locality="P01L02", numerator="fewer than 8")),
            (4, row(locality="P01L03", numerator="")),
        ]
    )
    assert problems == []
    assert [(i.locality, i.numerator, i.denominator) for i in found] == [
        ("P01L01", 120, 10000),
        ("P01L02", None, 10000),
        ("P01L03", None, 10000),
    ]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"numerator": "5"}, "numerator", "is from 1 to 7: suppress it before publishing"),
        ({"numerator": "12.5"}, "numerator", "is not a whole number"),
        ({"denominator": "0"}, "denominator", "is zero"),
        ({"denominator": "many"}, "denominator", "is not a whole number"),
        ({"quarter": "2025-07"}, "quarter", "is not a quarter like 2025Q3"),
        ({"partnership": ""}, "partnership", "is empty"),
        ({"indicator": "x" * 81}, "indicator", "is longer than 80 characters"),
        (
            {"indicator": "discharge_usual_residence_pct", "numerator": "30", "denominator": "20"},
            "numerator",
            "is more than the denominator",
        ),
    ],
)
def test_read_names_the_row_and_field_of_each_bad_value(changes, field, message):
    found, problems = read([(2, row()), (3, row(locality="P01L02", **changes))])
    assert len(found) == 1
    assert [p.describe("p01.csv") for p in problems] == [f"p01.csv, row 3, {field}: {message}"]


def test_a_repeated_place_and_quarter_keeps_the_first():
    found, problems = read([(2, row()), (3, row(numerator="300"))])
    assert [i.numerator for i in found] == [120]
    assert problems[0].row == 3 and "already has it" in problems[0].message


def test_kind_quarter_and_columns():
    assert kind_of("discharge_usual_residence_pct") == "proportion"
    assert kind_of("emergency_admissions") == "rate"
    assert quarter_key("2024Q4") < quarter_key("2025Q1")
    with pytest.raises(ValueError):
        quarter_key("2025Q5")
    assert missing_columns(["partnership", "quarter"]) == [
        "locality",
        "indicator",
        "numerator",
        "denominator",
    ]


def test_model_in_a_quarter_is_the_newest_version_from_then_or_before():
    versions = [
        Version("P01", "2023Q1", "aligned", False, "none"),
        Version("P01", "2025Q2", "pooled", True, "neighbourhood"),
        Version("P02", "2024Q1", "pooled", False, "practice"),
    ]
    assert model_in(versions, "P01", "2022Q4") is None
    assert model_in(versions, "P01", "2025Q1").budget == "aligned"
    assert model_in(versions, "P01", "2025Q2").budget == "pooled"
    assert model_in(versions, "P02", "2026Q1").mdt == "practice"
    assert model_in(versions, "P03", "2026Q1") is None
