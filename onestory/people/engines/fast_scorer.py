"""Real-time scoring with a trained Splink model, in plain Python.

Building a Splink linker and running one DuckDB query per lookup costs tens to hundreds of
milliseconds; the model itself is only a table of match weights per comparison level. This
module evaluates each level's condition in Python (the same conditions as
`splink_linker.comparisons`, level by level, in the same order) and adds the trained
weights and term-frequency adjustments exactly as Splink does, so a lookup needs no
database and no per-request model build. `tests/unit/test_fast_scorer.py` checks the
probabilities against Splink's own on the same pairs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import jellyfish

Row = dict
Test = Callable[[Row, Row], bool]


def _null(*cols: str) -> Test:
    return lambda a, b: any(a[c] is None or b[c] is None for c in cols)


def _eq(left: str, right: str | None = None) -> Test:
    right = right or left
    return lambda a, b: a[left] is not None and b[right] is not None and a[left] == b[right]


def _overlap(col: str) -> Test:
    return lambda a, b: bool(a[col] and b[col] and set(a[col]) & set(b[col]))


def _jw(col: str, threshold: float) -> Test:
    def test(a: Row, b: Row) -> bool:
        x, y = a[col], b[col]
        return (
            x is not None and y is not None and jellyfish.jaro_winkler_similarity(x, y) >= threshold
        )

    return test


def _swap(a: Row, b: Row) -> bool:
    return (
        a["given"] is not None
        and a["given"] == b["family"]
        and a["family"] is not None
        and a["family"] == b["given"]
    )


def _one_edit(a: Row, b: Row) -> bool:
    x, y = a["family"], b["family"]
    if x is None or y is None or abs(len(x) - len(y)) > 1:
        return False
    return jellyfish.damerau_levenshtein_distance(x, y) <= 1


def _same_address(a: Row, b: Row) -> bool:
    x, y = a["address_tokens"], b["address_tokens"]
    if not x or not y:
        return False
    sx, sy = set(x), set(y)
    return len(sx & sy) / len(sx | sy) >= 0.7


def _one_digit(a: Row, b: Row) -> bool:
    x, y = a["dob"], b["dob"]
    if x is None or y is None or len(x) != len(y):
        return False
    return sum(p != q for p, q in zip(x, y, strict=True)) == 1


def _partial(a: Row, b: Row) -> bool:
    return a["dob"] is None or b["dob"] is None


def _else(a: Row, b: Row) -> bool:
    return True


# One list per comparison, level by level, in `comparisons()` order.
LEVEL_TESTS: tuple[tuple[Test, ...], ...] = (
    (_null("nhs"), _eq("nhs"), _else),
    (
        _null("given"),
        _eq("given"),
        _overlap("given_groups"),
        _jw("given", 0.9),
        _swap,
        _jw("given", 0.75),
        _else,
    ),
    (
        _null("family"),
        _eq("family"),
        _one_edit,
        _swap,
        _overlap("family_parts"),
        _jw("family", 0.88),
        _else,
    ),
    (
        _null("birth_year"),
        _eq("dob"),
        _eq("dob", "dob_swapped"),
        _one_digit,
        lambda a, b: _partial(a, b) and _eq("birth_ym")(a, b),
        lambda a, b: (
            _partial(a, b)
            and _eq("birth_year")(a, b)
            and (a["birth_ym"] is None or b["birth_ym"] is None)
        ),
        _eq("birth_year"),
        _else,
    ),
    (
        lambda a, b: _null("postcode")(a, b) and _null("address_tokens")(a, b),
        lambda a, b: _eq("postcode")(a, b) and _same_address(a, b),
        _eq("postcode"),
        _same_address,
        _eq("pc_sector"),
        _eq("pc_district"),
        _else,
    ),
    (_null("sex"), _eq("sex"), _else),
)


class FastScorer:
    """A trained model's weights, ready to score pairs without Splink."""

    def __init__(self, model: dict) -> None:
        prior = float(model["probability_two_random_records_match"])
        self.prior_weight = math.log2(prior / (1 - prior))
        self.levels: list[list[tuple[Test, float, str | None, float]]] = []
        if len(model["comparisons"]) != len(LEVEL_TESTS):
            raise ValueError("the model's comparisons do not match the fast scorer's")
        for comparison, tests in zip(model["comparisons"], LEVEL_TESTS, strict=True):
            levels = comparison["comparison_levels"]
            if len(levels) != len(tests):
                raise ValueError("the model's levels do not match the fast scorer's")
            out = []
            for level, test in zip(levels, tests, strict=True):
                if level.get("is_null_level"):
                    out.append((test, 0.0, None, 0.0))
                    continue
                m, u = level.get("m_probability"), level.get("u_probability")
                weight = math.log2(m / u) if m and u else 0.0
                tf = level.get("tf_adjustment_column")
                log_u = math.log2(u) if tf and u else 0.0
                out.append((test, weight, tf, log_u))
            self.levels.append(out)
        self.tf_weights = {
            c["comparison_levels"][i].get("tf_adjustment_column"): float(
                c["comparison_levels"][i].get("tf_adjustment_weight", 1.0)
            )
            for c in model["comparisons"]
            for i in range(len(c["comparison_levels"]))
            if c["comparison_levels"][i].get("tf_adjustment_column")
        }

    def match_weight(self, a: Row, b: Row) -> float:
        total = self.prior_weight
        for levels in self.levels:
            for test, weight, tf, log_u in levels:
                if test(a, b):
                    total += weight
                    if tf:
                        x, y = a.get(f"tf_{tf}"), b.get(f"tf_{tf}")
                        value = max(v for v in (x, y) if v is not None) if (x or y) else None
                        if value:
                            total += self.tf_weights[tf] * (log_u - math.log2(value))
                    break
        return total

    def probability(self, a: Row, b: Row) -> float:
        w = self.match_weight(a, b)
        if w > 1000:
            return 1.0
        bf = 2.0**w
        return bf / (1.0 + bf)

    def score(self, record: Row, candidates: Sequence[Row]) -> list[tuple[int, float]]:
        return [(int(c["unique_id"]), self.probability(record, c)) for c in candidates]
