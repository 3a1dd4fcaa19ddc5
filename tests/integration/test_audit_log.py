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


def _delete_last(n: int) -> None:
    table = AuditEvent._meta.db_table
    ids = list(AuditEvent.objects.order_by("-id").values_list("id", flat=True)[:n])
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(ids))})", ids)


@pytest.mark.parametrize("deleted", [1, 5])
def test_verify_reports_entries_deleted_at_the_end(deleted):
    for i in range(8):
        record_event(by=BY, action="record.view", detail={"n": i})
    _delete_last(deleted)
    check = verify_audit_log()
    assert not check.ok
    assert check.first_broken_id is None and check.checked == 8 - deleted
    assert f"{deleted:,} entr" in check.problems[0] and "missing at the end" in check.problems[0]


def _run(capsys, *argv) -> tuple[int, str]:
    from onestory.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    return exit_.value.code, capsys.readouterr().out


def test_verify_command_exits_non_zero_when_the_end_is_deleted(capsys):
    for i in range(6):
        record_event(by=BY, action="record.view", detail={"n": i})
    assert _run(capsys, "audit", "verify")[0] == 0
    _delete_last(1)
    code, out = _run(capsys, "audit", "verify")
    assert code == 1
    assert "INCOMPLETE" in out and "1 entry missing at the end" in out


def _rewrite_chain_from(first_id: int) -> None:
    """What an attacker with SQL and the source code can do: recompute every hash from an
    entry onwards and the chain head, so the stored chain is consistent again."""
    from onestory.audit.actions import _fields
    from onestory.audit.domain.chain import GENESIS, event_hash

    table = AuditEvent._meta.db_table
    prev = (
        AuditEvent.objects.filter(id__lt=first_id).order_by("-id").values_list("hash", flat=True)
    ).first() or GENESIS
    count = AuditEvent.objects.filter(id__lt=first_id).count()
    for event in AuditEvent.objects.filter(id__gte=first_id).order_by("id"):
        new = event_hash(prev, _fields(event))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET prev_hash = %s, hash = %s WHERE id = %s",
                [prev, new, event.pk],
            )
        prev, count = new, count + 1
    AuditChainHead.objects.filter(id=1).update(last_hash=prev, count=count)


@pytest.mark.parametrize("tamper", ["delete_end", "delete_middle", "edit"])
def test_verify_with_anchor_finds_a_log_rewritten_after_the_anchor(capsys, tmp_path, tamper):
    events = [record_event(by=BY, action="record.view", detail={"n": i}) for i in range(6)]
    anchors = tmp_path / "anchors.jsonl"
    code, out = _run(capsys, "audit", "anchor", "--out", str(anchors))
    assert code == 0 and '"count": 6' in out
    assert anchors.read_text().count("\n") == 1
    # The anchor command is itself audited, after the anchored prefix.
    assert AuditEvent.objects.filter(action="audit.anchor").count() == 1
    assert _run(capsys, "audit", "verify", "--anchor", str(anchors))[0] == 0
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if tamper == "delete_end":
            cursor.execute(f"DELETE FROM {table} WHERE id >= %s", [events[4].pk])
        elif tamper == "delete_middle":
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [events[2].pk])
        else:
            cursor.execute(f"UPDATE {table} SET action = 'x' WHERE id = %s", [events[1].pk])
    # Cover the tracks: rewrite every hash and the head so the chain alone looks intact.
    start = events[1].pk if tamper == "edit" else events[0].pk
    _rewrite_chain_from(start)
    assert _run(capsys, "audit", "verify")[0] == 0  # the chain alone cannot tell
    code, out = _run(capsys, "audit", "verify", "--anchor", str(anchors))
    assert code == 1
    assert "anchor at entry 6" in out


def test_verify_with_a_bad_anchor_file_names_file_line_and_field(capsys, tmp_path):
    record_event(by=BY, action="record.view")
    anchors = tmp_path / "anchors.jsonl"
    anchors.write_text('{"count": 1, "last_hash": "' + "a" * 64 + '"}\n{"count": "x"}\n')
    code, out = _run(capsys, "audit", "verify", "--anchor", str(anchors))
    assert code == 2
    assert "anchors.jsonl, line 2: field 'count'" in out


def test_audit_help_says_how_the_head_is_protected(capsys):
    from onestory.cli import main

    with pytest.raises(SystemExit):
        main(["audit", "--help"])
    out = capsys.readouterr().out
    assert "chain head" in out and "outside the database" in out
    assert "verify --anchor FILE" in out
