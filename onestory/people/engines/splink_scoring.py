"""Scoring one new record with a trained model through Splink itself: a linker built once
per model and reused. Real-time linking uses the plain-Python `fast_scorer` instead; this
path is kept as the reference the fast one is tested against."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from onestory.people.domain.linkage import LinkageRecord
from onestory.people.engines.splink_linker import MODEL_EXTRAS, SplinkLinker, _rows

_SCORERS: dict[str, object] = {}
_SCORER_LOCK = threading.Lock()


def _scorer(model: dict):
    """A Splink linker for this trained model, built once and reused: building one costs
    far more than scoring a handful of pairs. Keyed by the model's own id."""
    from splink import Linker

    key = str(model.get("linker_uid") or id(model))
    linker = _SCORERS.get(key)
    if linker is None:
        db_api = SplinkLinker()._db_api()
        seed = _rows([LinkageRecord(0, "", "", None, "")], {})
        table = db_api.register(seed, dataset_display_name="seed")
        plain = {k: v for k, v in model.items() if k != MODEL_EXTRAS}
        linker = Linker(table, plain, log_level=logging.ERROR)
        _SCORERS.clear()  # only the current run's model is worth keeping
        _SCORERS[key] = linker
    return linker


def score_new_record_splink(
    model: dict,
    record: LinkageRecord,
    candidates: Sequence[LinkageRecord],
    term_frequencies: dict[str, dict[str, float]],
) -> list[tuple[int, float]]:
    """Score one new record against candidate records with a trained model (as saved on
    the run), without retraining: (candidate id, match probability) for each candidate.
    `term_frequencies` gives each name's share of the whole index, so a common surname
    counts for as little here as it did in the batch."""
    if not candidates:
        return []
    with _SCORER_LOCK:  # one DuckDB connection: one caller at a time
        linker = _scorer(model)
        scored = linker.inference.score_pairs(
            _rows([record], term_frequencies), _rows(candidates, term_frequencies)
        )
        rows = scored.as_duckdbpyrelation().select("unique_id_r, match_probability").fetchall()
        scored.drop_table_from_database_and_remove_from_cache()
    return [(int(rid), float(p)) for rid, p in rows]
