"""The migration that made the integration model data keeps every existing version (its
words, its yes/no for shared records) and links a host or lead commissioner whose words name
one of its partnership's organisations."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("national", "0001_initial")]
AFTER = [("national", "0002_integration_model_as_data")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_migration_keeps_existing_versions_and_links_named_organisations():
    from onestory.access.models import Organisation
    from onestory.places.models import Partnership

    place = Partnership.objects.create(code="PA", name="Partnership A")
    council = Organisation.objects.create(
        code="PA-LA", name="Borough council", kind="adult_social_care", partnership=place
    )
    old = _migrate(BEFORE)
    Old = old.get_model("national", "IntegrationModel")
    Old.objects.create(
        partnership="PA",
        from_quarter="2024Q1",
        budget="pooled",
        host="Borough council",
        lead_commissioner="An ICB not on this installation",
        section75_scope="Carers and DFG",
        shared_records=True,
        mdt="practice",
        recorded_by="national.a",
    )
    Old.objects.create(
        partnership="P09", from_quarter="2024Q1", budget="aligned", recorded_by="national.a"
    )
    new = _migrate(AFTER)
    New = new.get_model("national", "IntegrationModel")
    kept = New.objects.get(partnership="PA")
    assert kept.host_organisation_id == council.pk and kept.host == "Borough council"
    assert kept.lead_commissioner_organisation_id is None
    assert kept.lead_commissioner == "An ICB not on this installation"
    assert kept.shared_records and kept.section75_scope == "Carers and DFG"
    assert kept.section75_schemes == [] and kept.reason == ""
    assert New.objects.get(partnership="P09").host_organisation_id is None
