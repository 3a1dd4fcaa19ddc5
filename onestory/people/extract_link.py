"""`onestory link --config mapping.toml FILE… --out clusters.csv`: link arbitrary person files.

No database: the files are read, mapped to the linkage view by the mapping, linked by the
same engine as the person index, and written out as one row per input record. With a truth
column the clusters are scored pairwise and an evaluation report (HTML, with a chart of the
match-weight distribution) is written next to the output.
"""

from __future__ import annotations

import csv
import html
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from onestory.people.domain.comparisons import PairwiseScore, pairwise_score
from onestory.people.domain.linkage import Assignment, LinkageRecord
from onestory.people.domain.mapping import SourceMapping, parse_mapping, resolve_files
from onestory.people.domain.normalise import name_key, postcode_key

OUTPUT_COLUMNS = ("source", "record_id", "cluster_id", "match_probability")


def read_table(path: Path) -> list[dict[str, str]]:
    """Every row of a CSV or Parquet file, with every value as a string ("" for null)."""
    import polars as pl

    if path.suffix.lower() in {".parquet", ".pq"}:
        frame = pl.read_parquet(path)
        frame = frame.with_columns(pl.all().cast(pl.String))
    else:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    frame = frame.fill_null("")
    return frame.rows(named=True)


@dataclass
class MappedInput:
    """The records to link, and for each its (source, record id) and true identity."""

    records: list[LinkageRecord] = field(default_factory=list)
    keys: list[tuple[str, str]] = field(default_factory=list)
    truth: dict[int, str] = field(default_factory=dict)
    rows_by_source: dict[str, int] = field(default_factory=dict)

    @property
    def has_truth(self) -> bool:
        return bool(self.truth)


def map_rows(source: SourceMapping, rows: Sequence[dict[str, str]], into: MappedInput) -> None:
    """Add one source's rows to `into` as linkage records."""
    missing = [c for c in source.columns() if rows and c not in rows[0]]
    if missing:
        from onestory.people.domain.mapping import MappingError

        raise MappingError([f"source {source.name!r}: no column {c!r}" for c in missing])

    def get(row: dict[str, str], column: str) -> str:
        return (row.get(column) or "").strip() if column else ""

    for n, row in enumerate(rows, start=1):
        rid = len(into.records)
        given, family = get(row, source.given_name), get(row, source.family_name)
        postcode = get(row, source.postcode)
        address = " ".join(v for c in source.address if (v := get(row, c)))
        into.records.append(
            LinkageRecord(
                id=rid,
                nhs_number="".join(ch for ch in get(row, source.nhs_number) if ch.isdigit()),
                norm_family=name_key(family),
                date_of_birth=source.parse_date(get(row, source.date_of_birth)),
                norm_postcode=postcode_key(postcode),
                norm_given=name_key(given),
                given_name=given,
                family_name=family,
                sex=get(row, source.sex),
                address=address,
                source=source.name,
            )
        )
        into.keys.append((source.name, get(row, source.record_id) or str(n)))
        if source.truth and (t := get(row, source.truth)):
            into.truth[rid] = t
    into.rows_by_source[source.name] = len(rows)


@dataclass
class LinkResult:
    records: int
    clusters: int
    seconds: float
    score: PairwiseScore | None
    report: Path | None
    rows_by_source: dict[str, int]


def link_files(
    mapping_path: Path, files: list[Path], out: Path, *, linker=None, report: Path | None = None
) -> LinkResult:
    """Link the files the mapping names, write `out`, and with truth write the report."""
    from onestory.people.engines.splink_linker import SplinkLinker

    started = time.perf_counter()
    sources = parse_mapping(mapping_path.read_text(encoding="utf-8"))
    paths = resolve_files(sources, files, mapping_path.parent)
    mapped = MappedInput()
    for source in sources:
        map_rows(source, read_table(paths[source.name]), mapped)

    linker = linker or SplinkLinker(keep_scores=True)
    assignments = linker.cluster(mapped.records)
    write_clusters(out, mapped, assignments)
    seconds = time.perf_counter() - started

    score = None
    report_path = None
    if mapped.has_truth:
        score = pairwise_score(((a.record_id, a.cluster) for a in assignments), mapped.truth)
        report_path = report or out.with_suffix(".report.html")
        write_report(report_path, mapped, assignments, score, linker, seconds)
    return LinkResult(
        records=len(mapped.records),
        clusters=len({a.cluster for a in assignments}),
        seconds=seconds,
        score=score,
        report=report_path,
        rows_by_source=mapped.rows_by_source,
    )


def write_clusters(out: Path, mapped: MappedInput, assignments: list[Assignment]) -> None:
    """One row per input record: source, record id, cluster id, match probability."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(OUTPUT_COLUMNS)
        for a in sorted(assignments, key=lambda a: a.record_id):
            source, record_id = mapped.keys[a.record_id]
            p = "" if a.match_probability is None else f"{a.match_probability:.6f}"
            w.writerow((source, record_id, a.cluster, p))


def _weight(probability: float) -> float:
    return math.log2(probability / (1 - probability))


def match_weight_chart(linker, truth: dict[int, str]) -> str:
    """A Plotly histogram of every scored pair's match weight (true and false pairs apart
    when truth is known), as an HTML fragment with plotly.js embedded (works offline)."""
    import plotly.graph_objects as go

    scores = getattr(linker, "scores", [])
    fig = go.Figure()
    if truth:
        same = [w for a, b, w in scores if a in truth and truth.get(a) == truth.get(b)]
        differ = [w for a, b, w in scores if not (a in truth and truth.get(a) == truth.get(b))]
        fig.add_trace(go.Histogram(x=differ, name="different people (truth)", opacity=0.7))
        fig.add_trace(go.Histogram(x=same, name="same person (truth)", opacity=0.7))
    else:
        fig.add_trace(go.Histogram(x=[w for _a, _b, w in scores], name="scored pairs"))
    threshold = getattr(linker, "link_threshold", None)
    if threshold:
        fig.add_vline(
            x=_weight(threshold),
            line_dash="dash",
            annotation_text=f"link at p ≥ {threshold}",
        )
    fig.update_layout(
        barmode="overlay",
        title="Match weight of every blocked pair",
        xaxis_title="match weight (log2 Bayes factor with prior)",
        yaxis_title="pairs",
        yaxis_type="log",
        template="plotly_white",
    )
    return fig.to_html(full_html=False, include_plotlyjs=True)


def write_report(
    path: Path,
    mapped: MappedInput,
    assignments: list[Assignment],
    score: PairwiseScore,
    linker,
    seconds: float,
) -> None:
    """A small self-contained HTML evaluation report."""
    rows = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{n:,}</td></tr>"
        for name, n in mapped.rows_by_source.items()
    )
    figures = [
        ("precision", f"{score.precision:.4f}"),
        ("recall", f"{score.recall:.4f}"),
        ("F1", f"{score.f1:.4f}"),
        ("true pairs found", f"{score.true_positives:,}"),
        ("pairs linked", f"{score.predicted_pairs:,}"),
        ("true pairs", f"{score.true_pairs:,}"),
        ("records", f"{len(assignments):,}"),
        ("clusters", f"{len({a.cluster for a in assignments}):,}"),
        ("method", html.escape(getattr(linker, "method", ""))),
        ("seconds", f"{seconds:.1f}"),
    ]
    figure_rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in figures)
    chart = match_weight_chart(linker, mapped.truth)
    path.write_text(
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Linkage evaluation</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}}
table{{border-collapse:collapse;margin-bottom:1.5rem}}th,td{{padding:.25rem .75rem;
border-bottom:1px solid #ddd;text-align:left}}td{{font-variant-numeric:tabular-nums}}</style>
</head><body>
<h1>Linkage evaluation</h1>
<p>Pairwise figures: a pair of records counts as right when both are in one cluster and the
truth column gives them the same identity.</p>
<table>{figure_rows}</table>
<h2>Input</h2><table>{rows}</table>
<h2>Match weight distribution</h2>
{chart}
</body></html>
""",
        encoding="utf-8",
    )
