from datetime import date
from pathlib import Path

import pytest

from onestory.people.domain.mapping import MappingError, parse_mapping, resolve_files

ISSUE_EXAMPLE = """
[[source]]
name = "council"
file = "council.csv"
record_id = "rec_id"
given_name = "given_name"
family_name = "surname"
date_of_birth = "date_of_birth"
date_format = "%Y%m%d"
sex = "sex"
postcode = "postcode"
address = ["street_number", "address_1", "address_2", "suburb"]
nhs_number = "nhs_no"
truth = "true_id"

[[source]]
name = "housing"
file = "housing.parquet"
family_name = "surname"
address = "addr"
"""


def test_parse_mapping_reads_the_issue_example():
    council, housing = parse_mapping(ISSUE_EXAMPLE)
    assert council.address == ("street_number", "address_1", "address_2", "suburb")
    assert council.truth == "true_id" and council.nhs_number == "nhs_no"
    assert council.parse_date("19560520") == date(1956, 5, 20)
    assert council.parse_date("19561320") is None  # not a real date: missing, not an error
    assert housing.address == ("addr",) and housing.given_name == ""
    assert housing.columns() == ["surname", "addr"]


def test_parse_mapping_collects_every_problem():
    with pytest.raises(MappingError) as err:
        parse_mapping('[[source]]\nfile = 3\nsex = ["a"]\ncolour = "red"\ndate_format = "Y"\n')
    problems = " | ".join(err.value.problems)
    for expected in ("needs a name", "needs a file", "sex must be", "unknown key", "date_format"):
        assert expected in problems


def test_parse_mapping_rejects_no_sources_and_bad_toml():
    with pytest.raises(MappingError, match="no \\[\\[source\\]\\]"):
        parse_mapping("")
    with pytest.raises(MappingError, match="not valid TOML"):
        parse_mapping("[[source]\n")


def test_resolve_files_matches_command_line_files_by_name(tmp_path):
    (tmp_path / "council.csv").write_text("x")
    (tmp_path / "housing.parquet").write_text("x")
    sources = parse_mapping(ISSUE_EXAMPLE)
    elsewhere = tmp_path / "given"
    elsewhere.mkdir()
    (elsewhere / "council.csv").write_text("x")
    paths = resolve_files(sources, [elsewhere / "council.csv"], tmp_path)
    assert paths["council"] == elsewhere / "council.csv"  # named on the command line
    assert paths["housing"] == tmp_path / "housing.parquet"  # beside the mapping
    with pytest.raises(MappingError) as err:
        resolve_files(sources, [tmp_path / "council.csv", tmp_path / "other.csv"], Path("/x"))
    assert any("housing" in p for p in err.value.problems)
    assert any("'other.csv' is named by no source" in p for p in err.value.problems)
