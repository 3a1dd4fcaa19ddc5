"""`import_path`: good rows land, bad rows are quarantined with file, row and field, and a
second import of the same files changes nothing. Small hand-made extracts."""

import json
from argparse import Namespace
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.sources import import_cli
from onestory.sources.actions import NothingToImport, import_path
from onestory.sources.models import (
    ImportFile,
    QuarantinedRow,
    SourceEvent,
    SourceRecord,
    SourceRelationship,
    SourceSystem,
)
from onestory.sources.queries import list_imports, list_quarantined_rows
from tests.unit.test_adapters import ASC, BAD_NHS, HOUSING, TRUST_PERSON, admission, write_csv
from tests.unit.test_adapters_fhir import ODS, bundle
from tests.unit.test_adapters_fhir import write as write_bundle

pytestmark = pytest.mark.django_db

BY = Actor.system("test")
TODAY = date(2025, 6, 1)


def referral(rid, **overrides):
    return (
        TRUST_PERSON
        | {
            "referral_id": rid,
            "referral_date": "2024-01-10",
            "referral_source": "GP",
            "team": "Older adults CMHT",
            "reason": "Low mood",
            "status": "open",
            "closed_date": "",
        }
        | overrides
    )


def contact(cid, rid, **overrides):
    return (
        TRUST_PERSON
        | {
            "contact_id": cid,
            "referral_id": rid,
            "contact_date": "2024-01-20",
            "contact_type": "telephone",
            "clinician": "J Jones",
            "outcome": "",
        }
        | overrides
    )


@pytest.fixture
def borough(tmp_path):
    write_csv(
        tmp_path,
        "acute_admissions.csv",
        [
            admission(),
            admission(spell_id="S2", admission_date="31/13/2024"),  # row 3: bad date
            admission(hospital_number="H2", spell_id="S3", forename="Bob", nhs_number=""),
        ],
    )
    write_csv(
        tmp_path,
        "mental_health_referrals.csv",
        [referral("R1"), referral("R2", nhs_number=BAD_NHS)],  # row 3: bad NHS number
    )
    write_csv(
        tmp_path,
        "mental_health_contacts.csv",
        [contact("C1", "R1"), contact("C2", "R2")],  # row 3: its referral was quarantined
    )
    write_csv(
        tmp_path,
        "housing.csv",
        [
            HOUSING,
            HOUSING | {"tenant_ref": "T2", "first_name": "Bob", "record_id": "H2"},
            HOUSING | {"tenant_ref": "T3", "first_name": "Cy"},  # row 4: repeats record H1
        ],
    )
    write_csv(tmp_path, "adult_social_care_cld.csv", [ASC])
    write_bundle(tmp_path, bundle())
    (tmp_path / "truth.csv").write_text("system,local_id,person_id\n")
    (tmp_path / "manifest.json").write_text("{}")
    (tmp_path / "README.txt").write_text("not an extract")
    return tmp_path


def snapshot():
    return {
        "records": sorted(SourceRecord.objects.values_list("id", "content_hash", "updated_at")),
        "events": sorted(SourceEvent.objects.values_list("id", "content_hash")),
        "relationships": sorted(SourceRelationship.objects.values_list("id", "details")),
        "systems": sorted(SourceSystem.objects.values_list("id", "org_name")),
        "quarantined": QuarantinedRow.objects.count(),
    }


def test_import_path_stores_good_rows_and_quarantines_bad(borough):
    result = import_path(borough, by=BY, today=TODAY)
    by_file = {f.file: f for f in result.files}
    assert set(by_file) == {
        "gp_B86001.json",
        "acute_admissions.csv",
        "mental_health_referrals.csv",
        "mental_health_contacts.csv",
        "housing.csv",
        "adult_social_care_cld.csv",
    }
    assert result.skipped == ["README.txt"]
    assert by_file["acute_admissions.csv"].counts() == {
        "file": "acute_admissions.csv",
        "kind": "acute",
        "read": 3,
        "imported": 2,
        "unchanged": 0,
        "quarantined": 1,
    }
    assert result.totals() == {"read": 16, "imported": 12, "unchanged": 0, "quarantined": 4}
    assert result.by_kind()["mental_health"]["quarantined"] == 2

    quarantined = {(q.file_name, q.row_number): q for q in QuarantinedRow.objects.all()}
    assert {k: q.field for k, q in quarantined.items()} == {
        ("acute_admissions.csv", 3): "admission_date",
        ("mental_health_referrals.csv", 3): "nhs_number",
        ("mental_health_contacts.csv", 3): "referral_id",
        ("housing.csv", 4): "record_id",
    }
    bad_date = quarantined[("acute_admissions.csv", 3)]
    assert bad_date.reason == "date '31/13/2024' is not a valid DD/MM/YYYY date"
    assert bad_date.raw["spell_id"] == "S2"
    assert bad_date.kind == "acute"

    acute = SourceSystem.objects.get(code="acute:RR8")
    ann = SourceRecord.objects.get(system=acute, local_id="H1")
    assert (ann.norm_given, ann.norm_family, ann.norm_postcode) == ("ann", "smith", "LS14AP")
    event = SourceEvent.objects.get(system=acute, local_id="S1")
    assert event.record == ann
    assert (event.source_file, event.source_row) == ("acute_admissions.csv", 2)
    assert event.title == "Emergency admission — Respiratory medicine (COPD exacerbation)"
    gp = SourceSystem.objects.get(code=f"gp:{ODS}")
    assert gp.org_name == "Park Surgery"
    assert SourceEvent.objects.filter(system=gp).count() == 4
    assert SourceRelationship.objects.filter(record__system=gp, relationship="carer").exists()
    service = SourceEvent.objects.get(system__kind="adult_social_care")
    assert service.details["weekly_cost_pence"] == 24570

    audits = AuditEvent.objects.filter(action="sources.import")
    assert audits.count() == 6
    detail = audits.get(detail__file="acute_admissions.csv").detail
    assert detail["quarantined"] == 1 and "Smith" not in json.dumps(detail)
    assert ImportFile.objects.get(file_name="acute_admissions.csv").rows_quarantined == 1


def test_housing_duplicate_record_id_is_quarantined(borough):
    import_path(borough / "housing.csv", by=BY, today=TODAY)
    row = QuarantinedRow.objects.get(file_name="housing.csv")
    assert row.reason == "id 'H1' already appears on row 2"


def test_import_path_makes_the_fhir_view_of_new_entries_itself(borough):
    from onestory.interop.models import FhirProjectionState, FhirResource

    import_path(borough, by=BY, today=TODAY)
    # Without any FHIR request: the CSV entries already have their FHIR resources, and the
    # projection is marked up to date, so no reader waits for it.
    csv_events = SourceEvent.objects.exclude(details__has_key="fhir")
    assert csv_events.exists()
    assert FhirResource.objects.filter(event__in=csv_events).count() == csv_events.count()
    assert FhirProjectionState.objects.get().last_event == SourceEvent.objects.latest("id").pk


def test_import_changed_entry_makes_a_new_version_of_its_fhir_resource_and_only_that(
    borough, monkeypatch
):
    from onestory.interop import projection
    from onestory.interop.models import FhirResource

    import_path(borough, by=BY, today=TODAY)
    spell = SourceEvent.objects.get(system__code="acute:RR8", local_id="S1")
    made = FhirResource.objects.get(event=spell)
    assert (made.version_id, spell.revised) == (1, False)
    others = dict(FhirResource.objects.exclude(pk=made.pk).values_list("pk", "version_id"))
    write_csv(
        borough,
        "acute_admissions.csv",
        [
            admission(specialty="Geriatric medicine"),
            admission(spell_id="S2", admission_date="31/13/2024"),
            admission(hospital_number="H2", spell_id="S3", forename="Bob", nhs_number=""),
        ],
    )
    # The import's own sync finds the changed entry by its mark, without comparing every
    # resource with its entry (that is only for a forced sync).
    compared = []
    original = projection._sync_changed_events
    monkeypatch.setattr(
        projection,
        "_sync_changed_events",
        lambda full=False: compared.append(full) or original(full),
    )
    import_path(borough / "acute_admissions.csv", by=BY, today=TODAY)
    assert compared == [False]
    made.refresh_from_db()
    assert made.version_id == 2
    assert "Geriatric medicine" in json.dumps(made.content)
    assert list(made.versions.values_list("version_id", flat=True)) == [1]
    assert not SourceEvent.objects.filter(revised=True).exists()  # taken up
    assert dict(FhirResource.objects.exclude(pk=made.pk).values_list("pk", "version_id")) == (
        others
    )


def test_import_path_twice_changes_nothing(borough):
    import_path(borough, by=BY, today=TODAY)
    before = snapshot()
    again = import_path(borough, by=BY, today=TODAY)
    assert again.totals() == {"read": 16, "imported": 0, "unchanged": 12, "quarantined": 4}
    assert snapshot() == before
    assert set(QuarantinedRow.objects.values_list("times_seen", flat=True)) == {2}


def test_import_changed_row_replaces_stored_one(borough):
    import_path(borough, by=BY, today=TODAY)
    ann = SourceRecord.objects.get(system__code="acute:RR8", local_id="H1")
    write_csv(
        borough,
        "acute_admissions.csv",
        [
            admission(surname="Smyth"),
            admission(spell_id="S2", admission_date="31/13/2024"),
            admission(hospital_number="H2", spell_id="S3", forename="Bob", nhs_number=""),
        ],
    )
    result = import_path(borough / "acute_admissions.csv", by=BY, today=TODAY)
    assert result.totals() == {"read": 3, "imported": 1, "unchanged": 1, "quarantined": 1}
    ann.refresh_from_db()
    assert (ann.family_name, ann.norm_family) == ("Smyth", "smyth")
    assert SourceRecord.objects.filter(system__code="acute:RR8").count() == 2


def test_import_last_row_wins_and_reimport_is_stable(tmp_path):
    write_csv(
        tmp_path,
        "acute_admissions.csv",
        [admission(), admission(spell_id="S2", postcode="LS2 7AB")],
    )
    first = import_path(tmp_path, by=BY, today=TODAY)
    assert first.totals()["imported"] == 2
    assert SourceRecord.objects.get().postcode == "LS2 7AB"
    second = import_path(tmp_path, by=BY, today=TODAY)
    assert second.totals() == {"read": 2, "imported": 0, "unchanged": 2, "quarantined": 0}


def test_import_contacts_alone_need_stored_referrals(borough):
    import_path(borough / "mental_health_contacts.csv", by=BY, today=TODAY)
    assert QuarantinedRow.objects.filter(field="referral_id").count() == 2
    import_path(borough / "mental_health_referrals.csv", by=BY, today=TODAY)
    result = import_path(borough / "mental_health_contacts.csv", by=BY, today=TODAY)
    assert (result.files[0].imported, result.files[0].quarantined) == (1, 1)


def test_import_path_missing_or_unknown(tmp_path):
    with pytest.raises(NothingToImport, match="does not exist"):
        import_path(tmp_path / "nope", by=BY)
    with pytest.raises(NothingToImport, match="holds no source extracts"):
        import_path(tmp_path, by=BY)


def test_import_file_with_missing_columns_is_reported_not_raised(tmp_path):
    (tmp_path / "housing.csv").write_text("tenant_ref\nT1\n")
    write_csv(tmp_path, "acute_admissions.csv", [admission()])
    result = import_path(tmp_path, by=BY, today=TODAY)
    errors = {f.file: f.error for f in result.files if f.error}
    assert errors == {"housing.csv": errors["housing.csv"]}
    assert "housing.csv: missing column(s)" in errors["housing.csv"]
    assert SourceRecord.objects.count() == 1


def test_import_path_needs_run_imports_permission(borough):
    clerk = Actor(id="user:9", label="clerk", role="nobody")
    with pytest.raises(PermissionDenied):
        import_path(borough, by=clerk)


def test_list_quarantined_rows_filters_and_audits(borough):
    import_path(borough, by=BY, today=TODAY)
    rows = list_quarantined_rows(by=BY, kind="mental_health")
    assert [(r.file_name, r.row_number) for r in rows] == [
        ("mental_health_contacts.csv", 3),
        ("mental_health_referrals.csv", 3),
    ]
    assert len(list_quarantined_rows(by=BY, file_name="housing.csv")) == 1
    audit = AuditEvent.objects.filter(action="sources.view_problems").order_by("id").first()
    assert audit.detail == {"kind": "mental_health", "file_name": "", "rows": 2}
    assert {i.file_name for i in list_imports(by=BY)} >= {"housing.csv"}
    with pytest.raises(PermissionDenied):
        list_quarantined_rows(by=Actor(id="user:9", label="clerk", role="nobody"))


def test_import_cli_json_and_exit_codes(borough, capsys):
    code = import_cli.run(Namespace(path=borough, json=True))
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["totals"]["quarantined"] == 4
    assert {"file", "kind", "read", "imported", "unchanged", "quarantined"} <= set(
        payload["files"][0]
    )
    assert payload["unlinked_records"] == SourceRecord.objects.count()
    assert import_cli.run(Namespace(path=borough / "missing", json=False)) == 2


def test_import_cli_table_points_at_problems_and_link(borough, capsys):
    assert import_cli.run(Namespace(path=borough, json=False)) == 0
    out = capsys.readouterr().out
    assert "Adult social care" in out
    assert "quarantined" in out
    assert "onestory link" in out
