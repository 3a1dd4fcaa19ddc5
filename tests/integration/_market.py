"""Builders shared by the care market and pooled budget tests."""

from datetime import date, timedelta

from django.utils import timezone

from onestory.access.policy import actor_for_user
from onestory.audit.domain.actor import Actor
from onestory.budgets import actions as budgets
from onestory.market import actions
from tests import factories as f

COUNCIL = ("E08000035", "Leeds City Council", "adult_social_care")
ICB = ("QWO", "West Yorkshire ICB", "commissioner")


def commissioner(username="comm"):
    return f.user(username, role="commissioner", org=f.organisation(*ICB))


def analyst(username="analyst"):
    return f.user(username, role="analyst", org=f.organisation(*ICB))


def coordinator(username="cc"):
    return f.user(username, role="care_coordinator", org=f.organisation(*COUNCIL))


def service(by_user, *, record_code="Home care", org="E08000035", **values):
    by = actor_for_user(by_user)
    provider = actions.create_provider(values={"name": "Ashbridge Home Care Ltd"}, by=by)
    return actions.create_service(
        provider=provider,
        values={
            "name": "Home support",
            "service_type": "home_care",
            "capacity": 100,
            "vacancies": 10,
            "unit_price_pence": 24_50,
            "unit": "hour",
            "record_code": record_code,
            "record_org_code": org,
            **values,
        },
        by=by,
    )


def service_users(
    n, *, component="Home care", org="E08000035", reason="Physical Support", end=None
):
    """`n` linked people, each with an open adult social care service of `component`."""
    system = f.source_system("adult_social_care", org, "Leeds City Council")
    people = []
    for i in range(n):
        record = f.source_record(system, given_name="Uma", family_name=f"User{i}")
        f.source_event(
            record,
            kind="service",
            category="social_care",
            title=component,
            start=timezone.localdate() - timedelta(days=30),
            end=end,
            details={"service_component": component, "primary_support_reason": reason},
        )
        people.append(f.linked_person(record))
    return people


def budget_person(coordinator_user, *, allocated=5_000_00, related=True, family="Oldroyd"):
    """A person with a council stream in a budget covering today, whose budget the
    coordinator holds (care team) unless `related` is False."""
    record = f.source_record(
        f.source_system("adult_social_care", COUNCIL[0], COUNCIL[1]),
        given_name="Margaret",
        family_name=family,
    )
    person = f.linked_person(record)
    system = Actor.system("tests")
    today = timezone.localdate()
    budget = budgets.create_budget(
        person=person,
        period_start=date(today.year, 1, 1),
        period_end=date(today.year + 1, 1, 1),
        by=system,
    )
    stream = budgets.add_stream(
        budget=budget,
        kind="council",
        held_as="notional",
        allocated_pence=allocated,
        funder="Leeds City Council",
        by=system,
    )
    if related:
        f.care_team(person, coordinator_user, reason="Care coordinator")
    return person, stream
