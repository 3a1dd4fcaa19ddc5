"""The access decision for casework: every casework page and change that concerns a person
asks here, which asks `onestory.access.policy` (the same decision as the record).

- `check_person`: one person, for a page or a change about them; a refusal is audited as
  "record.denied" (committed before the caller raises) and raises PermissionDenied naming
  nothing about them.
- `visibility`: many people at once (worklist, meeting, caseload, actions) in a fixed
  number of queries: whether each may be shown, whether the person's own choice hides
  them, and which data categories the reader sees of them."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from onestory.access.domain.decision import refused_categories
from onestory.access.domain.roles import Permission, any_role_for
from onestory.access.models import SharingChoice
from onestory.access.policy import AccessDecision, decide, has_permission, search_access
from onestory.access.queries import denied
from onestory.audit.domain.actor import Actor
from onestory.sources.domain.facts import CATEGORIES

NOT_PERMITTED = "role_not_permitted"
# search_access answers for many ids in one go; chunks keep each IN list a sensible size.
CHUNK = 5000


def check_person(
    by: Actor, person, *, attempted: str, permission: Permission | None = None
) -> AccessDecision:
    """The reader's decision for `person`, or PermissionDenied (audited) when their role
    lacks `permission` or the record decision refuses them."""
    if permission is not None and not has_permission(by, permission):
        denied(by, person, attempted=attempted, reason=NOT_PERMITTED)
        raise PermissionDenied("You do not have access to this person's record.")
    decision = decide(by, person)
    if not decision.allowed:
        denied(by, person, attempted=attempted, reason=decision.reason)
        raise PermissionDenied("You do not have access to this person's record.")
    return decision


@dataclass(frozen=True)
class Seen:
    allowed: bool
    refused_by_person: bool = False  # hidden altogether: no link, no hint
    categories: frozenset[str] = frozenset()


HIDDEN = Seen(False)


def allowed_ids(by: Actor, person_ids: Iterable[int]) -> dict[int, bool | None]:
    """`search_access` over any number of people, a chunk at a time."""
    ids = list(dict.fromkeys(person_ids))
    out: dict[int, bool | None] = {}
    for start in range(0, len(ids), CHUNK):
        out.update(search_access(by, ids[start : start + CHUNK]))
    return out


def visibility(by: Actor, person_ids: Iterable[int]) -> dict[int, Seen]:
    """What the reader may see of each person (see the module)."""
    access = allowed_ids(by, person_ids)
    allowed = [pid for pid, ok in access.items() if ok]
    categories = categories_for(by, allowed)
    return {
        pid: Seen(True, False, categories[pid]) if ok else Seen(False, ok is None)
        for pid, ok in access.items()
    }


def categories_for(by: Actor, person_ids: list[int]) -> dict[int, frozenset[str]]:
    """The data categories the reader sees of each person they may see: their role's
    categories less the sensitive ones the person refused (as `decide` computes them), in
    one query."""
    if by.role == "system":
        return dict.fromkeys(person_ids, frozenset(CATEGORIES))
    role = any_role_for(by.role)
    base = role.categories if role is not None else frozenset()
    choices: dict[int, list[tuple[str | None, str, str]]] = {pid: [] for pid in person_ids}
    for start in range(0, len(person_ids), CHUNK):
        rows = (
            SharingChoice.objects.filter(person_id__in=person_ids[start : start + CHUNK])
            .exclude(category="")
            .filter(Q(organisation__isnull=True) | Q(organisation__code=by.organisation))
            .values_list("person_id", "organisation__code", "category", "decision")
        )
        for pid, org, category, decision in rows:
            choices[pid].append((org, category, decision))
    return {
        pid: frozenset(base - refused_categories(c, by.organisation)) for pid, c in choices.items()
    }
