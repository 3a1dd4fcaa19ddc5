"""Which pairs of records the linker compares: the fixed blocking rules, the single-field
blocks a data set can afford, and the pruning of rules those blocks already cover (ADR 0015).
Rules are SQL conditions on `l.` and `r.` columns of the prepared rows, shared by every
engine."""

from __future__ import annotations

from collections.abc import Sequence

BLOCKING_RULES = (
    "l.nhs = r.nhs",
    "l.family = r.family AND l.dob = r.dob",
    "l.given = r.given AND l.dob = r.dob",
    "l.dob = r.dob AND l.postcode = r.postcode",
    "l.family = r.family AND l.dob = r.dob_swapped",
    "l.family = r.family AND l.postcode = r.postcode",
    "l.given = r.family AND l.family = r.given AND l.birth_year = r.birth_year",
    "l.family = r.family AND l.birth_ym = r.birth_ym AND l.pc_district = r.pc_district",
    # noisier extracts: names exact but date of birth and address both wrong, or a typo in
    # the family name with a correct date of birth and postcode
    "l.given = r.given AND l.family = r.family",
    "l.given = r.given AND l.postcode = r.postcode",
    "l.dob = r.dob AND substr(l.family, 1, 1) = substr(r.family, 1, 1)",
    "l.postcode = r.postcode AND l.birth_year = r.birth_year",
)


# Single-field blocks: they find the true pairs whose other fields are all corrupted (a
# typo in each name, a new address), but their number of pairs grows with the square of
# the data. Each is used when it yields at most BLOCK_BUDGET_PER_RECORD pairs per record
# and MAX_BLOCK_PAIRS in all, counted exactly from the data before linking.
AFFORDABLE_BLOCKS = ("dob", "postcode", "given", "family")
BLOCK_BUDGET_PER_RECORD = 25
MAX_BLOCK_PAIRS = 2_000_000


def affordable_blocks(cols: dict[str, list]) -> list[str]:
    """The single-field blocking rules this data can afford (see AFFORDABLE_BLOCKS)."""
    n = len(cols["unique_id"])
    budget = min(BLOCK_BUDGET_PER_RECORD * n, MAX_BLOCK_PAIRS)
    out = []
    for column in AFFORDABLE_BLOCKS:
        counts: dict = {}
        for value in cols[column]:
            if value is not None:
                counts[value] = counts.get(value, 0) + 1
        if sum(k * (k - 1) // 2 for k in counts.values()) <= budget:
            out.append(f"l.{column} = r.{column}")
    return out


def blocking_rules(extra_blocking: Sequence[str] = ()) -> list[str]:
    """BLOCKING_RULES and then the extra ones, leaving out each rule that an extra one
    implies: a rule requiring `l.dob = r.dob AND ...` finds only pairs the single-field
    block `l.dob = r.dob` finds already, so it would cost a join (and a longer exclusion
    clause on every later rule) for no new pair. The pairs scored are the same."""
    extra = [r for r in extra_blocking if r not in BLOCKING_RULES]
    kept = [r for r in BLOCKING_RULES if not set(r.split(" AND ")) & set(extra)]
    return [*kept, *extra]
