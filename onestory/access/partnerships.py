"""Which partnership an actor works for and which partnerships a person belongs to, for the
access policy's isolation between partnerships on one installation (ADR 0026). Only
`onestory.access.policy` calls these; every entry point reaches them through it.

- A member of staff works for their organisation's partnership (`Organisation.partnership`).
  An organisation with none is installation-wide, as every organisation was before several
  partnerships shared an installation; the system itself is never bound.
- A person belongs to every partnership one of whose organisations holds a record for them
  in the current linkage run: their GP practice's place (ADR 0017) and, after a move or
  care across a boundary, any other. A person with no record at any placed organisation
  belongs to none and is treated as before (installation-wide).
- A person is *outside* an actor's partnership when they belong to some partnership and
  not to the actor's: the actor then reaches them only through a legitimate relationship."""

from collections.abc import Iterable

from onestory.audit.domain.actor import Actor


def actor_partnership(actor: Actor) -> int | None:
    """The pk of the partnership the actor works for, or None when not bound to one."""
    if actor.role == "system" or not actor.organisation:
        return None
    from onestory.access.models import Organisation

    return (
        Organisation.objects.filter(code=actor.organisation)
        .values_list("partnership_id", flat=True)
        .first()
    )


def actor_partnership_code(actor: Actor) -> str | None:
    """The code of the partnership the actor works for, or None when not bound to one."""
    if actor.role == "system" or not actor.organisation:
        return None
    from onestory.access.models import Organisation

    return (
        Organisation.objects.filter(code=actor.organisation, partnership__isnull=False)
        .values_list("partnership__code", flat=True)
        .first()
    )


def organisation_codes(partnership_ids: Iterable[int] | None = None) -> dict[str, int]:
    """Organisation and GP practice codes -> partnership pk (an organisation's own
    partnership, else its practice's locality's), for the given partnerships or all."""
    from onestory.access.models import Organisation
    from onestory.places.models import PracticePlace

    orgs = Organisation.objects.filter(partnership__isnull=False)
    practices = PracticePlace.objects.all()
    if partnership_ids is not None:
        ids = list(partnership_ids)
        orgs = orgs.filter(partnership_id__in=ids)
        practices = practices.filter(locality__partnership_id__in=ids)
    out = dict(practices.values_list("ods", "locality__partnership_id"))
    out.update(orgs.values_list("code", "partnership_id"))
    return out


def partnerships_of(person_ids: Iterable[int]) -> dict[int, set[int]]:
    """Person pk -> the partnerships they belong to (empty when none). Three queries."""
    from onestory.people.models import PersonLink

    ids = list(person_ids)
    out: dict[int, set[int]] = {pid: set() for pid in ids}
    if not ids:
        return out
    rows = list(
        PersonLink.objects.filter(run__is_current=True, person_id__in=ids)
        .values_list("person_id", "record__system__org_code")
        .distinct()
        .order_by()
    )
    codes = organisation_codes()
    for pid, code in rows:
        found = codes.get(code)
        if found is not None:
            out[pid].add(found)
    return out


def outside(actor: Actor, person_ids: Iterable[int]) -> set[int]:
    """The people (pks) outside the actor's partnership (see the module)."""
    ids = list(person_ids)
    if not ids:
        return set()
    mine = actor_partnership(actor)
    if mine is None:
        return set()
    return {pid for pid, parts in partnerships_of(ids).items() if parts and mine not in parts}


def other_codes(actor: Actor) -> frozenset[str]:
    """Organisation and practice codes of partnerships other than the actor's, and none of
    theirs (empty when the actor is not bound to one): a source record held only there is
    outside the actor's partnership."""
    mine = actor_partnership(actor)
    if mine is None:
        return frozenset()
    codes = organisation_codes()
    own = {c for c, p in codes.items() if p == mine}
    return frozenset(c for c, p in codes.items() if p != mine and c not in own)


def own_people(actor: Actor):
    """A subquery of the person pks of the actor's partnership (a record at one of its
    organisations or practices), or None when the actor is not bound to one."""
    from onestory.people.models import PersonLink

    mine = actor_partnership(actor)
    if mine is None:
        return None
    own = [c for c, p in organisation_codes([mine]).items() if p == mine]
    return (
        PersonLink.objects.filter(run__is_current=True, record__system__org_code__in=own)
        .values("person_id")
        .distinct()
    )


def outside_people(actor: Actor):
    """A subquery of the person pks outside the actor's partnership, for excluding them from
    a list or a count inside the database (worklists). Empty when the actor is not bound."""
    from onestory.people.models import PersonLink

    mine = actor_partnership(actor)
    if mine is None:
        return PersonLink.objects.none().values("person_id")
    codes = organisation_codes()
    own = [c for c, p in codes.items() if p == mine]
    others = [c for c, p in codes.items() if p != mine]
    current = PersonLink.objects.filter(run__is_current=True)
    return (
        current.filter(record__system__org_code__in=others)
        .exclude(person_id__in=current.filter(record__system__org_code__in=own).values("person_id"))
        .values("person_id")
    )
