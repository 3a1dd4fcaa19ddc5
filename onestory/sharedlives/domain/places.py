"""Where a postcode is, approximately, for travel distance.

The synthetic borough has no postcode coordinates. A postcode is placed deterministically
from its district and sector: each district of the borough has a fixed centroid on a local
kilometre grid (east, north), roughly in the relative positions of the real Leeds LS districts
it borrows; the sector digit (the first character of the inward code) places the postcode on a
ring of `SECTOR_RING_KM` around that centroid, at `sector × 36°`. The unit letters are
ignored. A postcode outside the table (or unreadable) has no position: its distance is
unknown, and the score says so rather than guessing.
"""

import math
import re

# District centroids, kilometres east and north of an arbitrary origin in the borough.
DISTRICT_CENTROIDS_KM: dict[str, tuple[float, float]] = {
    "LS11": (2.5, -2.0),  # Beeston Moor
    "LS12": (0.0, 0.0),  # Ashbridge
    "LS13": (-3.0, 2.5),  # Kirkholme
    "LS27": (-1.5, -5.5),  # Morden Vale
    "LS28": (-6.0, 3.0),  # Farnley Cross
}
SECTOR_RING_KM = 1.2

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9])?([A-Z]{2})?$")


def parse(postcode: str) -> tuple[str, int | None] | None:
    """(district, sector digit or None) for a full postcode or an outward code; None when
    the text is not a postcode."""
    text = " ".join(postcode.upper().split())
    compact = text.replace(" ", "")
    if len(compact) >= 5 and compact[-3].isdigit() and compact[-2:].isalpha():
        text = f"{compact[:-3]} {compact[-3:]}"
    match = _POSTCODE.match(text)
    if not match:
        return None
    district, sector, _unit = match.groups()
    return district, (int(sector) if sector is not None else None)


def is_postcode(postcode: str) -> bool:
    return parse(postcode) is not None


def position_km(postcode: str) -> tuple[float, float] | None:
    """The approximate position of a postcode, or None when it is outside the table."""
    parsed = parse(postcode)
    if parsed is None:
        return None
    district, sector = parsed
    centroid = DISTRICT_CENTROIDS_KM.get(district)
    if centroid is None:
        return None
    if sector is None:
        return centroid
    angle = math.radians(sector * 36)
    return (
        centroid[0] + SECTOR_RING_KM * math.cos(angle),
        centroid[1] + SECTOR_RING_KM * math.sin(angle),
    )


def distance_km(a: tuple[float, float] | None, b: tuple[float, float] | None) -> float | None:
    """Straight-line distance between two positions; None when either is unknown."""
    if a is None or b is None:
        return None
    return math.hypot(a[0] - b[0], a[1] - b[1])
