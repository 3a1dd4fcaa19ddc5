"""`onestory migrate`, `onestory serve` and `onestory demo`: the commands, every step of
the demo in order, and what it prints."""

import time
from collections import defaultdict
from pathlib import Path

from onestory.demo.borough import generate_borough, import_borough, link_borough, migrate
from onestory.demo.common import (
    DemoLogin,
    ExamplePerson,
    PersonLogin,
    _require_demo_environment,
    demo_actor,
)
from onestory.demo.staff import create_demo_logins, create_demo_relationships, example_people


def register(sub):
    p = sub.add_parser("migrate", help="apply database migrations")
    p.set_defaults(handler=_migrate, needs_database=False)

    p = sub.add_parser("serve", help="serve OneStory (waitress, static files included)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    p.add_argument("--threads", type=int, default=4, help="worker threads (4)")
    p.set_defaults(handler=_serve)

    p = sub.add_parser(
        "demo", help="build a synthetic borough in the database, with demo logins (demo only)"
    )
    p.add_argument("--people", type=int, default=3000, help="how many people (default 3000)")
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument(
        "--out", type=Path, default=Path("var/demo-borough"), help="where the extracts go"
    )
    p.set_defaults(handler=_demo, needs_database=False)  # it migrates as its first step


# --- migrate and serve ----------------------------------------------------------------------


def _migrate(args) -> int:
    migrate()
    return 0


def _serve(args) -> int:
    import waitress

    from onestory.wsgi import application

    print(f"OneStory is serving on http://{args.host}:{args.port}/  (Ctrl+C stops it)", flush=True)
    waitress.serve(application, host=args.host, port=args.port, threads=args.threads)
    return 0


# --- the demo -------------------------------------------------------------------------------


def login_lines(logins: list[DemoLogin]) -> list[str]:
    """The demo logins grouped by organisation, one login per line, within 80 columns: the
    usernames and the password are typed in, so they are never shortened or wrapped."""
    lines = []
    passwords = sorted({x.password for x in logins})
    if len(passwords) == 1:
        lines.append(f"Demo logins (demo only), every one with the password {passwords[0]}:")
    else:
        lines.append("Demo logins (demo only):")
    width = max((len(x.username) for x in logins), default=0)
    by_org: dict[str, list[DemoLogin]] = defaultdict(list)
    for login in logins:
        by_org[login.organisation].append(login)
    for organisation, members in by_org.items():
        lines.append(f"  {organisation}")
        for login in members:
            role = login.role.replace("_", " ")
            extra = f"  password {login.password}" if len(passwords) > 1 else ""
            lines.append(f"    {login.username:<{width}}  {role}{extra}")
    return lines


def _print_logins(logins: list[DemoLogin]) -> None:
    print("\n".join(login_lines(logins)))


def _print_person_logins(logins: list[PersonLogin]) -> None:
    from rich.console import Console
    from rich.table import Table

    if not logins:
        return
    table = Table(title="Person portal sign-ins at /me/login/ (demo only)")
    for column in ("username", "password", "their record"):
        table.add_column(column, no_wrap=True)
    for login in logins:
        table.add_row(login.username, login.password, login.name)
    Console().print(table)


def _print_examples(people: list[ExamplePerson]) -> None:
    from rich.console import Console
    from rich.table import Table

    if not people:
        print("No person is linked across four or more systems yet.")
        return
    table = Table(title="People to search for (synthetic)")
    for column in ("name", "date of birth", "systems", "timeline entries"):
        table.add_column(column)
    for p in people:
        dob = p.date_of_birth.strftime("%d/%m/%Y") if p.date_of_birth else "unknown"
        table.add_row(p.name, dob, str(p.systems), str(p.events))
    Console().print(table)


def _import_both(out: Path, *, by):
    """The borough's extracts, then the neighbouring partnership's small one (so that one
    linkage run covers both); the borough's result is what the demo reports."""
    from onestory.demo.neighbour import import_neighbour

    result = import_borough(out, by=by)
    import_neighbour(out, by=by)
    return result


def run_demo(*, people: int, seed: int, out: Path, quiet: bool = False) -> dict:
    """Every step of `onestory demo`, in order; returns what each step did."""
    _require_demo_environment()
    actor = demo_actor()
    timings = {}

    def step(name, fn):
        started = time.perf_counter()
        if not quiet:
            print(f"-> {name} …", flush=True)
        result = fn()
        timings[name] = time.perf_counter() - started
        if not quiet:
            print(f"   {name}: {timings[name]:.1f}s", flush=True)
        return result

    step("migrate", lambda: migrate(verbosity=0))
    generated = step(
        "generate", lambda: generate_borough(out, people=people, seed=seed, quiet=quiet)
    )
    imported = step("import", lambda: _import_both(out, by=actor))
    linked = step("link", lambda: link_borough(by=actor))
    logins = step("logins", lambda: create_demo_logins(by=actor))
    from onestory.places.demo import create_demo_places

    places = create_demo_places(by=actor)
    from onestory.demo.neighbour import create_neighbour

    neighbour = create_neighbour(out, by=actor)
    examples = example_people(by=actor)
    person_logins = create_demo_relationships(examples, by=actor)
    from onestory.planning.demo import create_demo_plans

    plans = create_demo_plans(examples, by=actor)
    from django.utils import timezone

    from onestory.budgets.demo import create_demo_budgets

    budgets = create_demo_budgets(examples, today=timezone.localdate())
    from onestory.sharedlives.demo import create_demo_scheme

    shared_lives = create_demo_scheme(examples, today=timezone.localdate())
    from onestory.bcf.demo import create_demo_plan

    bcf_plan = create_demo_plan(today=timezone.localdate())
    from onestory.market.demo import create_demo_market

    market = create_demo_market(today=timezone.localdate())
    from onestory.initiatives.demo import create_demo_initiative

    initiative = create_demo_initiative(by=actor)
    from onestory.national.demo import create_demo_national

    national = step("national", lambda: create_demo_national(out, by=actor))
    return {
        "national": national,
        "initiative": initiative,
        "bcf_plan": bcf_plan,
        "market": market,
        "plans": plans,
        "budgets": budgets,
        "shared_lives": shared_lives,
        "places": places,
        "neighbour": neighbour,
        "person_logins": person_logins,
        "generated": generated,
        "imported": imported,
        "linked": linked,
        "logins": logins,
        "examples": examples,
        "timings": timings,
    }


def _demo(args) -> int:
    result = run_demo(people=args.people, seed=args.seed, out=args.out)
    if not result["generated"]:
        print(f"(the borough in {args.out} was already generated for seed {args.seed})")
    totals = result["imported"].totals()
    print(
        f"Imported: {totals['read']:,} rows read, {totals['imported']:,} stored, "
        f"{totals['unchanged']:,} unchanged, {totals['quarantined']:,} quarantined."
    )
    if result["linked"] is None:
        print("(the person index was already up to date)")
    else:
        stats = result["linked"].stats
        print(
            f"Linked: {stats.get('records', 0):,} source records into "
            f"{stats.get('people', 0):,} people (run {result['linked'].version})."
        )
    plans = result["plans"]
    print(
        f"Care plans: {plans.plans:,} ({plans.own_words:,} statements in people's own words, "
        f"{plans.on_behalf:,} by a representative, {plans.drafts:,} drafts to confirm)."
    )
    budgets = result["budgets"]
    if budgets.budgets:
        print(
            f"Budgets: {budgets.budgets} example people with an NHS and a council stream, "
            f"{budgets.spends} payments and invoices recorded."
        )
    elif budgets.already:
        print(f"Budgets: already in place for the {budgets.already} example people.")
    else:
        print("Budgets: none made (the demo care coordinator's login is missing).")
    scheme = result["shared_lives"]
    if scheme.already:
        print(
            f"Shared Lives: already in place ({scheme.carers} carers, {scheme.referrals} referrals)."
        )
    elif scheme.carers:
        print(
            f"Shared Lives: {scheme.carers} carers (socialworker.demo runs the scheme), "
            f"{scheme.referrals} example people referred."
        )
    else:
        print("Shared Lives: none made (the demo social worker's login is missing).")
    places = result["places"]
    state = "already in place" if not places.created else "set up"
    print(f"Places: one partnership with two localities, {state} (onestory places list).")
    neighbour = result["neighbour"]
    print(
        f"Neighbouring partnership: {neighbour.partnership} with {neighbour.people} people of "
        "its own, seen only by its own staff"
        + (
            f"; {neighbour.across_the_boundary} is in one's care team across the boundary."
            if neighbour.across_the_boundary
            else "."
        )
    )
    bcf_plan = result["bcf_plan"]
    if bcf_plan.already:
        print("Better Care Fund plan: already in place for the partnership.")
    elif bcf_plan.schemes:
        print(
            f"Better Care Fund plan: a section 75 agreement for ASH with {bcf_plan.schemes} "
            "schemes and a quarter's spend (commissioner.demo keeps it)."
        )
    market = result["market"]
    if market.already:
        print(f"Care market: already in place ({market.providers} providers).")
    elif market.providers:
        print(
            f"Care market: {market.providers} providers with their services and "
            f"{market.contracts} contracts (commissioner.demo keeps it, at /market/)."
        )
    initiative = result["initiative"]
    if initiative.name:
        state = "added" if initiative.created else "already in the register"
        print(f"Initiatives: {initiative.name}, {state} (analyst.demo can evaluate it).")
    national = result["national"]
    if national.already:
        print("National view: already in place (national.demo compares the nation's places).")
    else:
        print(
            f"National view: {national.created:,} published indicators from a synthetic nation "
            "of three partnerships (national.demo compares them at /national/)."
        )
    print(
        "Integration models: Ashbridge and Brookvale each have two versions (their "
        "commissioners record changes at /integration-model/)."
    )
    _print_logins(result["logins"] + neighbour.logins)
    _print_examples(result["examples"])
    _print_person_logins(result["person_logins"])
    from django.db import connection

    db = connection.settings_dict
    where = f"{db['NAME']} on {db['HOST']}" if db.get("HOST") else str(db["NAME"])
    from onestory.casework.demo import create_demo_mdt

    mdt = create_demo_mdt(by=demo_actor())
    if mdt.meeting_id is None and mdt.note == "the demo caseload already exists":
        print("MDT: the demo caseload and meeting are already in place.")
    else:
        print(
            f"MDT: {mdt.people_scored:,} people scored, {mdt.taken_on} taken onto the caseload "
            f"(gp.demo leads, carecoordinator.demo coordinates)"
            + (f"; {mdt.note}" if mdt.note else "")
        )
    print(f"The data is in {where}. Serve it with: onestory serve (make demo does).")
    return 0
