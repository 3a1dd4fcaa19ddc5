"""Budgets for the demo borough's example people: an indicative budget from needs read off
their record, then one budget with an NHS and a council stream (the council's pays for the
service their record shows, at its weekly cost), lines tied to the goals in their plan, and
a few months of spend. Everything goes through the budget actions as the demo care coordinator, so the
demo shows exactly what the rules allow. Demo only; safe to repeat (people who already have
a budget are skipped)."""

from dataclasses import dataclass
from datetime import date, timedelta

from onestory.budgets import actions
from onestory.budgets.domain import ledger
from onestory.budgets.models import Budget, HeldAs, StreamKind
from onestory.budgets.queries import plan_goals

PERIOD_DAYS = 364


@dataclass(frozen=True)
class DemoBudgets:
    budgets: int
    spends: int
    already: int = 0  # example people who had a budget from an earlier run


def _goal(goals: list[tuple[str, str]], i: int) -> tuple[str, str]:
    """The plan's i-th goal (reference, text), or the last one, or none."""
    return goals[min(i, len(goals) - 1)] if goals else ("", "")


def create_demo_budgets(examples, *, today: date) -> DemoBudgets:
    """A budget for each example person whose care team includes the demo care
    coordinator (the demo puts them there)."""
    from django.contrib.auth import get_user_model

    from onestory.access.policy import actor_for_user
    from onestory.people.models import Person
    from onestory.planning.demo import person_profile
    from onestory.planning.demo_story import budget_lines, needs_answers

    user = get_user_model().objects.filter(username="carecoordinator.demo").first()
    if user is None:
        return DemoBudgets(0, 0)
    coordinator = actor_for_user(user, "cli")
    budgets = spends = already = 0
    start = today - timedelta(days=91)
    for example in examples:
        person = Person.objects.get(pk=example.person_id)
        if Budget.objects.filter(person=person).exists():
            already += 1
            continue
        profile = person_profile(person, today)
        indicative = actions.calculate_indicative_budget(
            person=person, answers=needs_answers(profile), by=coordinator
        )
        budget = actions.create_budget(
            person=person,
            period_start=start,
            period_end=start + timedelta(days=PERIOD_DAYS),
            indicative=indicative,
            by=coordinator,
        )
        annual = indicative.annual_pence
        # The council pays for the service the record shows, at its weekly cost, when known.
        weekly = profile.weekly_cost_pence
        council_pence = weekly * 52 if weekly else annual - annual * 2 // 5
        nhs = actions.add_stream(
            budget=budget,
            kind=StreamKind.PERSONALISED_CARE,
            held_as=HeldAs.DIRECT_PAYMENT,
            allocated_pence=annual * 2 // 5,
            funder="Ashbridge Integrated Care Board",
            rules="Personal health budget: spent on what the plan agrees for health outcomes.",
            by=coordinator,
        )
        council = actions.add_stream(
            budget=budget,
            kind=StreamKind.COUNCIL,
            held_as=HeldAs.NOTIONAL,
            allocated_pence=council_pence,
            funder="Ashbridge Metropolitan Borough Council",
            rules="Care Act personal budget: eligible needs, commissioned by the council.",
            by=coordinator,
        )
        goals = plan_goals(person)
        council_line, nhs_line = budget_lines(profile)

        home_care = actions.add_line(
            stream=council,
            description=council_line.description,
            planned_pence=council.allocated_pence,
            goal_ref=_goal(goals, council_line.goal)[0],
            goal_text=_goal(goals, council_line.goal)[1],
            by=coordinator,
        )
        activity = actions.add_line(
            stream=nhs,
            description=nhs_line.description,
            planned_pence=nhs.allocated_pence,
            goal_ref=_goal(goals, nhs_line.goal)[0],
            goal_text=_goal(goals, nhs_line.goal)[1],
            by=coordinator,
        )
        for month in range(3):
            on = start + timedelta(days=30 * month + 28)
            actions.record_spend(
                stream=council,
                kind=ledger.INVOICE,
                amount_pence=home_care.planned_pence // 13,
                on=on,
                description=f"{council_line.description.split(':')[0]} invoice, month {month + 1}",
                line=home_care,
                by=coordinator,
            )
            actions.record_spend(
                stream=nhs,
                kind=ledger.PAYMENT,
                amount_pence=activity.planned_pence // 12,
                on=on,
                description=f"{nhs_line.description}, month {month + 1}",
                line=activity,
                by=coordinator,
            )
            spends += 2
        budgets += 1
    return DemoBudgets(budgets, spends, already)
