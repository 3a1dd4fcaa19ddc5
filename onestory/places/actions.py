"""Changes to the places an installation serves: one audited action, idempotent."""

from dataclasses import dataclass

from django.db import transaction

from onestory.access.domain.roles import Permission
from onestory.access.policy import require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.places.domain.catalogue import Catalogue
from onestory.places.models import Locality, Partnership, PracticePlace


@dataclass(frozen=True)
class Loaded:
    created: int
    updated: int
    unchanged: int
    problems: int


def _upsert(model, key: dict, values: dict) -> str:
    obj = model.objects.filter(**key).first()
    if obj is None:
        model.objects.create(**key, **values)
        return "created"
    changed = {k: v for k, v in values.items() if getattr(obj, k) != v}
    if not changed:
        return "unchanged"
    for k, v in changed.items():
        setattr(obj, k, v)
    obj.save(update_fields=list(changed))
    return "updated"


@transaction.atomic
def load_catalogue(catalogue: Catalogue, *, source: str, by: Actor) -> Loaded:
    """Store the catalogue's partnerships, localities and practices (by code: a second load
    of the same files changes nothing; a changed name or a practice moved to another
    locality is updated). Nothing is deleted: a locality that figures were published for
    stays. Audited as `places.loaded` with counts when anything changed."""
    require(by, Permission.RUN_IMPORTS)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    partnerships = {}
    for p in catalogue.partnerships:
        values = {
            "name": p.name,
            "council_code": p.council_code,
            "council_name": p.council_name,
            "trust_code": p.trust_code,
            "trust_name": p.trust_name,
        }
        counts[_upsert(Partnership, {"code": p.code}, values)] += 1
    partnerships = {p.code: p for p in Partnership.objects.all()}
    for loc in catalogue.localities:
        values = {"name": loc.name, "partnership": partnerships[loc.partnership]}
        counts[_upsert(Locality, {"code": loc.code}, values)] += 1
    localities = {loc.code: loc for loc in Locality.objects.all()}
    for pr in catalogue.practices:
        counts[_upsert(PracticePlace, {"ods": pr.ods}, {"locality": localities[pr.locality]})] += 1
    result = Loaded(**counts, problems=len(catalogue.problems))
    if not (result.created or result.updated):
        return result  # nothing changed: nothing to audit
    record_event(
        by=by,
        action="places.loaded",
        detail={
            "source": source,
            "partnerships": len(catalogue.partnerships),
            "localities": len(catalogue.localities),
            "practices": len(catalogue.practices),
            **counts,
            "problems": result.problems,
        },
    )
    return result
