"""The scheme-wide assignment: never over a carer's capacity, only pairs that pass every hard
constraint, scores as the pure rules give them, and as many people matched as an independent
max-flow (Edmonds–Karp, below) says is possible."""

from collections import Counter, deque
from datetime import date

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onestory.sharedlives.domain import assignment, matching, synthetic
from onestory.sharedlives.domain.matching import Carer, Person


def _max_matchable(people: list[Person], carers: list[Carer]) -> int:
    """Edmonds–Karp on source → person (1) → carer (1, where the pure rules allow) → sink
    (capacity), written here independently of OR-Tools."""
    n_p, n_c = len(people), len(carers)
    source, sink = n_p + n_c, n_p + n_c + 1
    cap: dict[tuple[int, int], int] = Counter()
    adj: dict[int, set[int]] = {v: set() for v in range(n_p + n_c + 2)}

    def edge(u: int, v: int, c: int) -> None:
        cap[(u, v)] += c
        adj[u].add(v)
        adj[v].add(u)

    for i, person in enumerate(people):
        edge(source, i, 1)
        for j, carer in enumerate(carers):
            if not matching.refusals(person, carer):
                edge(i, n_p + j, 1)
    for j, carer in enumerate(carers):
        edge(n_p + j, sink, max(carer.capacity, 0))
    flow = 0
    while True:
        parent = {source: source}
        queue = deque([source])
        while queue and sink not in parent:
            u = queue.popleft()
            for v in adj[u]:
                if v not in parent and cap[(u, v)] > 0:
                    parent[v] = u
                    queue.append(v)
        if sink not in parent:
            return flow
        v = sink
        while v != source:
            u = parent[v]
            cap[(u, v)] -= 1
            cap[(v, u)] += 1
            v = u
        flow += 1


def _check(people, carers, result: assignment.Assignment) -> None:
    by_id_p = {p.id: p for p in people}
    by_id_c = {c.id: c for c in carers}
    load = Counter(m.carer_id for m in result.matches)
    assert all(load[c.id] <= c.capacity for c in carers)
    assert len({m.person_id for m in result.matches}) == len(result.matches)
    for m in result.matches:
        person, carer = by_id_p[m.person_id], by_id_c[m.carer_id]
        assert matching.refusals(person, carer) == []
        assert m.score == matching.score(person, carer).total
    assert {u.person_id for u in result.unmatched} | {m.person_id for m in result.matches} == set(
        by_id_p
    )
    assert result.total_score == sum(m.score for m in result.matches)


people_st = st.lists(
    st.builds(
        Person,
        id=st.just(""),
        postcode=st.sampled_from(["LS12 1AB", "LS28 5XY", "LS11 2AA", "ZZ9 9ZZ"]),
        needs=st.frozensets(st.sampled_from(["epilepsy", "wheelchair", "autism"]), max_size=2),
        must_not=st.frozensets(st.sampled_from(["dogs", "smoking"]), max_size=1),
        preferences=st.frozensets(
            st.sampled_from(["music", "gardening", "language:urdu", "faith:sikh"]), max_size=3
        ),
        support=st.sampled_from(["long_term", "short_breaks"]),
        safeguarding=st.frozensets(st.just("risk_to_children"), max_size=1),
        max_km=st.sampled_from([None, 3.0, 12.0]),
        starts=st.sampled_from([None, date(2026, 6, 1), date(2027, 6, 1)]),
    ),
    max_size=14,
)
carers_st = st.lists(
    st.builds(
        Carer,
        id=st.just(""),
        postcode=st.sampled_from(["LS12 2AB", "LS28 1XY", "LS13 9AA"]),
        capacity=st.integers(min_value=0, max_value=3),
        offers=st.frozensets(st.sampled_from(["long_term", "short_breaks"]), min_size=1),
        household=st.frozensets(st.sampled_from(["dogs", "smoking", "children"]), max_size=2),
        skills=st.frozensets(st.sampled_from(["epilepsy_care", "autism"]), max_size=2),
        accessibility=st.frozensets(
            st.sampled_from(["step_free", "ground_floor_bedroom"]), max_size=2
        ),
        interests=st.frozensets(st.sampled_from(["music", "gardening"]), max_size=2),
        languages=st.frozensets(st.sampled_from(["urdu", "english"]), max_size=1),
        faith=st.frozensets(st.sampled_from(["sikh", "christian"]), max_size=1),
        safeguarding=st.frozensets(st.just("open_concern"), max_size=1),
        approved=st.booleans(),
        available_from=st.sampled_from([None, None, date(2027, 1, 1)]),
    ),
    max_size=10,
)


def _ids(people, carers):
    people = [Person(**{**p.__dict__, "id": f"P{i}"}) for i, p in enumerate(people)]
    carers = [Carer(**{**c.__dict__, "id": f"C{i}"}) for i, c in enumerate(carers)]
    return people, carers


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people_st, carers_st, st.sampled_from([None, 1, 2]))
def test_assign_matches_the_maximum_possible_on_random_schemes(people, carers, per_person):
    people, carers = _ids(people, carers)
    result = assignment.assign(people, carers, per_person=per_person, exhaustive_pairs=0)
    _check(people, carers, result)
    assert len(result.matches) == _max_matchable(people, carers)


@settings(max_examples=60, deadline=None)
@given(people_st, carers_st)
def test_assign_total_score_is_the_best_among_maximum_matchings(people, carers):
    """Exhaustive edges: no single swap of one matched person to a carer with room, nor an
    exchange of carers between two matched people, raises the total."""
    people, carers = _ids(people, carers)
    result = assignment.assign(people, carers, per_person=None)
    _check(people, carers, result)
    carer_of = {m.person_id: m.carer_id for m in result.matches}
    load = Counter(carer_of.values())
    by_c = {c.id: c for c in carers}
    score = {
        (p.id, c.id): matching.score(p, c).total
        for p in people
        for c in carers
        if not matching.refusals(p, c)
    }
    for pid, cid in carer_of.items():
        for other in carers:
            if other.id != cid and load[other.id] < by_c[other.id].capacity:
                assert score.get((pid, other.id), -1) <= score[(pid, cid)]
        for qid, did in carer_of.items():
            if qid < pid and did != cid and (pid, did) in score and (qid, cid) in score:
                assert (
                    score[(pid, did)] + score[(qid, cid)] <= score[(pid, cid)] + score[(qid, did)]
                )


def test_assign_never_exceeds_capacity_on_a_crowded_scheme():
    people, carers = synthetic.scheme(300, 40, seed=5)
    result = assignment.assign(people, carers)
    _check(people, carers, result)
    assert len(result.matches) == _max_matchable(people, carers)
    assert len(result.matches) <= sum(c.capacity for c in carers)


def test_assign_shortlisted_edges_still_reach_the_maximum_count():
    people, carers = synthetic.scheme(120, 60, seed=9)
    full = assignment.assign(people, carers, per_person=None)
    cut = assignment.assign(people, carers, per_person=1, exhaustive_pairs=0)
    _check(people, carers, cut)
    assert len(cut.matches) == len(full.matches) == _max_matchable(people, carers)
    assert cut.total_score <= full.total_score


def test_assign_vectorised_checks_agree_with_the_pure_rules():
    people, carers = synthetic.scheme(40, 120, seed=4)
    scheme = assignment.Scheme(people, carers)
    for i, person in enumerate(people):
        feasible = scheme.feasible(i)
        refused = scheme.checks(i)
        for j, carer in enumerate(carers):
            pure = {r.code for r in matching.refusals(person, carer)}
            assert feasible[j] == (not pure)
            assert {code for code, v in refused.items() if v[j]} == pure
        idx = np.arange(len(carers))
        assert scheme.scores(i, idx).tolist() == [matching.score(person, c).total for c in carers]


def test_assign_unmatched_people_get_a_reason():
    person = Person(id="P1", postcode="LS12 1AB", needs=frozenset({"epilepsy"}))
    keen = Person(id="P2", postcode="LS12 1AB")
    late = Person(id="P3", postcode="LS12 1AB")
    carer = Carer(id="C1", postcode="LS12 1AB", capacity=1)
    result = assignment.assign([person, keen, late], [carer])
    reasons = {u.person_id: u.reason for u in result.unmatched}
    assert len(result.matches) == 1
    assert "skills a need requires" in reasons["P1"]
    assert "full" in next(r for pid, r in reasons.items() if pid != "P1")


def test_assign_empty_scheme():
    result = assignment.assign([], [])
    assert result.matches == () and result.unmatched == () and result.total_score == 0
