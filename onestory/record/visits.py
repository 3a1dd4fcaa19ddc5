"""One audit entry per visit to a person's record, not one per click.

A page passes a `visit` token (a hash of the signed-in session, never the session key
itself) to the record queries. A read of a person's record (the summary, the timeline, the
clinical cards) is not audited again when the same actor already has an allowed read of
the same person's record in the same visit within `VISIT_MINUTES` (see ADR 0003, note of
November 2026). Refused reads are always audited, and reads without a visit token (the
API, the CLI, FHIR) are audited every time."""

import hashlib
from datetime import timedelta

from django.utils import timezone

from onestory.access.policy import keep, kept
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent

VISIT_MINUTES = 30
# The allowed reads of a person's record that make one visit.
RECORD_READS = ("record.view", "record.timeline", "record.summary")


def visit_for(request) -> str:
    """The visit token for a signed-in page request: 16 hex characters of a hash of the
    session key (it identifies the session, not the person)."""
    session = getattr(request, "session", None)
    if session is None:
        return ""
    if not session.session_key:
        session.save()
    return hashlib.sha256(f"visit:{session.session_key}".encode()).hexdigest()[:16]


def seen_in_visit(by: Actor, person_id: str, visit: str) -> bool:
    """Whether `by` already has an audited read of the person's record in this visit within
    the last VISIT_MINUTES."""
    if not visit:
        return False
    since = timezone.now() - timedelta(minutes=VISIT_MINUTES)
    return AuditEvent.objects.filter(
        actor_id=by.id,
        person_id=person_id,
        action__in=RECORD_READS,
        at__gte=since,
        detail__visit=visit,
    ).exists()


def audit_read(
    *, by: Actor, action: str, person_id: str, detail: dict, visit: str = "", purpose: str = ""
) -> bool:
    """Audit an allowed read of a person's record unless this visit already has one.
    Returns whether an event was written. Within `decisions_kept` (one page's several reads)
    the visit is looked up once."""
    seen = ("read in visit", by.id, str(person_id), visit)
    if not purpose and kept(seen, lambda: seen_in_visit(by, person_id, visit)):
        return False
    if visit:
        detail = {**detail, "visit": visit}
    record_event(by=by, action=action, person_id=person_id, purpose=purpose, detail=detail)
    if visit and action in RECORD_READS and VISIT_MINUTES > 0:
        keep(seen, True)  # the page's later reads are in this visit
    return True
