"""The authorisation matrix for the Better Care Fund plan: every page, form and the
quarterly return × a commissioner (keeps the plan), an analyst (reads it), a GP, a social
worker and a person signed in to their own record (neither). The expected outcome is
computed here from the rule — VIEW_AGGREGATES to read, MANAGE_BCF to change — not from the
code. A refusal is a 403 that changes nothing and records no change.

The plan's metrics count people, so the plan page and the return are also checked with
and without a relationship with a person and with and without that person's opt-out of
secondary use: no one is ever named, and an opted-out person is never counted."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from onestory.access.models import SecondaryUseOptOut
from onestory.access.policy import actor_for_user
from onestory.audit.models import AuditEvent
from onestory.bcf.models import Agreement
from tests import factories as f
from tests.integration.test_bcf import agreement_with_a_scheme, ash  # noqa: F401
from tests.integration.test_commissioning import admission
from tests.integration.test_form_journeys_bcf import AGREEMENT_FORM, SCHEME_FORM

pytestmark = pytest.mark.django_db

ROLES = ("commissioner", "analyst", "gp", "social_worker", "person")
READERS = {"commissioner", "analyst"}
KEEPERS = {"commissioner"}
READS = ("home", "plan", "schemes", "return")
ENDPOINTS = (
    *READS,
    "agreement_new_get",
    "agreement_new_post",
    "agreement_edit_get",
    "agreement_edit_post",
    "contributions_get",
    "contributions_post",
    "scheme_new_get",
    "scheme_new_post",
    "scheme_get",
    "scheme_post",
    "scheme_spend",
    "targets_get",
    "targets_post",
)


def _user(role: str):
    if role == "person":
        return f.person_user(f.person())
    kind = {"gp": "gp_practice", "social_worker": "adult_social_care"}.get(role, "commissioner")
    return f.user(None, role=role, org=f.organisation(f"M-{role}", f"Matrix {role}", kind))


def _request(client, endpoint: str, agreement, scheme):
    a, s = agreement.external_id, scheme.external_id
    urls = {
        "home": "/bcf/",
        "plan": f"/bcf/agreements/{a}/",
        "schemes": f"/bcf/agreements/{a}/schemes/",
        "return": f"/bcf/agreements/{a}/return.xlsx",
        "agreement_new": "/bcf/agreements/new/",
        "agreement_edit": f"/bcf/agreements/{a}/edit/",
        "contributions": f"/bcf/agreements/{a}/contributions/",
        "scheme_new": f"/bcf/agreements/{a}/schemes/new/",
        "scheme": f"/bcf/schemes/{s}/",
        "scheme_spend": f"/bcf/schemes/{s}/spend/",
        "targets": f"/bcf/agreements/{a}/targets/",
    }
    posts = {
        "agreement_new": {**AGREEMENT_FORM, "first_year": "2027", "last_year": "2027"},
        "agreement_edit": {**AGREEMENT_FORM, "status": "ended"},
        "contributions": {"year": "2025-26", "source": "dfg", "amount": "10"},
        "scheme_new": SCHEME_FORM,
        "scheme": {**SCHEME_FORM, "reference": "1", "name": "Renamed"},
        "scheme_spend": {"quarter": "2", "actual": "10"},
        "targets": {"year": "2025-26", "metric": "falls_65plus_per_100k", "annual": "2000"},
    }
    name = endpoint.removesuffix("_get").removesuffix("_post")
    if endpoint.endswith("_post") or endpoint == "scheme_spend":
        return client.post(urls[name], posts[name])
    return client.get(urls[name])


def _state(agreement, scheme) -> tuple:
    agreement.refresh_from_db()
    scheme.refresh_from_db()
    return (
        Agreement.objects.count(),
        agreement.status,
        agreement.contributions.count(),
        agreement.schemes.count(),
        scheme.name,
        scheme.actual_q2,
        agreement.targets.count(),
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", ROLES)
def test_bcf_authorisation_matrix(client, ash, role, endpoint):  # noqa: F811
    keeper = f.user(None, role="commissioner", org=f.organisation("QWO", "Ashbridge ICB"))
    agreement, scheme = agreement_with_a_scheme(ash, actor_for_user(keeper))
    before = _state(agreement, scheme)
    user = _user(role)
    client.force_login(user)
    response = _request(client, endpoint, agreement, scheme)
    mine = AuditEvent.objects.filter(actor_id=f"user:{user.pk}", action__startswith="bcf.")
    writes = endpoint.endswith("_post") or endpoint == "scheme_spend"
    allowed = role in KEEPERS or (role in READERS and endpoint in READS)
    if not allowed:
        assert response.status_code == 403
        assert _state(agreement, scheme) == before
        assert not mine.exists()
        return
    assert response.status_code == (302 if writes else 200)
    if writes:
        assert _state(agreement, scheme) != before
        assert mine.count() == 1
    elif endpoint == "return":
        assert [e.action for e in mine] == ["bcf.return_downloaded"]
    else:
        assert not mine.exists()  # reading the plan changes nothing


def _older_people_with_a_fall(n: int):
    gp = f.source_system("gp", "Y02101", "Ashbridge Health Centre")
    acute = f.source_system("acute", "R9A", "Ashbridge Teaching Hospitals")
    people = []
    for i in range(n):
        nhs = f.nhs_number()
        g = f.source_record(
            gp,
            nhs_number=nhs,
            date_of_birth=date(1950, 1, 1),
            given_name="Q",
            family_name="Zebedee",
        )
        a = f.source_record(acute, nhs_number=nhs, date_of_birth=date(1950, 1, 1))
        admission(a, date(2025, 6, 1) + timedelta(i), 2, "217082002")
        people.append(f.linked_person(g, a))
    return people


@pytest.mark.parametrize("refused", [False, True], ids=["no-opt-out", "opted-out"])
@pytest.mark.parametrize("related", [False, True], ids=["no-relationship", "relationship"])
@pytest.mark.parametrize("endpoint", ("plan", "return"))
@pytest.mark.parametrize("role", ("commissioner", "analyst", "gp"))
def test_bcf_metrics_name_no_one_and_leave_out_opted_out_people(
    client,
    ash,  # noqa: F811
    role,
    endpoint,
    related,
    refused,
):
    people = _older_people_with_a_fall(9)
    keeper = f.user(None, role="commissioner", org=f.organisation("QWO", "Ashbridge ICB"))
    agreement, scheme = agreement_with_a_scheme(ash, actor_for_user(keeper))
    user = _user(role)
    if related:
        f.care_team(people[0], user)
    if refused:
        SecondaryUseOptOut.objects.create(person=people[0], opted_out_at=timezone.now(), set_by="t")
    client.force_login(user)
    response = client.get(
        f"/bcf/agreements/{agreement.external_id}/"
        + ("return.xlsx" if endpoint == "return" else ""),
        {"year": "2025-26"},
    )
    body = response.content
    nhs = people[0].links.first().record.nhs_number
    assert nhs.encode() not in body and b"Zebedee" not in body
    if role not in READERS:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    (event,) = AuditEvent.objects.filter(
        actor_id=f"user:{user.pk}", action="commissioning.bcf_metrics"
    )
    assert event.detail["people"] == 9 - refused
    assert event.detail["opted_out_excluded"] == int(refused)
    if endpoint == "plan":
        cell = body.decode()
        cell = cell[cell.index('data-testid="figure-falls_65plus_per_100k"') :]
        cell = cell[: cell.index("</td>")]
        # 9 falls counted, or 8 with the opted-out person left out: both shown
        assert "fewer than 8" not in cell and "Not available" not in cell
