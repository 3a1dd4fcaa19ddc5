"""Grouping a person's link decisions into the acts that wrote them."""

from datetime import UTC, datetime, timedelta

from onestory.people.domain.history import Decision, group_decisions

T = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_group_decisions_one_unmerge_is_one_act_listing_each_record_once():
    acts = group_decisions(
        [
            Decision(T, "user:7", "unmerge", "wrong dob", "no_link", (1, 3)),
            Decision(T, "user:7", "unmerge", "wrong dob", "no_link", (2, 3)),
            Decision(T, "user:7", "unmerge", "wrong dob", "link", (3, 4)),
            Decision(T - timedelta(hours=1), "user:7", "merge", "same", "link", (1, 3)),
        ]
    )
    assert [(a.via, a.records) for a in acts] == [("unmerge", [1, 3, 2, 4]), ("merge", [1, 3])]


def test_group_decisions_same_time_but_other_officer_or_reason_stay_apart():
    acts = group_decisions(
        [
            Decision(T, "user:7", "review", "", "link", (1, 2)),
            Decision(T, "user:8", "review", "", "link", (3, 4)),
            Decision(T, "user:7", "review", "other", "link", (5, 6)),
        ]
    )
    assert len(acts) == 3
