"""The synthetic borough's extracts, checked file by file against docs/EXTRACTS.md."""

import csv
import hashlib
import json
import re
from argparse import Namespace
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from openpyxl import load_workbook

from onestory.people.domain.nhs_number import is_valid
from onestory.synthetic import code_table, generate

UK_DATE = re.compile(r"^\d{2}/\d{2}/\d{4}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SNOMED = "http://snomed.info/sct"
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
GP_ID_SYSTEM = "https://onestory.example/Id/gp-patient/"

# file → (local id column, {date column: format}, NHS number column or "")
CSV_FILES = {
    "acute_ae_attendances.csv": ("hospital_number", {"dob": "uk", "arrival_date": "uk"}),
    "acute_admissions.csv": (
        "hospital_number",
        {"dob": "uk", "admission_date": "uk", "discharge_date": "uk"},
    ),
    "mental_health_referrals.csv": (
        "patient_id",
        {"date_of_birth": "iso", "referral_date": "iso", "closed_date": "iso"},
    ),
    "mental_health_contacts.csv": ("patient_id", {"date_of_birth": "iso", "contact_date": "iso"}),
    "community_referrals.csv": (
        "patient_id",
        {"date_of_birth": "iso", "referral_date": "iso", "closed_date": "iso"},
    ),
    "community_contacts.csv": ("patient_id", {"date_of_birth": "iso", "contact_date": "iso"}),
    "adult_social_care_cld.csv": (
        "la_person_id",
        {"date_of_birth": "iso", "event_start_date": "iso", "event_end_date": "iso"},
    ),
    "childrens_services.csv": ("child_id", {"dob": "uk", "start_date": "uk", "end_date": "uk"}),
    "housing.csv": ("tenant_ref", {"date_of_birth": "uk", "start_date": "uk", "end_date": "uk"}),
}
KIND = {
    "acute_ae_attendances.csv": "acute",
    "acute_admissions.csv": "acute",
    "mental_health_referrals.csv": "mental_health",
    "mental_health_contacts.csv": "mental_health",
    "community_referrals.csv": "community",
    "community_contacts.csv": "community",
    "adult_social_care_cld.csv": "adult_social_care",
    "childrens_services.csv": "childrens_services",
    "housing.csv": "housing",
}


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


_BUNDLES: dict[Path, dict[str, dict]] = {}


def gp_bundles(out: Path) -> dict[str, dict]:
    """The GP bundles of a generated borough, parsed once per module."""
    if out not in _BUNDLES:
        _BUNDLES[out] = {p.name: json.loads(p.read_text()) for p in sorted(out.glob("gp_*.json"))}
    return _BUNDLES[out]


def voluntary_rows(out: Path) -> dict[str, list[dict]]:
    wb = load_workbook(out / "voluntary_sector.xlsx", read_only=True)
    sheets = {}
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        sheets[ws.title] = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    wb.close()
    return sheets


def parse_date(value: str, style: str) -> date:
    if style == "uk":
        d, m, y = value.split("/")
        return date(int(y), int(m), int(d))
    return date.fromisoformat(value)


@pytest.fixture(scope="module")
def borough(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("borough")
    generate(2000, seed=7, out=out, error_rate=0.0)
    return out


@pytest.fixture(scope="module")
def large_borough(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("large")
    generate(6000, seed=13, out=out, error_rate=0.0)
    return out


@pytest.fixture(scope="module")
def small_borough(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("small")
    generate(400, seed=9, out=out, error_rate=0.0)
    return out


@pytest.fixture(scope="module")
def noisy_borough(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("noisy")
    generate(800, seed=7, out=out, error_rate=0.1)
    return out


def digest(out: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}


def test_generate_same_seed_gives_identical_bytes(tmp_path):
    generate(400, seed=11, out=tmp_path / "a", error_rate=0.01)
    generate(400, seed=11, out=tmp_path / "b", error_rate=0.01)
    generate(400, seed=12, out=tmp_path / "c", error_rate=0.01)
    a, b, c = digest(tmp_path / "a"), digest(tmp_path / "b"), digest(tmp_path / "c")
    assert a == b
    assert set(a) == set(c)
    assert a["truth.csv"] != c["truth.csv"]
    assert a["gp_Y02101.json"] != c["gp_Y02101.json"]


def test_generate_writes_exactly_the_documented_files(borough):
    names = {p.name for p in borough.iterdir()}
    expected = set(CSV_FILES) | {"voluntary_sector.xlsx", "truth.csv", "manifest.json"}
    assert expected <= names
    gp = {n for n in names if n.startswith("gp_")}
    assert len(gp) == 3  # at least three practices, about one per 4,000 people
    assert names == expected | gp


def test_manifest_records_seed_people_reference_date_and_row_counts(borough):
    manifest = json.loads((borough / "manifest.json").read_text())
    assert manifest["seed"] == 7
    assert manifest["people"] == 2000
    assert manifest["reference_date"] == "2026-10-31"
    for name in CSV_FILES:
        assert manifest["files"][name]["rows"] == len(read_csv(borough / name))
        assert manifest["files"][name]["kind"] == KIND[name]
    for name, bundle in gp_bundles(borough).items():
        assert manifest["files"][name]["rows"] == len(bundle["entry"])
        assert manifest["files"][name]["org_code"] == name[3:-5]


def test_every_nhs_number_is_synthetic_and_passes_modulus_11(borough):
    numbers = []
    for name, (_local, _dates) in CSV_FILES.items():
        for row in read_csv(borough / name):
            if row.get("nhs_number"):
                numbers.append(row["nhs_number"])
    for bundle in gp_bundles(borough).values():
        for entry in bundle["entry"]:
            for ident in entry["resource"].get("identifier", []):
                if ident["system"] == NHS_SYSTEM:
                    numbers.append(ident["value"])
    assert len(numbers) > 2000
    assert all(n.startswith("999") and is_valid(n) for n in numbers)


def records_in_files(out: Path) -> set[tuple[str, str]]:
    """(system, local id) for every person record in every extract."""
    seen = set()
    for name, (local, _dates) in CSV_FILES.items():
        for row in read_csv(out / name):
            seen.add((f"{KIND[name]}:{row['org_code']}", row[local]))
    for name, bundle in gp_bundles(out).items():
        ods = name[3:-5]
        for entry in bundle["entry"]:
            res = entry["resource"]
            if res["resourceType"] == "Patient":
                ids = {i["system"]: i["value"] for i in res["identifier"]}
                seen.add((f"gp:{ods}", ids[GP_ID_SYSTEM + ods]))
    for rows in voluntary_rows(out).values():
        for row in rows:
            seen.add((f"voluntary:{row['organisation_code']}", row["client_id"]))
    return seen


def test_truth_covers_every_person_record_in_every_file(borough):
    truth = {(r["system"], r["local_id"]) for r in read_csv(borough / "truth.csv")}
    in_files = records_in_files(borough)
    assert in_files == truth
    people = {r["person_id"] for r in read_csv(borough / "truth.csv")}
    assert len(people) > 1950  # nearly everyone is at least in the GP extract


def test_housing_and_voluntary_carry_no_nhs_numbers(borough):
    housing = read_csv(borough / "housing.csv")
    assert housing and "nhs_number" not in housing[0]
    sheets = voluntary_rows(borough)
    for rows in sheets.values():
        assert rows and "nhs_number" not in rows[0]
    ten_digits = re.compile(r"\b999\d{7}\b")
    assert not ten_digits.search((borough / "housing.csv").read_text())


def test_adult_social_care_lacks_nhs_number_for_about_a_third(borough):
    people = {}
    for row in read_csv(borough / "adult_social_care_cld.csv"):
        people[row["la_person_id"]] = row["nhs_number"]
    missing = sum(1 for v in people.values() if not v) / len(people)
    assert len(people) > 30
    assert 0.15 < missing < 0.5


def test_children_often_lack_nhs_number_and_gp_nearly_never(borough):
    children = {
        r["child_id"]: r["nhs_number"] for r in read_csv(borough / "childrens_services.csv")
    }
    assert sum(1 for v in children.values() if not v) / len(children) > 0.35
    patients = [
        e["resource"]
        for b in gp_bundles(borough).values()
        for e in b["entry"]
        if e["resource"]["resourceType"] == "Patient"
    ]
    with_nhs = sum(1 for p in patients if any(i["system"] == NHS_SYSTEM for i in p["identifier"]))
    assert with_nhs / len(patients) > 0.98


def frailty_by_person(out: Path) -> dict[str, str]:
    """person id → frailty code in the GP record (mild / moderate / severe), from truth."""
    truth = {(r["system"], r["local_id"]): r["person_id"] for r in read_csv(out / "truth.csv")}
    codes = {"925831000000107": "moderate", "925861000000102": "severe"}
    frail = {}
    for name, bundle in gp_bundles(out).items():
        ods = name[3:-5]
        for entry in bundle["entry"]:
            res = entry["resource"]
            code = res.get("code", {}).get("coding", [{}])[0].get("code")
            if res["resourceType"] == "Condition" and code in codes:
                local = res["subject"]["reference"].split("-p")[-1]
                frail[truth[(f"gp:{ods}", local)]] = codes[code]
    return frail


def test_frail_people_have_more_emergency_admissions(borough):
    truth = {(r["system"], r["local_id"]): r["person_id"] for r in read_csv(borough / "truth.csv")}
    frail = frailty_by_person(borough)
    admissions: Counter[str] = Counter()
    for row in read_csv(borough / "acute_admissions.csv"):
        if row["admission_method"] == "emergency":
            admissions[truth[(f"acute:{row['org_code']}", row["hospital_number"])]] += 1
    everyone = {r["person_id"] for r in read_csv(borough / "truth.csv")}
    others = everyone - set(frail)
    frail_rate = sum(admissions[p] for p in frail) / len(frail)
    other_rate = sum(admissions[p] for p in others) / len(others)
    assert len(frail) > 30
    assert frail_rate > 3 * other_rate


@pytest.mark.parametrize("name", sorted(CSV_FILES))
def test_dates_are_in_the_format_each_source_uses(borough, name):
    _local, dates = CSV_FILES[name]
    rows = read_csv(borough / name)
    assert rows, name
    for row in rows:
        for column, style in dates.items():
            value = row[column]
            if not value:
                continue
            assert (UK_DATE if style == "uk" else ISO_DATE).match(value), (name, column)
            parse_date(value, style)


def test_every_row_carries_its_organisation(borough):
    for name in CSV_FILES:
        for row in read_csv(borough / name):
            assert row["org_code"] and row["org_name"], name
    orgs = Counter(r["org_code"] for r in read_csv(borough / "housing.csv"))
    assert set(orgs) == {"E08000999", "L4721"}  # council and housing association tenants


def test_sex_codes_follow_each_source(borough):
    letters = {r["sex"] for r in read_csv(borough / "acute_ae_attendances.csv")}
    words = {r["gender"] for r in read_csv(borough / "adult_social_care_cld.csv")}
    assert letters <= {"M", "F", "U"} and {"M", "F"} <= letters
    assert words <= {"Female", "Male", "Unknown"} and {"Female", "Male"} <= words


def test_voluntary_workbook_has_partial_dates_of_birth_and_one_name_cell(borough):
    sheets = voluntary_rows(borough)
    assert set(sheets) == {"Referrals", "Social prescribing"}
    month = re.compile(r"^\d{2}/\d{4}$|^\d{4}$")
    values = [r["birth_month"] for rows in sheets.values() for r in rows]
    assert all(v in (None, "") or month.match(v) for v in values)
    assert any(v and "/" in v for v in values) and any(v and "/" not in v for v in values)
    assert all(len(r["client_name"].split(" ")) >= 2 for r in sheets["Referrals"])
    assert all(isinstance(r["referral_date"], date) for r in sheets["Referrals"])
    assert {r["organisation_code"] for r in sheets["Referrals"]} <= {"VS0101", "VS0102", "VS0103"}


def test_error_rate_zero_writes_no_invalid_rows(borough, small_borough):
    from onestory.sources.domain.adapters import adapter_for, is_extract

    manifest = json.loads((borough / "manifest.json").read_text())
    assert all(f.get("invalid_rows", 0) == 0 for f in manifest["files"].values())
    # The adapters (the importer's own checks) find nothing wrong either.
    for path in sorted(small_borough.iterdir()):
        if is_extract(path):
            bad = [r for r in adapter_for(path).read(path) if r.problems]
            assert bad == [], (path.name, bad[:1])


def test_positive_error_rate_writes_invalid_rows_the_importer_quarantines(noisy_borough):
    from onestory.sources.domain.adapters import adapter_for, is_extract

    manifest = json.loads((noisy_borough / "manifest.json").read_text())
    kinds: Counter[str] = Counter()
    for path in sorted(noisy_borough.iterdir()):
        if not is_extract(path):
            continue
        info = manifest["files"][path.name]
        kinds.update(info["invalid_by_kind"])
        bad = sum(1 for r in adapter_for(path).read(path) if r.problems)
        # Contacts naming a referral that does not exist are caught when importing.
        expected = info["invalid_rows"] - info["invalid_by_kind"].get("unknown_reference", 0)
        assert bad == expected, path.name
    assert sum(kinds.values()) > 50
    for kind in (
        "bad_date",
        "bad_nhs_number",
        "missing_local_id",
        "broken_subject",
        "missing_required_field",
    ):
        assert kinds[kind] > 0, kind


def test_error_rate_does_not_change_the_ground_truth(tmp_path):
    generate(300, seed=5, out=tmp_path / "clean", error_rate=0.0)
    generate(300, seed=5, out=tmp_path / "noisy", error_rate=0.1)
    clean = (tmp_path / "clean" / "truth.csv").read_bytes()
    assert clean == (tmp_path / "noisy" / "truth.csv").read_bytes()


def test_every_snomed_code_comes_from_the_code_table(borough):
    table = code_table()
    used = set()

    def walk(node):
        if isinstance(node, dict):
            if node.get("system") == SNOMED and "code" in node:
                used.add((node["code"], node.get("display")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for bundle in gp_bundles(borough).values():
        walk(bundle)
    for row in read_csv(borough / "acute_ae_attendances.csv"):
        used.add((row["diagnosis_snomed"], row["diagnosis_text"]))
    for row in read_csv(borough / "acute_admissions.csv"):
        used.add((row["primary_diagnosis_snomed"], row["primary_diagnosis_text"]))
    assert len(used) > 40
    for code, display in used:
        assert table[code] == display


def test_gp_bundles_parse_as_fhir_r4_transactions_with_put_requests(small_borough):
    for name, data in gp_bundles(small_borough).items():
        bundle = Bundle.model_validate(data)
        assert bundle.type == "transaction"
        ids = set()
        for entry in data["entry"]:
            res = entry["resource"]
            assert entry["fullUrl"].startswith("urn:uuid:")
            assert entry["request"] == {
                "method": "PUT",
                "url": f"{res['resourceType']}/{res['id']}",
            }
            ids.add(f"{res['resourceType']}/{res['id']}")
        for entry in data["entry"]:
            subject = entry["resource"].get("subject")
            if subject:
                assert subject["reference"] in ids, name


def test_over_75s_with_a_social_care_service_are_in_four_or_more_systems(large_borough):
    borough = large_borough
    truth = read_csv(borough / "truth.csv")
    systems = defaultdict(set)
    for r in truth:
        systems[r["person_id"]].add(r["system"])
    person_of = {(r["system"], r["local_id"]): r["person_id"] for r in truth}
    served = set()
    for row in read_csv(borough / "adult_social_care_cld.csv"):
        born = date.fromisoformat(row["date_of_birth"])
        if row["event_type"] == "Service" and row["client_type"] == "Service User":
            if (date(2026, 10, 31) - born).days > 76 * 365.25:
                served.add(person_of[("adult_social_care:E08000999", row["la_person_id"])])
    assert len(served) > 40  # enough people for the share below to mean something
    share = sum(1 for p in served if len(systems[p]) >= 4) / len(served)
    assert share > 0.75


def test_care_home_discharges_match_a_placement_starting_that_day(large_borough):
    borough = large_borough
    truth = {(r["system"], r["local_id"]): r["person_id"] for r in read_csv(borough / "truth.csv")}
    placements = set()
    for row in read_csv(borough / "adult_social_care_cld.csv"):
        if row["service_component"] in ("Residential care", "Nursing care"):
            pid = truth[("adult_social_care:E08000999", row["la_person_id"])]
            placements.add((pid, row["event_start_date"]))
    care_home = 0
    for row in read_csv(borough / "acute_admissions.csv"):
        if row["discharge_destination"] == "care home":
            care_home += 1
            pid = truth[("acute:R9A", row["hospital_number"])]
            day = parse_date(row["discharge_date"], "uk").isoformat()
            assert (pid, day) in placements
    assert care_home > 0


def test_carer_rows_name_the_person_cared_for(borough):
    rows = read_csv(borough / "adult_social_care_cld.csv")
    ids = {r["la_person_id"] for r in rows}
    carers = [r for r in rows if r["client_type"] == "Carer"]
    assert carers
    assert all(r["cared_for_la_person_id"] in ids for r in carers)
    assert any(r["unpaid_carer_name"] for r in rows if r["client_type"] == "Service User")


def test_cli_run_prints_a_summary_and_returns_zero(tmp_path, capsys):
    from onestory.synthetic.cli import run

    args = Namespace(people=60, seed=3, out=tmp_path / "cli", error_rate=0.0)
    assert run(args) == 0
    out = capsys.readouterr().out
    assert "60 people" in out and "truth.csv" in out
    assert (tmp_path / "cli" / "manifest.json").exists()


def test_deaths_in_hospital_match_the_gp_record(large_borough):
    truth = read_csv(large_borough / "truth.csv")
    person_of = {(r["system"], r["local_id"]): r["person_id"] for r in truth}
    died, registered = {}, set()
    for name, bundle in gp_bundles(large_borough).items():
        for entry in bundle["entry"]:
            res = entry["resource"]
            if res["resourceType"] == "Patient":
                pid = person_of[(f"gp:{name[3:-5]}", res["identifier"][-1]["value"])]
                registered.add(pid)
                if "deceasedDateTime" in res:
                    died[pid] = res["deceasedDateTime"]
    in_hospital = 0
    for row in read_csv(large_borough / "acute_admissions.csv"):
        if row["discharge_destination"] == "died":
            in_hospital += 1
            pid = person_of[("acute:R9A", row["hospital_number"])]
            if pid in registered:  # a few people are registered with no practice here
                assert died.get(pid) == parse_date(row["discharge_date"], "uk").isoformat()
    assert in_hospital > 10


def test_cli_synth_command_writes_a_borough_through_main(tmp_path, capsys):
    from onestory.cli import main

    with pytest.raises(SystemExit) as done:
        main(["synth", "--people", "30", "--seed", "5", "--out", str(tmp_path / "b")])
    assert done.value.code == 0
    assert (tmp_path / "b" / "truth.csv").exists()
    assert "30 people" in capsys.readouterr().out


def test_generator_lives_in_its_own_package_not_in_sources():
    import importlib.util

    assert importlib.util.find_spec("onestory.synthetic.generator") is not None
    assert importlib.util.find_spec("onestory.sources.domain.synth") is None
