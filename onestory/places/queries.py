"""Reads of the places an installation serves. Places name no one: any signed-in member of
staff may list them (they fill the choosers on commissioners' pages)."""

from dataclasses import dataclass

from onestory.places.models import Locality, Partnership, PracticePlace


@dataclass(frozen=True)
class Place:
    """Where a GP practice is: its locality and partnership codes."""

    locality: str
    partnership: str


def practice_places() -> dict[str, Place]:
    """Each known practice's ODS code and its place."""
    rows = PracticePlace.objects.values_list("ods", "locality__code", "locality__partnership__code")
    return {ods: Place(loc, p) for ods, loc, p in rows}


def partnerships() -> list[Partnership]:
    return list(Partnership.objects.order_by("code"))


def localities(partnership: str | None = None) -> list[Locality]:
    rows = Locality.objects.select_related("partnership").order_by("code")
    if partnership:
        rows = rows.filter(partnership__code=partnership)
    return list(rows)


def find_partnership(code: str) -> Partnership | None:
    return Partnership.objects.filter(code=code).first()


def find_locality(code: str) -> Locality | None:
    return Locality.objects.select_related("partnership").filter(code=code).first()
