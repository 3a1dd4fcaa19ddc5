"""Charlson comorbidity index (Charlson et al., J Chronic Dis 1987, original weights) from
SNOMED CT concepts, for the C of LACE. Each condition counts once, at its weight; the
lists are a starting set of well-known concepts, reviewed with the eFI lists (ADR 0010).
Chronic kidney disease of any stage is counted as renal disease (the original counts
moderate or severe only): our GP extract rarely records the stage, so this over-counts."""

from collections.abc import Iterable

# condition -> (weight, SNOMED CT concept ids)
CHARLSON: dict[str, tuple[int, frozenset[str]]] = {
    "myocardial_infarction": (1, frozenset({"22298006"})),
    "congestive_heart_failure": (1, frozenset({"84114007", "42343007"})),
    "peripheral_vascular_disease": (1, frozenset({"400047006", "399957001"})),
    "cerebrovascular_disease": (1, frozenset({"230690007", "266257000", "62914000", "422504002"})),
    "dementia": (1, frozenset({"52448006", "26929004"})),
    "chronic_pulmonary_disease": (1, frozenset({"13645005", "195967001", "4981000"})),
    "connective_tissue_disease": (1, frozenset({"69896004"})),
    "peptic_ulcer_disease": (1, frozenset({"13200003", "397825006", "51868009"})),
    "diabetes": (1, frozenset({"73211009", "44054006", "46635009"})),
    "renal_disease": (
        2,
        frozenset({"709044004", "433144002", "431857002", "433146000", "431855005", "431856006"}),
    ),
}


def rows() -> list[tuple[str, int, str]]:
    """(condition, weight, code) for every concept: the table the engine joins on."""
    return [(name, w, code) for name, (w, codes) in CHARLSON.items() for code in sorted(codes)]


def charlson_index(codes: Iterable[str]) -> int:
    """The sum of the weights of the conditions any of `codes` shows."""
    present = set(codes)
    return sum(w for w, concepts in CHARLSON.values() if present & concepts)
