"""The person index's linkage rules, engine-neutral and free of Django.

A linker takes the linkage view of every source record and returns clusters: each record
with a cluster number, the rule that put it there and a match probability. The deterministic
linker here is the foundation's rule; the probabilistic (Splink) linker of the identity work
implements the same `Linker` protocol, so the person index and everything built on it stay
as they are when the rule changes.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from onestory.people.domain import nhs_number
from onestory.people.domain.clustering import (
    RULE_REVIEW_LINK,
    Constraints,
    Edge,
    constrained_clusters,
)

RULE_NHS_NUMBER = "nhs_number"
RULE_DEMOGRAPHICS = "family_name+dob+postcode"
RULE_UNLINKED = "unlinked"


@dataclass(frozen=True)
class LinkageRecord:
    """What linkage sees of a source record. The first five fields are all the deterministic
    rule needs; the probabilistic engines use the rest too (names as sent, for double-barrelled
    surnames and nicknames; partial dates of birth; sex; address; the source system)."""

    id: int
    nhs_number: str
    norm_family: str
    date_of_birth: date | None
    norm_postcode: str
    norm_given: str = ""
    given_name: str = ""
    family_name: str = ""
    birth_year: int | None = None
    birth_month: int | None = None
    sex: str = ""
    address: str = ""
    source: str = ""


@dataclass(frozen=True)
class Assignment:
    record_id: int
    cluster: int
    rule: str
    match_probability: float | None


class Linker(Protocol):
    """A linkage engine. `cluster` must honour `constraints` (reviewers' decisions) and leave
    in `uncertain_pairs` the pairs it scored in its uncertain band, for the review queue."""

    method: str
    uncertain_pairs: list[Edge]

    def cluster(
        self, records: Sequence[LinkageRecord], constraints: Constraints | None = None
    ) -> list[Assignment]: ...


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def demographic_key(record: LinkageRecord) -> tuple[str, date, str] | None:
    if record.norm_family and record.date_of_birth and record.norm_postcode:
        return (record.norm_family, record.date_of_birth, record.norm_postcode)
    return None


class DeterministicLinker:
    """Valid NHS number first; otherwise exact normalised family name + date of birth +
    postcode.

    A record without a valid NHS number joins the records that share its demographic key.
    When that key is held by records of two or more different NHS numbers (twins at one
    address, say) the record is ambiguous and is linked to none of them: a false merge is
    worse than a missed link. Links made this way are certain by rule, so their match
    probability is 1.0; unlinked records have none."""

    method = "deterministic-v1"

    def __init__(self) -> None:
        self.uncertain_pairs: list[Edge] = []

    def cluster(
        self, records: Sequence[LinkageRecord], constraints: Constraints | None = None
    ) -> list[Assignment]:
        uf = _UnionFind()
        rule: dict[int, str] = {}
        by_nhs: dict[str, list[int]] = defaultdict(list)
        nhs_by_key: dict[tuple, set[str]] = defaultdict(set)
        first_by_nhs: dict[str, int] = {}
        without_nhs_by_key: dict[tuple, list[int]] = defaultdict(list)

        for r in records:
            uf.find(r.id)
            key = demographic_key(r)
            if nhs_number.is_valid(r.nhs_number):
                number = nhs_number.normalise(r.nhs_number)
                by_nhs[number].append(r.id)
                first_by_nhs.setdefault(number, r.id)
                if key:
                    nhs_by_key[key].add(number)
            elif key:
                without_nhs_by_key[key].append(r.id)

        for ids in by_nhs.values():
            for other in ids[1:]:
                uf.union(ids[0], other)
            if len(ids) > 1:
                for i in ids:
                    rule[i] = RULE_NHS_NUMBER

        for key, ids in without_nhs_by_key.items():
            numbers = nhs_by_key.get(key, set())
            if len(numbers) > 1:
                continue
            anchor = first_by_nhs[next(iter(numbers))] if numbers else None
            group = ids + ([anchor] if anchor is not None else [])
            if len(group) < 2:
                continue
            for other in group[1:]:
                uf.union(group[0], other)
            for i in ids:
                rule[i] = RULE_DEMOGRAPHICS
            if anchor is not None:
                rule.setdefault(anchor, RULE_NHS_NUMBER)

        if constraints:
            return self._with_constraints(records, uf, rule, constraints)
        clusters: dict[int, int] = {}
        out = []
        for r in records:
            root = uf.find(r.id)
            cluster = clusters.setdefault(root, len(clusters))
            linked = r.id in rule
            out.append(
                Assignment(r.id, cluster, rule.get(r.id, RULE_UNLINKED), 1.0 if linked else None)
            )
        return out

    @staticmethod
    def _with_constraints(
        records: Sequence[LinkageRecord],
        uf: "_UnionFind",
        rule: dict[int, str],
        constraints: Constraints,
    ) -> list[Assignment]:
        """Re-cluster the rule's links as edges under reviewers' decisions: must-link pairs
        join, cannot-link pairs never share a person."""
        ids = [r.id for r in records]
        by_root: dict[int, list[int]] = defaultdict(list)
        for i in ids:
            by_root[uf.find(i)].append(i)
        edges = [
            Edge(group[0], other, 1.0, rule.get(other, RULE_NHS_NUMBER))
            for group in by_root.values()
            for other in group[1:]
        ]
        keys = {
            r.id: nhs_number.normalise(r.nhs_number)
            for r in records
            if nhs_number.is_valid(r.nhs_number)
        }
        result = constrained_clusters(ids, edges, keys=keys, constraints=constraints)
        size: dict[int, int] = defaultdict(int)
        for root in result.root.values():
            size[root] += 1
        clusters: dict[int, int] = {}
        out = []
        for r in records:
            root = result.root[r.id]
            cluster = clusters.setdefault(root, len(clusters))
            if size[root] < 2:
                out.append(Assignment(r.id, cluster, RULE_UNLINKED, None))
                continue
            edge = result.best_edge.get(r.id)
            by = rule.get(r.id) or (edge.rule if edge else RULE_REVIEW_LINK)
            if edge is not None and edge.rule == RULE_REVIEW_LINK and r.id not in rule:
                by = RULE_REVIEW_LINK
            out.append(Assignment(r.id, cluster, by, 1.0))
        return out


def carry_forward_people(
    assignments: Iterable[Assignment],
    previous: dict[int, int],
    earlier: dict[int, int] | None = None,
) -> dict[int, int | None]:
    """Give each new cluster the person it mostly was in the previous run.

    `previous` maps record id → person id in the current run. Overlaps are claimed largest
    first, and a previous person goes to at most one new cluster, so a split keeps the
    person on the larger part and the smaller part becomes a new person (None here). Ties
    break on the lower person id, so the result is deterministic.

    `earlier` maps record id → a person that held it in an older run and holds nothing in
    the previous one (a person merged away). A cluster still without a person takes the
    dormant person it overlaps most, by the same rule, so undoing a merge gives the split
    records back their own person, and whatever hangs off that person with them."""
    assignments_list = list(assignments)
    overlap: dict[tuple[int, int], int] = defaultdict(int)
    clusters: set[int] = set()
    for a in assignments_list:
        clusters.add(a.cluster)
        person = previous.get(a.record_id)
        if person is not None:
            overlap[(a.cluster, person)] += 1
    result: dict[int, int | None] = dict.fromkeys(clusters)
    taken: set[int] = set()
    for (cluster, person), _count in sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0][1])):
        if result[cluster] is None and person not in taken:
            result[cluster] = person
            taken.add(person)
    if earlier:
        dormant: dict[tuple[int, int], int] = defaultdict(int)
        for a in assignments_list:
            person = earlier.get(a.record_id)
            if result[a.cluster] is None and person is not None and person not in taken:
                dormant[(a.cluster, person)] += 1
        for (cluster, person), _count in sorted(dormant.items(), key=lambda kv: (-kv[1], kv[0][1])):
            if result[cluster] is None and person not in taken:
                result[cluster] = person
                taken.add(person)
    return result
