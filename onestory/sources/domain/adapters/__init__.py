"""One adapter per source kind, chosen by the file's name (see docs/EXTRACTS.md).

adapter = adapter_for(path)          # ExtractError naming the file when unknown
for parsed in adapter.read(path):    # ParsedRows, good and bad
    ...
"""

import re
from pathlib import Path

from onestory.sources.domain.adapters.acute import AdmissionAdapter, AEAttendanceAdapter
from onestory.sources.domain.adapters.base import Adapter, ExtractError, ImportLimits
from onestory.sources.domain.adapters.childrens import ChildrensServicesAdapter
from onestory.sources.domain.adapters.fhir_gp import GPBundleAdapter
from onestory.sources.domain.adapters.housing import HousingAdapter
from onestory.sources.domain.adapters.social_care import AdultSocialCareAdapter
from onestory.sources.domain.adapters.trust import (
    CommunityContacts,
    CommunityReferrals,
    MentalHealthContacts,
    MentalHealthReferrals,
)
from onestory.sources.domain.adapters.voluntary import VoluntarySectorAdapter

__all__ = [
    "Adapter",
    "ExtractError",
    "ImportLimits",
    "adapter_for",
    "import_order",
    "is_extract",
    "is_ignored",
]

# Exact file names, in the order a directory is imported: referrals before the contacts
# that must name them.
_BY_NAME: dict[str, type[Adapter]] = {
    "acute_ae_attendances.csv": AEAttendanceAdapter,
    "acute_admissions.csv": AdmissionAdapter,
    "mental_health_referrals.csv": MentalHealthReferrals,
    "mental_health_contacts.csv": MentalHealthContacts,
    "community_referrals.csv": CommunityReferrals,
    "community_contacts.csv": CommunityContacts,
    "adult_social_care_cld.csv": AdultSocialCareAdapter,
    "childrens_services.csv": ChildrensServicesAdapter,
    "housing.csv": HousingAdapter,
    "voluntary_sector.xlsx": VoluntarySectorAdapter,
}
_GP = re.compile(r"^gp_[A-Za-z0-9]+\.json$")
# Written alongside the extracts but never imported.
IGNORED = {"truth.csv", "manifest.json"}


def adapter_for(path: Path, limits: ImportLimits | None = None) -> Adapter:
    """The adapter for an extract, from its file name, reading within `limits` (the
    defaults when None)."""
    name = path.name
    if _GP.match(name):
        return GPBundleAdapter(limits)
    adapter = _BY_NAME.get(name)
    if adapter is None:
        known = ", ".join(["gp_<ODS>.json", *_BY_NAME])
        raise ExtractError(f"{name}: not a recognised extract (expected one of: {known})")
    return adapter(limits)


def is_ignored(path: Path) -> bool:
    return path.name in IGNORED


def is_extract(path: Path) -> bool:
    return bool(_GP.match(path.name)) or path.name in _BY_NAME


def import_order(path: Path) -> tuple[int, str]:
    """Sort key for a directory's extracts: GP bundles first, then the table above."""
    if _GP.match(path.name):
        return (0, path.name)
    names = list(_BY_NAME)
    return (1 + names.index(path.name) if path.name in names else len(names) + 1, path.name)
