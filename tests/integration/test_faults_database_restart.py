"""The database restarting in the middle of a request (issue 20 item 4), for real: the
server ends the request's own connection (as a restart does) between an action's first
writes and its audit event. The user gets the clear 503 page, nothing of the action is
kept (no statement without its audit event, no version without its change), the audit
chain still verifies, and the next request, on a new connection, does the action once.
PostgreSQL pass only: SQLite has no server to lose."""

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from onestory.access.policy import actor_for_user
from onestory.audit.actions import verify_audit_log
from onestory.audit.models import AuditEvent
from onestory.planning import actions
from onestory.planning.models import Plan, PlanStatement, PlanVersion
from tests import factories as f
from tests.integration._processes import on_postgresql

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not on_postgresql(), reason="needs a database server: PostgreSQL pass"),
]


def _end_this_connection() -> None:
    """What a server restart does to the request's connection: the server ends it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]


def test_database_restart_mid_action_is_a_503_and_nothing_half_written(monkeypatch):
    margaret = f.rich_person()
    sam = f.user(
        "sam", role="social_worker", org=f.organisation("E08000035", kind="adult_social_care")
    )
    f.care_team(margaret, sam)
    plan = actions.create_plan(margaret, by=actor_for_user(sam))
    before = {
        "statements": PlanStatement.objects.count(),
        "versions": PlanVersion.objects.count(),
        "audit": AuditEvent.objects.count(),
        "plan version": plan.version,
    }
    real_record_event = actions.record_event

    def restart_then_audit(**kwargs):
        _end_this_connection()
        return real_record_event(**kwargs)

    monkeypatch.setattr(actions, "record_event", restart_then_audit)
    client = Client(raise_request_exception=False)
    client.force_login(sam)
    url = reverse("plan-propose", args=[margaret.external_id])
    response = client.post(url, {"section": "matters", "text": "My cat, Biscuit."})

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "cannot reach its database" in body
    assert "Traceback" not in body and "terminating connection" not in body
    # The statement, the plan's new version and the plan's version number went with the
    # transaction: nothing half-written, and the audit chain is whole.
    assert PlanStatement.objects.count() == before["statements"]
    assert PlanVersion.objects.count() == before["versions"]
    assert AuditEvent.objects.count() == before["audit"]
    assert Plan.objects.get(pk=plan.pk).version == before["plan version"]
    assert not PlanStatement.objects.filter(text__contains="Biscuit").exists()
    assert verify_audit_log().ok

    # The next request gets a new connection and does the action, once.
    monkeypatch.setattr(actions, "record_event", real_record_event)
    assert client.post(url, {"section": "matters", "text": "My cat, Biscuit."}).status_code == 302
    assert PlanStatement.objects.filter(text__contains="Biscuit").count() == 1
    assert AuditEvent.objects.filter(action="plan.statement_proposed").count() == 1
    assert verify_audit_log().ok
