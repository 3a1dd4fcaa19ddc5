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
