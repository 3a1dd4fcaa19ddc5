"""An evaluation of an initiative: its inputs checked, the locality-quarter panel built and
each method run on it with the estimators in `onestory.evaluation.domain` (the same code
`onestory evaluate` runs, so a run can be repeated outside OneStory from its panel CSV)."""

from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import polars as pl

from onestory.audit.domain.actor import Actor
from onestory.evaluation.domain import result as estimators
from onestory.evaluation.domain.panel import PanelError, build_panel
from onestory.initiatives import panels
from onestory.initiatives.domain import quarters
from onestory.initiatives.domain.version import code_version


@dataclass(frozen=True)
class Inputs:
    indicator: str
    treated: list[str]
    comparators: list[str]
    start_quarter: str
    methods: list[str]


def check_inputs(
    initiative,
    *,
    indicator: str,
    treated: list[str],
    comparators: list[str],
    start_quarter: str,
    methods: list[str],
) -> Inputs:
    """The inputs, or `actions.Invalid` with a message per form field."""
    from onestory.initiatives.actions import Invalid
    from onestory.places.models import Locality

    errors: dict[str, str] = {}
    if indicator not in panels.INDICATORS:
        errors["indicator"] = "Choose an outcome indicator that can be computed."
    runs_in = {p.locality.code for p in initiative.places.select_related("locality")}
    treated = sorted(set(treated))
    comparators = sorted(set(comparators))
    if not treated:
        errors["treated"] = "Choose at least one locality where the initiative runs."
    elif not set(treated) <= runs_in:
        errors["treated"] = "Treated localities must be ones the register says it runs in."
    known = set(Locality.objects.values_list("code", flat=True))
    if not comparators:
        errors["comparators"] = "Choose at least one comparator locality."
    elif not set(comparators) <= known:
        errors["comparators"] = "Choose comparator localities from the list."
    elif set(comparators) & set(treated):
        errors["comparators"] = "A locality cannot be both treated and a comparator."
    try:
        start = quarters.of(quarters.first_day(start_quarter))
    except quarters.QuarterError as exc:
        errors["start_quarter"] = str(exc)
        start = ""
    bad = [m for m in methods if m not in estimators.METHODS]
    if not methods or bad:
        errors["methods"] = "Choose at least one method: DiD, SCM or SDID."
    if errors:
        raise Invalid(errors)
    return Inputs(indicator, treated, comparators, start, list(dict.fromkeys(methods)))


def build_panel_frame(inputs: Inputs, *, by: Actor) -> pl.DataFrame:
    from onestory.initiatives.actions import Invalid

    frame = panels.locality_quarter_panel(
        by=by,
        indicators=[inputs.indicator],
        localities=inputs.treated + inputs.comparators,
    )
    if frame.height == 0:
        raise Invalid({"indicator": "There are no admissions in the linked record to count yet."})
    present = set(frame["locality"].to_list())
    empty = sorted(
        set(frame.filter(pl.col("rate_per_100k").is_null())["locality"].to_list())
        | (set(inputs.treated + inputs.comparators) - present)
    )
    if empty:
        raise Invalid(
            {"comparators": f"No one is placed in locality {', '.join(empty)}: no rate to compare."}
        )
    return frame


def run_methods(
    frame: pl.DataFrame, inputs: Inputs, *, seed: int, placebo_draws: int
) -> tuple[dict, dict]:
    """Each method's result (the `onestory evaluate --json` shape) and its notes; a method
    that cannot run on this panel gets {"error": why} instead."""
    rows = [
        (i + 2, {"locality": loc, "quarter": q, "rate": repr(rate)})
        for i, (loc, q, rate) in enumerate(
            frame.sort(["locality", "quarter"])
            .select("locality", "quarter", "rate_per_100k")
            .iter_rows()
        )
    ]
    results: dict = {}
    notes: dict = {}
    try:
        p = build_panel(
            rows,
            columns=["locality", "quarter", "rate"],
            unit="locality",
            time="quarter",
            outcome="rate",
            treated=inputs.treated,
            start=inputs.start_quarter,
            source="panel",
        )
    except PanelError as exc:
        return {m: {"error": str(exc)} for m in inputs.methods}, {}
    for method in inputs.methods:
        try:
            e = estimators.evaluate(p, method, placebo_draws=placebo_draws, seed=seed)
        except ValueError as exc:
            results[method] = {"error": str(exc)}
            continue
        results[method] = e.body
        notes[method] = estimators.summary(p, e)
    return results, notes


_ESTIMATORS = ("panel", "did", "scm", "sdid", "result")


def current_code_version() -> str:
    """The package version and a hash of the estimators' source (ADR 0022)."""
    try:
        version = metadata.version("onestory")
    except metadata.PackageNotFoundError:
        version = "0+unknown"
    here = Path(estimators.__file__).parent
    sources = {f"{name}.py": (here / f"{name}.py").read_bytes() for name in _ESTIMATORS}
    return code_version(version, sources)
