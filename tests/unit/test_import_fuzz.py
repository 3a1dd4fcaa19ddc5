"""Fuzzing every importer with damaged input: bad bytes, other encodings, NULs, stray quotes,
ragged rows, deep nesting, huge fields, garbage zips. Whatever comes in, an adapter either
refuses the file with an ExtractError naming it, or yields rows whose problems each name a
field and a reason — and a good row placed before the damage is still read as good.

Hypothesis runs derandomised (the same examples every run) with a small budget per test so
the file stays fast; the database-level counterpart is tests/integration/test_import_fuzz.py.
"""

import csv
import io
import json
import tempfile
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onestory.interop.domain.bundle import BundleError, parse_json, read_bundle
from onestory.sources.domain.adapters import ExtractError, adapter_for
from onestory.sources.domain.limits import DEFAULT_LIMITS
from tests.unit.test_adapters import (
    ACUTE_PERSON,
    ASC,
    CHILD,
    HOUSING,
    TODAY,
    TRUST_PERSON,
    admission,
    write_workbook,
)
from tests.unit.test_adapters_fhir import bundle

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Small limits, so a few kilobytes of fuzz reach every limit without big files.
LIMITS = replace(
    DEFAULT_LIMITS,
    max_line_bytes=2048,
    max_rows=200,
    max_json_depth=40,
    max_unpacked_bytes=512 * 1024,
    ratio_floor_bytes=64 * 1024,
)

REFERRAL = {
    "referral_id": "R1",
    "referral_date": "2024-01-10",
    "referral_source": "GP",
    "team": "Older adults CMHT",
    "reason": "Low mood",
    "status": "open",
    "closed_date": "",
}
CONTACT = {
    "contact_id": "C1",
    "referral_id": "R1",
    "contact_date": "2024-01-20",
    "contact_type": "telephone",
    "clinician": "J Jones",
    "outcome": "",
}
AE = ACUTE_PERSON | {
    "attendance_id": "AE1",
    "arrival_date": "10/03/2024",
    "arrival_mode": "ambulance",
    "chief_complaint": "Fall",
    "diagnosis_snomed": "",
    "diagnosis_text": "Head injury",
    "disposal": "admitted",
}
# One good row for every CSV extract the importer knows.
GOOD_ROWS = {
    "acute_ae_attendances.csv": AE,
    "acute_admissions.csv": admission(forename="Zoë"),
    "mental_health_referrals.csv": TRUST_PERSON | REFERRAL,
    "mental_health_contacts.csv": TRUST_PERSON | CONTACT,
    "community_referrals.csv": TRUST_PERSON | REFERRAL,
    "community_contacts.csv": TRUST_PERSON | CONTACT,
    "adult_social_care_cld.csv": ASC,
    "childrens_services.csv": CHILD,
    "housing.csv": HOUSING,
}
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"]

# Text that breaks CSV and decoders: quotes, separators, newlines, NULs, controls, non-Latin.
nasty_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(',"\n\r\x00\t;\\\ufeff\u2028é€')),
        st.characters(codec="utf-8"),
    ),
    max_size=60,
)
garbage_lines = st.lists(
    st.one_of(
        st.binary(max_size=80),
        nasty_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.integers(min_value=2049, max_value=6000).map(lambda n: b"x" * n),  # overlong line
        st.integers(min_value=1, max_value=40).map(lambda n: b'"' + b"," * n),  # open quote
        st.just(b",,,"),  # ragged
    ),
    max_size=12,
)


def assert_named(rows, file_name: str) -> None:
    """Every row has a row number, and every problem a field and a reason."""
    for parsed in rows:
        assert isinstance(parsed.row, int) and parsed.row >= 1
        for problem in parsed.problems:
            assert problem.field is not None and problem.reason


def read_all(path: Path):
    adapter = adapter_for(path, LIMITS)
    try:
        return list(adapter.read(path, today=TODAY)), None
    except ExtractError as exc:
        assert str(exc).startswith(f"{path.name}: "), str(exc)
        return [], exc


def csv_text(row: dict[str, str]) -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(row), lineterminator="\n")
    writer.writeheader()
    writer.writerow(row)
    return out.getvalue()


@FUZZ
@given(
    name=st.sampled_from(sorted(GOOD_ROWS)),
    encoding=st.sampled_from(ENCODINGS),
    garbage=garbage_lines,
)
def test_csv_adapters_keep_the_good_row_whatever_follows(name, encoding, garbage):
    text = csv_text(GOOD_ROWS[name])
    if encoding == "utf-16":
        data = text.encode("utf-16") + "\n".join(g.decode("latin-1") for g in garbage).encode(
            "utf-16-le"
        )
    else:
        data = text.encode(encoding) + b"\n".join(garbage)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_bytes(data)
        rows, error = read_all(path)
    assert error is None, error
    assert rows[0].row == 2 and rows[0].ok, rows[0].problems
    assert_named(rows, name)


@FUZZ
@given(
    name=st.sampled_from(sorted(GOOD_ROWS)),
    data=st.one_of(
        st.binary(min_size=1, max_size=3000),
        nasty_text.map(lambda t: t.encode("utf-8", "surrogatepass") or b"\x00"),
    ),
)
def test_csv_adapters_never_crash_on_arbitrary_bytes(name, data):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_bytes(data)
        rows, _error = read_all(path)
    assert_named(rows, name)


@FUZZ
@given(
    name=st.sampled_from(sorted(GOOD_ROWS)),
    cells=st.lists(st.lists(nasty_text, max_size=30), max_size=8),
)
def test_csv_adapters_name_every_problem_in_ragged_rows(name, cells):
    header = ",".join(GOOD_ROWS[name])
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(cells)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_bytes((header + "\n" + out.getvalue()).encode("utf-8", "surrogatepass"))
        rows, error = read_all(path)
    assert error is None, error
    assert_named(rows, name)
    assert all(r.ok or r.problems for r in rows)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | nasty_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(nasty_text, children),
    max_leaves=20,
)
junk_entries = st.lists(
    st.one_of(
        json_values,
        st.dictionaries(st.just("resource"), json_values),
        st.fixed_dictionaries(
            {
                "resource": st.fixed_dictionaries(
                    {"resourceType": st.sampled_from(["Patient", "Condition", "Encounter", "X"])},
                    optional={"id": json_values, "subject": json_values, "name": json_values},
                ),
            },
            optional={"request": json_values, "fullUrl": nasty_text},
        ),
    ),
    max_size=5,
)


@FUZZ
@given(junk=junk_entries, depth=st.integers(min_value=1, max_value=200))
def test_gp_bundle_keeps_good_entries_beside_junk_and_nesting(junk, depth):
    data = bundle()
    data["entry"].extend(junk)
    data["entry"].append({"resource": {"resourceType": "Basic", "extension": []}})
    text = json.dumps(data).replace('"extension": []', '"extension": ' + "[" * depth + "]" * depth)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "gp_B86001.json"
        path.write_text(text)
        rows, error = read_all(path)
    if depth + 4 > LIMITS.max_json_depth:
        assert error is not None and "nested" in str(error)
        return
    assert error is None, error
    good = {r.row: r for r in rows if r.row <= len(bundle()["entry"])}
    assert good and all(r.ok for r in good.values()), [r.problems for r in good.values()]
    assert_named(rows, path.name)


@FUZZ
@given(data=st.one_of(st.binary(min_size=1, max_size=2000), json_values.map(json.dumps)))
def test_gp_bundle_adapter_never_crashes_on_arbitrary_input(data):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "gp_B86001.json"
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
        rows, _error = read_all(path)
    assert_named(rows, path.name)


@FUZZ
@given(
    members=st.lists(
        st.tuples(st.sampled_from(["xl/workbook.xml", "[Content_Types].xml", "x"]), st.binary()),
        unique_by=lambda member: member[0],
        max_size=4,
    ),
    raw=st.binary(max_size=500),
    bomb=st.integers(min_value=0, max_value=2_000_000),
)
def test_xlsx_adapter_never_crashes_on_damaged_or_bombed_zips(members, raw, bomb):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "voluntary_sector.xlsx"
        if members or bomb:
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, content in members:
                    archive.writestr(name, content)
                if bomb:
                    archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * bomb)
        else:
            path.write_bytes(raw or b"\x00")
        rows, error = read_all(path)
    assert error is not None  # none of these is a readable workbook
    assert not rows


sheet_cells = st.one_of(
    st.none(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=date(1000, 1, 1)),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=40),
)


@FUZZ
@given(extra=st.lists(st.lists(sheet_cells, min_size=1, max_size=14), max_size=6))
def test_xlsx_adapter_keeps_the_good_row_beside_odd_cells(extra):
    good = ["VR1", "VAGE1", "Age UK Leeds", "AUK1", "Bill Smith", "03/1941", "LS1 4AP"]
    good += ["2024-01-05", "GP", "Loneliness", "Befriending"]
    with tempfile.TemporaryDirectory() as directory:
        path = write_workbook(Path(directory), [good, *extra], extra)
        rows, error = read_all(path)
    assert error is None, error
    assert rows[0].row == 2 and rows[0].ok, rows[0].problems
    assert_named(rows, path.name)


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=2000),
        json_values.map(lambda v: json.dumps(v).encode("utf-8", "surrogatepass")),
        st.integers(min_value=0, max_value=20_000).map(lambda n: b"[" * n + b"]" * n),
        st.integers(min_value=0, max_value=20_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    )
)
def test_fhir_bundle_reading_never_crashes(data):
    try:
        value = parse_json(data)
    except BundleError as exc:
        assert str(exc) and exc.path and exc.code in ("structure", "invalid")
        return
    try:
        _bundle_type, entries = read_bundle(value)
    except BundleError as exc:
        assert str(exc) and exc.path
        return
    for entry in entries:
        for issue in entry.issues:
            assert issue.resource and issue.path and issue.message


@FUZZ
@given(junk=junk_entries, bundle_type=st.sampled_from(["transaction", "batch", "collection"]))
def test_fhir_bundle_junk_entries_get_issues_and_good_ones_none(junk, bundle_type):
    data = bundle()
    good = len(data["entry"])
    data["type"] = bundle_type
    data["entry"].extend(junk)
    _type, entries = read_bundle(json.loads(json.dumps(data)))
    assert all(e.ok for e in entries[:good]), [e.issues for e in entries[:good]]
    for entry in entries[good:]:
        for issue in entry.issues:
            assert issue.resource and issue.path and issue.message
