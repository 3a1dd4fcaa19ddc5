"""The demo borough as one partnership of two localities: its council and acute trust, and
its GP practices split between a north and a south locality. Demo only; loading the same
catalogue again changes nothing."""

from onestory.places import actions
from onestory.places.domain.catalogue import Catalogue, LocalityRow, PartnershipRow, PracticeRow
from onestory.synthetic import reference as ref

PARTNERSHIP = "ASH"
LOCALITIES = (("ASH-N", "Ashbridge North"), ("ASH-S", "Ashbridge South"))


def demo_catalogue() -> Catalogue:
    council_code, council_name = ref.COUNCIL
    trust_code, trust_name = ref.ACUTE_TRUST
    half = (len(ref.GP_PRACTICES) + 1) // 2
    return Catalogue(
        partnerships=[
            PartnershipRow(
                PARTNERSHIP,
                "Ashbridge Health and Care Partnership",
                council_code,
                council_name,
                trust_code,
                trust_name,
            )
        ],
        localities=[LocalityRow(code, name, PARTNERSHIP) for code, name in LOCALITIES],
        practices=[
            PracticeRow(ods, LOCALITIES[0 if i < half else 1][0])
            for i, (ods, _name) in enumerate(ref.GP_PRACTICES)
        ],
    )


def create_demo_places(*, by) -> actions.Loaded:
    return actions.load_catalogue(demo_catalogue(), source="demo", by=by)
