"""The electronic Frailty Index: code lists, deficits, score and category boundaries.

Boundary convention: inclusive upper bounds on the score (fit ≤ 0.12, mild ≤ 0.24,
moderate ≤ 0.36, severe > 0.36), so in deficits: fit 0–4, mild 5–8, moderate 9–12,
severe 13+."""

import pytest

from onestory.casework.domain import efi

LISTS = efi.load_codelists()
ALL_KEYS = {key: d.name for d in LISTS.deficits for key in d.keys}


@pytest.mark.parametrize(
    ("deficits", "score", "category"),
    [
        (0, 0.0, "fit"),
        (1, 0.028, "fit"),
        (4, 0.111, "fit"),
        (5, 0.139, "mild"),
        (8, 0.222, "mild"),
        (9, 0.250, "moderate"),
        (12, 0.333, "moderate"),
        (13, 0.361, "severe"),
        (36, 1.0, "severe"),
    ],
)
def test_efi_category_at_deficit_boundaries(deficits, score, category):
    s = efi.efi_score(deficits)
    assert round(s, 3) == score
    assert efi.efi_category(s) == category


@pytest.mark.parametrize(
    ("score", "category"),
    [
        (0.12, "fit"),
        (0.1201, "mild"),
        (0.24, "mild"),
        (0.2401, "moderate"),
        (0.36, "moderate"),
        (0.3601, "severe"),
    ],
)
def test_efi_category_upper_bounds_are_inclusive(score, category):
    assert efi.efi_category(score) == category


@pytest.mark.parametrize("count", [-1, 37])
def test_efi_score_outside_range_is_refused(count):
    with pytest.raises(ValueError):
        efi.efi_score(count)


def test_codelists_have_the_36_published_deficits():
    names = {d.name for d in LISTS.deficits}
    assert len(names) == 36
    for expected in (
        "polypharmacy",
        "social_vulnerability",
        "requirement_for_care",
        "hypotension_syncope",
        "weight_loss_and_anorexia",
        "housebound",
    ):
        assert expected in names
    assert all(d.version >= 1 for d in LISTS.deficits)


@pytest.mark.parametrize("deficit", [d for d in LISTS.deficits if d.keys], ids=lambda d: d.name)
def test_each_deficit_list_fires_on_its_codes_and_not_on_others(deficit):
    for key in deficit.keys:
        assert efi.deficits_present([key], 0, LISTS) == {deficit.name}
    others = [key for key, owner in ALL_KEYS.items() if owner != deficit.name]
    assert deficit.name not in efi.deficits_present(others, 0, LISTS)


def test_unlisted_codes_give_no_deficit():
    assert (
        efi.deficits_present([("snomed", "999999999"), ("housing_record", "tenancy")], 0, LISTS)
        == frozenset()
    )


@pytest.mark.parametrize(("medicines", "present"), [(0, False), (4, False), (5, True), (9, True)])
def test_polypharmacy_from_five_distinct_medicines(medicines, present):
    assert ("polypharmacy" in efi.deficits_present([], medicines, LISTS)) is present


def test_social_vulnerability_and_care_from_social_care_and_housing():
    found = efi.deficits_present(
        [("housing_record", "homelessness"), ("social_care_service", "Long Term Support: Nursing")],
        0,
        LISTS,
    )
    assert found == {"social_vulnerability", "requirement_for_care"}


def test_codelists_refuse_a_code_in_two_deficits(tmp_path):
    for d in LISTS.deficits:
        (tmp_path / f"{d.name}.v1.csv").write_text(
            "source,code,term,note\nsnomed,38341003,Hypertensive disorder,\n"
            if d.name in ("hypertension", "diabetes")
            else "source,code,term,note\n"
        )
    with pytest.raises(ValueError, match="also in"):
        efi.load_codelists(tmp_path)


def test_codelists_take_the_newest_version(tmp_path):
    for d in LISTS.deficits:
        (tmp_path / f"{d.name}.v1.csv").write_text("source,code,term,note\n")
    (tmp_path / "anaemia.v2.csv").write_text("source,code,term,note\nsnomed,271737000,Anemia,\n")
    lists = efi.load_codelists(tmp_path)
    assert lists.versions()["anaemia"] == 2
    assert efi.deficits_present([("snomed", "271737000")], 0, lists) == {"anaemia"}
