"""Clustering scored pairs into people under fixed constraints, engine-neutral.

Plain connected components lets one weak edge chain two people together. Here edges are
taken strongest first and an edge is refused when joining its two clusters would put two
different valid NHS numbers in one person, or would join records a reviewer said are not
the same person. Reviewers' "link" decisions go in first, as edges that are always taken.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Edge:
    """A scored pair of records: the two ids, the match probability and the rule."""

    a: int
    b: int
    probability: float
    rule: str


@dataclass(frozen=True)
class Constraints:
    """Reviewers' decisions, applied by every engine: pairs that must be one person, and
    pairs that must never be."""

    must_link: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    cannot_link: frozenset[tuple[int, int]] = field(default_factory=frozenset)

    @staticmethod
    def of(
        must_link: Iterable[tuple[int, int]] = (), cannot_link: Iterable[tuple[int, int]] = ()
    ) -> "Constraints":
        return Constraints(
            frozenset(_ordered(a, b) for a, b in must_link),
            frozenset(_ordered(a, b) for a, b in cannot_link),
        )

    def __bool__(self) -> bool:
        return bool(self.must_link or self.cannot_link)


RULE_REVIEW_LINK = "review:link"


def _ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a <= b else (b, a)


@dataclass
class ClusterResult:
    """Record id → cluster root, and for each record the strongest edge that joined it."""

    root: dict[int, int]
    best_edge: dict[int, Edge]
    refused: list[Edge]


def constrained_clusters(
    ids: Sequence[int],
    edges: Iterable[Edge],
    *,
    keys: dict[int, str] | None = None,
    constraints: Constraints | None = None,
) -> ClusterResult:
    """Join records along edges, strongest first, never putting two different `keys` (valid
    NHS numbers) or a cannot-link pair in one cluster. Must-link pairs are joined first and
    unconditionally. Returns each record's cluster root (its lowest member id)."""
    constraints = constraints or Constraints()
    keys = keys or {}
    parent = {i: i for i in ids}
    members: dict[int, list[int]] = {i: [i] for i in ids}
    cluster_keys: dict[int, set[str]] = {i: ({keys[i]} if keys.get(i) else set()) for i in ids}
    cannot: dict[int, set[int]] = {}
    for a, b in constraints.cannot_link:
        cannot.setdefault(a, set()).add(b)
        cannot.setdefault(b, set()).add(a)
    best: dict[int, Edge] = {}
    refused: list[Edge] = []

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def conflicts(ra: int, rb: int) -> bool:
        ka, kb = cluster_keys[ra], cluster_keys[rb]
        if ka and kb and ka != kb:
            return True
        small, other = (ra, rb) if len(members[ra]) <= len(members[rb]) else (rb, ra)
        return any(find(p) == other for m in members[small] for p in cannot.get(m, ()))

    def join(ra: int, rb: int) -> None:
        keep, gone = (ra, rb) if ra < rb else (rb, ra)
        parent[gone] = keep
        members[keep].extend(members.pop(gone))
        cluster_keys[keep] |= cluster_keys.pop(gone)

    def note(edge: Edge) -> None:
        for r in (edge.a, edge.b):
            if r not in best or edge.probability > best[r].probability:
                best[r] = edge

    for a, b in sorted(constraints.must_link):
        if a in parent and b in parent:
            ra, rb = find(a), find(b)
            if ra != rb:
                join(ra, rb)
            note(Edge(a, b, 1.0, RULE_REVIEW_LINK))

    for edge in sorted(edges, key=lambda e: (-e.probability, e.a, e.b)):
        if edge.a not in parent or edge.b not in parent:
            continue
        if _ordered(edge.a, edge.b) in constraints.cannot_link:
            refused.append(edge)
            continue
        ra, rb = find(edge.a), find(edge.b)
        if ra == rb:
            note(edge)
            continue
        if conflicts(ra, rb):
            refused.append(edge)
            continue
        join(ra, rb)
        note(edge)

    return ClusterResult({i: find(i) for i in ids}, best, refused)
