"""Who pays?: who may use the calculator, and a chart whose three policies can be told
apart by colour and by dash, with the legend clear of the axis titles."""

import json
import re

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

FIGURES = {
    "capital": "50000",
    "property": "250000",
    "weekly_income": "250",
    "weekly_cost": "1000",
    "setting": "care_home",
    "age": "80",
    "weeks": "520",
}


@pytest.mark.parametrize("role", ["gp", "commissioner", "analyst", "nurse", "voluntary_worker"])
def test_who_pays_open_to_care_roles_and_commissioners(client, role):
    client.force_login(f.user(role=role))
    response = client.get(reverse("who-pays"), FIGURES)
    assert response.status_code == 200
    assert 'data-testid="scenario-cap2021"' in response.content.decode()


@pytest.mark.parametrize("role", ["privacy_lead", "administrator", "data_quality_officer"])
def test_who_pays_refused_to_roles_without_it(client, role):
    client.force_login(f.user(role=role))
    assert client.get(reverse("who-pays")).status_code == 403


def test_who_pays_refused_to_a_person(client):
    client.force_login(f.person_user(f.person()))
    assert client.get(reverse("who-pays")).status_code == 403


def _figure(client) -> dict:
    client.force_login(f.user(role="gp"))
    html = client.get(reverse("who-pays"), FIGURES).content.decode()
    match = re.search(r'<script id="who-pays-figure" type="application/json">(.*?)</script>', html)
    return json.loads(match.group(1))


def test_who_pays_chart_gives_each_policy_its_own_colour_and_dash(client):
    figure = _figure(client)
    lines = {}
    for trace in figure["data"]:
        style = (trace["line"]["color"], trace["line"]["dash"])
        lines.setdefault(trace["legendgroup"], set()).add(style)
    assert set(lines) == {"current", "cap2021", "floor2017"}
    assert all(len(styles) == 1 for styles in lines.values())  # same in both panels
    colours = {next(iter(s))[0] for s in lines.values()}
    dashes = {next(iter(s))[1] for s in lines.values()}
    assert len(colours) == 3 and len(dashes) == 3
    assert colours <= {"#005eb8", "#ed8b00", "#00a499"}  # NHS blue, orange, aqua green


def test_who_pays_legend_sits_above_the_panels_once_per_policy(client):
    figure = _figure(client)
    legend = figure["layout"]["legend"]
    assert legend["yanchor"] == "bottom" and legend["y"] > 1
    assert sum(1 for t in figure["data"] if t.get("showlegend", True)) == 3


def test_who_pays_page_has_no_inline_script(client):
    client.force_login(f.user(role="gp"))
    html = client.get(reverse("who-pays"), FIGURES).content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert 'style="' not in html[html.index("<main") : html.index("</main>")]
