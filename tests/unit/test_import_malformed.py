"""Malformed extracts, one kind of damage at a time: each gives a file-level error naming the
file, or row problems naming the row and field, and the good rows are kept — never a
traceback (docs/EXTRACTS.md "Damaged files and limits")."""

import csv
import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from onestory.interop.domain.bundle import BundleError, parse_json
from onestory.sources.domain.adapters import ExtractError, adapter_for
from onestory.sources.domain.json_input import has_nul
from onestory.sources.domain.limits import DEFAULT_LIMITS, check_zip, json_depth
from tests.unit.test_adapters import HOUSING, TODAY, admission, write_workbook
from tests.unit.test_adapters_fhir import bundle

SMALL = replace(
    DEFAULT_LIMITS,
    max_line_bytes=4096,
    max_rows=50,
    max_unpacked_bytes=64 * 1024,
    ratio_floor_bytes=64 * 1024,
)


def csv_bytes(rows: list[dict[str, str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def read(path: Path, limits=None):
    adapter = adapter_for(path, limits) if limits else adapter_for(path)
    return list(adapter.read(path, today=TODAY)), adapter.warnings


def problems(parsed) -> list[tuple[str, str]]:
    return [(p.field, p.reason) for p in parsed.problems]


# -- encodings ------------------------------------------------------------------------------


def test_csv_latin1_file_is_read_as_windows_1252_with_a_warning(tmp_path):
    path = tmp_path / "acute_admissions.csv"
    path.write_bytes(
        csv_bytes(
            [admission(forename="Zoë"), admission(spell_id="S2", hospital_number="H2")],
            encoding="latin-1",
        )
    )
    rows, warnings = read(path)
    assert [r.ok for r in rows] == [True, True]
    assert rows[0].person.given_name == "Zoë"
    [warning] = warnings
    assert warning.startswith("acute_admissions.csv: 1 line(s) are not UTF-8 (line 2)")
    assert "Windows-1252" in warning


def test_csv_with_utf8_byte_order_mark_reads_without_warning(tmp_path):
    path = tmp_path / "acute_admissions.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_bytes([admission(forename="Zoë")]))
    rows, warnings = read(path)
    assert rows[0].ok and rows[0].person.given_name == "Zoë"
    assert warnings == []


def test_csv_in_utf16_with_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "acute_admissions.csv"
    path.write_bytes(csv_bytes([admission(forename="Zoë")], encoding="utf-16"))
    rows, warnings = read(path)
    assert rows[0].ok and rows[0].person.given_name == "Zoë"
    assert warnings == ["acute_admissions.csv: read as UTF-16 (it has a UTF-16 mark)"]


# -- damaged rows ---------------------------------------------------------------------------


def test_csv_nul_byte_quarantines_the_row_naming_the_column(tmp_path):
    path = tmp_path / "acute_admissions.csv"
    path.write_bytes(
        csv_bytes([admission(), admission(spell_id="S2", surname="Sm\x00ith"), admission()])
    )
    rows, _ = read(path)
    assert [r.ok for r in rows] == [True, False, True]
    assert problems(rows[1]) == [("surname", "surname holds a NUL byte")]
    assert rows[1].row == 3
    assert rows[1].raw["surname"] == "Sm\u2400ith"  # storable, and shows where it was


def test_csv_field_over_the_csv_module_limit_is_a_row_problem(tmp_path):
    path = tmp_path / "acute_admissions.csv"
    huge = "x" * (csv.field_size_limit() + 10)
    path.write_bytes(csv_bytes([admission(), admission(spell_id="S2", address_line=huge)]))
    with path.open("ab") as fh:
        fh.write(csv_bytes([admission(spell_id="S3")]).split(b"\n", 1)[1])
    rows, _ = read(path)
    assert [(r.row, r.ok) for r in rows] == [(2, True), (3, False), (4, True)]
    assert rows[1].problems[0].field == "row"
    assert "field larger than field limit" in rows[1].problems[0].reason


def test_csv_line_over_the_line_limit_is_not_read_and_named(tmp_path):
    path = tmp_path / "acute_admissions.csv"
    long_line = admission(spell_id="S2", address_line="y" * 10_000)
    path.write_bytes(csv_bytes([admission(), long_line, admission(spell_id="S3")]))
    rows, _ = read(path, SMALL)
    assert sorted((r.row, r.ok) for r in rows) == [(2, True), (3, False), (4, True)]
    bad = next(r for r in rows if not r.ok)
    assert problems(bad) == [("row", "line is longer than 4.0 KB; not read")]


def test_csv_short_row_names_the_first_missing_column(tmp_path):
    path = tmp_path / "housing.csv"
    data = csv_bytes([HOUSING, HOUSING | {"tenant_ref": "T2", "record_id": "H2"}])
    lines = data.decode().splitlines()
    lines[2] = ",".join(lines[2].split(",")[:5])
    path.write_text("\n".join(lines) + "\n")
    rows, _ = read(path)
    assert rows[0].ok
    missing = list(HOUSING)[5]
    assert rows[1].problems[0] == (
        rows[1]
        .problems[0]
        .__class__(
            missing,
            f"row has 5 cells but the header has {len(HOUSING)}; "
            f"{missing} and the columns after it are missing",
        )
    )


# -- whole files ----------------------------------------------------------------------------


def test_empty_extract_is_an_error_naming_the_file(tmp_path):
    for name in ("housing.csv", "voluntary_sector.xlsx", "gp_B86001.json"):
        (tmp_path / name).write_bytes(b"")
        with pytest.raises(ExtractError, match=f"^{name}: the file is empty"):
            read(tmp_path / name)


def test_csv_wrong_header_names_missing_and_found_columns(tmp_path):
    path = tmp_path / "housing.csv"
    path.write_text("name,address\nAnn,1 High St\n")
    with pytest.raises(ExtractError) as caught:
        read(path)
    assert str(caught.value).startswith("housing.csv: missing column(s) tenant_ref")
    assert str(caught.value).endswith("the header has name, address")


def test_csv_over_the_size_limit_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "housing.csv"
    path.write_bytes(csv_bytes([HOUSING]))
    with pytest.raises(ExtractError, match=r"^housing.csv: the file is .* over the limit"):
        read(path, replace(SMALL, max_file_bytes=100))


def test_csv_with_more_rows_than_the_limit_is_refused(tmp_path):
    path = tmp_path / "acute_admissions.csv"
    path.write_bytes(csv_bytes([admission(spell_id=f"S{i}") for i in range(60)]))
    with pytest.raises(ExtractError, match="^acute_admissions.csv: more than 50 rows"):
        read(path, SMALL)


def test_garbage_csv_gives_an_error_naming_the_file(tmp_path):
    path = tmp_path / "acute_admissions.csv"
    path.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(ExtractError, match="^acute_admissions.csv: "):
        read(path)


# -- JSON nesting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b"1", 0),
        (b"[]", 1),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'{"a": "[[[[{{{{"}', 1),  # brackets inside strings do not count
        (b'{"a": "\\"[[[[", "b": ["\\\\"]}', 2),  # nor after escaped quotes
    ],
)
def test_json_depth_counts_only_structure(text, depth):
    assert json_depth(text) == depth


def test_gp_bundle_nested_ten_thousand_deep_is_refused_naming_the_file(tmp_path):
    data = bundle()
    data["entry"][0]["resource"]["extension"] = json.loads("[" * 900 + "]" * 900)
    text = json.dumps(data).replace("[" * 900, "[" * 10_000).replace("]" * 900, "]" * 10_000)
    path = tmp_path / "gp_B86001.json"
    path.write_text(text)
    with pytest.raises(ExtractError, match="^gp_B86001.json: JSON nested 10,00[0-9] levels"):
        read(path)


def test_fhir_parse_json_refuses_deep_nesting_before_parsing():
    with pytest.raises(BundleError, match="nested 10,000 levels") as caught:
        parse_json(b"[" * 10_000 + b"]" * 10_000)
    assert caught.value.code == "structure"


def test_gp_bundle_string_with_nul_quarantines_the_entry(tmp_path):
    data = bundle()
    patient = next(e for e in data["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["resource"]["name"][0]["family"] = "Sm\x00ith"
    path = tmp_path / "gp_B86001.json"
    path.write_text(json.dumps(data))
    rows, _ = read(path)
    bad = [r for r in rows if not r.ok]
    assert bad and problems(bad[0])[0] == ("Patient", "holds a NUL character")
    assert not has_nul(bad[0].raw)


# -- zip bombs ------------------------------------------------------------------------------


def bomb_workbook(directory: Path, rows: int) -> Path:
    """A real workbook whose Referrals sheet repeats one row: packs very small."""
    good = ["VR1", "VAGE1", "Age UK Leeds", "AUK1", "Bill Smith", "03/1941", "LS1 4AP"]
    good += ["2024-01-05", "GP", "Loneliness", "Befriending"]
    prescribing = ["SP1", "VCAR1", "Carers Leeds", "CL7", "Mary Ann Jones", "1950", "ls2 7ab"]
    prescribing += ["2024-02-01", "Sam Link", "walking group", 6]
    return write_workbook(directory, [[f"VR{i}", *good[1:]] for i in range(rows)], [prescribing])


def test_xlsx_unpacking_over_the_limit_is_refused_before_reading(tmp_path):
    path = bomb_workbook(tmp_path, 1000)
    with pytest.raises(ExtractError, match=r"^voluntary_sector.xlsx: unpacks to .* over the limit"):
        read(path, SMALL)


def test_xlsx_member_packed_too_tightly_is_refused_as_a_bomb(tmp_path):
    path = tmp_path / "voluntary_sector.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<row/>" * 40_000)
    limits = replace(SMALL, max_unpacked_bytes=10 * 1024 * 1024)
    with pytest.raises(ExtractError, match="sheet1.xml unpacks .* times larger.*zip bomb"):
        check_zip(path, limits)


def test_xlsx_within_the_limits_still_reads(tmp_path):
    rows, _ = read(bomb_workbook(tmp_path, 20), SMALL)
    assert len(rows) == 21 and all(r.ok for r in rows)


def test_xlsx_that_is_not_a_zip_names_the_file(tmp_path):
    path = tmp_path / "voluntary_sector.xlsx"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ExtractError, match="^voluntary_sector.xlsx: not a readable XLSX"):
        read(path)


def test_csv_bare_carriage_return_is_a_row_problem_in_plain_words(tmp_path):
    path = tmp_path / "acute_admissions.csv"
    data = csv_bytes([admission(), admission(spell_id="S2", surname="Sm\rith"), admission()])
    path.write_bytes(data.replace(b'"Sm\rith"', b"Sm\rith"))
    rows, _ = read(path)
    assert [(r.row, r.ok) for r in rows] == [(2, True), (3, False), (4, True)]
    assert problems(rows[1]) == [
        (
            "row",
            "the CSV cannot be read here: a carriage return (CR) inside an unquoted field: "
            "line ends are damaged",
        )
    ]
