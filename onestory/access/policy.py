"""The single place that answers "may this actor do this?". Every query and action asks here,
so that widening or narrowing access (legitimate relationships, consent) changes one module.

`decide` gathers the facts about one actor and one person from the database (care team,
open episodes, break-glass, the person's choices) and hands them to the pure rule in
`onestory.access.domain.decision`."""

import contextlib
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import replace

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from onestory.access.domain.decision import (
    EPISODE_KINDS,
    AccessDecision,
    AccessFacts,
    decide_from,
    episode_is_open,
    refused_categories,
)
from onestory.access.domain.roles import Permission, any_role_for
from onestory.access.domain.visibility import HIDDEN, WITH_ACCESS, search_standing
from onestory.access.partnerships import (
    actor_partnership_code,
    other_codes,
    outside,
    outside_people,
    own_people,
)
from onestory.audit.domain.actor import Actor
from onestory.sources.domain.facts import CATEGORIES, GP

__all__ = [
    "AccessDecision",
    "actor_for_user",
    "aggregate_partnership",
    "can_view_person",
    "decide",
    "decide_related",
    "has_permission",
    "outside_partnership",
    "outside_partnership_records",
    "outside_partnership_people",
    "partnership_people",
    "require",
    "search_access",
    "search_standings",
    "visible_in_search",
]


def actor_for_user(user, channel: str = "page") -> Actor:
    """The audit identity of a logged-in user: a member of staff, a person (or their
    representative) signed in to their own record, or a superuser acting as administrator.
    Anyone else is refused."""
    staff = getattr(user, "staff", None) if user.is_authenticated else None
    if staff is not None:
        return Actor(
            id=f"user:{user.pk}",
            label=user.get_username(),
            role=staff.role,
            organisation=staff.organisation.code,
            channel=channel,
            user_pk=user.pk,
        )
    account = getattr(user, "person_account", None) if user.is_authenticated else None
    if account is not None:
        representative = account.acting_as == "representative"
        return Actor(
            id=f"user:{user.pk}",
            label=account.representative_name if representative else "The person",
            role="representative" if representative else "person",
            channel=channel,
            user_pk=user.pk,
        )
    if user.is_authenticated and user.is_superuser:
        return Actor(
            id=f"user:{user.pk}",
            label=user.get_username(),
            role="administrator",
            channel=channel,
            user_pk=user.pk,
        )
    raise PermissionDenied("This account is not a member of staff in any organisation.")


def has_permission(actor: Actor, permission: Permission) -> bool:
    if actor.role == "system":
        return True
    role = any_role_for(actor.role)
    return role is not None and role.has(permission)


def require(actor: Actor, permission: Permission) -> None:
    if not has_permission(actor, permission):
        raise PermissionDenied(f"Your role does not allow: {permission.value.replace('_', ' ')}")


# ---------------------------------------------------------------------------- one person


_KEPT: ContextVar[dict | None] = ContextVar("onestory_access_decisions_kept", default=None)


@contextlib.contextmanager
def decisions_kept():
    """Within the block, `decide` works out each actor and person once, and what is read
    through `kept` (the person's row, the current linkage run, their linked records, whether
    this visit's read is already audited) is read once: for a page that reads one person's
    record through several queries in a request that changes nothing about access or
    linkage (the person page has five such reads)."""
    token = _KEPT.set({})
    try:
        yield
    finally:
        _KEPT.reset(token)


def kept[T](key: tuple, make: Callable[[], T]) -> T:
    """Inside `decisions_kept`, the value `make` gave for `key` the first time it was asked
    for in the block (an exception is not kept); outside it, `make()` every time."""
    store = _KEPT.get()
    if store is None:
        return make()
    if key not in store:
        store[key] = make()
    return store[key]


def keep(key: tuple, value) -> None:
    """Inside `decisions_kept`, what `kept(key, …)` gives from now on in the block."""
    store = _KEPT.get()
    if store is not None:
        store[key] = value


def decide(actor: Actor, person) -> AccessDecision:
    """May `actor` see `person`'s record (a people.Person), on what basis and which data
    categories. A handful of queries, fewer when an early fact settles it (none when
    already worked out inside `decisions_kept`)."""
    kept = _KEPT.get()
    if kept is None:
        return _decide(actor, person)
    key = (actor, person.pk)
    if key not in kept:
        kept[key] = _decide(actor, person)
    return kept[key]


def _decide(actor: Actor, person) -> AccessDecision:
    if actor.role == "system":
        # Commands run by the operator (the demo, imports) act for the system itself.
        return AccessDecision(True, "system", frozenset(CATEGORIES))
    role = any_role_for(actor.role)
    if role is None:
        return decide_from(AccessFacts(role=actor.role))
    if role.has(Permission.VIEW_OWN_RECORD):
        return decide_from(_person_facts(actor, person))
    if not role.has(Permission.VIEW_RECORD):
        return decide_from(AccessFacts(role=actor.role))

    from onestory.access.models import SharingChoice

    choices = list(
        SharingChoice.objects.filter(person=person)
        .filter(Q(organisation__isnull=True) | Q(organisation__code=actor.organisation))
        .values_list("organisation__code", "category", "decision")
    )
    org_choice = next((d for o, c, d in choices if o is not None and not c), "")
    facts = AccessFacts(
        role=actor.role,
        organisation_refused=org_choice == "refuse",
        organisation_allowed=org_choice == "allow",
        refused_categories=refused_categories(choices, actor.organisation),
    )
    if facts.organisation_refused or (role.needs_explicit_allow and not facts.organisation_allowed):
        return decide_from(facts)
    # Cheapest relationship first; stop at the first found.
    if _in_care_team(actor, [person.pk]):
        return decide_from(_with(facts, care_team=True))
    if _with_open_episode(actor, [person.pk]):
        return decide_from(_with(facts, open_episode=True))
    if _with_break_glass(actor, [person.pk]):
        return decide_from(_with(facts, break_glass=True))
    return decide_from(_with(facts, other_partnership=outside_partnership(actor, person)))


def can_view_person(actor: Actor, person) -> bool:
    """True when `decide` allows the actor to see the person's record."""
    return decide(actor, person).allowed


def visible_in_search(actor: Actor, person) -> bool:
    """False when the person refused the actor's organisation. Otherwise True, with or
    without a relationship. What a search result may then show (and whether an unrelated
    person is listed at all) is `search_standings`' answer (ADR 0011)."""
    return search_access(actor, [person.pk]).get(person.pk) is not None


def _with(facts: AccessFacts, **changes) -> AccessFacts:
    return replace(facts, **changes)


def _person_facts(actor: Actor, person) -> AccessFacts:
    from onestory.access.models import PersonAccount

    account = (
        PersonAccount.objects.filter(user_id=actor.user_pk).values_list("person_id", "acting_as")
        if actor.user_pk is not None
        else []
    )
    own = next(iter(account), None)
    mine = own is not None and own[0] == person.pk
    return AccessFacts(
        role=actor.role,
        own_record=mine and own[1] == "self",
        representative=mine and own[1] == "representative",
    )


# ---------------------------------------------------------------------------- many people


def search_access(actor: Actor, person_ids: Iterable[int]) -> dict[int, bool | None]:
    """For search results: person pk -> whether the actor holds access (True/False), or
    None when the person must not appear at all (they refused the actor's organisation).
    A fixed number of queries whatever the number of people."""
    ids = list(person_ids)
    if not ids:
        return {}
    role = any_role_for(actor.role)
    if actor.role == "system":
        return dict.fromkeys(ids, True)
    if role is None or not role.has(Permission.VIEW_RECORD):
        return dict.fromkeys(ids, False)
    from onestory.access.models import SharingChoice

    org_choices = dict(
        SharingChoice.objects.filter(
            person_id__in=ids, organisation__code=actor.organisation, category=""
        ).values_list("person_id", "decision")
    )
    out: dict[int, bool | None] = {}
    candidates = []
    for pid in ids:
        choice = org_choices.get(pid, "")
        if choice == "refuse":
            out[pid] = None
        elif role.needs_explicit_allow and choice != "allow":
            out[pid] = False
        else:
            candidates.append(pid)
    related = _in_care_team(actor, candidates)
    related |= _with_open_episode(actor, [p for p in candidates if p not in related])
    related |= _with_break_glass(actor, [p for p in candidates if p not in related])
    away = outside(actor, [p for p in candidates if p not in related])
    for pid in candidates:
        # Another partnership's person without a relationship does not appear (ADR 0026).
        out[pid] = True if pid in related else (None if pid in away else False)
    return out


def search_standings(
    actor: Actor, person_ids: Iterable[int], *, precise: bool
) -> dict[int, tuple[str, frozenset[str]]]:
    """For search results (ADR 0011): person pk -> (how they may appear, the categories of
    service that may be named or counted for them). The standing is one of
    `access.domain.visibility`'s WITH_ACCESS, IDENTITY_ONLY, NOT_SHARED_WITH_YOU or HIDDEN;
    the categories are the role's less the sensitive ones the person refused for the
    actor's organisation (or for everyone). A fixed number of queries."""
    ids = list(person_ids)
    if not ids:
        return {}
    if actor.role == "system":
        return {pid: (WITH_ACCESS, frozenset(CATEGORIES)) for pid in ids}
    role = any_role_for(actor.role)
    if role is None or not role.has(Permission.VIEW_RECORD):
        return {pid: (HIDDEN, frozenset()) for pid in ids}
    from onestory.access.models import SharingChoice

    choices: dict[int, list[tuple[str | None, str, str]]] = {pid: [] for pid in ids}
    rows = (
        SharingChoice.objects.filter(person_id__in=ids)
        .filter(Q(organisation__isnull=True) | Q(organisation__code=actor.organisation))
        .values_list("person_id", "organisation__code", "category", "decision")
    )
    for pid, org, category, decision in rows:
        choices[pid].append((org, category, decision))
    access = search_access(actor, ids)
    away = outside(actor, [pid for pid in ids if not access.get(pid)])
    may_act = role.has(Permission.JOIN_CARE_TEAM) or role.has(Permission.BREAK_GLASS)
    out: dict[int, tuple[str, frozenset[str]]] = {}
    for pid in ids:
        org_choice = next((d for o, c, d in choices[pid] if o is not None and not c), "")
        standing = search_standing(
            has_access=bool(access.get(pid)),
            refused_by_person=org_choice == "refuse",
            needs_explicit_allow=role.needs_explicit_allow,
            allowed_by_person=org_choice == "allow",
            may_join_or_break_glass=may_act,
            precise=precise,
            other_partnership=pid in away,
        )
        refused = refused_categories(choices[pid], actor.organisation)
        out[pid] = (standing, frozenset(role.categories - refused))
    return out


def refused_organisation_people(actor: Actor):
    """A subquery of person pks who refused the actor's organisation, for excluding them
    from search before counting."""
    from onestory.access.models import SharingChoice

    return SharingChoice.objects.filter(
        organisation__code=actor.organisation, category="", decision="refuse"
    ).values("person_id")


# ---------------------------------------------------------------------------- partnerships


def outside_partnership(actor: Actor, person) -> bool:
    """True when the person belongs only to partnerships other than the actor's (ADR 0026):
    the actor may reach them only through a legitimate relationship they already hold, never
    by finding them in search, breaking glass or asking to join their care team."""
    return bool(outside(actor, [person.pk]))


def outside_partnership_records(actor: Actor, records) -> bool:
    """True when every one of these source records (a linkage review pair) is held by
    another partnership's organisations only: not for the actor's data-quality work."""
    away = other_codes(actor)
    return bool(away) and all(r.system.org_code in away for r in records)


def outside_partnership_people(actor: Actor):
    """A subquery of person pks outside the actor's partnership, for excluding them from a
    list before counting (worklists), like `refused_organisation_people`."""
    return outside_people(actor)


def partnership_people(actor: Actor):
    """A subquery of the person pks of the actor's partnership, for aggregate figures over
    its people only; None when the actor is not bound to a partnership (everyone)."""
    return own_people(actor)


def aggregate_partnership(actor: Actor, requested: str | None) -> str | None:
    """The partnership whose figures an aggregate page may show the actor: a commissioner's
    or analyst's own (ADR 0026) — asking for another's is refused, asking for none gives
    their own; an actor not bound to a partnership (the system, or an organisation with
    none) gets what they asked for (None: the whole installation)."""
    mine = actor_partnership_code(actor)
    if mine is None:
        return requested or None
    if requested and requested != mine:
        raise PermissionDenied("Figures for another partnership are not open to you.")
    return mine


def _in_care_team(actor: Actor, person_ids: list[int]) -> set[int]:
    from onestory.access.models import CareTeamMembership

    if not person_ids or not actor.organisation:
        return set()
    mine = Q(staff__isnull=True)
    if actor.user_pk is not None:
        mine |= Q(staff__user_id=actor.user_pk)
    return set(
        CareTeamMembership.objects.filter(
            mine,
            person_id__in=person_ids,
            organisation__code=actor.organisation,
            ended_at__isnull=True,
        ).values_list("person_id", flat=True)
    )


def _with_open_episode(actor: Actor, person_ids: list[int]) -> set[int]:
    """People with a GP registration at the actor's practice, or an open episode in a
    source system whose organisation code is the actor's organisation."""
    from onestory.people.models import PersonLink
    from onestory.sources.models import SourceEvent

    if not person_ids or not actor.organisation:
        return set()
    links = PersonLink.objects.filter(
        run__is_current=True,
        person_id__in=person_ids,
        record__system__org_code=actor.organisation,
    )
    found = set(links.filter(record__system__kind=GP).values_list("person_id", flat=True))
    rest = [p for p in person_ids if p not in found]
    if not rest:
        return found
    today = timezone.localdate()
    rows = (
        SourceEvent.objects.filter(
            system__org_code=actor.organisation,
            kind__in=EPISODE_KINDS,
            record__links__run__is_current=True,
            record__links__person_id__in=rest,
        )
        .values_list("record__links__person_id", "kind", "end", "status")
        .order_by()
    )
    for pid, kind, end, status in rows:
        if pid not in found and episode_is_open(kind, end, status, today):
            found.add(pid)
    return found


def _with_break_glass(actor: Actor, person_ids: list[int]) -> set[int]:
    from onestory.access.models import BreakGlassGrant

    if not person_ids or actor.user_pk is None:
        return set()
    return set(
        BreakGlassGrant.objects.filter(
            staff__user_id=actor.user_pk,
            person_id__in=person_ids,
            expires_at__gt=timezone.now(),
        ).values_list("person_id", flat=True)
    )


# ---------------------------------------------------------------------------- in queries


def decide_related(actor: Actor) -> dict[int, AccessDecision] | None:
    """Every person the actor holds access to, with the decision for each (the same rule
    as `decide`), for applying access inside a query instead of person by person over the
    whole store. None means everyone (the system itself). A fixed number of queries, each
    over the actor's own relationships (their care teams, their organisation's registered
    patients and open episodes, their break-glass grants), never over every person."""
    if actor.role == "system":
        return None
    role = any_role_for(actor.role)
    if role is None:
        return {}
    if role.has(Permission.VIEW_OWN_RECORD):
        from onestory.access.models import PersonAccount

        if actor.user_pk is None:
            return {}
        own = PersonAccount.objects.filter(user_id=actor.user_pk).values_list(
            "person_id", "acting_as"
        )
        return {
            pid: decide_from(
                AccessFacts(
                    role=actor.role,
                    own_record=acting == "self",
                    representative=acting == "representative",
                )
            )
            for pid, acting in own
        }
    if not role.has(Permission.VIEW_RECORD) or not actor.organisation:
        return {}
    candidates = _related_candidates(actor)
    care_team = _in_care_team(actor, list(candidates))
    episode = _with_open_episode(actor, [p for p in candidates if p not in care_team])
    glass = _with_break_glass(actor, [p for p in candidates if p not in care_team | episode])
    from onestory.access.models import SharingChoice

    choices: dict[int, list[tuple[str | None, str, str]]] = {}
    for pid, org, category, decision in (
        SharingChoice.objects.filter(person_id__in=list(candidates))
        .filter(Q(organisation__isnull=True) | Q(organisation__code=actor.organisation))
        .values_list("person_id", "organisation__code", "category", "decision")
    ):
        choices.setdefault(pid, []).append((org, category, decision))
    out = {}
    for pid in candidates:
        mine = choices.get(pid, [])
        org_choice = next((d for o, c, d in mine if o is not None and not c), "")
        decision = decide_from(
            AccessFacts(
                role=actor.role,
                care_team=pid in care_team,
                open_episode=pid in episode,
                break_glass=pid in glass,
                organisation_refused=org_choice == "refuse",
                organisation_allowed=org_choice == "allow",
                refused_categories=refused_categories(mine, actor.organisation),
            )
        )
        if decision.allowed:
            out[pid] = decision
    return out


def _related_candidates(actor: Actor) -> set[int]:
    """People the actor may have a relationship with: in a care team of their
    organisation, with a record or an episode at it, or under their break-glass grant."""
    from onestory.access.models import BreakGlassGrant, CareTeamMembership
    from onestory.people.models import PersonLink
    from onestory.sources.models import SourceEvent

    found = set(
        CareTeamMembership.objects.filter(
            organisation__code=actor.organisation, ended_at__isnull=True
        ).values_list("person_id", flat=True)
    )
    found |= set(
        PersonLink.objects.filter(
            run__is_current=True,
            record__system__org_code=actor.organisation,
            record__system__kind=GP,
        ).values_list("person_id", flat=True)
    )
    found |= set(
        SourceEvent.objects.filter(system__org_code=actor.organisation, kind__in=EPISODE_KINDS)
        .filter(record__links__run__is_current=True)
        .values_list("record__links__person_id", flat=True)
        .distinct()
    )
    if actor.user_pk is not None:
        found |= set(
            BreakGlassGrant.objects.filter(
                staff__user_id=actor.user_pk, expires_at__gt=timezone.now()
            ).values_list("person_id", flat=True)
        )
    return found
