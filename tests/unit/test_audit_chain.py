from onestory.audit.domain.chain import GENESIS, event_hash, verify_chain


def fields(n):
    return {
        "at": f"2026-01-0{n}T00:00:00.000000+00:00",
        "actor_id": "user:1",
        "actor_label": "gp.demo",
        "role": "gp",
        "organisation": "Y01234",
        "person_id": "",
        "action": "record.view",
        "purpose": "",
        "channel": "page",
        "detail": {"n": n},
    }


def chain(n):
    out, prev = [], GENESIS
    for i in range(1, n + 1):
        h = event_hash(prev, fields(i))
        out.append((i, prev, h, fields(i)))
        prev = h
    return out


def test_verify_chain_accepts_intact_chain():
    check = verify_chain(chain(5))
    assert check.ok and check.checked == 5


def test_verify_chain_names_first_altered_entry():
    events = chain(5)
    i, prev, h, f = events[2]
    events[2] = (i, prev, h, {**f, "action": "record.search"})
    check = verify_chain(events)
    assert check.first_broken_id == 3
    assert check.checked == 2
    assert "content" in check.reason


def test_verify_chain_detects_a_removed_entry():
    events = chain(5)
    del events[1]
    check = verify_chain(events)
    assert check.first_broken_id == 3
    assert "previous" in check.reason


def test_event_hash_ignores_key_order_in_detail():
    a = fields(1)
    b = {**a, "detail": {"y": 2, "x": 1}}
    a = {**a, "detail": {"x": 1, "y": 2}}
    assert event_hash(GENESIS, a) == event_hash(GENESIS, b)


def test_verify_chain_reports_entries_missing_against_the_head():
    from onestory.audit.domain.chain import Anchor

    full = chain(5)
    head = Anchor(count=5, last_hash=full[-1][2])
    assert verify_chain(full, head=head).ok
    short = verify_chain(full[:4], head=head)
    assert not short.ok and short.first_broken_id is None
    assert short.problems == ("1 entry missing at the end: the chain head counts 5 but 4 remain",)


def test_verify_chain_reports_a_changed_anchored_prefix():
    from onestory.audit.domain.chain import Anchor

    full = chain(5)
    assert verify_chain(full, anchors=[Anchor(3, full[2][2])]).ok
    assert not verify_chain(full, anchors=[Anchor(3, "f" * 64)]).ok
    assert not verify_chain(full[:2], anchors=[Anchor(3, full[2][2])]).ok
