"""Server-rendered pages: sign-in, search, person, timeline fragment, import pages."""

import json
import re
from datetime import date

import pytest
from django.urls import reverse

from onestory.audit.models import AuditEvent
from onestory.sources.models import ImportFile, QuarantinedRow
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def gp_user():
    return f.user("dr.jones", role="gp", org=f.organisation("B86001", "Beech Tree Surgery"))


@pytest.fixture
def client_in(client, gp_user):
    client.force_login(gp_user)
    return client


@pytest.fixture
def margaret():
    return f.rich_person()


def person_url(p):
    return reverse("person", args=[p.external_id])


@pytest.mark.parametrize(
    "name, args",
    [("search", []), ("imports", []), ("import-problems", [])],
)
def test_pages_redirect_to_login_when_signed_out(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_person_pages_redirect_to_login_when_signed_out(client, margaret):
    for url in (person_url(margaret), reverse("person-timeline", args=[margaret.external_id])):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not AuditEvent.objects.exists()


def test_login_page_renders_with_labelled_inputs(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label class="nhsuk-label" for="id_username">' in html
    assert '<label class="nhsuk-label" for="id_password">' in html
    assert "vendor/nhsuk/nhsuk-frontend.min.css" in html


def test_login_with_password_then_lands_on_search(client, gp_user):
    response = client.post(
        reverse("login"), {"username": "dr.jones", "password": f.PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("search")
    assert "Find a person" in response.content.decode()


def test_base_layout_shows_service_user_role_organisation_and_sign_out(client_in):
    html = client_in.get(reverse("search")).content.decode()
    assert 'class="nhsuk-header__service-name">OneStory<' in html
    assert "dr.jones" in html
    assert "GP, Beech Tree Surgery" in html
    assert re.search(
        r'<form class="nhsuk-header__account-form" action="/logout/" method="post"', html
    )
    for asset in (
        "vendor/nhsuk/nhsuk-frontend.min.css",
        "vendor/nhsuk/nhsuk-frontend.min.js",
        "vendor/htmx.min.js",
        "onestory/onestory.css",
    ):
        assert f"/static/{asset}" in html
    assert "https://" not in re.sub(r'xmlns="http://www.w3.org/2000/svg"', "", html)


def test_search_form_has_a_label_for_every_input(client_in):
    html = client_in.get(reverse("search")).content.decode()
    inputs = re.findall(r'<input class="nhsuk-input[^"]*" id="([a-z_-]+)"', html)
    assert sorted(inputs) == ["dob-day", "dob-month", "dob-year", "name", "nhs_number", "postcode"]
    for field in inputs:
        assert re.search(rf'<label class="nhsuk-label[^"]*" for="{field}">', html)
    assert not AuditEvent.objects.filter(action="record.search").exists()


def test_search_results_table_links_to_person(client_in, margaret):
    html = client_in.get(reverse("search"), {"name": "oldroyd"}).content.decode()
    assert "1 person found" in html
    assert 'class="nhsuk-table' in html
    assert f'href="{person_url(margaret)}"' in html
    assert "OLDROYD, Margaret" in html
    assert "31 March 1950" in html


def test_search_by_date_of_birth_in_three_boxes_finds_the_person(client_in, margaret):
    html = client_in.get(
        reverse("search"), {"dob-day": "31", "dob-month": "3", "dob-year": "1950"}
    ).content.decode()
    assert "1 person found" in html
    assert f'href="{person_url(margaret)}"' in html
    assert 'value="31"' in html and 'value="1950"' in html
    assert AuditEvent.objects.get(action="record.search").detail["criteria"] == ["dob"]


def test_search_date_of_birth_missing_month_names_the_field(client_in):
    html = client_in.get(reverse("search"), {"dob-day": "31", "dob-year": "1950"}).content.decode()
    assert "Date of birth must include a month" in html
    assert 'href="#dob"' in html
    assert "For example, 27 3 2007" in html
    assert not AuditEvent.objects.filter(action="record.search").exists()


def test_search_shows_field_errors_without_searching(client_in):
    html = client_in.get(reverse("search"), {"dob": "31-31-1950"}).content.decode()
    assert "nhsuk-error-summary" in html
    assert 'href="#dob"' in html
    assert not AuditEvent.objects.filter(action="record.search").exists()


def test_person_page_shows_entries_from_every_source_with_labels(client_in, margaret):
    response = client_in.get(person_url(margaret))
    html = response.content.decode()
    assert response.status_code == 200
    for org, kind in [
        ("Beech Tree Surgery", "GP practice"),
        ("Leeds Teaching Hospitals", "Acute hospital"),
        ("Leeds and York Partnership", "Mental health trust"),
        ("Leeds City Council", "Adult social care"),
        ("Leeds Housing", "Housing"),
    ]:
        assert re.search(
            rf'<strong class="nhsuk-tag [^"]*" data-system="[^"]+">{re.escape(org)} '
            rf'<span class="nhsuk-u-visually-hidden">–</span>\({re.escape(kind)}\)</strong>',
            html,
        ), org
    timeline = html[html.index('id="timeline-results"') :]
    assert len(re.findall(r'data-testid="provenance"', timeline)) == 10
    assert len(set(re.findall(r'data-system="([^"]+)"', timeline))) >= 4
    assert "3 March 2025" in html
    for heading in (
        "Who they are",
        "Conditions",
        "Current services",
        "Who is involved",
        "Household",
        "Family and carers",
        "Source systems",
        "Timeline",
    ):
        assert heading in html
    # One audited read per visit: the summary, cards and timeline on the page are one view.
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions == ["record.view"]


def test_person_page_headings_are_in_order(client_in, margaret):
    html = client_in.get(person_url(margaret)).content.decode()
    levels = [int(n) for n in re.findall(r"<h([1-6])", html)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))


def test_person_page_filters_timeline_without_javascript(client_in, margaret):
    html = client_in.get(person_url(margaret), {"system": "housing:H001"}).content.decode()
    timeline = html[html.index('id="timeline-results"') :]
    assert set(re.findall(r'data-system="([^"]+)"', timeline)) == {"housing:H001"}
    assert 'value="housing:H001" checked' in html
    assert "matching the filters" in html


def test_timeline_fragment_for_htmx_is_only_the_results(client_in, margaret):
    url = reverse("person-timeline", args=[margaret.external_id])
    response = client_in.get(url, {"kind": "contact"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and "nhsuk-header" not in html
    assert set(re.findall(r'data-kind="([^"]+)"', html)) == {"contact"}
    full = client_in.get(url, {"kind": "contact"}).content.decode()
    assert "<html" in full and "<h1>Timeline</h1>" in full


def test_timeline_pagination_links_keep_filters(client_in):
    p = f.rich_person(events_per_system=15)
    html = client_in.get(person_url(p), {"kind": "encounter", "system": "gp:B86001"})
    html = html.content.decode()
    assert "Showing 15 of 15" in html
    html = client_in.get(person_url(p)).content.decode()
    assert "page 1 of 2" in html
    assert 'class="nhsuk-pagination nhsuk-pagination--numbered"' in html
    assert f'href="{person_url(p)}?page=2#timeline"' in html
    page2 = client_in.get(person_url(p), {"page": 2, "kind": "contact"}).content.decode()
    assert "Showing 15 of 15" in page2  # one page only: clamped to page 1


def test_unknown_person_is_404(client_in):
    response = client_in.get(reverse("person", args=["00000000-0000-0000-0000-000000000001"]))
    assert response.status_code == 404


def test_user_without_staff_profile_gets_403_page(client, margaret):
    outsider = f.user("outsider", role="")
    client.force_login(outsider)
    response = client.get(person_url(margaret))
    assert response.status_code == 403
    assert "You cannot see this page" in response.content.decode()
    assert not AuditEvent.objects.filter(action="record.view").exists()


def test_import_pages_refused_to_a_gp(client_in):
    assert client_in.get(reverse("import-problems")).status_code == 403
    assert client_in.get(reverse("imports")).status_code == 403


@pytest.fixture
def dq_client(client):
    client.force_login(f.user("dq.officer", role="data_quality_officer"))
    return client


def test_import_problems_page_lists_rows_and_filters_by_kind(dq_client):
    QuarantinedRow.objects.create(
        file_name="housing.csv",
        kind="housing",
        row_number=12,
        field="date_of_birth",
        reason="date does not parse",
        problems=[["date_of_birth", "date does not parse"]],
        raw={"tenant_ref": "T9", "date_of_birth": "31/02/1950"},
        content_hash="a",
    )
    QuarantinedRow.objects.create(
        file_name="acute_admissions.csv",
        kind="acute",
        row_number=4,
        field="nhs_number",
        reason="fails Modulus 11",
        raw={"spell_id": "S1"},
        content_hash="b",
    )
    html = dq_client.get(reverse("import-problems")).content.decode()
    assert "housing.csv, row 12" in html and "acute_admissions.csv, row 4" in html
    assert '<details class="nhsuk-details' in html and "31/02/1950" in html
    assert '<label class="nhsuk-label" for="kind">' in html
    only = dq_client.get(reverse("import-problems"), {"kind": "acute"}).content.decode()
    assert "acute_admissions.csv" in only and "housing.csv" not in only
    assert AuditEvent.objects.filter(action="sources.view_problems").count() == 2


def test_imports_page_lists_history(dq_client):
    ImportFile.objects.create(
        file_name="housing.csv",
        sha256="x" * 64,
        kind="housing",
        imported_by="cli",
        rows_read=100,
        rows_imported=97,
        rows_quarantined=3,
    )
    html = dq_client.get(reverse("imports")).content.decode()
    assert "housing.csv" in html and ">97<" in html
    assert f'href="{reverse("import-problems")}?kind=housing"' in html
    assert date.today().strftime("%Y") in html


def test_person_page_offers_the_whole_record_as_a_fhir_bundle(client_in, margaret):
    page = client_in.get(person_url(margaret)).content.decode()
    href = re.search(r'href="([^"]+)"[^>]*data-testid="fhir-export"', page).group(1)
    response = client_in.get(href.replace("&amp;", "&"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    bundle = json.loads(response.content)
    assert bundle["resourceType"] == "Bundle"
    patients = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    assert [p["id"] for p in patients] == [str(margaret.external_id)]
    assert AuditEvent.objects.filter(
        action="fhir.everything", person_id=str(margaret.external_id)
    ).exists()
