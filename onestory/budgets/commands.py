"""`onestory who-pays`: the three policy scenarios for one person, as JSON or a summary."""

import argparse
import json
import sys
from decimal import Decimal

from onestory.budgets.domain.money import pence_to_pounds, pounds_to_pence
from onestory.budgets.domain.rates import PENSION_CREDIT_AGE
from onestory.budgets.domain.scenarios import (
    SCENARIO_LABELS,
    SCENARIOS,
    Projection,
    Situation,
    project,
)

DEFAULT_WEEKS = 260


def register(sub) -> None:
    p = sub.add_parser(
        "who-pays",
        help="who pays for care: current rules, 2021 cap and 2017 floor, week by week",
        description="Project what the person and the council pay each week under the current "
        "rules (Care Act 2014), the 2021 reform (£86,000 cap) and the 2017 proposal "
        "(£100,000 floor). Money in pounds.",
    )
    p.add_argument("--capital", required=True, type=_pounds, help="savings and other capital")
    p.add_argument("--property", required=True, type=_pounds, help="value of the main home")
    p.add_argument("--weekly-income", required=True, type=_pounds)
    p.add_argument("--weekly-cost", required=True, type=_pounds, help="cost of care a week")
    p.add_argument("--setting", required=True, choices=("home", "care_home"))
    p.add_argument(
        "--age",
        type=int,
        default=PENSION_CREDIT_AGE,
        help=f"picks the minimum income guarantee band (default {PENSION_CREDIT_AGE})",
    )
    p.add_argument(
        "--partner-in-home",
        action="store_true",
        help="a partner or qualifying relative lives in the home (it is disregarded)",
    )
    p.add_argument("--weeks", type=int, default=DEFAULT_WEEKS)
    p.add_argument("--scenario", choices=(*SCENARIOS, "all"), default="all")
    p.add_argument("--json", action="store_true", help="print the projection as JSON")
    p.set_defaults(handler=_who_pays, needs_django=False, parser=p)


def _pounds(text: str) -> int:
    try:
        pence = pounds_to_pence(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if pence < 0:
        raise argparse.ArgumentTypeError("money cannot be negative")
    return pence


def _who_pays(args) -> int:
    if args.weeks < 1 or args.age < 18:
        args.parser.error("--weeks must be at least 1 and --age at least 18")
    situation = Situation(
        capital=args.capital,
        property=args.property,
        weekly_income=args.weekly_income,
        weekly_cost=args.weekly_cost,
        setting=args.setting,
        age=args.age,
        partner_in_home=args.partner_in_home,
    )
    names = SCENARIOS if args.scenario == "all" else (args.scenario,)
    projections = {name: project(situation, name, args.weeks) for name in names}
    if args.json:
        sys.stdout.write(to_json(projections) + "\n")
    else:
        sys.stdout.write(summary(projections))
    return 0


def as_document(projections: dict[str, Projection]) -> dict:
    """The JSON document: money as Decimal pounds with two decimal places."""
    return {
        "scenarios": {
            name: {
                "person_total": pence_to_pounds(p.person_total),
                "council_total": pence_to_pounds(p.council_total),
                "capital_left": pence_to_pounds(p.capital_left),
                "limit_reached_week": p.limit_reached_week,
                "cap_reached_week": p.cap_reached_week,
                "weeks": [
                    {
                        "week": w.week,
                        "person": pence_to_pounds(w.person),
                        "council": pence_to_pounds(w.council),
                        "capital": pence_to_pounds(w.capital),
                    }
                    for w in p.weeks
                ],
            }
            for name, p in projections.items()
        }
    }


def to_json(projections: dict[str, Projection]) -> str:
    """The projection as JSON, money written as numbers with exactly two decimals
    (json.dumps would turn a Decimal into a float and drop the trailing zero)."""
    return _emit(as_document(projections))


def _emit(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_emit(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_emit(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return json.dumps(value)


def summary(projections: dict[str, Projection]) -> str:
    lines = []
    for name, p in projections.items():
        lines.append(
            f"{SCENARIO_LABELS[name]}: person £{pence_to_pounds(p.person_total):,}, "
            f"council £{pence_to_pounds(p.council_total):,}, "
            f"capital left £{pence_to_pounds(p.capital_left):,}, "
            f"limit reached week {p.limit_reached_week or '-'}, "
            f"cap reached week {p.cap_reached_week or '-'}"
        )
    return "\n".join(lines) + "\n"
