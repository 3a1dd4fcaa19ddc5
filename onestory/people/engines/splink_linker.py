"""The probabilistic linker: a Fellegi–Sunter model in Splink, trained unsupervised (EM) on
the records being linked, then clustered under the person index's fixed constraints.

An engine, not a rule: the comparison rules themselves (nicknames, transposed dates of birth,
postcode levels, surname parts) live in `people.domain.comparisons` and arrive here as
prepared columns, so DuckDB and Spark see the same inputs. Nothing identifiable is logged:
Splink's own logging is held at WARNING.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

from onestory.people.domain import nhs_number
from onestory.people.domain.clustering import Constraints, Edge, constrained_clusters
from onestory.people.domain.comparisons import (
    address_tokens,
    nickname_groups,
    normalise_sex,
    postcode_levels,
    surname_parts,
)
from onestory.people.domain.linkage import (
    RULE_NHS_NUMBER,
    RULE_UNLINKED,
    Assignment,
    DeterministicLinker,
    LinkageRecord,
)
from onestory.people.domain.normalise import name_key
from onestory.people.domain.threshold import ThresholdChoice, choose_threshold
from onestory.people.engines.blocking import BLOCKING_RULES, affordable_blocks, blocking_rules
from onestory.people.engines.dialects import DUCKDB, SqlDialect

RULE_SPLINK = "splink"

# Pairs scored at or above LINK are joined (under constraints); pairs between REVIEW and
# LINK are the uncertain band a data-quality officer sees. Chosen on the synthetic borough:
# a wrong merge harms more than a missed link, so LINK sits high.
DEFAULT_LINK_THRESHOLD = 0.99
DEFAULT_REVIEW_THRESHOLD = 0.5
# Below this many records EM has too few pairs to learn from; the linker then applies the
# deterministic rule and says so in its method.
MIN_RECORDS_TO_TRAIN = 200

COLUMNS = (
    "unique_id",
    "given",
    "family",
    "given_groups",
    "family_parts",
    "dob",
    "dob_swapped",
    "birth_ym",
    "birth_year",
    "sex",
    "postcode",
    "pc_sector",
    "pc_district",
    "address_tokens",
    "address_mask",
    "nhs",
)

MASK_BITS = 63  # a signed 64-bit integer's non-negative bits


def token_mask(tokens) -> int | None:
    """A 63-bit signature of a set of tokens (one bit per token, by a stable hash): two
    addresses whose token sets are alike share most bits, so comparing the signatures
    (bit_count of AND against OR) rules out unlike addresses before the exact Jaccard
    similarity of their token lists is computed, which is far dearer."""
    import zlib

    mask = 0
    for t in tokens:
        mask |= 1 << (zlib.crc32(t.encode("utf-8")) % MASK_BITS)
    return mask or None


def prepare_rows(records: Sequence[LinkageRecord]) -> dict[str, list]:
    """The columns the model compares, column by column (empty values as None)."""
    cols: dict[str, list] = {c: [] for c in COLUMNS}
    for r in records:
        given = r.norm_given or name_key(r.given_name)
        family = r.norm_family or name_key(r.family_name)
        dob = r.date_of_birth
        year = dob.year if dob else r.birth_year
        month = dob.month if dob else r.birth_month
        levels = postcode_levels(r.norm_postcode)
        tokens = address_tokens(r.address)
        parts = surname_parts(r.family_name) or ((family,) if family else ())
        cols["unique_id"].append(r.id)
        cols["given"].append(given or None)
        cols["family"].append(family or None)
        cols["given_groups"].append(sorted(nickname_groups(given)) or None)
        cols["family_parts"].append(list(parts) or None)
        cols["dob"].append(dob.isoformat() if dob else None)
        cols["dob_swapped"].append(
            f"{dob.year:04d}-{dob.day:02d}-{dob.month:02d}" if dob and dob.day <= 12 else None
        )
        cols["birth_ym"].append(f"{year:04d}-{month:02d}" if year and month else None)
        cols["birth_year"].append(year)
        cols["sex"].append(normalise_sex(r.sex) or None)
        # a postcode that is not a UK one (FEBRL's are Australian) still compares whole
        cols["postcode"].append(levels.unit or r.norm_postcode or None)
        cols["pc_sector"].append(levels.sector or None)
        cols["pc_district"].append(levels.district or None)
        cols["address_tokens"].append(sorted(set(tokens)) or None)
        cols["address_mask"].append(token_mask(set(tokens)))
        cols["nhs"].append(
            nhs_number.normalise(r.nhs_number) if nhs_number.is_valid(r.nhs_number) else None
        )
    return cols


def _level(sql: str, label: str, *, null: bool = False, tf: str | None = None) -> dict:
    level: dict = {"sql_condition": sql, "label_for_charts": label}
    if null:
        level["is_null_level"] = True
    if tf:
        level["tf_adjustment_column"] = tf
        level["tf_adjustment_weight"] = 1.0
    return level


_SWAP = "(given_l = family_r AND family_l = given_r)"
_PARTIAL = "(dob_l IS NULL OR dob_r IS NULL)"
# Starting values for levels too rare to be seen in training (a swap of given and family
# name): Splink keeps them as given when EM and sampling never observe the level.
_RARE = {"m_probability": 0.002, "u_probability": 0.00001}


def comparisons(dialect: SqlDialect = DUCKDB) -> list[dict]:
    """The model's comparisons, tuned for UK records: one table for every engine, in the SQL
    DuckDB and Spark share, with the dialect's own fragments where they differ."""
    d = dialect
    jaccard = d.jaccard_at_least("address_tokens_l", "address_tokens_r", 0.7)
    # Each expensive test sits behind a cheap one that every pair passing it must pass too
    # (CASE evaluates its branches in order, so the dear one runs on few pairs).
    same_address = (
        "(CASE WHEN bit_count(address_mask_l & address_mask_r) * 2 "
        f"< bit_count(address_mask_l | address_mask_r) THEN false ELSE {jaccard} END)"
    )
    one_edit = (
        "(CASE WHEN abs(length(family_l) - length(family_r)) > 1 THEN false "
        "WHEN left(family_l, 1) <> left(family_r, 1) AND right(family_l, 1) <> right(family_r, 1) "
        "AND length(family_l) > 2 AND length(family_r) > 2 THEN false "
        f"ELSE {d.damerau_levenshtein('family_l', 'family_r')} <= 1 END)"
    )
    return [
        {
            "output_column_name": "nhs_number",
            "comparison_description": "valid NHS numbers (Modulus 11): agree or differ",
            "comparison_levels": [
                _level("nhs_l IS NULL OR nhs_r IS NULL", "missing or invalid", null=True),
                _level("nhs_l = nhs_r", "agree"),
                _level("ELSE", "differ"),
            ],
        },
        {
            "output_column_name": "given_name",
            "comparison_description": "given name: exact, nickname, spelling, swapped",
            "comparison_levels": [
                _level("given_l IS NULL OR given_r IS NULL", "missing", null=True),
                _level("given_l = given_r", "exact", tf="given"),
                _level(d.lists_overlap("given_groups_l", "given_groups_r"), "nickname or variant"),
                _level(f"{d.jaro_winkler('given_l', 'given_r')} >= 0.9", "spelling"),
                _level(_SWAP, "given and family swapped") | _RARE,
                _level(f"{d.jaro_winkler('given_l', 'given_r')} >= 0.75", "similar"),
                _level("ELSE", "different"),
            ],
        },
        {
            "output_column_name": "family_name",
            "comparison_description": "family name: exact, spelling, double-barrelled part",
            "comparison_levels": [
                _level("family_l IS NULL OR family_r IS NULL", "missing", null=True),
                _level("family_l = family_r", "exact", tf="family"),
                _level(one_edit, "one edit"),
                _level(_SWAP, "given and family swapped") | _RARE,
                _level(d.lists_overlap("family_parts_l", "family_parts_r"), "shares a part"),
                _level(f"{d.jaro_winkler('family_l', 'family_r')} >= 0.88", "similar"),
                _level("ELSE", "different"),
            ],
        },
        {
            "output_column_name": "date_of_birth",
            "comparison_description": "date of birth: exact, day/month swapped, one digit",
            "comparison_levels": [
                _level("birth_year_l IS NULL OR birth_year_r IS NULL", "missing", null=True),
                _level("dob_l = dob_r", "exact"),
                _level("dob_l = dob_swapped_r", "day and month swapped"),
                _level(d.one_character_differs("dob_l", "dob_r"), "one digit differs"),
                _level(f"{_PARTIAL} AND birth_ym_l = birth_ym_r", "partial date: month and year"),
                _level(
                    f"{_PARTIAL} AND birth_year_l = birth_year_r AND "
                    "(birth_ym_l IS NULL OR birth_ym_r IS NULL)",
                    "partial date: year only",
                ),
                _level("birth_year_l = birth_year_r", "same year, otherwise different"),
                _level("ELSE", "different"),
            ],
        },
        {
            "output_column_name": "residence",
            "comparison_description": "postcode (unit, sector, district) and address together",
            "comparison_levels": [
                _level(
                    "(postcode_l IS NULL OR postcode_r IS NULL) AND "
                    "(address_tokens_l IS NULL OR address_tokens_r IS NULL)",
                    "missing",
                    null=True,
                ),
                _level(
                    f"(CASE WHEN postcode_l = postcode_r THEN {same_address} ELSE false END)",
                    "same address",
                ),
                _level("postcode_l = postcode_r", "same postcode unit"),
                _level(same_address, "same address, postcode differs"),
                _level("pc_sector_l = pc_sector_r", "same postcode sector"),
                _level("pc_district_l = pc_district_r", "same postcode district"),
                _level("ELSE", "different"),
            ],
        },
        {
            "output_column_name": "sex",
            "comparison_description": "recorded sex (unknown treated as missing)",
            "comparison_levels": [
                _level("sex_l IS NULL OR sex_r IS NULL", "missing", null=True),
                _level("sex_l = sex_r", "agree"),
                _level("ELSE", "differ"),
            ],
        },
    ]


def settings(
    probability_two_random_records_match: float = 1e-4,
    dialect: SqlDialect = DUCKDB,
    extra_blocking: Sequence[str] = (),
) -> dict:
    """Splink settings for the model in `dialect`."""
    rules = blocking_rules(extra_blocking)
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": comparisons(dialect),
        "blocking_rules_to_generate_predictions": [{"blocking_rule": r} for r in rules],
        "probability_two_random_records_match": probability_two_random_records_match,
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "max_iterations": 20,
    }


# Pairs sampled to estimate u: 80 a record, between 400,000 and 1,000,000. On a few
# thousand records sampling is most of the training time and 400,000 pairs give the same
# quality as 1,000,000 (FEBRL2-3); a borough of a million records keeps 1,000,000.
U_PAIRS_PER_RECORD = 80
U_MIN_PAIRS = 400_000
U_MAX_PAIRS = 1_000_000


def u_pairs_for(n_records: int) -> float:
    """How many random pairs to sample for u on `n_records` records. When every pair fits
    within U_MAX_PAIRS, all are taken: no sampling, so every engine estimates the same u."""
    if n_records * (n_records - 1) // 2 <= U_MAX_PAIRS:
        return float(U_MAX_PAIRS)
    return float(min(U_MAX_PAIRS, max(U_MIN_PAIRS, U_PAIRS_PER_RECORD * n_records)))


def _weight(probability: float) -> float:
    """A match probability as Splink's match weight (log2 of the odds)."""
    import math

    return math.log2(probability / (1 - probability))


# DuckDB's memory for a run: at a million records EM's pairs and the blocked pairs spill
# beyond it (ADR 0015); smaller runs never reach it.
DUCKDB_MEMORY_LIMIT = "2GB"


@dataclass(slots=True)
class ScoredPair:
    a: int
    b: int
    match_weight: float
    match_probability: float


class SplinkLinker:
    """Splink on DuckDB (embedded). `link_threshold` joins pairs; the band between
    `review_threshold` and it is left in `uncertain_pairs`. With `keep_scores`, `scores`
    holds every blocked pair's (id, id, match weight) from the last run, for evaluation.

    Other engines (`spark_linker.SparkLinker`) subclass it and override only the engine's
    part: the dialect, the Splink database API, registering the rows, and fetching scores."""

    method = "splink-v1"
    dialect: SqlDialect = DUCKDB
    # DuckDB's own memory (its buffer pool); beyond it, intermediate tables spill to a
    # temporary directory that is removed when the run ends
    memory_limit = DUCKDB_MEMORY_LIMIT
    _spill_dir: str | None = None

    def __init__(
        self,
        *,
        link_threshold: float | None = None,
        review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
        seed: int = 42,
        u_max_pairs: float | None = None,
        keep_scores: bool = False,
    ) -> None:
        # None: chosen after training from the model's estimated precision (ADR 0015)
        self.fixed_threshold = link_threshold
        self.link_threshold = link_threshold or DEFAULT_LINK_THRESHOLD
        self.threshold_choice: ThresholdChoice | None = None
        self.review_threshold = review_threshold
        self.seed = seed
        # None: U_PAIRS_PER_RECORD a record, between U_MIN_PAIRS and U_MAX_PAIRS
        self.u_max_pairs = u_max_pairs
        self.records_seen = 0
        self.uncertain_pairs: list[Edge] = []
        self.keep_scores = keep_scores
        self.scores: list[tuple[int, int, float]] = []
        self.model: dict | None = None
        self.blocking: list[str] = list(BLOCKING_RULES)

    def _db_api(self):
        import duckdb
        from splink import DuckDBAPI

        con = duckdb.connect()
        con.execute("SET threads TO 2")
        # DuckDB would otherwise hold up to 80% of the machine's memory before spilling; EM's
        # pairs and the blocked pairs at a million records would take most of it
        self._spill_dir = tempfile.mkdtemp(prefix="onestory-linking-")
        con.execute(f"SET memory_limit = '{self.memory_limit}'")
        con.execute(f"SET temp_directory = '{self._spill_dir}'")
        return DuckDBAPI(connection=con)

    def _release(self, db_api) -> None:
        """Free the engine's memory once the scores are fetched: the embedded database is
        closed at once rather than whenever the linker's objects are collected."""
        db_api.duckdb_con.close()
        if self._spill_dir:
            shutil.rmtree(self._spill_dir, ignore_errors=True)
            self._spill_dir = None

    def _register(self, db_api, records: Sequence[LinkageRecord], cols: dict[str, list]):
        import pyarrow as pa

        # an Arrow table: DuckDB reads it without converting row by row
        return db_api.register(pa.table(cols), dataset_display_name="records")

    def _fetch(self, predictions, *, all_scores: bool) -> tuple[list[tuple], list[tuple]]:
        """(every pair's (id, id, weight) if `all_scores`, else [];
        (id, id, weight, probability) of the pairs at or above the review threshold)."""
        rel = predictions.as_duckdbpyrelation()
        scores = (
            rel.select("unique_id_l, unique_id_r, match_weight").fetchall() if all_scores else []
        )
        rows = rel.filter(f"match_probability >= {self.review_threshold}").select(
            "unique_id_l, unique_id_r, match_weight, match_probability"
        )
        return scores, rows.fetchall()

    def train(self, db_api, table) -> object:
        """Build a Splink linker on `table` and train it: u by random sampling, the prior by
        deterministic rules, m by EM on two blocking passes."""
        from splink import Linker, block_on

        # Splink warns (about levels unseen in training) at WARNING; none of it is personal
        # data, but it is noise on the command line.
        linker = Linker(
            table,
            settings(dialect=self.dialect, extra_blocking=self.blocking),
            log_level=logging.ERROR,
        )
        linker.training.estimate_probability_two_random_records_match(
            ["l.nhs = r.nhs", block_on("given", "family", "dob")], recall=0.8
        )
        linker.training.estimate_u_using_random_sampling(
            max_pairs=self.u_max_pairs or u_pairs_for(self.records_seen), seed=self.seed
        )
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("dob"), estimate_without_term_frequencies=True
        )
        # each EM pass leaves its pairs and their comparison vectors in the database (tens
        # of millions of rows at a million records); nothing later reads them
        linker.table_management.invalidate_cache()
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("family", "given"),
            estimate_without_term_frequencies=True,
            populate_probability_two_random_records_match_from_trained_values=True,
        )
        linker.table_management.invalidate_cache()
        return linker

    def score(self, records: Sequence[LinkageRecord]) -> list[ScoredPair]:
        """Train on `records` and score every blocked pair at or above the review threshold;
        choose the link threshold from the model's estimates unless one was given."""
        if len(records) < 2:
            return []
        cols = prepare_rows(records)
        self.records_seen = len(records)
        self.blocking = [*BLOCKING_RULES, *affordable_blocks(cols)]
        db_api = self._db_api()
        try:
            table = self._register(db_api, records, cols)
            del cols  # the engine holds its own copy; these Python lists are not needed again
            linker = self.train(db_api, table)
            # Only the pairs at or above the review threshold are kept (unless every score
            # is wanted): the rest would be written out only to be filtered away. The bound
            # sits a little below the threshold, and _fetch applies the threshold exactly.
            keep_all = self.keep_scores or not 0 < self.review_threshold < 1
            floor = None if keep_all else _weight(self.review_threshold) - 0.01
            predictions = linker.inference.predict(threshold_match_weight=floor)
            scores, rows = self._fetch(predictions, all_scores=self.keep_scores)
            saved = linker.misc.save_model_to_json()
        finally:
            self._release(db_api)
        if self.keep_scores:
            self.scores = [(int(a), int(b), float(w)) for a, b, w in scores]
        scored = [ScoredPair(int(a), int(b), float(w), float(p)) for a, b, w, p in rows]
        self.threshold_choice = choose_threshold(p.match_probability for p in scored)
        self.link_threshold = self.fixed_threshold or self.threshold_choice.threshold
        # stored on the run for real-time scoring, which runs on DuckDB whatever trained it
        self.model = duckdb_model(saved)
        self.model[MODEL_EXTRAS] = {
            "link_threshold": self.link_threshold,
            "estimated_precision": self.threshold_choice.estimated_precision,
            "estimated_recall": self.threshold_choice.estimated_recall,
            "expected_false_links": self.threshold_choice.expected_false_links,
            # true matches the model expects among the scored pairs it left apart
            "expected_missed_links": self.threshold_choice.expected_matches
            * (1 - self.threshold_choice.estimated_recall),
        }
        return scored

    def cluster(
        self, records: Sequence[LinkageRecord], constraints: Constraints | None = None
    ) -> list[Assignment]:
        """Score, then cluster: NHS-number agreement joins first (the deterministic rule
        inside the model), then pairs at or above the link threshold, strongest first, never
        joining two valid NHS numbers or a reviewer's cannot-link pair."""
        if len(records) < MIN_RECORDS_TO_TRAIN:
            fallback = DeterministicLinker()
            self.method = f"{fallback.method} (too few to train)"
            self.uncertain_pairs = []
            return fallback.cluster(records, constraints)
        self.method = type(self).method
        keys = {
            r.id: nhs_number.normalise(r.nhs_number)
            for r in records
            if nhs_number.is_valid(r.nhs_number)
        }
        edges = _nhs_edges(keys)
        scored = self.score(records)
        edges += [
            Edge(p.a, p.b, p.match_probability, RULE_SPLINK)
            for p in scored
            if p.match_probability >= self.link_threshold
        ]
        ids = [r.id for r in records]
        result = constrained_clusters(ids, edges, keys=keys, constraints=constraints)
        self.uncertain_pairs = [
            Edge(p.a, p.b, p.match_probability, RULE_SPLINK)
            for p in scored
            if p.match_probability < self.link_threshold and result.root[p.a] != result.root[p.b]
        ]
        return assignments_from(records, result)


# OneStory's own entries on a saved model (the chosen threshold and the model's estimates
# of its errors); taken off before Splink reads the model back.
MODEL_EXTRAS = "onestory"


def model_link_threshold(model: dict) -> float:
    """The link threshold a run's model was used at (the old fixed one for older runs)."""
    return float((model or {}).get(MODEL_EXTRAS, {}).get("link_threshold", DEFAULT_LINK_THRESHOLD))


def duckdb_model(model: dict) -> dict:
    """A trained model in DuckDB's dialect: the same parameters, each level's condition
    taken from the DuckDB comparison table. Comparisons and levels are matched by position,
    as both come from the one `comparisons()` table."""
    if model.get("sql_dialect") == DUCKDB.name:
        return model
    duck = comparisons(DUCKDB)
    out = dict(model, sql_dialect=DUCKDB.name, comparisons=[])
    for trained, plain in zip(model["comparisons"], duck, strict=True):
        levels = [
            dict(level, sql_condition=source["sql_condition"])
            for level, source in zip(
                trained["comparison_levels"], plain["comparison_levels"], strict=True
            )
        ]
        out["comparisons"].append(dict(trained, comparison_levels=levels))
    out["blocking_rules_to_generate_predictions"] = [
        dict(rule, sql_dialect=DUCKDB.name) if isinstance(rule, dict) else rule
        for rule in model.get("blocking_rules_to_generate_predictions", [])
    ]
    return out


def _nhs_edges(keys: dict[int, str]) -> list[Edge]:
    first: dict[str, int] = {}
    edges = []
    for rid, number in sorted(keys.items()):
        if number in first:
            # probability above any model score: agreement on a valid number is decisive
            edges.append(Edge(first[number], rid, 1.0, RULE_NHS_NUMBER))
        else:
            first[number] = rid
    return edges


def assignments_from(records: Sequence[LinkageRecord], result) -> list[Assignment]:
    """Number clusters in record order; each record carries its strongest joining edge."""
    size: dict[int, int] = {}
    for root in result.root.values():
        size[root] = size.get(root, 0) + 1
    clusters: dict[int, int] = {}
    out = []
    for r in records:
        root = result.root[r.id]
        cluster = clusters.setdefault(root, len(clusters))
        edge = result.best_edge.get(r.id)
        if size[root] < 2 or edge is None:
            out.append(Assignment(r.id, cluster, RULE_UNLINKED, None))
        else:
            out.append(Assignment(r.id, cluster, edge.rule, round(edge.probability, 6)))
    return out


def _rows(records: Sequence[LinkageRecord], tf: dict[str, dict[str, float]]) -> list[dict]:
    cols = prepare_rows(records)
    rows = [dict(zip(cols, values, strict=True)) for values in zip(*cols.values(), strict=True)]
    for row in rows:
        for column in ("given", "family"):
            row[f"tf_{column}"] = tf.get(column, {}).get(row[column]) if row[column] else None
    return rows


_FAST: dict[str, object] = {}


def score_new_record(
    model: dict,
    record: LinkageRecord,
    candidates: Sequence[LinkageRecord],
    term_frequencies: dict[str, dict[str, float]],
) -> list[tuple[int, float]]:
    """Score one new record against candidate records with a trained model (as saved on
    the run), without retraining: (candidate id, match probability) for each candidate.
    The model's weights are applied in plain Python (`fast_scorer`), built once per model:
    no Splink linker or database query per lookup. `term_frequencies` gives each name's
    share of the whole index, so a common surname counts for as little here as it did in
    the batch."""
    from onestory.people.engines.fast_scorer import FastScorer

    if not candidates:
        return []
    key = str(model.get("linker_uid") or id(model))
    scorer = _FAST.get(key)
    if scorer is None:
        scorer = FastScorer(model)
        _FAST.clear()
        _FAST[key] = scorer
    rows = _rows([record, *candidates], term_frequencies)
    return scorer.score(rows[0], rows[1:])  # type: ignore[attr-defined]
