"""Where each role lands after signing in and at `/`, the menu each role is offered, the
partnership overview for commissioners and analysts, refusals logged in one line, the
favicon and the API docs."""

import logging
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from onestory.access.models import SecondaryUseOptOut
from onestory.audit.models import AuditEvent
from onestory.planning.models import Plan
from tests import factories as f

pytestmark = pytest.mark.django_db

# (username, role, organisation kind) as `onestory demo` creates them (onestory.demo).
STAFF = [
    ("gp.demo", "gp", "gp_practice"),
    ("nurse.demo", "nurse", "community_provider"),
    ("socialworker.demo", "social_worker", "adult_social_care"),
    ("carecoordinator.demo", "care_coordinator", "adult_social_care"),
    ("mentalhealth.demo", "mental_health_worker", "mental_health_trust"),
    ("housing.demo", "housing_officer", "housing"),
    ("voluntary.demo", "voluntary_worker", "voluntary"),
    ("dq.demo", "data_quality_officer", "commissioner"),
    ("commissioner.demo", "commissioner", "commissioner"),
    ("analyst.demo", "analyst", "commissioner"),
    ("national.demo", "national_analyst", "commissioner"),
    ("privacy.demo", "privacy_lead", "gp_practice"),
    ("admin.demo", "administrator", "commissioner"),
]
LANDING = {
    "gp": "search",
    "nurse": "search",
    "social_worker": "search",
    "care_coordinator": "search",
    "mental_health_worker": "search",
    "housing_officer": "search",
    "voluntary_worker": "search",
    "data_quality_officer": "identity-review",
    "commissioner": "overview",
    "analyst": "overview",
    "national_analyst": "national",
    "privacy_lead": "break-glass-queue",
    "administrator": "staff-list",
}
# The data-quality officer lands on the linkage queue but may still search.
SEARCHERS = {role for role, page in LANDING.items() if page == "search"} | {"data_quality_officer"}


def _staff(username, role, kind):
    org = f.organisation(f"ORG-{kind}"[:20], f"Demo {kind}", kind)
    return f.user(username, role=role, org=org)


def _menu(html: str) -> list[str]:
    nav = html[html.index('aria-label="Menu"') :]
    nav = nav[: nav.index("</nav>")]
    return re.findall(r'class="nhsuk-header__navigation-link" href="([^"]+)"', nav)


@pytest.mark.parametrize("username, role, kind", STAFF)
def test_sign_in_lands_each_role_on_its_own_page(client, username, role, kind):
    _staff(username, role, kind)
    response = client.post(
        reverse("login"), {"username": username, "password": f.PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse(LANDING[role])
    assert reverse(LANDING[role]) in _menu(response.content.decode())


@pytest.mark.parametrize("username, role, kind", STAFF)
def test_root_is_search_only_for_roles_that_search(client, username, role, kind):
    client.force_login(_staff(username, role, kind))
    response = client.get("/")
    if role in SEARCHERS:
        assert response.status_code == 200
        assert 'name="nhs_number"' in response.content.decode()
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse(LANDING[role])


@pytest.mark.parametrize("username, role, kind", STAFF)
def test_menu_links_all_open_for_the_role(client, username, role, kind):
    client.force_login(_staff(username, role, kind))
    links = _menu(client.get(reverse("home"), follow=True).content.decode())
    assert links
    for href in links:
        assert client.get(href).status_code == 200, href


def test_person_at_root_lands_on_their_own_record(client):
    person = f.rich_person()
    client.force_login(f.person_user(person))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("portal-home")
    assert client.get(reverse("home"))["Location"] == reverse("portal-home")


def test_home_needs_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_signed_in_user_without_a_role_is_refused_not_sent_to_search(client):
    client.force_login(f.user("nobody", role=""))
    assert client.get(reverse("home")).status_code == 403


# ------------------------------------------------------------------- partnership overview


def _borough():
    """Ten people known to a GP practice, three of them also to housing, two opted out of
    secondary use; plans: nine overdue, one with no date."""
    gp = f.source_system("gp", "B1", "Practice")
    housing = f.source_system("housing", "H1", "Homes")
    people = []
    for i in range(12):
        records = [f.source_record(gp)]
        if i < 3:
            records.append(f.source_record(housing))
        people.append(f.linked_person(*records))
    for p in people[-2:]:
        SecondaryUseOptOut.objects.create(person=p, opted_out_at=timezone.now(), set_by="tests")
    coordinator = f.user(role="care_coordinator")
    for i, p in enumerate(people[:10]):
        Plan.objects.create(
            person=p,
            coordinator=coordinator.staff,
            next_review_on=None if i == 0 else date.today() - timedelta(days=3),
        )
    return people


def test_overview_counts_people_without_opt_outs_and_hides_small_numbers(client):
    _borough()
    client.force_login(_staff("commissioner.demo", "commissioner", "commissioner"))
    html = client.get(reverse("overview")).content.decode()
    assert '<strong data-testid="people-total">10</strong>' in html
    services = html[html.index('data-testid="services"') :]
    services = services[: services.index("</table>")]
    assert re.search(r"GP practice</td><td[^>]*>10<", services)
    assert re.search(r"Housing</td><td[^>]*>fewer than 8<", services)
    assert re.search(r"Acute hospital</td><td[^>]*>0<", services)
    reviews = html[html.index('data-testid="plan-reviews"') :]
    assert re.search(r"Review overdue</dt><dd[^>]*>9<", reviews)
    assert re.search(r"No review date set</dt><dd[^>]*>fewer than 8<", reviews)
    assert "fewer than 8" in html[html.index('data-testid="suppression-note"') :]


def test_overview_says_when_records_were_last_linked_without_the_method_code(client):
    _borough()
    run = f.current_run()
    client.force_login(_staff("commissioner.demo", "commissioner", "commissioner"))
    html = client.get(reverse("overview")).content.decode()
    assert "Records last linked" in html and f"(run {run.version})" in html
    assert run.method not in html


def test_overview_lists_every_page_of_the_menu_the_header_folds_away(client):
    client.force_login(_staff("commissioner.demo", "commissioner", "commissioner"))
    html = client.get(reverse("overview")).content.decode()
    pages = html[html.index('data-testid="pages"') :]
    pages = pages[: pages.index("</nav>")]
    for name in ("commissioning", "bcf-home", "market", "evaluation-indicators", "who-pays"):
        assert f'href="{reverse(name)}"' in pages
    assert f'href="{reverse("overview")}"' not in pages  # not the page itself


def test_overview_shows_no_name_and_is_audited_with_counts_only(client):
    people = _borough()
    client.force_login(_staff("analyst.demo", "analyst", "commissioner"))
    html = client.get(reverse("overview")).content.decode()
    record = people[0].links.first().record
    assert record.family_name not in html
    assert str(people[0].external_id) not in html
    (event,) = AuditEvent.objects.filter(action="overview.viewed")
    assert event.detail == {"people": 10, "services": 8}
    assert event.person_id == ""


@pytest.mark.parametrize("role", ["gp", "privacy_lead", "administrator"])
def test_overview_refused_to_roles_without_aggregates(client, role):
    client.force_login(f.user(role=role))
    assert client.get(reverse("overview")).status_code == 403
    assert not AuditEvent.objects.filter(action="overview.viewed").exists()


# ------------------------------------------------------------------- refusals, favicon, API


def test_refusal_is_logged_as_one_line_without_traceback(client, caplog):
    client.force_login(f.user(role="gp"))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(reverse("staff-list")).status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is None and record.exc_text is None
    assert record.getMessage() == f"Forbidden: {reverse('staff-list')} (403)"


def test_refusal_log_leaves_out_the_search_terms(client, caplog):
    client.force_login(f.person_user(f.person()))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get(reverse("overview"), {"name": "Oldroyd"})
    messages = [r.getMessage() for r in caplog.records if r.name == "django.request"]
    assert messages == [f"Forbidden: {reverse('overview')} (403)"]


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_pages_link_the_favicon(client):
    client.force_login(f.user(role="gp"))
    html = client.get(reverse("search")).content.decode()
    assert '<link rel="icon" href="/favicon.ico"' in html


def test_api_root_redirects_to_the_docs(client):
    response = client.get("/api/")
    assert response.status_code == 302 and response["Location"] == "/api/docs"


def test_api_docs_served_offline_without_inline_script(client):
    response = client.get("/api/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert not re.search(r"(src|href)=\"https?://", html)
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert '"validatorUrl": null' in html
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


# Every role against the pages this module adds (no person is shown on any of them, so a
# relationship or a refusal changes nothing).
OVERVIEW_ROLES = {"commissioner", "analyst"}
WHO_PAYS_ROLES = {
    "gp",
    "nurse",
    "social_worker",
    "care_coordinator",
    "mental_health_worker",
    "housing_officer",
    "voluntary_worker",
    "commissioner",
    "analyst",
}


@pytest.mark.parametrize("username, role, kind", STAFF, ids=[s[1] for s in STAFF])
def test_overview_and_who_pays_open_only_to_their_roles(client, username, role, kind):
    client.force_login(_staff(username, role, kind))
    assert client.get(reverse("overview")).status_code == (200 if role in OVERVIEW_ROLES else 403)
    assert client.get(reverse("who-pays")).status_code == (200 if role in WHO_PAYS_ROLES else 403)
    assert client.get(reverse("home")).status_code == 302
