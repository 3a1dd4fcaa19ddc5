"""The authorisation matrix for the production routes: the probes (`/health/`, `/ready/`)
are public — every role, a person signed in to their own record, and nobody signed in —
and name nobody; a background job's page and its cancel form are for its owner and
administrators only, and a refusal says nothing about the job (the same answer as for a
job that does not exist)."""

import re

import pytest

from onestory.access.domain.roles import ROLES
from onestory.jobs.models import Job, JobState
from tests import factories as f

pytestmark = pytest.mark.django_db

STAFF_ROLES = sorted(ROLES)
OTHERS = ["anonymous", "person", *STAFF_ROLES]


def _client_as(client, who: str):
    if who == "anonymous":
        return None
    if who == "person":
        user = f.person_user(f.rich_person(), username="me.person")
    else:
        user = f.user(f"{who}.matrix", role=who)
    client.force_login(user)
    return user


@pytest.mark.parametrize("who", OTHERS)
@pytest.mark.parametrize("path", ["/health/", "/ready/"])
def test_probes_are_public_and_name_nobody(client, who, path):
    person = f.rich_person()
    _client_as(client, who)
    response = client.get(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert set(response.json()) == {"status"}
    assert "Oldroyd" not in body and str(person.external_id) not in body


def _job(owner) -> Job:
    return Job.objects.create(
        kind="import",
        owner=owner,
        actor_label=owner.get_username(),
        params={"path": "/srv/extracts/nightly"},
        state=JobState.RUNNING,
        message="Imported 3 of 9 files",
    )


@pytest.mark.parametrize("who", ["owner", "anonymous", "person", *STAFF_ROLES])
@pytest.mark.parametrize("route", ["page", "fragment", "cancel"])
def test_job_routes_only_for_owner_and_administrators(client, who, route):
    owner = f.user("dq.owner", role="data_quality_officer")
    job = _job(owner)
    if who == "owner":
        client.force_login(owner)
    else:
        _client_as(client, who)
    if route == "page":
        response = client.get(f"/jobs/{job.pk}/")
    elif route == "fragment":
        response = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    else:
        response = client.post(f"/jobs/{job.pk}/cancel/")
    job.refresh_from_db()
    allowed = who in ("owner", "administrator")
    if who == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    elif allowed:
        assert response.status_code == (302 if route == "cancel" else 200)
    else:
        assert response.status_code == 403
        body = response.content.decode()
        assert "dq.owner" not in body and "Imported 3 of 9" not in body
    assert job.cancel_requested == (allowed and route == "cancel")


def test_someone_elses_job_and_no_job_get_the_same_refusal(client):
    job = _job(f.user("dq.first", role="data_quality_officer"))
    client.force_login(f.user("dq.second", role="data_quality_officer"))
    theirs = client.get(f"/jobs/{job.pk}/")
    missing = client.get(f"/jobs/{job.pk + 1000}/")
    assert theirs.status_code == missing.status_code == 403

    def without_tokens(response) -> str:  # the sign-out form's CSRF token differs each time
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())

    assert without_tokens(theirs) == without_tokens(missing)


@pytest.mark.parametrize("who", ["owner", "other", "administrator"])
def test_job_list_shows_own_jobs_and_administrators_all(client, who):
    owner = f.user("dq.lister", role="data_quality_officer")
    _job(owner)
    user = {
        "owner": owner,
        "other": f.user("dq.other", role="data_quality_officer"),
        "administrator": f.user("admin.lister", role="administrator"),
    }[who]
    client.force_login(user)
    body = client.get("/jobs/").content.decode()
    assert ("Imported 3 of 9 files" in body) == (who != "other")
