"""The best assignment across the whole scheme: as many people matched as possible and, among
those assignments, the highest total compatibility, never more people than a carer has room for.

How (docs/adr/0013-shared-lives-matching.md):
1. Every person is checked against every carer with the same rules as `matching.refusals`
   and `matching.score`, vectorised (numpy bit masks; the distance and score points come from
   small lookup tables filled by the pure functions, so both paths agree exactly).
2. Candidate edges: every feasible pair when the scheme is small (people × carers ≤
   `EXHAUSTIVE_PAIRS`), otherwise each person's `per_person` best feasible carers.
3. OR-Tools min-cost flow (source → person, capacity 1; person → carer, capacity 1, cost
   `MAX_SCORE − score`; carer → sink, capacity = the carer's capacity), solved as the maximum
   flow with the least cost: the most people matched, then the highest total score.
4. Exact count: an alternating-path search over *all* feasible pairs from the unmatched
   people; any augmenting path found is added to the candidate edges and the flow re-solved,
   until none is left. So the number matched is the maximum the hard constraints and
   capacities allow, whatever `per_person` is; the total score is the highest over the
   candidate edges (over all pairs when the scheme is small).
"""

from collections import Counter
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from onestory.sharedlives.domain import DEFAULT_PER_PERSON, matching, places
from onestory.sharedlives.domain.matching import Carer, Person

EXHAUSTIVE_PAIRS = 2_000_000


@dataclass(frozen=True)
class Match:
    person_id: str
    carer_id: str
    score: int


@dataclass(frozen=True)
class Unmatched:
    person_id: str
    reason: str


@dataclass(frozen=True)
class Assignment:
    matches: tuple[Match, ...]
    unmatched: tuple[Unmatched, ...]
    people: int
    carers: int
    candidate_edges: int

    @property
    def total_score(self) -> int:
        return sum(m.score for m in self.matches)


def _masks(token_sets: list[frozenset[str]], vocab: dict[str, int]) -> np.ndarray:
    words = max(1, (len(vocab) + 63) // 64)
    out = np.zeros((len(token_sets), words), dtype=np.uint64)
    for row, tokens in enumerate(token_sets):
        for token in tokens:
            bit = vocab[token]
            out[row, bit // 64] |= np.uint64(1) << np.uint64(bit % 64)
    return out


def _vocab(*groups: list[frozenset[str]]) -> dict[str, int]:
    vocab: dict[str, int] = {}
    for group in groups:
        for tokens in group:
            for token in tokens:
                vocab.setdefault(token, len(vocab))
    return vocab


class Scheme:
    """People and carers encoded once for fast, exact checks of one person against every
    carer."""

    def __init__(self, people: list[Person], carers: list[Carer]) -> None:
        self.people = people
        self.carers = carers
        household = [c.household for c in carers]
        avoid = [p.must_not | p.excluded_by_safeguarding for p in people]
        v_house = _vocab(household, avoid)
        self.c_house = _masks(household, v_house)
        self.p_must_not = _masks([p.must_not for p in people], v_house)
        self.p_excluded = _masks([p.excluded_by_safeguarding for p in people], v_house)
        skills = [c.skills for c in carers]
        needed = [p.required_skills for p in people]
        v_skill = _vocab(skills, needed)
        self.c_skills, self.p_skills = _masks(skills, v_skill), _masks(needed, v_skill)
        access = [c.accessibility for c in carers]
        needed_access = [p.required_access for p in people]
        v_access = _vocab(access, needed_access)
        self.c_access = _masks(access, v_access)
        self.p_access = _masks(needed_access, v_access)
        self.c_open = np.array([c.approved and c.capacity >= 1 for c in carers], dtype=bool)
        self.c_approved = np.array([c.approved for c in carers], dtype=bool)
        self.c_room = np.array([c.capacity >= 1 for c in carers], dtype=bool)
        self.c_concern = np.array([bool(c.safeguarding) for c in carers], dtype=bool)
        # Dates as day numbers; 0 for "now" (a carer) or "as soon as possible" (a person).
        self.c_from = np.array(
            [c.available_from.toordinal() if c.available_from else 0 for c in carers], np.int64
        )
        self.p_starts = [p.starts.toordinal() if p.starts else 0 for p in people]
        self.offers = {
            offer: np.array([offer in c.offers for c in carers], dtype=bool)
            for offer in {p.support for p in people}
        }
        self._preferences(people, carers)
        self._places(people, carers)

    def _preferences(self, people: list[Person], carers: list[Carer]) -> None:
        pairs = (
            ([c.interests for c in carers], [p.interests for p in people]),
            ([c.languages for c in carers], [p.languages for p in people]),
            ([c.faith for c in carers], [p.faiths for p in people]),
        )
        self.c_pref, self.p_pref = [], []
        for has, wants in pairs:
            vocab = _vocab(has, wants)
            self.c_pref.append(_masks(has, vocab))
            self.p_pref.append(_masks(wants, vocab))
        self.p_wanted = [(len(p.interests), len(p.languages), len(p.faiths)) for p in people]

    def _places(self, people: list[Person], carers: list[Carer]) -> None:
        ids: dict[tuple[float, float] | None, int] = {}
        positions: list[tuple[float, float] | None] = []

        def pid(postcode: str) -> int:
            pos = places.position_km(postcode)
            if pos not in ids:
                ids[pos] = len(positions)
                positions.append(pos)
            return ids[pos]

        self.p_place = np.array([pid(p.postcode) for p in people], dtype=np.int64)
        self.c_place = np.array([pid(c.postcode) for c in carers], dtype=np.int64)
        n = len(positions)
        km = np.full((n, n), np.nan)
        points = np.zeros((n, n), dtype=np.int64)
        for i, a in enumerate(positions):
            for j, b in enumerate(positions):
                d = places.distance_km(a, b)
                km[i, j] = np.nan if d is None else d
                points[i, j] = matching.distance_points(d)
        self.km, self.distance_points = km, points

    def checks(self, i: int) -> dict[str, np.ndarray]:
        """For person i, one boolean per carer and hard constraint: True where it refuses."""
        person = self.people[i]
        out = {
            "approval": ~self.c_approved,
            "capacity": ~self.c_room,
            "offers": ~self.offers[person.support],
            "must_not": (self.c_house & self.p_must_not[i]).any(axis=1),
            "accessibility": (~self.c_access & self.p_access[i]).any(axis=1),
            "skills": (~self.c_skills & self.p_skills[i]).any(axis=1),
            "safeguarding": self.c_concern | (self.c_house & self.p_excluded[i]).any(axis=1),
        }
        if person.max_km is not None:
            km = self.km[self.p_place[i]][self.c_place]
            with np.errstate(invalid="ignore"):
                out["distance"] = ~(km <= person.max_km)
        out["availability"] = self._unavailable(i)
        return out

    def _unavailable(self, i: int) -> np.ndarray:
        return (self.c_from > 0) & (self.p_starts[i] < self.c_from)

    def feasible(self, i: int) -> np.ndarray:
        person = self.people[i]
        ok = self.c_open & self.offers[person.support] & ~self.c_concern
        ok &= ~(self.c_house & (self.p_must_not[i] | self.p_excluded[i])).any(axis=1)
        ok &= ~(~self.c_access & self.p_access[i]).any(axis=1)
        ok &= ~(~self.c_skills & self.p_skills[i]).any(axis=1)
        ok &= ~self._unavailable(i)
        if person.max_km is not None:
            km = self.km[self.p_place[i]][self.c_place]
            with np.errstate(invalid="ignore"):
                ok &= km <= person.max_km
        return ok

    def scores(self, i: int, carers: np.ndarray) -> np.ndarray:
        """Total score of person i with each of the given carer indices."""
        total = self.distance_points[self.p_place[i]][self.c_place[carers]]
        interests, languages, faiths = self.p_wanted[i]
        lookups = (
            [matching.interest_points(s, interests) for s in range(interests + 1)],
            [
                matching.shared_points(matching.WEIGHT_LANGUAGE, s, languages)
                for s in range(languages + 1)
            ],
            [matching.shared_points(matching.WEIGHT_FAITH, s, faiths) for s in range(faiths + 1)],
        )
        for c_mask, p_mask, lookup in zip(self.c_pref, self.p_pref, lookups, strict=True):
            shared = np.bitwise_count(c_mask[carers] & p_mask[i]).sum(axis=1)
            total = total + np.asarray(lookup, dtype=np.int64)[shared]
        return total

    def candidates(self, i: int, per_person: int | None) -> tuple[np.ndarray, np.ndarray]:
        """Person i's feasible carers (best first when cut to `per_person`) and scores."""
        idx = np.flatnonzero(self.feasible(i))
        sc = self.scores(i, idx)
        if per_person is not None and len(idx) > per_person:
            key = -sc * (len(self.carers) + 1) + idx
            top = np.argpartition(key, per_person - 1)[:per_person]
            idx, sc = idx[top], sc[top]
        return idx, sc

    def unmatched_reason(self, i: int, feasible_count: int) -> str:
        if feasible_count:
            if feasible_count == 1:
                return "The one carer who could support them is full with people who have no other match."
            return (
                f"All {feasible_count} carers who could support them are full "
                "with people who have no other match."
            )
        counts = Counter({code: int(v.sum()) for code, v in self.checks(i).items()})
        if not self.carers:
            return "There are no carers in the scheme."
        common = [matching.CONSTRAINT_LABELS[c] for c, n in counts.most_common() if n][:3]
        return "No carer passes the hard constraints (most often: " + "; ".join(common) + ")."


def _solve(
    n_people: int,
    n_carers: int,
    capacity: np.ndarray,
    edges_p: np.ndarray,
    edges_c: np.ndarray,
    edges_s: np.ndarray,
) -> np.ndarray:
    """Min-cost max-flow; returns, for each edge, 1 where it is used."""
    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = 0, n_people + n_carers + 1
    people = np.arange(1, n_people + 1, dtype=np.int64)
    carers = np.arange(n_people + 1, n_people + n_carers + 1, dtype=np.int64)
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(n_people, source),
        people,
        np.ones(n_people, dtype=np.int64),
        np.zeros(n_people, dtype=np.int64),
    )
    first_edge = n_people
    flow.add_arcs_with_capacity_and_unit_cost(
        edges_p + 1,
        edges_c + n_people + 1,
        np.ones(len(edges_p), dtype=np.int64),
        matching.MAX_SCORE - edges_s,
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        carers,
        np.full(n_carers, sink),
        np.maximum(capacity, 0),
        np.zeros(n_carers, dtype=np.int64),
    )
    flow.set_node_supply(source, n_people)
    flow.set_node_supply(sink, -n_people)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    arcs = np.arange(first_edge, first_edge + len(edges_p), dtype=np.int64)
    return np.asarray(flow.flows(arcs)) if len(arcs) else np.zeros(0, dtype=np.int64)


def assign(
    people: list[Person],
    carers: list[Carer],
    per_person: int | None = DEFAULT_PER_PERSON,
    exhaustive_pairs: int = EXHAUSTIVE_PAIRS,
) -> Assignment:
    scheme = Scheme(people, carers)
    if len(people) * len(carers) <= exhaustive_pairs:
        per_person = None
    capacity = np.array([max(c.capacity, 0) if c.approved else 0 for c in carers], np.int64)
    ps, cs, ss, feasible_count = [], [], [], []
    for i in range(len(people)):
        idx, sc = scheme.candidates(i, per_person)
        ps.append(np.full(len(idx), i, dtype=np.int64))
        cs.append(idx.astype(np.int64))
        ss.append(sc.astype(np.int64))
        feasible_count.append(len(idx) if per_person is None else -1)
    edge_p = np.concatenate(ps) if ps else np.zeros(0, np.int64)
    edge_c = np.concatenate(cs) if cs else np.zeros(0, np.int64)
    edge_s = np.concatenate(ss) if ss else np.zeros(0, np.int64)
    while True:
        used = _solve(len(people), len(carers), capacity, edge_p, edge_c, edge_s)
        match_of = np.full(len(people), -1, dtype=np.int64)
        chosen = np.flatnonzero(used)
        match_of[edge_p[chosen]] = edge_c[chosen]
        extra = _augmenting_edges(scheme, match_of, capacity) if per_person else []
        if not extra:
            break
        new_p = np.array([p for p, _ in extra], dtype=np.int64)
        new_c = np.array([c for _, c in extra], dtype=np.int64)
        new_s = np.array([int(scheme.scores(p, np.array([c]))[0]) for p, c in extra], np.int64)
        edge_p = np.concatenate([edge_p, new_p])
        edge_c = np.concatenate([edge_c, new_c])
        edge_s = np.concatenate([edge_s, new_s])
    score_of = {
        (p, c): s
        for p, c, s in zip(
            edge_p[chosen].tolist(), edge_c[chosen].tolist(), edge_s[chosen].tolist(), strict=True
        )
    }
    matches = tuple(
        Match(people[p].id, carers[c].id, int(score_of[(p, c)]))
        for p, c in enumerate(match_of.tolist())
        if c >= 0
    )
    unmatched = tuple(
        Unmatched(
            people[p].id,
            scheme.unmatched_reason(
                p,
                feasible_count[p] if feasible_count[p] >= 0 else int(scheme.feasible(p).sum()),
            ),
        )
        for p in np.flatnonzero(match_of < 0).tolist()
    )
    return Assignment(matches, unmatched, len(people), len(carers), len(edge_p))


def _augmenting_edges(
    scheme: Scheme, match_of: np.ndarray, capacity: np.ndarray
) -> list[tuple[int, int]]:
    """Edges on augmenting paths over all feasible pairs, found by one breadth-first search
    from every unmatched person at once (person → feasible carer; a full carer → the people
    matched to it). Empty when the matching is already as large as it can be."""
    load = np.bincount(match_of[match_of >= 0], minlength=len(scheme.carers))
    holders: dict[int, list[int]] = {}
    for p, c in enumerate(match_of.tolist()):
        if c >= 0:
            holders.setdefault(c, []).append(p)
    queue = [int(p) for p in np.flatnonzero(match_of < 0)]
    seen_person = np.zeros(len(scheme.people), dtype=bool)
    seen_person[queue] = True
    carer_parent = np.full(len(scheme.carers), -1, dtype=np.int64)
    person_parent: dict[int, int] = {}  # matched person -> the carer they were reached from
    found: list[tuple[int, int]] = []
    used_people: set[int] = set()
    head = 0
    while head < len(queue):
        p = queue[head]
        head += 1
        reach = np.flatnonzero(scheme.feasible(p) & (carer_parent < 0))
        reach = reach[reach != match_of[p]]
        carer_parent[reach] = p
        for c in reach.tolist():
            if load[c] < capacity[c]:
                path = _trace(c, carer_parent, person_parent, match_of)
                if not used_people & {q for q, _ in path}:
                    found.extend(path)
                    used_people |= {q for q, _ in path}
                    load[c] += 1
                continue
            for q in holders.get(c, []):
                if not seen_person[q]:
                    seen_person[q] = True
                    person_parent[q] = c
                    queue.append(q)
    return found


def _trace(
    c: int, carer_parent: np.ndarray, person_parent: dict[int, int], match_of: np.ndarray
) -> list[tuple[int, int]]:
    path: list[tuple[int, int]] = []
    while True:
        p = int(carer_parent[c])
        path.append((p, c))
        if match_of[p] < 0:
            return path
        c = person_parent[p]
