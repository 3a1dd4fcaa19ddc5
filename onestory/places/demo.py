"""The demo borough as one partnership of two localities: its council and acute trust, and
its GP practices in turn in a north and a south locality (so a borough using only its first
practices still has people in both). Demo only; loading the same catalogue again changes
nothing."""

from onestory.places import actions
from onestory.places.domain.catalogue import Catalogue, LocalityRow, PartnershipRow, PracticeRow
from onestory.synthetic import reference as ref

PARTNERSHIP = "ASH"
LOCALITIES = (("ASH-N", "Ashbridge North"), ("ASH-S", "Ashbridge South"))


def demo_catalogue() -> Catalogue:
    council_code, council_name = ref.COUNCIL
    trust_code, trust_name = ref.ACUTE_TRUST
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
            PracticeRow(ods, LOCALITIES[i % 2][0])
            for i, (ods, _name) in enumerate(ref.GP_PRACTICES)
        ],
    )


def create_demo_places(*, by) -> actions.Loaded:
    return actions.load_catalogue(demo_catalogue(), source="demo", by=by)
