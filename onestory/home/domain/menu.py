"""What each role sees first and which links its menu offers, derived from the role's
permissions (onestory.access.domain.roles) so that a link is offered only where the page
behind it lets the viewer in. Pure: URL names and labels, no Django."""

from dataclasses import dataclass

from onestory.access.domain.roles import Permission, Role


@dataclass(frozen=True)
class MenuEntry:
    url_name: str
    label: str
    permission: Permission


# In the order the menu shows them.
MENU: tuple[MenuEntry, ...] = (
    MenuEntry("search", "Find a person", Permission.SEARCH_PEOPLE),
    MenuEntry("overview", "Partnership overview", Permission.VIEW_AGGREGATES),
    MenuEntry("plans-overdue", "Plan reviews", Permission.PROPOSE_PLAN),
    MenuEntry("plans-report", "Plans in people's own words", Permission.VIEW_AGGREGATES),
    MenuEntry("commissioning", "Better Care Fund metrics", Permission.VIEW_AGGREGATES),
    MenuEntry("national", "Places compared", Permission.VIEW_NATIONAL),
    MenuEntry("national-models", "Integration models", Permission.VIEW_NATIONAL),
    MenuEntry("bcf-home", "Better Care Fund plan", Permission.VIEW_AGGREGATES),
    MenuEntry("integration-models", "Integration model", Permission.VIEW_AGGREGATES),
    MenuEntry("market", "Care market", Permission.VIEW_AGGREGATES),
    MenuEntry("evaluation-indicators", "Indicators", Permission.VIEW_AGGREGATES),
    MenuEntry("initiatives", "Initiatives", Permission.VIEW_AGGREGATES),
    MenuEntry("mdt-home", "MDT", Permission.LEAD_MDT),
    MenuEntry("mdt-my-actions", "My actions", Permission.JOIN_CARE_TEAM),
    MenuEntry("who-pays", "Who pays?", Permission.USE_WHO_PAYS),
    MenuEntry("sharedlives-home", "Shared Lives", Permission.MANAGE_SHARED_LIVES),
    MenuEntry("market-pools", "Pooled budgets", Permission.MANAGE_BUDGETS),
    MenuEntry("identity-review", "Linkage review", Permission.REVIEW_LINKAGE),
    MenuEntry("imports", "Imports", Permission.VIEW_IMPORT_PROBLEMS),
    MenuEntry("import-problems", "Import problems", Permission.VIEW_IMPORT_PROBLEMS),
    MenuEntry("jobs", "Background jobs", Permission.RUN_IMPORTS),
    MenuEntry("break-glass-queue", "Access reviews", Permission.REVIEW_BREAK_GLASS),
    MenuEntry("staff-list", "Staff", Permission.ASSIGN_ROLES),
    MenuEntry("portal-home", "My record", Permission.VIEW_OWN_RECORD),
)

# The first rule whose permission the role holds names its landing page: the work the role
# exists for comes before the search that several roles share.
LANDING: tuple[tuple[Permission, str], ...] = (
    (Permission.VIEW_OWN_RECORD, "portal-home"),
    (Permission.REVIEW_LINKAGE, "identity-review"),
    (Permission.ASSIGN_ROLES, "staff-list"),
    (Permission.REVIEW_BREAK_GLASS, "break-glass-queue"),
    (Permission.SEARCH_PEOPLE, "search"),
    (Permission.VIEW_AGGREGATES, "overview"),
    (Permission.VIEW_NATIONAL, "national"),
)


def menu_for(role: type[Role] | None) -> list[MenuEntry]:
    """The menu entries a role may use, in menu order; none for an unknown role."""
    if role is None:
        return []
    return [entry for entry in MENU if role.has(entry.permission)]


def landing_for(role: type[Role] | None) -> str | None:
    """The URL name of the page a role lands on after signing in; None when the role has no
    page of its own (the caller refuses)."""
    if role is None:
        return None
    for permission, url_name in LANDING:
        if role.has(permission):
            return url_name
    return None
