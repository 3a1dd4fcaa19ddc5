"""Field-by-field agreement between two records, in words a reviewer can check: the same
levels the probabilistic model compares, computed from the domain rules."""

from dataclasses import dataclass

from onestory.people.domain import nhs_number
from onestory.people.domain.comparisons import (
    address_similarity,
    are_name_variants,
    dob_digit_differences,
    is_dob_transposed,
    normalise_sex,
    postcode_levels,
    shares_surname_part,
)
from onestory.people.domain.linkage import LinkageRecord
from onestory.people.domain.normalise import name_key

AGREE = "agree"
PARTIAL = "partial"
DISAGREE = "disagree"
MISSING = "missing"


@dataclass(frozen=True)
class FieldAgreement:
    field: str
    outcome: str  # agree, partial, disagree, missing
    explanation: str


def _similar(a: str, b: str) -> bool:
    """One edit apart (insert, delete, substitute or swap of neighbours)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def explain_pair(a: LinkageRecord, b: LinkageRecord) -> list[FieldAgreement]:
    """How the two records compare on each field the linkage uses."""
    out = []
    # NHS number
    va, vb = nhs_number.is_valid(a.nhs_number), nhs_number.is_valid(b.nhs_number)
    if not (va and vb):
        why = "one or both missing" if not (a.nhs_number and b.nhs_number) else "not valid"
        out.append(FieldAgreement("NHS number", MISSING, f"Not compared: {why}."))
    elif nhs_number.normalise(a.nhs_number) == nhs_number.normalise(b.nhs_number):
        out.append(FieldAgreement("NHS number", AGREE, "Same valid NHS number."))
    else:
        out.append(
            FieldAgreement("NHS number", DISAGREE, "Different valid NHS numbers: never linked.")
        )

    ga, gb = a.norm_given or name_key(a.given_name), b.norm_given or name_key(b.given_name)
    fa, fb = a.norm_family or name_key(a.family_name), b.norm_family or name_key(b.family_name)
    swapped = bool(ga and fb and ga == fb and fa == gb and ga != gb)
    # given name
    if not ga or not gb:
        out.append(FieldAgreement("Given name", MISSING, "Missing on one record."))
    elif ga == gb:
        out.append(FieldAgreement("Given name", AGREE, "Same."))
    elif are_name_variants(ga, gb):
        out.append(FieldAgreement("Given name", PARTIAL, "Listed as variants of one name."))
    elif swapped:
        out.append(FieldAgreement("Given name", PARTIAL, "Given and family names swapped."))
    elif _similar(ga, gb):
        out.append(FieldAgreement("Given name", PARTIAL, "One letter apart: a likely typo."))
    else:
        out.append(FieldAgreement("Given name", DISAGREE, "Different."))
    # family name
    if not fa or not fb:
        out.append(FieldAgreement("Family name", MISSING, "Missing on one record."))
    elif fa == fb:
        out.append(FieldAgreement("Family name", AGREE, "Same."))
    elif _similar(fa, fb):
        out.append(FieldAgreement("Family name", PARTIAL, "One letter apart: a likely typo."))
    elif swapped:
        out.append(FieldAgreement("Family name", PARTIAL, "Given and family names swapped."))
    elif shares_surname_part(a.family_name or fa, b.family_name or fb):
        out.append(
            FieldAgreement("Family name", PARTIAL, "Shares part of a double-barrelled name.")
        )
    else:
        out.append(FieldAgreement("Family name", DISAGREE, "Different."))
    out.append(_dob(a, b))
    out.append(_residence(a, b))
    sa, sb = normalise_sex(a.sex), normalise_sex(b.sex)
    if not sa or not sb:
        out.append(FieldAgreement("Sex", MISSING, "Unknown or missing on one record."))
    else:
        out.append(
            FieldAgreement("Sex", AGREE, "Same.")
            if sa == sb
            else FieldAgreement("Sex", DISAGREE, "Different.")
        )
    return out


def _dob(a: LinkageRecord, b: LinkageRecord) -> FieldAgreement:
    da, db = a.date_of_birth, b.date_of_birth
    ya = da.year if da else a.birth_year
    yb = db.year if db else b.birth_year
    ma = da.month if da else a.birth_month
    mb = db.month if db else b.birth_month
    field = "Date of birth"
    if ya is None or yb is None:
        return FieldAgreement(field, MISSING, "Missing on one record.")
    if da and db:
        if da == db:
            return FieldAgreement(field, AGREE, "Same.")
        if is_dob_transposed(da, db):
            return FieldAgreement(field, PARTIAL, "Day and month swapped.")
        if dob_digit_differences(da, db) == 1:
            return FieldAgreement(field, PARTIAL, "One digit differs: a likely typo.")
    elif ma and mb and (ya, ma) == (yb, mb):
        return FieldAgreement(field, PARTIAL, "Only month and year recorded on one; they agree.")
    elif ya == yb:
        return FieldAgreement(field, PARTIAL, "Only the year recorded on one; it agrees.")
    if ya == yb:
        return FieldAgreement(field, DISAGREE, "Same year, different date.")
    return FieldAgreement(field, DISAGREE, "Different.")


def _residence(a: LinkageRecord, b: LinkageRecord) -> FieldAgreement:
    field = "Postcode and address"
    pa, pb = postcode_levels(a.norm_postcode), postcode_levels(b.norm_postcode)
    similarity = address_similarity(a.address, b.address)
    same_address = similarity is not None and similarity >= 0.7
    if not (pa.district and pb.district) and similarity is None:
        return FieldAgreement(field, MISSING, "Missing on one record.")
    if pa.unit and pa.unit == pb.unit:
        if same_address:
            return FieldAgreement(field, AGREE, "Same postcode and address.")
        return FieldAgreement(field, AGREE, "Same postcode.")
    if same_address:
        return FieldAgreement(field, PARTIAL, "Same address, postcode differs.")
    if pa.sector and pa.sector == pb.sector:
        return FieldAgreement(field, PARTIAL, "Same postcode sector (neighbouring streets).")
    if pa.district and pa.district == pb.district:
        return FieldAgreement(field, PARTIAL, "Same postcode district.")
    return FieldAgreement(field, DISAGREE, "Different area: perhaps a move.")
