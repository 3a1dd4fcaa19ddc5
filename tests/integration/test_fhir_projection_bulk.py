"""The FHIR view of timeline entries made two ways: through the ORM (`bulk_create`, the
embedded database's path) and through PostgreSQL's COPY (the bulk path). Both must store
the same resources, under the same ids, with the same search tokens."""

from datetime import date

import pytest

from onestory.interop import projection
from onestory.interop.models import (
    FhirIdentifier,
    FhirProjectionState,
    FhirResource,
)
from tests import factories as f
from tests.integration._processes import on_postgresql

pytestmark = pytest.mark.django_db
SNOMED = "http://snomed.info/sct"

needs_postgresql = pytest.mark.skipif(
    not on_postgresql(), reason="COPY is PostgreSQL's: the PostgreSQL pass"
)


@pytest.fixture
def entries():
    """Timeline entries of every kind the mapping knows, with and without codes, ends and
    statuses, in two source systems; and one that came as FHIR (not derived)."""
    gp = f.source_system("gp", "Y02101", "Ashbridge Health Centre")
    council = f.source_system("adult_social_care", "E08000035", "Ashbridge Council")
    ann = f.source_record(gp)
    bob = f.source_record(gp, given_name="Bob")
    ann_asc = f.source_record(council)
    kinds = [
        (ann, {"kind": "condition", "code": "44054006", "code_system": SNOMED}),
        (ann, {"kind": "diagnosis", "end": date(2025, 6, 1), "title": "Asthma"}),
        (ann, {"kind": "encounter", "title": "Café visit — review"}),
        (bob, {"kind": "ae_attendance", "end": date(2025, 3, 4), "status": "discharged"}),
        (bob, {"kind": "admission", "code": "Y03", "code_system": "urn:local"}),
        (bob, {"kind": "observation", "code": "27113001", "code_display": "Body weight"}),
        (bob, {"kind": "medication", "status": "stopped", "title": "Metformin"}),
        (ann, {"kind": "allergy", "code": "91936005", "code_system": SNOMED}),
        (ann, {"kind": "alert", "title": "Lives alone"}),
        (ann_asc, {"kind": "referral", "category": "social_care"}),
        (ann_asc, {"kind": "service", "category": "social_care", "title": "x" * 260}),
        (ann_asc, {"kind": "assessment", "category": "social_care", "start": None}),
    ]
    made = [f.source_event(record, **fields) for record, fields in kinds]
    f.source_event(ann, kind="observation", details={"fhir": {"resourceType": "Observation"}})
    return made


def view() -> dict:
    """Every stored resource and search token, by content (not by database id or time)."""
    resources = sorted(
        FhirResource.objects.values_list(
            "resource_type",
            "resource_id",
            "content",
            "content_hash",
            "version_id",
            "origin",
            "event_id",
            "source_system_id",
            "source_hash",
            "system_id",
            "record_id",
            "patient_ref",
            "category",
            "event_date",
            "status",
            "name",
            "source_file",
        ),
        key=repr,
    )
    tokens = sorted(
        FhirIdentifier.objects.values_list(
            "resource__resource_type", "resource__resource_id", "param", "system", "value"
        )
    )
    return {"resources": resources, "tokens": tokens}


def clear() -> None:
    FhirIdentifier.objects.all().delete()
    FhirResource.objects.all().delete()
    FhirProjectionState.objects.all().delete()


def test_projection_copy_columns_are_every_column_of_the_resource_table():
    columns = {field.column for field in FhirResource._meta.concrete_fields}
    assert set(projection._RESOURCE_COLUMNS) == columns


@needs_postgresql
@pytest.mark.parametrize("batch", [projection.BATCH, 5])
def test_projection_bulk_path_stores_the_same_resources_as_the_orm_path(
    entries, monkeypatch, batch
):
    monkeypatch.setattr(projection, "BATCH", batch)  # 5: several batches, read by id
    assert projection.sync(bulk=False) == len(entries) + 2  # and the two Organizations
    by_orm = view()
    assert len(by_orm["resources"]) == len(entries) + 2
    assert by_orm["tokens"]

    clear()
    assert projection.sync(bulk=True) == len(entries) + 2
    assert view() == by_orm
    assert projection.sync(bulk=True) == 0  # nothing new: nothing done


@needs_postgresql
def test_projection_bulk_path_resources_take_a_new_version_when_their_entry_changes(entries):
    projection.sync(bulk=True)
    changed = entries[2]
    changed.title = "Telephone review"
    changed.content_hash = "changed"
    changed.save()
    assert projection.sync(force=True, bulk=True) == 1
    row = FhirResource.objects.get(event=changed)
    assert row.version_id == 2
    assert row.content["type"][0]["text"] == "Telephone review"
    assert row.versions.get().version_id == 1


def test_projection_orm_path_in_small_batches_makes_each_entry_once(entries, monkeypatch):
    monkeypatch.setattr(projection, "BATCH", 5)
    assert projection.sync(bulk=False) == len(entries) + 2
    derived = FhirResource.objects.filter(origin="event")
    assert sorted(derived.values_list("event_id", flat=True)) == sorted(e.pk for e in entries)
    assert projection.sync(force=True, bulk=False) == 0


def test_projection_bulk_path_refused_without_postgresql(monkeypatch):
    monkeypatch.setattr(projection.connection, "vendor", "sqlite")
    with pytest.raises(ValueError, match="PostgreSQL"):
        projection.sync(force=True, bulk=True)


def test_projection_after_an_import_makes_only_the_new_entries_past_those_made(
    entries, monkeypatch
):
    monkeypatch.setattr(projection, "BATCH", 2)  # windows of ids, widened past made ones
    projection.sync()
    made = FhirResource.objects.count()
    later = f.source_event(entries[0].record, kind="observation", title="Blood pressure")
    assert projection.sync() == 1
    assert FhirResource.objects.count() == made + 1
    assert FhirResource.objects.get(event=later).content["resourceType"] == "Observation"
