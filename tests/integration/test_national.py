"""The national view: indicators partnerships published, loaded by `onestory national load`
(bad rows named, good rows kept, a second load changes nothing), integration models as
versions, the funnel plot and league table (and their downloads) for national analysts
only, and the JSON of `onestory national funnel`."""

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.national import actions
from onestory.national.models import IntegrationModel, PublishedIndicator
from tests import factories as f
from tests.integration.test_commissioning import run_cli

pytestmark = pytest.mark.django_db

HEADER = "partnership,locality,quarter,indicator,numerator,denominator,rate_per_100k\n"
# Eight localities of two partnerships; P02L04's count was suppressed.
ROWS = [
    ("P01", "P01L01", 120, 10_000),
    ("P01", "P01L02", 95, 9_000),
    ("P01", "P01L03", 160, 12_000),
    ("P01", "P01L04", 40, 5_000),
    ("P02", "P02L01", 300, 11_000),
    ("P02", "P02L02", 105, 10_000),
    ("P02", "P02L03", 80, 8_000),
    ("P02", "P02L04", None, 700),
]


def published_csv(tmp_path, quarter="2025Q3", extra=""):
    lines = [HEADER]
    for p, loc, num, den in ROWS:
        shown = "fewer than 8" if num is None else str(num)
        lines.append(f"{p},{loc},{quarter},emergency_admissions,{shown},{den},1.0\n")
    path = tmp_path / f"published-{quarter}.csv"
    path.write_text("".join(lines) + extra)
    return path


@pytest.fixture
def published(tmp_path, capsys):
    for quarter in ("2025Q2", "2025Q3"):
        assert run_cli(["national", "load", str(published_csv(tmp_path, quarter))], capsys)[0] == 0
    system = Actor.system("tests")
    actions.record_model(
        partnership="P01",
        from_quarter="2024Q1",
        budget="aligned",
        mdt="none",
        shared_records=False,
        reason="first record",
        by=system,
    )
    actions.record_model(
        partnership="P01",
        from_quarter="2025Q3",
        budget="pooled",
        mdt="neighbourhood",
        shared_records=True,
        reason="pooled the budget",
        by=system,
    )
    actions.record_model(
        partnership="P02",
        from_quarter="2024Q1",
        budget="aligned",
        mdt="practice",
        shared_records=False,
        reason="first record",
        by=system,
    )


@pytest.fixture
def national_analyst(client):
    user = f.user("national.a", role="national_analyst", org=f.organisation("X26", "National team"))
    client.force_login(user)
    return client


def test_load_keeps_good_rows_names_bad_ones_and_a_second_load_changes_nothing(tmp_path, capsys):
    path = published_csv(
        tmp_path,
        extra="P03,P03L01,2025Q3,emergency_admissions,5,900,1\nP03,P03L02,2025-09,emergency_admissions,50,900,1\n",
    )
    code, out, err = run_cli(["national", "load", str(path)], capsys)
    assert code == 3
    assert "row 10, numerator: is from 1 to 7: suppress it before publishing" in err
    assert "row 11, quarter: is not a quarter like 2025Q3" in err
    assert "8 rows; 8 new" in out and "2 rows left out" in out
    assert PublishedIndicator.objects.count() == 8
    assert PublishedIndicator.objects.get(locality="P02L04").numerator is None
    code, out, _ = run_cli(["national", "load", str(published_csv(tmp_path))], capsys)
    assert code == 0 and "0 new, 0 changed, 8 already there" in out
    assert AuditEvent.objects.filter(action="national.indicators_loaded").count() == 1


def test_load_refuses_a_file_without_the_columns(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"place,value\nP01,3\n")
    code, _, err = run_cli(["national", "load", str(path)], capsys)
    assert code == 2 and "columns missing from the header: partnership, locality" in err
    assert "Traceback" not in err


def test_funnel_json_for_outside_tools_by_budget_model_in_that_quarter(published, capsys):
    code, out, _ = run_cli(
        [
            "national",
            "funnel",
            "--indicator",
            "emergency_admissions",
            "--quarter",
            "2025Q3",
            "--json",
        ],
        capsys,
    )
    assert code == 0
    data = json.loads(out)
    assert data["unit"] == "per 100,000" and data["suppressed_places"] == 1
    assert len(data["places"]) == 7
    # The national value is the pooled rate over places with a published count.
    assert data["target"] == pytest.approx(900 / 65_000 * 100_000)
    high = next(p for p in data["places"] if p["place"] == "P02L01")
    assert high["value"] == pytest.approx(300 / 11_000 * 100_000)
    # These places vary more than chance: the limits are widened by √φ, and P02L01 is high
    # at 95% only; with chance limits alone it would be beyond 99.8%.
    assert data["overdispersion"]["applied"] and data["overdispersion"]["phi"] > 1
    assert high["flag"] == "high (95%)"
    chance = json.loads(
        run_cli(
            [
                "national",
                "funnel",
                "--indicator",
                "emergency_admissions",
                "--quarter",
                "2025Q3",
                "--overdispersion",
                "none",
                "--json",
            ],
            capsys,
        )[1]
    )
    assert next(p for p in chance["places"] if p["place"] == "P02L01")["flag"] == "high (99.8%)"
    assert high["ci95"][0] < high["value"] < high["ci95"][1]
    # P01 pooled its budget from 2025Q3: in 2025Q2 it was still aligned.
    pooled = json.loads(
        run_cli(
            [
                "national",
                "funnel",
                "--indicator",
                "emergency_admissions",
                "--quarter",
                "2025Q3",
                "--budget",
                "pooled",
                "--json",
            ],
            capsys,
        )[1]
    )
    assert {p["place"] for p in pooled["places"]} == {"P01L01", "P01L02", "P01L03", "P01L04"}
    code, _, err = run_cli(
        [
            "national",
            "funnel",
            "--indicator",
            "emergency_admissions",
            "--quarter",
            "2025Q2",
            "--budget",
            "pooled",
            "--json",
        ],
        capsys,
    )
    assert code == 2 and "no published emergency_admissions for 2025Q2" in err


def test_partnerships_are_compared_by_summing_their_localities(published, capsys):
    data = json.loads(
        run_cli(
            [
                "national",
                "funnel",
                "--indicator",
                "emergency_admissions",
                "--quarter",
                "2025Q3",
                "--level",
                "partnership",
                "--json",
            ],
            capsys,
        )[1]
    )
    # P02 has a suppressed locality, so its total is unknown and it is left out.
    assert [p["place"] for p in data["places"]] == ["P01"] and data["suppressed_places"] == 1
    assert data["places"][0]["numerator"] == 415


def test_national_page_shows_the_funnel_table_and_trend(national_analyst, published):
    response = national_analyst.get(reverse("national"), {"quarter": "2025Q3", "budget": "aligned"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="funnel-chart"' in html and 'id="funnel-figure"' in html
    assert 'data-testid="place-P02L01"' in html and 'data-testid="place-P01L01"' not in html
    assert "1 place left out" in html
    assert 'data-testid="trend-chart"' in html
    event = AuditEvent.objects.filter(action="national.funnel_viewed").latest("id")
    assert event.detail["places"] == 3 and event.detail["budget"] == "aligned"


def test_national_page_names_indicators_and_quarters_in_words_not_codes(
    national_analyst, published
):
    response = national_analyst.get(reverse("national"), {"quarter": "2025Q3"})
    assert response.status_code == 200
    html = response.content.decode()
    h1 = html.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert "Emergency admissions, per 100,000" in h1 and "July to September 2025" in h1
    assert "emergency_admissions" not in h1 and "2025Q3" not in h1
    # The choices keep their codes as values but show labels.
    assert (
        '<option value="emergency_admissions" selected>Emergency admissions, per 100,000<' in html
    )
    assert '<option value="2025Q2">April to June 2025</option>' in html


def test_national_page_names_a_bad_choice(national_analyst, published):
    response = national_analyst.get(reverse("national"), {"indicator": "nonsense", "level": "ward"})
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "Choose an indicator from the list." in html
        and "Choose localities or partnerships." in html
    )


def test_national_page_before_anything_is_published_says_how(national_analyst):
    html = national_analyst.get(reverse("national")).content.decode()
    assert (
        "No partnership has published indicators yet" in html and "onestory national load" in html
    )


def test_downloads_hold_the_same_table(national_analyst, published):
    query = {"quarter": "2025Q3", "indicator": "emergency_admissions"}
    response = national_analyst.get(reverse("national-csv"), query)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("place,partnership,budget_model,numerator,denominator,value")
    assert len(lines) == 8 and any(
        line.startswith("P02L01,P02,aligned,300,11000") for line in lines
    )
    response = national_analyst.get(reverse("national-xlsx"), query)
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book["Places"].iter_rows(values_only=True))
    assert rows[1][0] == "place" and len(rows) == 9
    assert national_analyst.get(reverse("national-csv"), {"level": "ward"}).status_code == 400


def test_model_form_records_a_version_and_names_bad_fields(national_analyst):
    url = reverse("national-models")
    posted = {
        "partnership": "P01",
        "from_quarter": "2025Q3",
        "budget": "pooled",
        "mdt": "neighbourhood",
        "shared_records": "yes",
        "reason": "Reported in the partnership's annual return",
    }
    response = national_analyst.post(url, posted)
    assert response.status_code == 302 and response["Location"].endswith("?done=1")
    model = IntegrationModel.objects.get()
    assert model.budget == "pooled" and model.shared_records and model.recorded_by == "national.a"
    assert model.reason == "Reported in the partnership's annual return"
    assert AuditEvent.objects.filter(action="national.model_recorded").count() == 1
    html = national_analyst.get(url + "?done=1").content.decode()
    assert "The model has been recorded." in html and 'data-testid="model-P01-2025Q3"' in html
    # The same model again from the same quarter says nothing new: refused.
    response = national_analyst.post(url, posted)
    assert (
        response.status_code == 400
        and "P01 already has a model from 2025Q3 with nothing different"
        in response.content.decode()
    )
    response = national_analyst.post(
        url, {"partnership": "P01", "from_quarter": "Q3", "budget": "x", "mdt": "none"}
    )
    body = response.content.decode()
    assert response.status_code == 400 and "like 2025Q3" in body
    assert "Choose pooled or aligned budgets." in body and "Say why the model changed" in body
    assert IntegrationModel.objects.count() == 1
    # A different model from the same quarter corrects it: a second version, both kept.
    response = national_analyst.post(url, posted | {"mdt": "practice", "reason": "Corrected"})
    assert response.status_code == 302 and IntegrationModel.objects.count() == 2


def test_models_page_answers_which_model_each_place_had_in_a_quarter(national_analyst, published):
    url = reverse("national-models")
    html = national_analyst.get(url, {"quarter": "2025Q2"}).content.decode()
    row = html[html.index('data-testid="in-quarter-P01"') :].split("</tr>")[0]
    assert "2024Q1" in row and "Aligned" in row
    html = national_analyst.get(url, {"quarter": "2025Q3"}).content.decode()
    row = html[html.index('data-testid="in-quarter-P01"') :].split("</tr>")[0]
    assert "2025Q3" in row and "Pooled" in row and "/integration-model/P01/?quarter=2025Q3" in row
    response = national_analyst.get(url, {"quarter": "third"})
    assert response.status_code == 400 and "like 2025Q3" in response.content.decode()


OTHER_ROLES = ("gp", "social_worker", "commissioner", "analyst", "privacy_lead", "administrator")


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_national_page_download_and_form_is_for_national_analysts_only(
    client, published, role
):
    client.force_login(f.user(f"u.{role}", role=role))
    for name in ("national", "national-csv", "national-xlsx", "national-models"):
        assert client.get(reverse(name)).status_code == 403, name
    response = client.post(
        reverse("national-models"),
        {"partnership": "P09", "from_quarter": "2025Q1", "budget": "pooled", "mdt": "none"},
    )
    assert response.status_code == 403
    assert not IntegrationModel.objects.filter(partnership="P09").exists()


def test_a_person_signed_in_to_their_record_is_refused_too(client, published):
    person = f.rich_person()
    client.force_login(f.person_user(person, username="margaret"))
    for name in ("national", "national-csv", "national-models"):
        assert client.get(reverse(name)).status_code == 403, name
