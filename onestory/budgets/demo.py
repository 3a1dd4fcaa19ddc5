"""Budgets for the demo borough's example people: an indicative budget, then one budget
with an NHS and a council stream, lines tied to the goals in their plan, and a few months
of spend. Everything goes through the budget actions as the demo care coordinator, so the
demo shows exactly what the rules allow. Demo only; safe to repeat (people who already have
a budget are skipped)."""

from dataclasses import dataclass
from datetime import date, timedelta

from onestory.budgets import actions
from onestory.budgets.domain import ledger
from onestory.budgets.models import Budget, HeldAs, StreamKind
from onestory.budgets.queries import plan_goals

# Assessed needs on the default table (level 0 = no need): a frail older person living at
# home with a care package and a carer who needs a break — 27 points, £202.50 a week.
ANSWERS = {
    "personal_care": 2,
    "mobility": 2,
    "home": 1,
    "health": 1,
    "activities": 1,
    "carer": 1,
}
PERIOD_DAYS = 364


@dataclass(frozen=True)
class DemoBudgets:
    budgets: int
    spends: int


def create_demo_budgets(examples, *, today: date) -> DemoBudgets:
    """A budget for each example person whose care team includes the demo care
    coordinator (the demo puts them there)."""
    from django.contrib.auth import get_user_model

    from onestory.access.policy import actor_for_user
    from onestory.people.models import Person

    user = get_user_model().objects.filter(username="carecoordinator.demo").first()
    if user is None:
        return DemoBudgets(0, 0)
    coordinator = actor_for_user(user, "cli")
    budgets = spends = 0
    start = today - timedelta(days=91)
    for example in examples:
        person = Person.objects.get(pk=example.person_id)
        if Budget.objects.filter(person=person).exists():
            continue
        indicative = actions.calculate_indicative_budget(
            person=person, answers=ANSWERS, by=coordinator
        )
        budget = actions.create_budget(
            person=person,
            period_start=start,
            period_end=start + timedelta(days=PERIOD_DAYS),
            indicative=indicative,
            by=coordinator,
        )
        annual = indicative.annual_pence
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
            allocated_pence=annual - annual * 2 // 5,
            funder="Ashbridge Metropolitan Borough Council",
            rules="Care Act personal budget: eligible needs, commissioned by the council.",
            by=coordinator,
        )
        goals = plan_goals(person)
        goal_ref, goal_text = goals[0] if goals else ("", "")
        home_care = actions.add_line(
            stream=council,
            description="Home care: morning and teatime calls",
            planned_pence=council.allocated_pence,
            goal_ref=goal_ref,
            goal_text=goal_text,
            by=coordinator,
        )
        activity = actions.add_line(
            stream=nhs,
            description="Personal assistant for walks and appointments",
            planned_pence=nhs.allocated_pence,
            goal_ref=goals[-1][0] if goals else "",
            goal_text=goals[-1][1] if goals else "",
            by=coordinator,
        )
        for month in range(3):
            on = start + timedelta(days=30 * month + 28)
            actions.record_spend(
                stream=council,
                kind=ledger.INVOICE,
                amount_pence=home_care.planned_pence // 13,
                on=on,
                description=f"Home care invoice, month {month + 1}",
                line=home_care,
                by=coordinator,
            )
            actions.record_spend(
                stream=nhs,
                kind=ledger.PAYMENT,
                amount_pence=activity.planned_pence // 12,
                on=on,
                description=f"Personal assistant, month {month + 1}",
                line=activity,
                by=coordinator,
            )
            spends += 2
        budgets += 1
    return DemoBudgets(budgets, spends)
