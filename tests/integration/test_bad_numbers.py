"""A number in an address, query string or form that is too large for the database, negative
or not a number at all is answered with a 400 (or a 404 for an id no row can have, or the
form's own error) — never a 500. Every route with an `<int:…>` in its path is found by
walking the URL resolver; every numeric query and form field is listed below."""

import re
from datetime import date

import pytest
from django.urls import reverse

from onestory.access.policy import actor_for_user
from onestory.budgets import actions as budget_actions
from onestory.casework import actions as casework
from onestory.planning import actions as plan_actions
from tests import factories as f
from tests.integration._routes import routes

pytestmark = pytest.mark.django_db

BAD = ["99999999999999999999", "-1", "abc"]


@pytest.fixture
def world(client):
    person = f.rich_person()
    cara = f.user("cara", role="care_coordinator", org=f.organisation("E08000035", "Council"))
    f.care_team(person, cara)
    by = actor_for_user(cara)
    plan = plan_actions.create_plan(person, by=by)
    plan_actions.propose_statement(plan, "about_me", "I like tea.", by=by)
    budget = budget_actions.create_budget(
        person=person, period_start=date(2025, 4, 1), period_end=date(2026, 4, 1), by=by
    )
    stream = budget_actions.add_stream(
        budget=budget,
        kind="council",
        held_as="direct_payment",
        allocated_pence=100_00,
        funder="Council",
        by=by,
    )
    entry = casework.take_onto_caseload(person=person, coordinator=cara.staff, reason="x", by=by)
    meeting = casework.create_meeting(title="MDT", meets_on=date(2026, 1, 5), by=by)
    return {
        "person": person,
        "pid": str(person.external_id),
        "cara": cara,
        "stream": str(stream.external_id),
        "entry": entry.pk,
        "meeting": meeting.pk,
        "who": {
            "staff": cara,
            "person": f.person_user(person, "maggie"),
            "officer": f.user("dq.officer", role="data_quality_officer"),
        },
    }


# (name, who signs in, method, url with {pid}/{meeting}, data with {v} for the bad value)
FIELDS = [
    ("plan-compare a", "staff", "get", "/people/{pid}/plan/compare/", {"a": "{v}", "b": "1"}),
    ("plan-compare b", "staff", "get", "/people/{pid}/plan/compare/", {"a": "1", "b": "{v}"}),
    ("plan-restore", "staff", "post", "/people/{pid}/plan/restore/", {"version": "{v}"}),
    (
        "plan-add-goal",
        "staff",
        "post",
        "/people/{pid}/plan/goals/",
        {"text": "Walk.", "services": "{v}"},
    ),
    ("person-timeline", "staff", "get", "/people/{pid}/timeline/", {"page": "{v}"}),
    ("portal-home", "person", "get", "/me/", {"page": "{v}"}),
    (
        "budget spend line",
        "staff",
        "post",
        "/people/{pid}/budget/action/",
        {
            "action": "spend",
            "stream": "{stream}",
            "kind": "payment",
            "amount": "1",
            "on": "2025-05-01",
            "line": "{v}",
        },
    ),
    (
        "budget decide",
        "staff",
        "post",
        "/people/{pid}/budget/action/",
        {"action": "decide", "dp_return": "{v}", "clawback": "0", "reason": "x"},
    ),
    (
        "budget indicative",
        "staff",
        "post",
        "/people/{pid}/budget/action/",
        {"action": "indicative", "need_personal_care": "{v}"},
    ),
    (
        "who-pays weeks",
        "staff",
        "get",
        "/who-pays/",
        {
            "capital": "1",
            "property": "1",
            "weekly_income": "1",
            "weekly_cost": "1",
            "age": "80",
            "weeks": "{v}",
        },
    ),
    (
        "who-pays age",
        "staff",
        "get",
        "/who-pays/",
        {
            "capital": "1",
            "property": "1",
            "weekly_income": "1",
            "weekly_cost": "1",
            "age": "{v}",
            "weeks": "52",
        },
    ),
    ("mdt-worklist", "staff", "get", "/mdt/worklist/", {"min_risk": "{v}"}),
    ("mdt-take-on", "staff", "post", "/mdt/people/{pid}/take-on/", {"coordinator": "{v}"}),
    ("mdt-meeting item", "staff", "post", "/mdt/meetings/{meeting}/", {"item": "{v}"}),
    (
        "mdt-assign-action",
        "staff",
        "post",
        "/mdt/meetings/{meeting}/actions/",
        {"item": "{v}", "assignee": "{v}", "description": "x", "due": "2026-02-01"},
    ),
    ("identity-person", "officer", "post", "/identity/people/{pid}/", {"record": "{v}"}),
    ("api timeline", "staff", "get", "/api/people/{pid}/timeline", {"page": "{v}"}),
    ("api search", "staff", "get", "/api/people", {"name": "x", "limit": "{v}"}),
    ("fhir _count", "staff", "get", "/fhir/Patient", {"_count": "{v}"}),
    ("fhir _offset", "staff", "get", "/fhir/Patient", {"_offset": "{v}"}),
]


def _fill(template: str, world, value) -> str:
    return template.format(
        pid=world["pid"], meeting=world["meeting"], stream=world["stream"], v=value
    )


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize(
    ("label", "who", "method", "url", "data"), FIELDS, ids=[c[0] for c in FIELDS]
)
def test_bad_number_in_a_field_is_never_a_500(client, world, label, who, method, url, data, value):
    client.force_login(world["who"][who])
    filled = {k: _fill(v, world, value) for k, v in data.items()}
    response = getattr(client, method)(_fill(url, world, value), filled)
    assert response.status_code < 500, f"{label}={value}: {response.status_code}"


def _route_id(part) -> str:
    """The same id in every process: a set of methods is written sorted, not in the order
    this process's string hashing happens to give it."""
    if isinstance(part, frozenset | set):
        return "+".join(sorted(part))
    return str(part)


def _int_routes():
    return sorted({(r.pattern, r.name, r.methods) for r in routes() if "<int:" in r.pattern})


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize(("pattern", "name", "methods"), _int_routes(), ids=_route_id)
def test_bad_number_in_an_address_is_never_a_500(client, world, pattern, name, methods, value):
    client.force_login(world["cara"])
    url = "/" + re.sub(r"<uuid:\w+>", world["pid"], re.sub(r"<int:\w+>", value, pattern))
    method = "post" if methods and "POST" in methods else "get"
    response = getattr(client, method)(url)
    assert response.status_code in {400, 403, 404}, f"{url}: {response.status_code}"


def test_address_with_an_id_too_large_is_404(client, world):
    client.force_login(world["cara"])
    assert client.get(f"/mdt/meetings/{'9' * 20}/").status_code == 404


def test_plan_compare_with_too_large_a_version_is_400_with_a_message(client, world):
    """The reported case: a twenty-digit version number."""
    client.force_login(world["cara"])
    url = reverse("plan-compare", args=[world["person"].external_id])
    response = client.get(url, {"a": "9" * 20, "b": "1"})
    assert response.status_code == 400
    assert "“a” must be a whole number" in response.content.decode()


def test_int_routes_are_found(world):
    names = {name for _, name, _ in _int_routes()}
    assert {"mdt-meeting", "staff-assign", "care-team-leave"} <= names
