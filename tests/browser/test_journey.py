"""The journey a member of staff takes on day one, in a real browser against a live server:
sign in, find a person, open their integrated record, see entries from several services.

The borough is generated, imported and linked through the same functions `onestory demo`
uses; the person searched for is chosen from the ground truth and the person index together,
so the test knows what the page should show before it looks."""

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from onestory.demo import (
    DEMO_PASSWORD,
    create_demo_logins,
    demo_actor,
    generate_borough,
    import_borough,
    link_borough,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = 300
SEED = 20260
MIN_SYSTEMS = 4
TIMELINE_PAGE_SIZE = 50  # the record page's first page: the person's whole timeline fits


@dataclass(frozen=True)
class Chosen:
    external_id: str
    name: str
    date_of_birth: date
    systems: frozenset[str]


def _truth(out: Path) -> dict[tuple[str, str], str]:
    with (out / "truth.csv").open(newline="", encoding="utf-8") as f:
        return {(r["system"], r["local_id"]): r["person_id"] for r in csv.DictReader(f)}


def choose_person(out: Path) -> Chosen:
    """A person the index links correctly (every linked record is the same true person, per
    truth.csv) with timeline entries from at least MIN_SYSTEMS source systems, all of which
    fit on the timeline's first page; the one with the most systems, then the lowest id."""
    from django.db.models import Count

    from onestory.people.models import PersonLink

    truth = _truth(out)
    links = (
        PersonLink.objects.filter(run__is_current=True)
        .select_related("record__system", "person")
        .annotate(events=Count("record__events"))
    )
    by_person = defaultdict(list)
    for link in links:
        by_person[link.person_id].append(link)
    candidates = []
    for person_links in by_person.values():
        true_people = {
            truth.get((lk.record.system.code, lk.record.local_id)) for lk in person_links
        }
        systems = frozenset(lk.record.system.code for lk in person_links if lk.events)
        events = sum(lk.events for lk in person_links)
        gp = [lk.record for lk in person_links if lk.record.system.kind == "gp"]
        if (
            len(true_people) == 1
            and None not in true_people
            and len(systems) >= MIN_SYSTEMS
            and events <= TIMELINE_PAGE_SIZE
            and gp
            and gp[0].date_of_birth
        ):
            candidates.append(
                (-len(systems), person_links[0].person_id, person_links, gp[0], systems)
            )
    assert candidates, "the borough has nobody linked across four or more systems"
    _, _, person_links, record, systems = min(candidates, key=lambda c: (c[0], c[1]))
    return Chosen(
        external_id=str(person_links[0].person.external_id),
        name=f"{record.given_name} {record.family_name}",
        date_of_birth=record.date_of_birth,
        systems=systems,
    )


def join_gp_to_care_team(chosen: Chosen) -> None:
    """The GP login joins the chosen person's care team (a legitimate relationship), as a
    GP taking over their care would; the demo does the same for its example people."""
    from onestory.access.actions import join_care_team
    from onestory.access.models import StaffMember
    from onestory.people.models import Person

    staff = StaffMember.objects.get(user__username="gp.demo")
    join_care_team(
        person=Person.objects.get(external_id=chosen.external_id),
        staff=staff,
        reason="Taking over as named GP",
        by=demo_actor(),
    )


@pytest.fixture
def borough(tmp_path_factory):
    """A small borough, imported and linked, with the demo logins."""
    out = tmp_path_factory.mktemp("borough")
    actor = demo_actor()
    generate_borough(out, people=PEOPLE, seed=SEED)
    import_borough(out, by=actor)
    link_borough(by=actor, force=True)
    create_demo_logins(by=actor)
    return out


def test_journey_sign_in_search_open_record_shows_four_systems(
    borough, live_server, page, tmp_path
):
    chosen = choose_person(borough)
    join_gp_to_care_team(chosen)

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "gp.demo")
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Find a person").is_visible()

    page.fill("#name", chosen.name)
    page.fill("#dob-day", str(chosen.date_of_birth.day))
    page.fill("#dob-month", str(chosen.date_of_birth.month))
    page.fill("#dob-year", str(chosen.date_of_birth.year))
    page.get_by_role("button", name="Search").click()
    page.wait_for_selector("#results")
    person_link = page.locator(f"a[href='/people/{chosen.external_id}/']")
    assert person_link.count() == 1, page.inner_text("#results")
    person_link.click()

    page.wait_for_url(f"{live_server.url}/people/{chosen.external_id}/")
    rows = page.locator("#timeline-results tr[data-kind]")
    assert rows.count() > 0
    shown = set(
        page.locator("#timeline-results tr[data-kind] .onestory-source-tag").evaluate_all(
            "tags => tags.map(t => t.dataset.system)"
        )
    )
    page.screenshot(path=tmp_path / "person-record.png", full_page=True)
    assert len(shown) >= MIN_SYSTEMS, shown
    assert shown <= chosen.systems
