"""Which case-finding reasons a reader sees, by the data categories their access allows."""

from onestory.casework.domain.categories import WITHHELD_DIAGNOSIS, visible_reasons

ADMISSIONS = [{"start": "2026-03-01", "diagnosis": "Pneumonia"}]
DEFICITS = ["falls", "memory_and_cognitive_problems"]


def test_visible_reasons_with_every_category_shows_everything():
    r = visible_reasons(DEFICITS, ADMISSIONS, frozenset({"clinical", "mental_health"}))
    assert r.deficits == tuple(DEFICITS) and r.deficits_withheld == 0
    assert r.admissions == (("2026-03-01", "Pneumonia"),) and not r.withheld


def test_visible_reasons_without_mental_health_counts_the_withheld_deficit():
    r = visible_reasons(DEFICITS, ADMISSIONS, frozenset({"clinical"}))
    assert r.deficits == ("falls",) and r.deficits_withheld == 1 and r.withheld
    assert r.admissions == (("2026-03-01", "Pneumonia"),)


def test_visible_reasons_without_clinical_withholds_diagnoses_but_keeps_dates():
    r = visible_reasons(DEFICITS, ADMISSIONS, frozenset({"demographics", "housing"}))
    assert r.deficits == () and r.deficits_withheld == 2
    assert r.admissions == (("2026-03-01", WITHHELD_DIAGNOSIS),) and r.diagnoses_withheld
