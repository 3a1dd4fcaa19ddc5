"""Reads of the initiative register, evaluation runs and lived experience. Aggregates only
(VIEW_AGGREGATES): no page built from these names a person, and every count shown passes
through small-number suppression (`commissioning.domain.suppression`). The one read about
a person — may this actor enter their survey? — asks `access.policy.decide`."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404

from onestory.access.domain.roles import Permission
from onestory.access.policy import aggregate_partnership, decide, has_permission, require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.commissioning.domain.suppression import is_small, suppress_total
from onestory.initiatives.domain import quarters, register, survey
from onestory.initiatives.models import EvaluationRun, Initiative, SurveyResponse


def facts(i: Initiative) -> register.Facts:
    return register.Facts(
        name=i.name,
        aims=i.aims,
        learned=i.learned,
        kind=i.kind,
        status=i.status,
        decision=i.decision,
        localities=frozenset(p.locality.code for p in i.places.all()),
        indicators=frozenset(i.indicators or []),
    )


def search_register(s: register.Search, *, by: Actor) -> list[Initiative]:
    """The initiatives matching the search, newest first, with their places and runs."""
    require(by, Permission.VIEW_AGGREGATES)
    rows = list(
        Initiative.objects.prefetch_related("places__locality", "evaluations").order_by(
            "-starts_on", "name"
        )
    )
    found = register.search(((i, facts(i)) for i in rows), s)
    record_event(
        by=by,
        action="initiative.register_searched",
        detail={"filtered": not s.empty, "found": len(found), "of": len(rows)},
    )
    return found


def get_initiative(external_id, *, by: Actor) -> Initiative:
    require(by, Permission.VIEW_AGGREGATES)
    found = (
        Initiative.objects.prefetch_related("places__locality", "evaluations")
        .filter(external_id=external_id)
        .first()
    )
    if found is None:
        raise Http404("No such initiative.")
    return found


def get_run(external_id, *, by: Actor) -> EvaluationRun:
    require(by, Permission.VIEW_AGGREGATES)
    run = EvaluationRun.objects.select_related("initiative").filter(external_id=external_id).first()
    if run is None:
        raise Http404("No such evaluation run.")
    record_event(
        by=by,
        action="initiative.evaluation_viewed",
        detail={"run": str(run.external_id), "initiative": str(run.initiative.external_id)},
    )
    return run


def shown_people(n: int | None) -> int | None:
    """People reached as shown: None (fewer than 8) for 1-7."""
    return None if n is None else suppress_total(n)


# ------------------------------------------------------------------------ lived experience


def person_localities() -> dict[int, str]:
    """Each person's locality (their GP practice's, ADR 0017) in the current linkage run,
    leaving out people who opted out of secondary use."""
    from onestory.access.queries import people_opted_out
    from onestory.people.models import PersonLink
    from onestory.places.queries import practice_places

    places = practice_places()
    out: dict[int, str] = {}
    rows = (
        PersonLink.objects.filter(run__is_current=True, record__system__kind="gp")
        .exclude(person_id__in=people_opted_out())
        .values_list("person_id", "record__system__org_code")
        .order_by("record_id")
    )
    for person_id, ods in rows:
        if ods in places and person_id not in out:
            out[person_id] = places[ods].locality
    return out


@dataclass(frozen=True)
class Share:
    """n of d, shown as a percentage; None values are suppressed (1-7)."""

    numerator: int | None
    denominator: int | None
    pct: float | None


def _share(n: int, d: int) -> Share:
    if d == 0:
        return Share(0, 0, None)
    if is_small(d) or is_small(n) or is_small(d - n):
        return Share(None if is_small(n) else n, None if is_small(d) else d, None)
    return Share(n, d, 100.0 * n / d)


@dataclass(frozen=True)
class PlaceQuarter:
    locality: str
    quarter: str
    own_words: Share  # plan statements changed in the quarter that are in the person's words
    goals_met: Share  # goals reviewed in the quarter that were achieved
    survey_responses: int | None
    survey: list[survey.QuestionFigure]

    @property
    def shares(self) -> tuple[Share, Share]:
        return (self.own_words, self.goals_met)


def lived_experience(
    *, by: Actor, localities: list[str], quarter_list: list[str]
) -> list[PlaceQuarter]:
    """For each locality and quarter: the share of plan statements in people's own words
    (the plans report's rule, `planning.domain.provenance.voice`, for statements written or
    changed in the quarter), the share of goals reviewed in the quarter that were met, and
    the survey answers given in the quarter; all suppressed. Audited with counts only."""
    from onestory.planning.domain import provenance
    from onestory.planning.models import GoalProgress, PlanStatement, Progress

    require(by, Permission.VIEW_AGGREGATES)
    own = aggregate_partnership(by, None)  # a commissioner's own partnership (ADR 0026)
    if own:
        from onestory.places.queries import localities as own_localities

        mine = {loc.code for loc in own_localities(own)}
        localities = [code for code in localities if code in mine]
    where = person_localities()
    wanted = set(localities)
    qset = set(quarter_list)
    words: dict[tuple[str, str], list[int]] = {}
    for s in PlanStatement.objects.filter(plan__person_id__in=list(where)).select_related("plan"):
        key = (where[s.plan.person_id], quarters.of(s.updated_at.date()))
        if key[0] in wanted and key[1] in qset:
            cell = words.setdefault(key, [0, 0])
            cell[1] += 1
            cell[0] += provenance.voice(s.as_domain()) == provenance.OWN_WORDS
    goals: dict[tuple[str, str], list[int]] = {}
    for person_id, held_on, progress in GoalProgress.objects.filter(
        review__plan__person_id__in=list(where)
    ).values_list("review__plan__person_id", "review__held_on", "progress"):
        key = (where[person_id], quarters.of(held_on))
        if key[0] in wanted and key[1] in qset:
            cell = goals.setdefault(key, [0, 0])
            cell[1] += 1
            cell[0] += progress == Progress.ACHIEVED
    answers: dict[tuple[str, str], list[dict]] = {}
    for person_id, on, given in SurveyResponse.objects.filter(
        person_id__in=list(where)
    ).values_list("person_id", "answered_on", "answers"):
        key = (where[person_id], quarters.of(on))
        if key[0] in wanted and key[1] in qset:
            answers.setdefault(key, []).append(given)
    out = []
    for loc in localities:
        for q in quarter_list:
            w = words.get((loc, q), [0, 0])
            g = goals.get((loc, q), [0, 0])
            a = answers.get((loc, q), [])
            out.append(
                PlaceQuarter(
                    locality=loc,
                    quarter=q,
                    own_words=_share(w[0], w[1]),
                    goals_met=_share(g[0], g[1]),
                    survey_responses=suppress_total(len(a)),
                    survey=survey.aggregate(a),
                )
            )
    record_event(
        by=by,
        action="initiative.lived_experience_viewed",
        detail={"localities": len(localities), "quarters": len(quarter_list)},
    )
    return out


# ------------------------------------------------------------------------------- surveys


def check_survey_access(person, *, by: Actor) -> None:
    """Staff with a record role and a legitimate relationship the person has not refused
    may enter the person's survey; the person (or their representative) their own. Anyone
    else: PermissionDenied, audited as record.denied."""
    from onestory.access.queries import denied

    own = has_permission(by, Permission.VIEW_OWN_RECORD)
    staff = has_permission(by, Permission.VIEW_RECORD)
    decision = decide(by, person)
    if by.role == "system" or ((own or staff) and decision.allowed):
        return
    denied(
        by,
        person,
        attempted="survey",
        reason=decision.reason or ("refused" if decision.refused_by_person else "no_permission"),
    )
    raise PermissionDenied("You do not have a relationship with this person that lets you do this.")


def survey_count(person, *, by: Actor) -> int:
    check_survey_access(person, by=by)
    return SurveyResponse.objects.filter(person=person).count()


def quarters_around(start: str, before: int = 4, after: int = 4) -> list[str]:
    """The quarters from `before` before `start` to `after` after it (start included)."""
    first = quarters.first_day(start)
    y, m = first.year, first.month
    lo_index = (y * 4 + (m - 1) // 3) - before
    hi_index = (y * 4 + (m - 1) // 3) + after
    lo = f"{lo_index // 4}Q{lo_index % 4 + 1}"
    hi = f"{hi_index // 4}Q{hi_index % 4 + 1}"
    return quarters.span(lo, hi)


def today() -> date:
    from django.utils import timezone

    return timezone.localdate()
