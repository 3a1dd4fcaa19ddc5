"""Importing the same extract again changes nothing, even when one person is on two rows
that name them in two households (a tenancy and an older homelessness case)."""

import pytest

from onestory.audit.domain.actor import Actor
from onestory.sources.actions import import_path
from onestory.sources.domain import extract_columns
from onestory.sources.models import SourceRelationship

pytestmark = pytest.mark.django_db

COUNCIL = ("E08000999", "Ashbridge Metropolitan Borough Council")


def _row(tenant, household, first, record_id, kind, start, end=""):
    values = {
        "tenant_ref": tenant,
        "household_ref": household,
        "title": "Ms",
        "first_name": first,
        "surname": "Chowdhury",
        "date_of_birth": "03/10/1957",
        "address": "85 Meadow Lane, Beeston Moor",
        "postcode": "LS11 4RE",
        "relationship_to_lead": "Lead tenant" if first == "Kathleen" else "Other household member",
        "org_code": COUNCIL[0],
        "org_name": COUNCIL[1],
        "record_id": record_id,
        "record_type": kind,
        "start_date": start,
        "end_date": end,
        "detail": "Secure tenancy" if kind == "tenancy" else "Relief duty",
        "status": "closed" if end else "active",
    }
    return ",".join(f'"{values[c]}"' for c in extract_columns.HOUSING)


def test_reimporting_people_in_two_households_stores_nothing(tmp_path):
    rows = [
        _row("T1", "HH1", "Kathleen", "TEN1-1", "tenancy", "15/12/2025"),
        _row("T2", "HH1", "Ryan", "TEN1-2", "tenancy", "15/12/2025"),
        _row("T1", "HA1", "Kathleen", "HL1-1", "homelessness", "26/08/2025", "15/12/2025"),
        _row("T2", "HA1", "Ryan", "HL1-2", "homelessness", "26/08/2025", "15/12/2025"),
    ]
    (tmp_path / "housing.csv").write_text(
        ",".join(extract_columns.HOUSING) + "\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    by = Actor.system("test")
    first = import_path(tmp_path, by=by).totals()
    assert (first["imported"], first["quarantined"]) == (4, 0)
    assert SourceRelationship.objects.count() == 2  # each is the other's household member

    again = import_path(tmp_path, by=by).totals()

    assert (again["imported"], again["unchanged"]) == (0, 4)
    # The last row read wins, as it does for the people themselves.
    assert {r.details["household_ref"] for r in SourceRelationship.objects.all()} == {"HA1"}
