"""A synthetic nation's partnership extracts import with `import_path` like the borough's:
every file is recognised, no row is quarantined, and the people and events arrive."""

import pytest

from onestory.audit.domain.actor import Actor
from onestory.sources.actions import import_path
from onestory.sources.models import QuarantinedRow, SourceEvent, SourceRecord
from onestory.synthetic.nation import generate_nation
from onestory.synthetic.nation.scenario import build

pytestmark = pytest.mark.django_db

BY = Actor.system("test")


def test_nation_partnership_extracts_import_without_problems(tmp_path):
    scenario = build(seed=5, people=600, partnerships=2, localities=2, years=6)
    generate_nation(scenario, tmp_path, {"extracts"})
    partnership = tmp_path / "partnerships" / "P01"

    result = import_path(partnership, by=BY)

    assert result.skipped == []
    assert [f.error for f in result.files if f.error] == []
    assert {f.file for f in result.files} >= {
        "acute_admissions.csv",
        "acute_ae_attendances.csv",
        "adult_social_care_cld.csv",
    }
    assert any(f.file.startswith("gp_") for f in result.files)
    assert QuarantinedRow.objects.count() == 0
    assert SourceRecord.objects.count() > 100
    assert SourceEvent.objects.filter(kind="admission").exists()
