import pytest
from django.db import connection

from onestory.audit.actions import record_event, verify_audit_log
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db
BY = Actor(id="user:7", label="sw.demo", role="social_worker", organisation="C1", channel="page")


def test_record_event_chains_each_entry_to_the_previous():
    first = record_event(by=BY, action="record.view", person_id="p-1", detail={"n": 1})
    second = record_event(by=BY, action="record.view", person_id="p-2")
    assert second.prev_hash == first.hash
    assert AuditChainHead.objects.get().last_hash == second.hash
    assert verify_audit_log().ok and verify_audit_log().checked == 2


def test_audit_events_cannot_be_updated_or_deleted_through_the_orm():
    event = record_event(by=BY, action="record.view")
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_verify_reports_first_entry_tampered_with_in_the_database():
    events = [record_event(by=BY, action="record.view", detail={"n": i}) for i in range(4)]
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:  # bypass the ORM, as an attacker with SQL would
        cursor.execute(f"UPDATE {table} SET person_id = 'someone' WHERE id = %s", [events[2].pk])
    check = verify_audit_log()
    assert not check.ok
    assert check.first_broken_id == events[2].pk
    assert check.checked == 2


def test_verify_detects_a_deleted_entry():
    events = [record_event(by=BY, action="record.view", detail={"n": i}) for i in range(3)]
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [events[1].pk])
    assert verify_audit_log().first_broken_id == events[2].pk
