"""The audit chain under concurrent writers: several workers, each on its own database
connection, record audited changes at once (starting on an empty chain), and the chain
afterwards has every event, one after another, with no fork.

Real concurrency needs a server database: on SQLite the test database is one file shared by
one connection in tests, so this runs on the PostgreSQL pass."""

import threading
from collections import Counter

import pytest
from django.db import connection

from onestory.audit.actions import verify_audit_log
from onestory.audit.domain.actor import Actor
from onestory.audit.domain.chain import GENESIS
from onestory.audit.models import AuditChainHead, AuditEvent
from tests import factories
from tests.integration._processes import on_postgresql

WORKERS = 8
ACTIONS_EACH = 25

pytestmark = [
    pytest.mark.skipif(
        not on_postgresql(), reason="concurrent writers need PostgreSQL: the PostgreSQL pass"
    ),
    pytest.mark.django_db(transaction=True),
]


def _worker(number: int, person, start: threading.Barrier, errors: list) -> None:
    from onestory.access.actions import set_secondary_use_opt_out

    by = Actor.system(f"worker-{number}")
    try:
        start.wait(timeout=60)
        for i in range(ACTIONS_EACH):
            # Each call changes the choice, so each records one audit event.
            set_secondary_use_opt_out(person=person, opted_out=i % 2 == 0, by=by)
    except Exception as exc:  # reported by the test, not lost in the thread
        errors.append(f"worker {number}: {exc!r}")
    finally:
        connection.close()  # this thread's own connection


def test_audit_chain_under_concurrent_writers_has_every_event_and_no_fork():
    assert not AuditChainHead.objects.exists()  # the very first event is raced for too
    people = [factories.person() for _ in range(WORKERS)]
    start = threading.Barrier(WORKERS)
    errors: list[str] = []
    threads = [
        threading.Thread(target=_worker, args=(n, people[n], start, errors)) for n in range(WORKERS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads)
    assert errors == []

    events = list(AuditEvent.objects.order_by("id"))
    total = WORKERS * ACTIONS_EACH
    # nothing lost: every worker's every action is there
    assert len(events) == total
    assert Counter(e.actor_id for e in events) == {
        f"system:worker-{n}": ACTIONS_EACH for n in range(WORKERS)
    }
    # no fork: each event's predecessor is the one before it, each hash used once
    predecessors = Counter(e.prev_hash for e in events)
    assert predecessors.most_common(1)[0][1] == 1
    assert events[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    head = AuditChainHead.objects.get()
    assert (head.count, head.last_hash) == (total, events[-1].hash)
    check = verify_audit_log()
    assert check.ok and check.checked == total and not check.problems
