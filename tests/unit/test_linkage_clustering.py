from datetime import date

from onestory.people.domain.clustering import (
    RULE_REVIEW_LINK,
    Constraints,
    Edge,
    constrained_clusters,
)
from onestory.people.domain.linkage import DeterministicLinker, LinkageRecord


def groups(result):
    out = {}
    for rid, root in result.root.items():
        out.setdefault(root, set()).add(rid)
    return sorted(sorted(g) for g in out.values())


def test_constrained_clusters_join_along_edges_strongest_first():
    result = constrained_clusters([1, 2, 3], [Edge(1, 2, 0.99, "s"), Edge(2, 3, 0.995, "s")])
    assert groups(result) == [[1, 2, 3]]
    assert result.best_edge[2].probability == 0.995
    assert result.root[3] == 1  # the root is the lowest member


def test_constrained_clusters_never_join_two_nhs_numbers():
    keys = {1: "9990000018", 3: "9990000026"}
    edges = [Edge(1, 2, 0.999, "s"), Edge(2, 3, 0.99, "s")]
    result = constrained_clusters([1, 2, 3], edges, keys=keys)
    # the stronger edge wins; the weaker would chain two numbers into one person
    assert groups(result) == [[1, 2], [3]]
    assert result.refused == [edges[1]]


def test_constrained_clusters_honour_cannot_link_across_a_chain():
    edges = [Edge(1, 2, 0.999, "s"), Edge(2, 3, 0.998, "s")]
    result = constrained_clusters(
        [1, 2, 3], edges, constraints=Constraints.of(cannot_link=[(3, 1)])
    )
    assert groups(result) == [[1, 2], [3]]


def test_constrained_clusters_apply_must_link_without_an_edge():
    result = constrained_clusters([1, 2, 3], [], constraints=Constraints.of(must_link=[(3, 1)]))
    assert groups(result) == [[1, 3], [2]]
    assert result.best_edge[1].rule == RULE_REVIEW_LINK


def rec(i, nhs="", family="smith"):
    return LinkageRecord(i, nhs, family, date(1941, 3, 5), "AB12CD")


def test_deterministic_linker_honours_cannot_link():
    linker = DeterministicLinker()
    out = linker.cluster([rec(1), rec(2)], Constraints.of(cannot_link=[(1, 2)]))
    assert out[0].cluster != out[1].cluster
    assert out[0].rule == "unlinked"


def test_deterministic_linker_honours_must_link():
    linker = DeterministicLinker()
    out = linker.cluster([rec(1, family="smith"), rec(2, family="jones")], Constraints.of([(1, 2)]))
    assert out[0].cluster == out[1].cluster
    assert out[1].rule == RULE_REVIEW_LINK


def test_carry_forward_gives_split_records_back_their_dormant_person():
    from onestory.people.domain.linkage import Assignment, carry_forward_people

    # 1, 2 were person 100; 3 was person 200 until a merge put it with 100
    assignments = [Assignment(1, 0, "r", 1.0), Assignment(2, 0, "r", 1.0)]
    assignments.append(Assignment(3, 1, "r", 1.0))
    previous = {1: 100, 2: 100, 3: 100}
    assert carry_forward_people(assignments, previous) == {0: 100, 1: None}
    assert carry_forward_people(assignments, previous, earlier={3: 200}) == {0: 100, 1: 200}


def test_carry_forward_never_revives_a_person_still_in_use():
    from onestory.people.domain.linkage import Assignment, carry_forward_people

    assignments = [Assignment(1, 0, "r", 1.0), Assignment(2, 1, "r", 1.0)]
    # 100 carries on with record 1, so it cannot also be revived for record 2
    assert carry_forward_people(assignments, {1: 100}, earlier={2: 100}) == {0: 100, 1: None}
