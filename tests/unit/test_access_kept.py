"""`access.policy.kept`: inside `decisions_kept` a value is made once for its key; outside,
every time; a failure is not kept."""

import pytest

from onestory.access.policy import decisions_kept, keep, kept


class Maker:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return ["made", self.calls]


def test_outside_the_block_every_ask_makes_afresh():
    make = Maker()
    assert kept(("k",), make) == ["made", 1]
    assert kept(("k",), make) == ["made", 2]
    keep(("k",), "ignored")  # nothing to keep it in
    assert kept(("k",), make) == ["made", 3]


def test_inside_the_block_a_key_is_made_once_and_blocks_do_not_share():
    make = Maker()
    with decisions_kept():
        assert kept(("k",), make) == ["made", 1]
        assert kept(("k",), make) == ["made", 1]
        assert kept(("other",), make) == ["made", 2]
    with decisions_kept():
        assert kept(("k",), make) == ["made", 3]


def test_keep_sets_what_later_asks_get_and_a_failure_is_not_kept():
    calls = []

    def fail():
        calls.append(1)
        raise LookupError("not there")

    with decisions_kept():
        for _ in range(2):
            with pytest.raises(LookupError):
                kept(("missing",), fail)
        assert len(calls) == 2
        keep(("seen",), True)
        assert kept(("seen",), lambda: False) is True
