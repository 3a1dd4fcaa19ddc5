"""A generated borough with rows corrupted in every extract kind: the good rows land, each
bad row is quarantined with its file, row and field, and a second import changes nothing."""

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.sources.actions import import_path
from onestory.sources.models import (
    ImportFile,
    QuarantinedRow,
    SourceEvent,
    SourceRecord,
    SourceRelationship,
    SourceSystem,
)
from onestory.synthetic import REFERENCE_DATE, generate

pytestmark = pytest.mark.django_db

BY = Actor.system("test")
PEOPLE = 300


def corrupt_csv(path: Path, column: str, value: str, pick=None) -> int:
    """Set `column` to `value` on one data row (the first `pick` accepts); returns its line."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames
        rows = list(reader)
    index = next(i for i, row in enumerate(rows) if pick is None or pick(row))
    rows[index][column] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return index + 2  # header is line 1


def corrupt_xlsx(path: Path, sheet: str, column: str, value: str) -> int:
    book = load_workbook(path)
    ws = book[sheet]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index(column) + 1, value=value)
    book.save(path)
    return 2


def corrupt_fhir(path: Path, resource_type: str, key: str, value: str) -> int:
    bundle = json.loads(path.read_text())
    index = next(
        i for i, e in enumerate(bundle["entry"]) if e["resource"]["resourceType"] == resource_type
    )
    bundle["entry"][index]["resource"][key] = value
    path.write_text(json.dumps(bundle))
    return index + 1


@pytest.fixture(scope="module")
def corrupted_borough(tmp_path_factory):
    out = tmp_path_factory.mktemp("borough")
    generate(PEOPLE, 11, out, error_rate=0.0)
    gp = sorted(out.glob("gp_*.json"))[0]
    expected = {
        (gp.name, corrupt_fhir(gp, "Condition", "onsetDateTime", "2024-02-30")): (
            "Condition.onsetDateTime"
        ),
        (
            "acute_ae_attendances.csv",
            corrupt_csv(out / "acute_ae_attendances.csv", "dob", "31/13/1950"),
        ): "dob",
        (
            "acute_admissions.csv",
            corrupt_csv(out / "acute_admissions.csv", "nhs_number", "9991234567"),
        ): "nhs_number",
        (
            "mental_health_contacts.csv",
            corrupt_csv(out / "mental_health_contacts.csv", "referral_id", "NO-SUCH-REFERRAL"),
        ): "referral_id",
        (
            "community_contacts.csv",
            corrupt_csv(out / "community_contacts.csv", "contact_date", "2024-02-30"),
        ): "contact_date",
        (
            "adult_social_care_cld.csv",
            corrupt_csv(out / "adult_social_care_cld.csv", "event_type", "Visit"),
        ): "event_type",
        (
            "childrens_services.csv",
            corrupt_csv(out / "childrens_services.csv", "dob", "2015-05-12"),
        ): "dob",
        ("housing.csv", corrupt_csv(out / "housing.csv", "record_type", "repair")): "record_type",
        (
            "voluntary_sector.xlsx",
            corrupt_xlsx(out / "voluntary_sector.xlsx", "Referrals", "referral_date", "32/01/2024"),
        ): "referral_date",
    }
    return out, expected


def snapshot():
    return {
        "records": sorted(SourceRecord.objects.values_list("id", "content_hash", "updated_at")),
        "events": sorted(SourceEvent.objects.values_list("id", "content_hash", "source_row")),
        "relationships": sorted(SourceRelationship.objects.values_list("id", "details")),
        "systems": sorted(SourceSystem.objects.values_list("id", "code", "org_name")),
        "quarantined": sorted(QuarantinedRow.objects.values_list("id", "content_hash")),
    }


def test_import_corrupted_borough_quarantines_each_bad_row(corrupted_borough):
    out, expected = corrupted_borough
    result = import_path(out, by=BY, today=REFERENCE_DATE)
    assert not result.errors
    kinds = {f.kind for f in result.files}
    assert kinds == {
        "gp",
        "acute",
        "mental_health",
        "community",
        "adult_social_care",
        "childrens_services",
        "housing",
        "voluntary",
    }

    quarantined = {(q.file_name, q.row_number): q.field for q in QuarantinedRow.objects.all()}
    assert quarantined == expected
    assert result.totals()["quarantined"] == len(expected)

    # Every good row landed: each CSV/XLSX row is one event, kept with its file and row.
    for f in result.files:
        assert f.imported == f.read - f.quarantined, f
        if f.kind != "gp":
            assert SourceEvent.objects.filter(source_file=f.file).count() == f.read - f.quarantined

    # Every stored person is one the generator says exists, under the system it says.
    truth = {
        (row["system"], row["local_id"])
        for row in csv.DictReader((out / "truth.csv").open(encoding="utf-8"))
    }
    stored = set(SourceRecord.objects.values_list("system__code", "local_id"))
    assert stored <= truth
    assert len(truth - stored) <= len(expected)  # only people seen solely in bad rows

    # One audit event per file, with counts and no identifiable data.
    audits = AuditEvent.objects.filter(action="sources.import")
    assert audits.count() == len(result.files)
    assert ImportFile.objects.count() == len(result.files)


def test_import_corrupted_borough_twice_changes_nothing(corrupted_borough):
    out, expected = corrupted_borough
    first = import_path(out, by=BY, today=REFERENCE_DATE)
    before = snapshot()
    second = import_path(out, by=BY, today=REFERENCE_DATE)
    totals = second.totals()
    assert totals["imported"] == 0
    assert totals["unchanged"] == first.totals()["imported"]
    assert totals["quarantined"] == len(expected)
    assert snapshot() == before
    assert set(QuarantinedRow.objects.values_list("times_seen", flat=True)) == {2}
