"""Damaged extracts through the real importer and POST /fhir: a bad file is reported by name
and the good files (and good rows) still go in; /fhir always answers with FHIR JSON — an
OperationOutcome with 400, 413 or 422 — never an HTML page or a 500."""

import json
from argparse import Namespace
from dataclasses import replace
from datetime import date

import pytest

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.interop.actions import create_token, import_files
from onestory.interop.models import FhirResource
from onestory.sources import import_cli
from onestory.sources.actions import import_path
from onestory.sources.domain.limits import DEFAULT_LIMITS
from onestory.sources.models import QuarantinedRow, SourceEvent, SourceRecord
from tests import factories as f
from tests.unit.test_adapters import ASC, TRUST_PERSON, admission, write_csv
from tests.unit.test_adapters_fhir import bundle
from tests.unit.test_import_malformed import bomb_workbook, csv_bytes

pytestmark = pytest.mark.django_db

BY = Actor.system("test")
TODAY = date(2025, 6, 1)
SMALL = replace(DEFAULT_LIMITS, max_unpacked_bytes=64 * 1024, ratio_floor_bytes=64 * 1024)
REFERRAL = {
    "referral_id": "R1",
    "referral_date": "2024-01-10",
    "referral_source": "GP",
    "team": "Older adults CMHT",
    "reason": "Low mood",
    "status": "open",
    "closed_date": "",
}


@pytest.fixture
def damaged(tmp_path):
    """A directory where most files are damaged one way or another, beside good ones."""
    (tmp_path / "acute_admissions.csv").write_bytes(
        csv_bytes(
            [admission(forename="Zoë"), admission(spell_id="S2", hospital_number="H2")],
            encoding="latin-1",
        )
    )
    (tmp_path / "mental_health_referrals.csv").write_bytes(
        csv_bytes(
            [TRUST_PERSON | REFERRAL, TRUST_PERSON | REFERRAL | {"referral_id": "R2", "team": "\0"}]
        )
    )
    (tmp_path / "housing.csv").write_bytes(bytes(range(256)) * 200)  # garbage
    (tmp_path / "childrens_services.csv").write_bytes(b"")
    deep = "[" * 10_000 + "]" * 10_000
    (tmp_path / "gp_B86001.json").write_text(
        json.dumps(bundle()).replace('"entry": [', f'"extension": {deep}, "entry": [', 1)
    )
    bomb_workbook(tmp_path, 1000)
    write_csv(tmp_path, "adult_social_care_cld.csv", [ASC])
    return tmp_path


def test_import_damaged_directory_names_each_bad_file_and_keeps_the_good(damaged):
    result = import_path(damaged, by=BY, today=TODAY, limits=SMALL)
    errors = {f.file: f.error for f in result.files if f.error}
    assert set(errors) == {
        "housing.csv",
        "childrens_services.csv",
        "gp_B86001.json",
        "voluntary_sector.xlsx",
    }
    assert errors["childrens_services.csv"] == "childrens_services.csv: the file is empty"
    assert errors["gp_B86001.json"].startswith("gp_B86001.json: JSON nested 10,00")
    assert "voluntary_sector.xlsx: unpacks to" in errors["voluntary_sector.xlsx"]
    assert errors["housing.csv"].startswith("housing.csv: ")
    by_file = {f.file: f for f in result.files}
    acute = by_file["acute_admissions.csv"]
    assert (acute.imported, acute.quarantined) == (2, 0)
    assert acute.warnings and "not UTF-8" in acute.warnings[0]
    assert SourceRecord.objects.filter(given_name="Zoë").exists()
    assert by_file["adult_social_care_cld.csv"].imported == 1
    referrals = by_file["mental_health_referrals.csv"]
    assert (referrals.imported, referrals.quarantined) == (1, 1)
    row = QuarantinedRow.objects.get(file_name="mental_health_referrals.csv")
    assert (row.row_number, row.field) == (3, "team")
    assert row.raw["team"] == "\u2400"
    audit = AuditEvent.objects.get(action="sources.import", detail__file="acute_admissions.csv")
    assert audit.detail["warnings"] == 1


def test_import_cli_json_adds_warnings_and_errors_and_keeps_its_shape(damaged, capsys):
    (damaged / "voluntary_sector.xlsx").unlink()
    assert import_cli.run(Namespace(path=damaged, json=True)) == 0
    payload = json.loads(capsys.readouterr().out)
    assert list(payload) == [
        "files",
        "totals",
        "skipped",
        "unlinked_records",
        "linked_at_once",
        "seconds",
    ]
    files = {f["file"]: f for f in payload["files"]}
    assert set(files["housing.csv"]) == {
        "file",
        "kind",
        "read",
        "imported",
        "unchanged",
        "quarantined",
        "error",
    }
    assert files["acute_admissions.csv"]["warnings"][0].startswith("acute_admissions.csv: ")
    assert "warnings" not in files["adult_social_care_cld.csv"]


def test_import_cli_exits_2_when_no_file_could_be_read(tmp_path, capsys):
    (tmp_path / "housing.csv").write_bytes(b"\xff\xfe\x00garbage")
    (tmp_path / "gp_B86001.json").write_text("[" * 5000)
    assert import_cli.run(Namespace(path=tmp_path, json=False)) == 2
    out = capsys.readouterr().out
    assert "housing.csv" in out and "gp_B86001.json" in out
    assert "Traceback" not in out


def test_import_file_that_fails_unexpectedly_is_reported_and_the_rest_import(
    tmp_path, monkeypatch, caplog
):
    from onestory.sources.domain.adapters.housing import HousingAdapter

    def broken(self, path, today=None):
        raise LookupError("boom")
        yield  # pragma: no cover

    monkeypatch.setattr(HousingAdapter, "read", broken)
    (tmp_path / "housing.csv").write_text("x\n")
    write_csv(tmp_path, "adult_social_care_cld.csv", [ASC])
    result = import_path(tmp_path, by=BY, today=TODAY)
    errors = {f.file: f.error for f in result.files if f.error}
    assert errors == {"housing.csv": "housing.csv: could not be imported (LookupError: boom)"}
    assert SourceEvent.objects.filter(source_file="adult_social_care_cld.csv").count() == 1
    assert "import of one file failed: LookupError at" in caplog.text
    assert "boom" not in caplog.text  # the log names the kind and place, never the content


# -- onestory fhir import -------------------------------------------------------------------


def test_fhir_import_files_reports_deep_empty_and_non_bundle_files(tmp_path):
    (tmp_path / "deep.json").write_text("[" * 10_000 + "]" * 10_000)
    (tmp_path / "empty.json").write_bytes(b"")
    (tmp_path / "list.json").write_text("[]")
    (tmp_path / "good.json").write_text(json.dumps(bundle() | {"type": "batch"}))
    results = import_files(sorted(tmp_path.iterdir()), by=BY)
    errors = {r.file: [e["message"] for e in r.errors] for r in results}
    assert "nested 10,000 levels" in errors["deep.json"][0]
    assert errors["empty.json"] == ["the file is empty"]
    assert errors["list.json"] == ["expected a FHIR resource (a JSON object with a resourceType)"]
    assert errors["good.json"] == []
    assert FhirResource.objects.filter(source_file="good.json").count() == len(bundle()["entry"])


# -- POST /fhir -----------------------------------------------------------------------------


@pytest.fixture
def token(db):
    admin = f.user("admin.fhir", role="administrator")
    _row, token = create_token(by=BY, username=admin.username)
    return token


def post(client, token, body, **extra):
    return client.post(
        "/fhir",
        body,
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **extra,
    )


def assert_outcome(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == code
    return body["issue"][0]


def test_fhir_post_ten_thousand_deep_is_400_outcome(client, token):
    issue = assert_outcome(post(client, token, b"[" * 10_000 + b"]" * 10_000), 400, "structure")
    assert "nested 10,000 levels" in issue["diagnostics"]


def test_fhir_post_deep_inside_a_bundle_is_400_outcome(client, token):
    deep = "[" * 3000 + "]" * 3000
    body = json.dumps(bundle()).replace('"entry": [', f'"extension": {deep}, "entry": [', 1)
    assert_outcome(post(client, token, body), 400, "structure")


def test_fhir_post_over_the_body_limit_is_413_outcome(client, token, settings):
    settings.ONESTORY_FHIR_MAX_BODY_BYTES = 1000
    issue = assert_outcome(post(client, token, b" " * 2000), 413, "too-long")
    assert "1,000 bytes" in issue["diagnostics"]
    assert not FhirResource.objects.exists()


def test_fhir_post_bigger_than_djangos_form_limit_is_still_read(client, token, settings):
    """Django's DATA_UPLOAD_MAX_MEMORY_SIZE (meant for forms) used to refuse a large bundle
    with an HTML 400 page; /fhir has its own limit."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps(bundle() | {"type": "batch"})
    assert len(body) > 1000
    response = post(client, token, body)
    assert response.status_code == 200, response.content[:200]
    assert response.json()["type"] == "batch-response"


def test_fhir_post_form_encoded_is_read_as_json_and_refused(client, token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(
        "/fhir",
        "a=" + "x" * 5000,
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert_outcome(response, 400, "structure")


def test_fhir_session_post_over_djangos_form_limit_is_413_outcome(db, settings):
    """A signed-in POST is CSRF-checked, which reads a form body through Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE; over it, Django used to answer with an HTML 400 page."""
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(f.user("admin.session", role="administrator"))
    browser.cookies[settings.CSRF_COOKIE_NAME] = _get_new_csrf_string()
    response = browser.post(
        "/fhir", "a=" + "x" * 5000, content_type="application/x-www-form-urlencoded"
    )
    assert_outcome(response, 413, "too-long")


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe\xfa not utf", b"", b"\x00" * 50, b'{"resourceType": "Bundle", "type": "batch"'],
)
def test_fhir_post_malformed_bytes_is_400_outcome(client, token, body):
    assert_outcome(post(client, token, body), 400, "structure")


def test_fhir_post_entry_with_nul_is_an_issue_not_a_server_error(client, token):
    data = bundle() | {"type": "batch"}
    patient = next(e for e in data["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["resource"]["name"][0]["family"] = "Sm\0ith"
    response = post(client, token, json.dumps(data))
    assert response.status_code == 200
    outcome = response.json()["entry"][-1]["response"]["outcome"]
    assert any("NUL" in i["diagnostics"] for i in outcome["issue"])


def test_fhir_post_entry_with_request_of_the_wrong_shape_is_an_issue(client, token):
    data = bundle() | {"type": "transaction"}
    data["entry"][0]["request"] = "PUT Organization/org1"
    issue = assert_outcome(post(client, token, json.dumps(data)), 422, "invalid")
    assert issue["expression"] == ["Bundle.entry[0].request"]


def test_fhir_post_entry_with_nul_in_its_full_url_is_an_issue(client, token):
    data = bundle() | {"type": "batch"}
    data["entry"].append(
        {"fullUrl": "urn:uuid:\0", "resource": {"resourceType": "Basic", "code": {"text": "x"}}}
    )
    response = post(client, token, json.dumps(data))
    assert response.status_code == 200
    outcome = response.json()["entry"][-1]["response"]["outcome"]
    assert [i["expression"] for i in outcome["issue"]] == [["Basic"]]
    assert not FhirResource.objects.filter(resource_type="Basic").exists()


def test_import_csv_header_with_nul_keeps_the_raw_row_storable(tmp_path):
    row = TRUST_PERSON | REFERRAL | {"note\0": "x"}
    bad = row | {"referral_id": "R2", "referral_date": "never"}
    (tmp_path / "mental_health_referrals.csv").write_bytes(csv_bytes([row, bad]))
    result = import_path(tmp_path, by=BY, today=TODAY)
    assert (result.files[0].imported, result.files[0].quarantined) == (1, 1)
    stored = QuarantinedRow.objects.get(file_name="mental_health_referrals.csv")
    assert stored.raw["note\u2400"] == "x"


def test_fhir_unexpected_failure_is_a_500_outcome_logged_without_content(
    client, token, monkeypatch, caplog
):
    from onestory.interop import actions

    def broken(*args, **kwargs):
        raise ValueError("Margaret Oldroyd 9990000018")

    monkeypatch.setattr(actions, "import_bundle", broken)
    issue = assert_outcome(post(client, token, json.dumps(bundle())), 500, "exception")
    assert "Margaret" not in issue["diagnostics"]
    assert "FHIR request failed: ValueError at" in caplog.text
    assert "Margaret" not in caplog.text
