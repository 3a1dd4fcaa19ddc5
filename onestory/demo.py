"""`onestory migrate`, `onestory serve` and `onestory demo`.

`onestory demo` builds a whole synthetic borough in the configured database, step by step,
each step safe to repeat: migrate; generate the extracts (unless the directory already holds
that borough); import them; link them into people; create the demo organisations and one
login per role. It then prints the logins and a few people worth searching for. Names and
dates of birth are printed to the terminal for the person running the demo (all synthetic);
they never go through `logging`.
"""

import argparse
import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

# The one password every demo login shares: shown on screen by `onestory demo`. Demo only:
# `create_demo_logins` refuses to run outside ONESTORY_ENV=demo (or the tests).
DEMO_PASSWORD = "onestory-demo"
COMMISSIONER_CODE = "DEMO-ICB"
COMMISSIONER_NAME = "Demo Borough Health and Care Partnership (commissioner)"

# SourceSystem.kind -> OrganisationKind value.
ORGANISATION_KIND_FOR_SOURCE = {
    "gp": "gp_practice",
    "acute": "acute_trust",
    "mental_health": "mental_health_trust",
    "community": "community_provider",
    "adult_social_care": "adult_social_care",
    "childrens_services": "childrens_services",
    "housing": "housing",
    "voluntary": "voluntary",
}

# One login per role: (username, role code, source kind of the organisation they work in,
# job title). `None` for the kind means the commissioner.
DEMO_STAFF = (
    ("gp.demo", "gp", "gp", "GP partner"),
    ("nurse.demo", "nurse", "community", "District nurse"),
    ("socialworker.demo", "social_worker", "adult_social_care", "Social worker"),
    ("carecoordinator.demo", "care_coordinator", "adult_social_care", "Care coordinator"),
    ("mentalhealth.demo", "mental_health_worker", "mental_health", "Community psychiatric nurse"),
    ("housing.demo", "housing_officer", "housing", "Tenancy sustainment officer"),
    ("voluntary.demo", "voluntary_worker", "voluntary", "Social prescribing link worker"),
    ("dq.demo", "data_quality_officer", None, "Data-quality officer"),
    ("commissioner.demo", "commissioner", None, "Commissioning manager"),
    ("analyst.demo", "analyst", None, "Population health analyst"),
    ("national.demo", "national_analyst", None, "National integration analyst"),
    # The GP practice's privacy lead reviews the GP login's break-glass access.
    ("privacy.demo", "privacy_lead", "gp", "Practice privacy lead"),
    ("admin.demo", "administrator", None, "System administrator"),
)

# Synthetic first and last names for the demo logins, shown to people in "who has looked
# at my record" with the job title above.
DEMO_STAFF_NAMES = {
    "gp.demo": ("Owen", "Gupta"),
    "nurse.demo": ("Grace", "Adeyemi"),
    "socialworker.demo": ("Priya", "Shah"),
    "carecoordinator.demo": ("Tom", "Whitaker"),
    "mentalhealth.demo": ("Niamh", "Byrne"),
    "housing.demo": ("Daniel", "Okafor"),
    "voluntary.demo": ("Helen", "Marsh"),
    "dq.demo": ("Sam", "Lowe"),
    "commissioner.demo": ("Rachel", "Iqbal"),
    "analyst.demo": ("Ben", "Carter"),
    "national.demo": ("Aisha", "Patel"),
    "privacy.demo": ("Fatima", "Hussain"),
    "admin.demo": ("Chris", "Ellis"),
}


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


def migrate(verbosity: int = 1) -> None:
    """Apply every pending migration to the configured database."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


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


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    organisation: str


@dataclass(frozen=True)
class PersonLogin:
    """A person-portal sign-in for one of the example people (demo only)."""

    username: str
    password: str
    name: str
    acting_as: str


@dataclass(frozen=True)
class ExamplePerson:
    person_id: int
    name: str
    date_of_birth: date | None
    systems: int
    events: int


def _require_demo_environment() -> None:
    from django.conf import settings

    if settings.ENV not in {"demo", "test"}:
        raise SystemExit(
            "Refusing: demo logins share a published password. "
            "Run with ONESTORY_ENV=demo (make demo does)."
        )


def demo_actor():
    from onestory.audit.domain.actor import Actor

    return Actor.system("demo", channel="cli")


def borough_is_generated(
    out: Path, *, people: int, seed: int, error_rate: float | None = None
) -> bool:
    """True when `out` already holds the extracts for this seed and size (and error rate,
    when given): its manifest says so, and every file the manifest lists is there."""
    manifest_path = out / "manifest.json"
    if not manifest_path.is_file():
        return False
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if manifest.get("seed") != seed or manifest.get("people") != people:
        return False
    if error_rate is not None and manifest.get("error_rate") != error_rate:
        return False
    files = manifest.get("files") or {}
    names = files.keys() if isinstance(files, dict) else [_file_name(f) for f in files]
    return all((out / name).is_file() for name in names)


def _file_name(entry) -> str:
    return entry if isinstance(entry, str) else entry.get("name", "")


def generate_borough(
    out: Path, *, people: int, seed: int, error_rate: float = 0.002, quiet: bool = True
) -> bool:
    """Write the synthetic borough's extracts into `out` unless it already holds them.
    Returns True when it generated them. `quiet=False` shows `onestory synth`'s progress bar
    and summary."""
    if borough_is_generated(out, people=people, seed=seed, error_rate=error_rate):
        return False
    out.mkdir(parents=True, exist_ok=True)
    if quiet:
        from onestory.synthetic import generate

        generate(people, seed, out, error_rate)
        return True
    from onestory.synthetic.cli import run

    code = run(argparse.Namespace(people=people, seed=seed, out=out, error_rate=error_rate))
    if code:
        raise SystemExit(f"generating the borough failed (exit {code})")
    return True


def import_borough(out: Path, *, by):
    """Import every extract in `out` (idempotent: unchanged rows are counted, not rewritten)."""
    from onestory.sources.actions import import_path

    return import_path(out, by=by)


def linkage_is_current() -> bool:
    """True when the current linkage run started after every import that changed a row."""
    from onestory.people.models import LinkageRun
    from onestory.sources.models import ImportFile

    current = LinkageRun.objects.filter(is_current=True).first()
    if current is None:
        return False
    # Quarantined rows never reach linkage, so only imports that stored a row count.
    return not ImportFile.objects.filter(
        imported_at__gte=current.started_at, rows_imported__gt=0
    ).exists()


def link_borough(*, by, force: bool = False):
    """Run the person index unless the current run already covers every import."""
    if not force and linkage_is_current():
        return None
    from onestory.people.actions import run_linkage

    return run_linkage(by=by)


def create_demo_organisations(*, by) -> dict[str, object]:
    """One organisation per source system imported, plus the commissioner. Returns them by
    organisation code."""
    from onestory.access.actions import create_organisation
    from onestory.access.models import OrganisationKind
    from onestory.sources.models import SourceSystem

    orgs = {}
    for system in SourceSystem.objects.order_by("kind", "org_code"):
        kind = ORGANISATION_KIND_FOR_SOURCE.get(system.kind)
        if kind is None or system.org_code in orgs:
            # One council can send two extracts (adult social care and children's services):
            # it is one organisation, kept with the kind of the first system seen.
            continue
        orgs[system.org_code] = create_organisation(
            code=system.org_code, name=system.org_name, kind=kind, by=by
        )
    orgs[COMMISSIONER_CODE] = create_organisation(
        code=COMMISSIONER_CODE,
        name=COMMISSIONER_NAME,
        kind=OrganisationKind.COMMISSIONER,
        by=by,
    )
    return orgs


def _organisation_for(kind: str | None, *, by):
    from onestory.access.actions import create_organisation
    from onestory.access.models import Organisation, OrganisationKind
    from onestory.sources.models import SourceSystem

    if kind is not None:
        system = SourceSystem.objects.filter(kind=kind).order_by("org_code").first()
        if system is not None:
            org = Organisation.objects.filter(code=system.org_code).first()
            if org is not None:
                return org
    return create_organisation(
        code=COMMISSIONER_CODE, name=COMMISSIONER_NAME, kind=OrganisationKind.COMMISSIONER, by=by
    )


def create_demo_logins(*, by, password: str = DEMO_PASSWORD) -> list[DemoLogin]:
    """One login per role, each in an organisation that fits the role (the commissioner when
    the borough has no such source). Demo and tests only: refuses in production."""
    _require_demo_environment()
    from onestory.access.actions import create_staff_member

    create_demo_organisations(by=by)
    logins = []
    for username, role, kind, job_title in DEMO_STAFF:
        org = _organisation_for(kind, by=by)
        first_name, last_name = DEMO_STAFF_NAMES.get(username, ("", ""))
        create_staff_member(
            username=username,
            password=password,
            organisation=org,
            role=role,
            job_title=job_title,
            first_name=first_name,
            last_name=last_name,
            by=by,
        )
        logins.append(DemoLogin(username, password, role, org.name))
    return logins


def example_people(*, by, count: int = 3, min_systems: int = 4) -> list[ExamplePerson]:
    """People in the current linkage run whose records come from at least `min_systems`
    source systems, richest first: good people to search for in the demo. Showing someone's
    name is a read of their record, so each person listed gets an audit event."""
    from django.db import transaction
    from django.db.models import Count

    from onestory.audit.actions import record_event
    from onestory.people.models import Person, PersonLink
    from onestory.sources.models import SourceEvent

    links = PersonLink.objects.filter(run__is_current=True)
    candidates = (
        links.values("person_id")
        .annotate(systems=Count("record__system", distinct=True))
        .filter(systems__gte=min_systems)
        .order_by("-systems", "person_id")[: count * 20]
    )
    by_person = {c["person_id"]: c["systems"] for c in candidates}
    if not by_person:
        return []
    records = defaultdict(list)
    for link in links.filter(person_id__in=by_person).select_related("record__system"):
        records[link.person_id].append(link.record)
    event_counts = Counter(
        {
            row["record__links__person_id"]: row["n"]
            for row in SourceEvent.objects.filter(
                record__links__run__is_current=True, record__links__person_id__in=by_person
            )
            .values("record__links__person_id")
            .annotate(n=Count("id"))
        }
    )
    people = []
    for person_id, systems in by_person.items():
        recs = records[person_id]
        # The GP record is usually the best-kept: prefer its name and date of birth.
        recs.sort(key=lambda r: (r.system.kind != "gp", r.date_of_birth is None, r.pk))
        best = recs[0]
        name = f"{best.given_name} {best.family_name}".strip()
        people.append(
            ExamplePerson(person_id, name, best.date_of_birth, systems, event_counts[person_id])
        )
    people.sort(key=lambda p: (-p.systems, -p.events, p.person_id))
    people = people[:count]
    external_ids = dict(
        Person.objects.filter(pk__in=[p.person_id for p in people]).values_list("pk", "external_id")
    )
    with transaction.atomic():
        for p in people:
            record_event(
                by=by,
                action="demo.example_person",
                person_id=str(external_ids[p.person_id]),
                purpose="listed on screen as a person to search for in the demo",
            )
    return people


# Demo logins that join the example people's care teams, with the reason each gives. The
# voluntary worker also needs the person's explicit allow, which the first example person
# gives; the data-quality officer joins for a linkage query about the first person only.
DEMO_CARE_TEAM_REASONS = {
    "gp.demo": "Named GP for the multidisciplinary care review",
    "nurse.demo": "District nursing visits",
    "socialworker.demo": "Allocated social worker",
    "carecoordinator.demo": "Care coordinator for the integrated care plan",
    "mentalhealth.demo": "Care coordinator in the community mental health team",
    "housing.demo": "Tenancy sustainment support",
    "voluntary.demo": "Social prescribing link worker",
}


def create_demo_relationships(
    people: list["ExamplePerson"], *, by, password: str = DEMO_PASSWORD
) -> list[PersonLogin]:
    """Put the example people in the care teams of the demo staff logins (each with a
    reason), have the first of them allow sharing with the voluntary organisation and give
    the data-quality officer a linkage query about them, and give each example person a
    person-portal login. Other people are reached through the source data: the GP login's
    practice registrations, the social worker's open episodes and so on. Demo and tests
    only; safe to repeat."""
    _require_demo_environment()
    from onestory.access.actions import (
        create_person_account,
        join_care_team,
        set_sharing_choice,
    )
    from onestory.access.models import StaffMember
    from onestory.people.models import Person

    staff = {
        s.user.username: s
        for s in StaffMember.objects.select_related("user", "organisation").filter(
            user__username__in=[u for u, _, _, _ in DEMO_STAFF]
        )
    }
    persons = Person.objects.in_bulk([p.person_id for p in people])
    logins = []
    for i, example in enumerate(people, start=1):
        person = persons[example.person_id]
        members = dict(DEMO_CARE_TEAM_REASONS)
        if i == 1:
            members["dq.demo"] = "Linkage query: two records that may be the same person"
            voluntary = staff.get("voluntary.demo")
            if voluntary is not None:
                set_sharing_choice(
                    person=person, organisation=voluntary.organisation, decision="allow", by=by
                )
        for username, reason in members.items():
            if username in staff:
                join_care_team(person=person, staff=staff[username], reason=reason, by=by)
        username = f"portal{i}.demo"
        create_person_account(
            person=person, username=username, password=password, acting_as="self", by=by
        )
        logins.append(PersonLogin(username, password, example.name, "self"))
    return logins


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
    imported = step("import", lambda: import_borough(out, by=actor))
    linked = step("link", lambda: link_borough(by=actor))
    logins = step("logins", lambda: create_demo_logins(by=actor))
    from onestory.places.demo import create_demo_places

    places = create_demo_places(by=actor)
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
    _print_logins(result["logins"])
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
