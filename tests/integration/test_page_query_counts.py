"""The main pages' database queries do not grow with the data (issue 20 item 1): each page
is asked for on a small record, then again after the same person has three times the
timeline entries and the partnership many more people; the count must be the same, and
within a fixed bound. At a million people a page whose queries grow with rows is the one
that slows; these tests stop that regressing. (Time is measured by bench/bench_scale_pg.py,
never asserted here.)"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onestory.audit.domain.actor import Actor
from onestory.interop.actions import create_token
from tests import factories as f

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("tests", channel="cli")


@pytest.fixture
def world(client):
    margaret = f.rich_person()
    gp = f.user("gp.counts", role="gp")
    f.care_team(margaret, gp)
    _row, token = create_token(by=SYSTEM, username="gp.counts")
    client.force_login(gp)
    return {"person": margaret, "token": token}


def _grow(person, others: int) -> None:
    """Three times the person's entries in every source, and `others` more people sharing
    the person's family name (so a search by name finds them all), born on other days and
    living elsewhere (so none looks like the same person or their household)."""
    for record in [link.record for link in person.links.all()]:
        n = record.events.count()
        for i in range(2 * n + 20):
            f.source_event(record, start=date(2019, 1, 1) + timedelta(days=i))
    for i in range(others):
        other = f.linked_person(
            f.source_record(
                given_name=f"Other{i}",
                date_of_birth=date(1960, 1, 1) + timedelta(days=40 * i),
                nhs_number=f.nhs_number(),
                address=f"{i} Other Road",
                postcode=f"LS{i % 20 + 1} {i % 9}ZZ",
            )
        )
        f.source_event(other.links.first().record)


PAGES = {
    "person page": lambda w: (f"/people/{w['person'].external_id}/", {}),
    "timeline fragment": lambda w: (f"/people/{w['person'].external_id}/timeline/", {}),
    "search by NHS number": lambda w: (
        "/",
        {"nhs_number": w["person"].links.first().record.nhs_number},
    ),
    "search by name": lambda w: ("/", {"family_name": "Example"}),
    "FHIR $everything": lambda w: (
        f"/fhir/Patient/{w['person'].external_id}/$everything",
        {"HTTP_AUTHORIZATION": f"Bearer {w['token']}"},
    ),
    "FHIR Condition search": lambda w: (
        "/fhir/Condition",
        {"HTTP_AUTHORIZATION": f"Bearer {w['token']}", "patient": str(w["person"].external_id)},
    ),
}
# Each page's most queries: today's count with a little room, so that a new query per page
# is a decision someone makes, and a query per row is caught at once.
BOUND = {
    "person page": 34,
    "timeline fragment": 30,
    "search by NHS number": 30,
    "search by name": 30,
    "FHIR $everything": 30,
    "FHIR Condition search": 30,
}


def _count(client, page, world) -> int:
    path, extra = PAGES[page](world)
    headers = {k: v for k, v in extra.items() if k.startswith("HTTP_")}
    params = {k: v for k, v in extra.items() if not k.startswith("HTTP_")}
    client.get(path, params, **headers)  # warm: the FHIR view and caches made once
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params, **headers)
    assert response.status_code == 200, (page, response.status_code)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", list(PAGES))
def test_page_query_count_does_not_grow_with_the_data(client, world, page):
    small = _count(client, page, world)
    _grow(world["person"], others=30)
    large = _count(client, page, world)
    assert large == small, f"{page}: {small} queries on a small record, {large} on a large one"
    assert large <= BOUND[page], f"{page}: {large} queries (bound {BOUND[page]})"


def test_person_page_decides_access_once_for_its_five_reads(client, world):
    path, _ = PAGES["person page"](world)
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    choices = [q for q in ctx.captured_queries if 'FROM "access_sharingchoice"' in q["sql"]]
    assert len(choices) == 1  # the person's choices, read by `decide`, once


def test_person_page_reads_the_person_run_and_visit_once_for_its_five_reads(client, world):
    path, _ = PAGES["person page"](world)
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    sqls = [q["sql"] for q in ctx.captured_queries]

    def reads(table):
        return [s for s in sqls if s.startswith("SELECT") and f'FROM "{table}"' in s]

    assert len(reads("people_person")) == 1
    assert len(reads("people_linkagerun")) == 1
    # Whether this visit's read of the record is already audited: asked once, not once a read.
    assert len(reads("audit_auditevent")) == 1
