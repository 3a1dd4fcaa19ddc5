"""`onestory migrate`, `onestory serve` and `onestory demo`.

`onestory demo` builds a whole synthetic borough in the configured database, step by step,
each step safe to repeat: migrate; generate the extracts (unless the directory already holds
that borough); import them; link them into people; create the demo organisations and one
login per role; then a neighbouring partnership with its own organisations, staff and a few
people, one of them cared for across the boundary (`neighbour`). It then prints the logins
and a few people worth searching for. Names and dates of birth are printed to the terminal
for the person running the demo (all synthetic); they never go through `logging`.

The steps live in `common` (the logins, shapes and guard), `borough` (generate, import,
link), `staff` (organisations, logins, example people), `neighbour` (the second
partnership) and `cli` (the commands and what they print); their names are re-exported
here, where the commands and tests have always found them.
"""

from onestory.demo.borough import (
    borough_is_generated,
    generate_borough,
    import_borough,
    link_borough,
    linkage_is_current,
    migrate,
)
from onestory.demo.cli import (
    _demo,
    _migrate,
    _serve,
    login_lines,
    register,
    run_demo,
)
from onestory.demo.common import (
    COMMISSIONER_CODE,
    COMMISSIONER_NAME,
    DEMO_PASSWORD,
    DEMO_STAFF,
    DEMO_STAFF_NAMES,
    ORGANISATION_KIND_FOR_SOURCE,
    DemoLogin,
    ExamplePerson,
    PersonLogin,
    _require_demo_environment,
    demo_actor,
)
from onestory.demo.staff import (
    DEMO_CARE_TEAM_REASONS,
    create_demo_logins,
    create_demo_organisations,
    create_demo_relationships,
    example_people,
)

__all__ = [
    "COMMISSIONER_CODE",
    "COMMISSIONER_NAME",
    "DEMO_CARE_TEAM_REASONS",
    "DEMO_PASSWORD",
    "DEMO_STAFF",
    "DEMO_STAFF_NAMES",
    "ORGANISATION_KIND_FOR_SOURCE",
    "DemoLogin",
    "ExamplePerson",
    "PersonLogin",
    "_demo",
    "_migrate",
    "_require_demo_environment",
    "_serve",
    "borough_is_generated",
    "create_demo_logins",
    "create_demo_organisations",
    "create_demo_relationships",
    "demo_actor",
    "example_people",
    "generate_borough",
    "import_borough",
    "link_borough",
    "linkage_is_current",
    "login_lines",
    "migrate",
    "register",
    "run_demo",
]
