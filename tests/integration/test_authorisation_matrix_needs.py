"""The authorisation matrix for the needs page and its downloads: every staff role and the
person signed in to their own record × page, CSV and XLSX × with or without a relationship
with a person counted × with or without that person's opt-out of secondary use.

Expected outcome from the rule, not from the policy code: only commissioners and analysts
see aggregates (issue 14); everyone else gets 403 and nothing is audited as viewed; an
opted-out person is never counted, whoever asks; no response names anyone."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from onestory.access import actions as access_actions
from onestory.access.domain.roles import ROLES
from onestory.access.models import SecondaryUseOptOut
from onestory.access.policy import actor_for_user
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.places.demo import create_demo_places
from tests import factories as f
from tests.integration.test_commissioning import admission

pytestmark = pytest.mark.django_db

AGGREGATE_ROLES = {"commissioner", "analyst"}
ENDPOINTS = {
    "page": "commissioning-needs",
    "csv": "commissioning-needs-csv",
    "xlsx": "commissioning-needs-xlsx",
}
ASKED = {"partnership": "ASH", "quarter": "2025-26 Q1"}


@pytest.fixture
def nine():
    """Nine people aged 70 at a north practice, each with a fall admission in June 2025
    (2025-26 Q1) for 3 days."""
    gp = f.source_system("gp", "Y02101", "Ashbridge Health Centre")
    acute = f.source_system("acute", "R9A", "Ashbridge Teaching Hospitals")
    people = []
    for i in range(9):
        nhs = f.nhs_number()
        g = f.source_record(
            gp,
            nhs_number=nhs,
            date_of_birth=date(1955, 3, 1),
            given_name=f"Q{i}",
            family_name="Zebedee",
        )
        a = f.source_record(acute, nhs_number=nhs, date_of_birth=date(1955, 3, 1))
        admission(a, date(2025, 6, 1) + timedelta(i), 3, "217082002")
        people.append(f.linked_person(g, a))
    create_demo_places(by=Actor.system("tests"))
    return people


def _admissions(endpoint: str, body: bytes) -> str:
    """The emergency admissions of the healthy segment, as the response shows them."""
    if endpoint == "page":
        html = body.decode()
        row = html[html.index('data-testid="activity-healthy"') :]
        return row[: row.index("</tr>")].split("</td>")[1].rsplit(">", 1)[1]
    if endpoint == "csv":
        rows = csv.DictReader(io.StringIO(body.decode()))
    else:
        sheet = load_workbook(io.BytesIO(body))["Needs"]
        values = list(sheet.iter_rows(values_only=True))[2:]
        rows = [dict(zip(values[0], r, strict=True)) for r in values[1:]]
    (row,) = [
        r
        for r in rows
        if r["section"] == "activity"
        and r["group"] == "healthy"
        and r["measure"] == "emergency_admissions"
    ]
    return "not shown" if row["suppressed"] == "yes" else str(row["value"])


@pytest.mark.parametrize("refused", [False, True], ids=["no-opt-out", "opted-out"])
@pytest.mark.parametrize("related", [False, True], ids=["no-relationship", "relationship"])
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@pytest.mark.parametrize("role", sorted(ROLES))
def test_needs_authorisation_matrix(client, nine, role, endpoint, related, refused):
    person = nine[0]
    user = f.user(f"{role}.needs", role=role)
    if related:
        f.care_team(person, user)
    if refused:
        SecondaryUseOptOut.objects.create(person=person, opted_out_at=timezone.now(), set_by="t")
    client.force_login(user)
    response = client.get(reverse(ENDPOINTS[endpoint]), ASKED)
    record = person.links.first().record
    if endpoint != "xlsx":
        body = response.content.decode()
        assert record.nhs_number not in body and "Zebedee" not in body
    events = AuditEvent.objects.filter(action="commissioning.needs_viewed")
    if role not in AGGREGATE_ROLES:
        assert response.status_code == 403
        assert not events.exists()
        return
    assert response.status_code == 200
    (event,) = events
    counted = 9 - refused  # an opted-out person is never counted, whoever asks
    assert event.detail["people"] == counted
    assert event.detail["opted_out_excluded"] == int(refused)
    assert _admissions(endpoint, response.content) == str(counted)


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_needs_refused_to_the_person_signed_in_to_their_own_record(client, nine, endpoint):
    admin = actor_for_user(f.user("admin.needs", role="administrator"))
    account = access_actions.create_person_account(
        person=nine[0], username="q.zebedee", password="river-lantern-oak-42", by=admin
    )
    client.force_login(account.user)
    response = client.get(reverse(ENDPOINTS[endpoint]), ASKED)
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="commissioning.needs_viewed").exists()


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_needs_refused_before_a_bad_choice_is_read(client, endpoint):
    client.force_login(f.user("gp.needs", role="gp"))
    response = client.get(reverse(ENDPOINTS[endpoint]), {"quarter": "junk"})
    assert response.status_code == 403
