"""`onestory fhir import --json`, `export --person` and `token create`."""

import json
from pathlib import Path

import pytest

from onestory.audit.models import AuditEvent
from onestory.cli import main
from onestory.interop.models import ApiToken
from tests import factories as f

pytestmark = pytest.mark.django_db

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SYNTHEA = sorted((SHARED / "synthea-r4").glob("*.json"))[:2]


def _run(capsys, *argv) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    return exit_.value.code, capsys.readouterr().out


@pytest.mark.skipif(not SYNTHEA, reason="shared/data/synthea-r4 is not beside the clone")
def test_fhir_import_json_prints_exactly_the_summary(capsys):
    code, out = _run(capsys, "fhir", "import", *map(str, SYNTHEA), "--json")
    body = json.loads(out)
    assert code == 0
    assert list(body) == ["files", "resources", "stored", "unchanged", "errors"]
    assert body["files"] == 2 and body["errors"] == [] and body["resources"]["Patient"] == 2
    _code, again = _run(capsys, "fhir", "import", *map(str, SYNTHEA), "--json")
    assert json.loads(again)["stored"] == 0


def test_fhir_import_json_names_a_broken_file(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    code, out = _run(capsys, "fhir", "import", str(bad), "--json")
    assert code == 1
    (error,) = json.loads(out)["errors"]
    assert error["file"] == "bad.json" and "JSON" in error["message"]


def test_fhir_export_person_by_nhs_number_writes_a_bundle(capsys, tmp_path):
    person = f.rich_person()
    number = person.links.first().record.nhs_number
    out_file = tmp_path / "p.json"
    code, _out = _run(capsys, "fhir", "export", "--person", f"nhs:{number}", "--out", str(out_file))
    assert code == 0
    bundle = json.loads(out_file.read_text())
    assert bundle["type"] == "collection"
    assert bundle["entry"][0]["resource"]["id"] == str(person.external_id)
    event = AuditEvent.objects.get(action="fhir.everything")
    assert event.channel == "cli" and event.person_id == str(person.external_id)
    code, _out = _run(capsys, "fhir", "export", "--all", str(tmp_path / "all"))
    assert code == 0 and len(list((tmp_path / "all").glob("*.json"))) == 1


def test_fhir_token_create_prints_it_once_and_keeps_only_its_hash(capsys):
    f.user("gp.token", role="gp")
    code, out = _run(capsys, "fhir", "token", "create", "--user", "gp.token")
    token = out.strip()
    assert code == 0 and token.startswith("os_")
    row = ApiToken.objects.get()
    assert token not in row.token_hash and row.prefix == token[:8]
    assert AuditEvent.objects.filter(action="fhir.token_created").exists()


def test_fhir_index_makes_resources_for_csv_entries_at_once_and_is_audited(capsys):
    from onestory.interop.models import FhirResource

    f.rich_person()  # ten timeline entries from five CSV sources
    code, out = _run(capsys, "fhir", "index")
    assert code == 0 and out.startswith("15 FHIR resources")  # ten entries, five systems
    assert FhirResource.objects.filter(origin="event").count() == 10
    assert AuditEvent.objects.filter(action="fhir.indexed", detail__resources=15).exists()
    _code, again = _run(capsys, "fhir", "index")
    assert again.startswith("0 FHIR resources")
