"""The demo's neighbouring partnership (ADR 0026): Brookvale's people are imported, linked
and placed in Brookvale; its GP sees them, Ashbridge's GP does not even find them by NHS
number, and Ashbridge's district nurse sees the one she cares for across the boundary."""

import pytest
from django.contrib.auth import get_user_model

from onestory.access.models import Organisation
from onestory.demo import demo_actor
from onestory.demo.neighbour import PRACTICE, create_neighbour, import_neighbour
from onestory.people.models import PersonLink
from onestory.places.demo import create_demo_places
from onestory.sources.models import SourceRecord
from tests import factories as f

pytestmark = pytest.mark.django_db


def _ashbridge():
    """Just enough of the demo borough: a linkage run, its places and two of its logins."""
    f.linkage_run()
    by = demo_actor()
    create_demo_places(by=by)
    gp = f.user("gp.demo", role="gp", org=f.organisation("Y02101", "Ashbridge HC", "gp_practice"))
    nurse = f.user(
        "nurse.demo", role="nurse", org=f.organisation("R9C", "Ashbridge CH", "community_provider")
    )
    return by, gp, nurse


def test_neighbour_people_are_seen_only_by_their_partnership_or_through_care(client, tmp_path):
    by, gp, nurse = _ashbridge()
    import_neighbour(tmp_path, by=by)  # linked at once into the current run
    result = create_neighbour(tmp_path, by=by)
    assert result.people == 4 and result.across_the_boundary == "nurse.demo"
    assert set(Organisation.objects.values_list("partnership__code", flat=True)) == {"ASH", "BRK"}
    links = PersonLink.objects.filter(run__is_current=True, record__system__org_code=PRACTICE[0])
    people = list(links.order_by("record__local_id").values_list("person__external_id", flat=True))
    numbers = list(
        SourceRecord.objects.filter(system__org_code=PRACTICE[0])
        .order_by("local_id")
        .values_list("nhs_number", flat=True)
    )
    assert len(set(people)) == 4 and all(n.startswith("999") for n in numbers)

    client.force_login(get_user_model().objects.get(username="gp.brookvale"))
    for person_id in people:
        assert client.get(f"/api/people/{person_id}").status_code == 200
    client.force_login(gp)
    for person_id, nhs in zip(people, numbers, strict=True):
        assert client.get(f"/api/people/{person_id}").status_code == 403
        assert client.get("/api/people", {"nhs_number": nhs}).json()["results"] == []
    client.force_login(nurse)
    assert client.get(f"/api/people/{people[0]}").status_code == 200
    assert client.get(f"/api/people/{people[1]}").status_code == 403


def test_neighbour_twice_changes_nothing(tmp_path):
    by, _gp, _nurse = _ashbridge()
    import_neighbour(tmp_path, by=by)
    create_neighbour(tmp_path, by=by)
    records = SourceRecord.objects.count()
    assert import_neighbour(tmp_path, by=by).totals()["imported"] == 0
    again = create_neighbour(tmp_path, by=by)
    assert again.people == 4
    assert SourceRecord.objects.count() == records
