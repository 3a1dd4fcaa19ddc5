"""The few SQL fragments in the linkage model that differ between engines.

The comparison table (`splink_linker.comparisons`) is written once, in the SQL that DuckDB and
Spark share; where they part (list functions, string similarity, Hamming distance) it asks the
engine's dialect for the fragment. Column names are left unquoted: DuckDB quotes identifiers
with double quotes, Spark with backticks, and none of these names needs quoting in either.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SqlDialect:
    """How one engine spells what the common subset lacks: each template takes the left and
    right column as `{l}` and `{r}`. `name` is Splink's name for the dialect."""

    name: str
    jaro_winkler_template: str
    lists_overlap_template: str
    # the Jaccard similarity of two string lists; NULL when either list is missing
    jaccard_template: str
    # Hamming distance 1 between two strings of equal length
    one_character_differs_template: str

    def jaro_winkler(self, left: str, right: str) -> str:
        return self.jaro_winkler_template.format(l=left, r=right)

    def damerau_levenshtein(self, left: str, right: str) -> str:
        # DuckDB's built-in and the Splink jar's Spark UDF share the name
        return f"damerau_levenshtein({left}, {right})"

    def lists_overlap(self, left: str, right: str) -> str:
        return self.lists_overlap_template.format(l=left, r=right)

    def jaccard_at_least(self, left: str, right: str, threshold: float) -> str:
        return f"{self.jaccard_template.format(l=left, r=right)} >= {threshold}"

    def one_character_differs(self, left: str, right: str) -> str:
        return self.one_character_differs_template.format(l=left, r=right)


DUCKDB = SqlDialect(
    name="duckdb",
    jaro_winkler_template="jaro_winkler_similarity({l}, {r})",
    lists_overlap_template="list_has_any({l}, {r})",
    jaccard_template="len(list_intersect({l}, {r})) / len(list_distinct(list_concat({l}, {r})))",
    one_character_differs_template="hamming({l}, {r}) = 1",
)

SPARK = SqlDialect(
    name="spark",
    jaro_winkler_template="jaro_winkler({l}, {r})",  # the UDF in Splink's similarity jar
    lists_overlap_template="arrays_overlap({l}, {r})",
    # size(NULL) is -1 outside ANSI mode, so a missing list is made NULL explicitly
    jaccard_template=(
        "CASE WHEN {l} IS NULL OR {r} IS NULL THEN NULL "
        "ELSE size(array_intersect({l}, {r})) / size(array_union({l}, {r})) END"
    ),
    # Spark has no hamming(): count the positions whose characters differ
    one_character_differs_template=(
        "(length({l}) = length({r}) AND size(filter(sequence(1, length({l})), "
        "i -> substr({l}, i, 1) != substr({r}, i, 1))) = 1)"
    ),
)

DIALECTS = {d.name: d for d in (DUCKDB, SPARK)}
