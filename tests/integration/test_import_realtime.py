"""A small import after the person index exists joins it at once, with no batch re-run."""

import csv

import pytest

from onestory.audit.domain.actor import Actor
from onestory.people.actions import run_linkage
from onestory.people.models import LinkageRun, PersonLink
from onestory.sources.actions import import_path
from onestory.sources.domain import extract_columns
from onestory.sources.models import SourceRecord
from onestory.synthetic import generate

pytestmark = pytest.mark.django_db
BY = Actor.system("test")


def test_small_import_after_linkage_links_new_records_at_once(tmp_path):
    borough = tmp_path / "borough"
    generate(250, 5, borough, 0.0)
    first = import_path(borough, by=BY)
    assert first.linked_at_once == 0  # no index yet: the batch run builds it
    run = run_linkage(by=BY)

    # One more A&E attendance for a GP-registered person, under a new hospital number.
    with (borough / "acute_ae_attendances.csv").open(encoding="utf-8") as fh:
        row = next(csv.DictReader(fh))
    row.update(hospital_number="H9999999", attendance_id="AE9999999")
    extra = tmp_path / "extra"
    extra.mkdir()
    with (extra / "acute_ae_attendances.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=extract_columns.ACUTE_AE_ATTENDANCES)
        writer.writeheader()
        writer.writerow(row)

    second = import_path(extra, by=BY)

    new = SourceRecord.objects.get(local_id="H9999999")
    assert second.linked_at_once == 1
    assert LinkageRun.objects.get(is_current=True).pk == run.pk  # no new batch run
    link = PersonLink.objects.get(run=run, record=new)
    original = SourceRecord.objects.get(system=new.system, local_id=_first_local_id(borough))
    assert link.person_id == PersonLink.objects.get(run=run, record=original).person_id


def _first_local_id(borough):
    with (borough / "acute_ae_attendances.csv").open(encoding="utf-8") as fh:
        return next(csv.DictReader(fh))["hospital_number"]
