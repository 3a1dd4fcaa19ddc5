"""The one way to write to the audit log."""

from datetime import UTC

from django.db import transaction
from django.utils import timezone

from onestory.audit.domain.actor import Actor
from onestory.audit.domain.chain import GENESIS, Anchor, event_hash, verify_chain
from onestory.audit.domain.redact import mask_personal_details
from onestory.audit.models import AuditChainHead, AuditEvent

# Free-text keys of `detail` masked like `purpose` (NHS numbers, dates, postcodes).
FREE_TEXT_KEYS = frozenset({"reason", "note", "comment"})


def _fields(event: AuditEvent) -> dict:
    return {
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "role": event.role,
        "organisation": event.organisation,
        "person_id": event.person_id,
        "action": event.action,
        "purpose": event.purpose,
        "channel": event.channel,
        "detail": event.detail,
    }


def record_event(
    *,
    by: Actor,
    action: str,
    person_id: str = "",
    purpose: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain. Call it inside the transaction of the change it records,
    so that the change and its audit entry commit or roll back together. Free text (the
    purpose, and `reason`/`note` in detail) is masked of NHS numbers, dates and postcodes
    whatever channel it came from: forms refuse them, this catches the rest."""
    detail = {
        k: mask_personal_details(v) if k in FREE_TEXT_KEYS and isinstance(v, str) else v
        for k, v in (detail or {}).items()
    }
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            id=1, defaults={"last_hash": GENESIS}
        )
        event = AuditEvent(
            at=timezone.now(),
            actor_id=by.id,
            actor_label=by.label,
            role=by.role,
            organisation=by.organisation,
            person_id=str(person_id or ""),
            action=action,
            purpose=mask_personal_details(purpose)[:300],
            channel=by.channel,
            detail=detail,
            prev_hash=head.last_hash,
        )
        event.hash = event_hash(head.last_hash, _fields(event))
        event.save()
        AuditChainHead.objects.filter(id=1).update(last_hash=event.hash, count=head.count + 1)
    return event


def chain_head() -> Anchor:
    """The database's chain head now: how many entries, the last hash, and the time."""
    head = AuditChainHead.objects.filter(id=1).first()
    at = timezone.now().astimezone(UTC).isoformat(timespec="seconds")
    if head is None:
        return Anchor(count=0, last_hash=GENESIS, at=at)
    return Anchor(count=head.count, last_hash=head.last_hash, at=at)


def verify_audit_log(anchors=()):
    """Recompute the whole chain from the database and compare it with the chain head (so
    that entries deleted at the end are found) and with any anchors kept outside the
    database; returns a ChainCheck."""
    anchors = tuple(anchors)
    head = chain_head()
    check = _verify_against(head, anchors)
    if check.problems and check.first_broken_id is None:
        # Events appended while the chain was read move the head on: check once more
        # against the new head before reporting a mismatch.
        newer = chain_head()
        if (newer.count, newer.last_hash) != (head.count, head.last_hash):
            check = _verify_against(newer, anchors)
    return check


def _verify_against(head: Anchor, anchors: tuple[Anchor, ...]):
    rows = (
        (e.id, e.prev_hash, e.hash, _fields(e))
        for e in AuditEvent.objects.order_by("id").iterator(chunk_size=5000)
    )
    return verify_chain(rows, head=head, anchors=anchors)
