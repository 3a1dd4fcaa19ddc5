"""A partnership's integration model as data (ADR 0033): its commissioner records a new
version through the form (the partnership's own organisations, the section 75 agreement's
services and funding, who shares records, MDTs, the register's initiatives, and why), sees
the model now and in any quarter and what each version changed, by whom and when; bad
input is named by field; the national view reads every partnership's model."""

import pytest
from django.urls import reverse

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.initiatives.models import Initiative
from onestory.national import actions
from onestory.national.domain.models_in_time import InitiativeSpell
from onestory.national.models import IntegrationModel
from onestory.places.actions import load_catalogue
from onestory.places.domain.catalogue import Catalogue, LocalityRow, PartnershipRow
from tests import factories as f

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("tests", channel="cli")


def two_partnerships() -> dict:
    """Partnerships PA and PB, each with a commissioner, a council and a GP practice, and
    a commissioner's login in each; an initiative of PA's register."""
    load_catalogue(
        Catalogue(
            partnerships=[PartnershipRow("PA", "Partnership A"), PartnershipRow("PB", "Partner B")],
            localities=[LocalityRow("PA-1", "A One", "PA"), LocalityRow("PB-1", "B One", "PB")],
            practices=[],
        ),
        source="tests",
        by=SYSTEM,
    )
    from onestory.places.models import Locality, Partnership

    out: dict = {}
    for code in ("PA", "PB"):
        place = Partnership.objects.get(code=code)
        orgs = {}
        for suffix, name, kind in (
            ("ICB", "Integrated care board", "commissioner"),
            ("LA", "Borough council", "adult_social_care"),
            ("GP", "Green Surgery", "gp_practice"),
        ):
            org = f.organisation(f"{code}-{suffix}", f"{code} {name}", kind)
            org.partnership = place
            org.save(update_fields=["partnership"])
            orgs[suffix] = org
        out[code] = {
            "orgs": orgs,
            "commissioner": f.user(f"comm.{code.lower()}", role="commissioner", org=orgs["ICB"]),
        }
    initiative = Initiative.objects.create(name="Falls response service", kind="other")
    initiative.places.create(locality=Locality.objects.get(code="PA-1"), start_quarter="2024Q3")
    out["initiative"] = initiative
    return out


def first_version(parts, **change) -> dict:
    a = parts["PA"]["orgs"]
    return {
        "from_quarter": "2023Q1",
        "budget": "aligned",
        "host": "",
        "lead_commissioner": a["ICB"].code,
        "section75_schemes": ["carers_services"],
        "section75_sources": ["nhs_minimum", "council"],
        "record_sharers": [a["GP"].code],
        "mdt": "practice",
        "reason": "First record of the model",
        **change,
    }


def test_commissioner_records_versions_and_sees_what_changed_who_when_and_why(client):
    parts = two_partnerships()
    a = parts["PA"]["orgs"]
    initiative = str(parts["initiative"].external_id)
    client.force_login(parts["PA"]["commissioner"])
    form = reverse("integration-model-new", args=["PA"])
    page = client.get(form)
    assert page.status_code == 200 and "Falls response service" in page.content.decode()
    assert "PB Borough council" not in page.content.decode()  # only PA's organisations
    response = client.post(form, first_version(parts))
    assert response.status_code == 302 and response["Location"].endswith("/PA/?done=1")
    second = first_version(
        parts,
        from_quarter="2024Q3",
        budget="pooled",
        host=a["LA"].code,
        record_sharers=[a["GP"].code, a["LA"].code],
        mdt="neighbourhood",
        initiative=[initiative],
        reason="Pooled under the new section 75 agreement",
    )
    second[f"from-{initiative}"] = "2024q3"
    second[f"to-{initiative}"] = "2025Q2"
    assert client.post(form, second).status_code == 302
    # The form now starts from the latest version.
    assert f'value="{a["LA"].code}" selected' in client.get(form).content.decode()

    first, latest = IntegrationModel.objects.filter(partnership="PA").order_by("id")
    assert first.lead_commissioner_organisation == a["ICB"] and not first.host_organisation
    assert first.shared_records and list(first.record_sharers.all()) == [a["GP"]]
    assert latest.host_organisation == a["LA"] and latest.host == "PA Borough council"
    assert latest.spells.get().to_quarter == "2025Q2"
    event = AuditEvent.objects.filter(action="national.model_recorded").latest("id")
    assert event.detail["version"] == latest.pk and event.detail["host"] == a["LA"].code
    assert event.detail["initiatives"] == 1 and "reason" not in event.detail
    assert "Pooled under" not in str(event.detail)

    html = client.get(reverse("integration-model", args=["PA"]) + "?done=1").content.decode()
    assert "The new version of the model has been recorded." in html
    history = html[html.index('data-testid="version-2"') : html.index('data-testid="version-1"')]
    assert "Recorded by comm.pa" in history and "Pooled under the new section 75" in history
    changes = history[history.index('data-testid="changes-2"') :]
    assert "Host of the pooled budget" in changes and "PA Borough council" in changes
    assert "Aligned budgets" in changes and "Pooled budget" in changes
    assert "Falls response service (from 2024Q3 to 2025Q2)" in changes
    assert 'data-testid="record-change"' in html


def test_the_page_answers_what_model_the_partnership_had_in_a_quarter(client):
    parts = two_partnerships()
    a = parts["PA"]["orgs"]
    initiative = str(parts["initiative"].external_id)
    actions.record_model(partnership="PA", by=SYSTEM, **first_version(parts))
    actions.record_model(
        partnership="PA",
        by=SYSTEM,
        **first_version(
            parts,
            from_quarter="2024Q3",
            budget="pooled",
            host=a["LA"].code,
            initiatives=[InitiativeSpell(initiative, "2024Q4", "2025Q1")],
            reason="Pooled",
        ),
    )
    client.force_login(parts["PA"]["commissioner"])
    url = reverse("integration-model", args=["PA"])

    def model_at(quarter):
        html = client.get(url, {"quarter": quarter}).content.decode()
        if 'data-testid="model-at"' not in html:
            return None
        return html[html.index('data-testid="model-at"') :].split("</dl>")[0]

    assert model_at("2022Q4") is None
    assert "Aligned budgets" in model_at("2024Q2")
    in_q3 = model_at("2024Q3")
    assert "Pooled budget" in in_q3 and "Falls response service" not in in_q3
    assert "Falls response service (from 2024Q4 to 2025Q1)" in model_at("2025Q1")
    assert "Falls response service" not in model_at("2025Q2")
    response = client.get(url, {"quarter": "autumn"})
    assert response.status_code == 400 and "like 2025Q3" in response.content.decode()
    viewed = AuditEvent.objects.filter(action="national.model_viewed").latest("id")
    assert viewed.detail == {"partnership": "PA", "versions": 2, "quarter": ""}


def test_bad_input_is_named_by_field_and_nothing_is_recorded(client):
    parts = two_partnerships()
    b = parts["PB"]["orgs"]
    client.force_login(parts["PA"]["commissioner"])
    form = reverse("integration-model-new", args=["PA"])
    initiative = str(parts["initiative"].external_id)
    response = client.post(
        form,
        first_version(
            parts,
            from_quarter="2025-07",
            budget="pooled",
            lead_commissioner=b["ICB"].code,
            record_sharers=[b["GP"].code],
            initiative=[initiative],
            reason="",
        )
        | {f"from-{initiative}": "2025Q3", f"to-{initiative}": "2025Q1"},
    )
    body = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in body
    for words in (
        "Enter the quarter the model takes effect from, like 2025Q3",
        "A pooled budget needs a host",
        "The lead commissioner must be one of the partnership&#x27;s own organisations.",
        "Only the partnership&#x27;s own organisations can be listed as sharing records.",
        "The initiative cannot end before it started.",
        "Say why the model changed",
    ):
        assert words in body, words
    assert '<a href="#lead_commissioner">' in body and f'href="#initiative-{initiative}"' in body
    assert not IntegrationModel.objects.exists()
    assert not AuditEvent.objects.filter(action="national.model_recorded").exists()
    # The same model twice says nothing new.
    assert client.post(form, first_version(parts)).status_code == 302
    response = client.post(form, first_version(parts, reason="again"))
    assert response.status_code == 400 and "nothing different" in response.content.decode()


def test_national_analyst_reads_every_partnerships_model_but_cannot_change_it(client):
    parts = two_partnerships()
    actions.record_model(partnership="PA", by=SYSTEM, **first_version(parts))
    client.force_login(f.user("national.a", role="national_analyst", org=f.organisation("X26")))
    index = client.get(reverse("integration-models")).content.decode()
    assert "Partnership A" in index and "Partner B" in index
    html = client.get(reverse("integration-model", args=["PA"])).content.decode()
    assert "First record of the model" in html and 'data-testid="record-change"' not in html
    assert client.get(reverse("integration-model", args=["PB"])).status_code == 200
    assert client.get(reverse("integration-model-new", args=["PA"])).status_code == 403
    response = client.post(reverse("integration-model-new", args=["PA"]), first_version(parts))
    assert response.status_code == 403 and IntegrationModel.objects.count() == 1
    # Nor through the national models page, which says whose it is to record.
    response = client.post(
        reverse("national-models"), {"partnership": "PA"} | first_version(parts, mdt="none")
    )
    assert response.status_code == 400 and "its own commissioners record its model" in (
        response.content.decode()
    )
    assert IntegrationModel.objects.count() == 1


def test_league_table_links_each_place_to_its_model_in_that_quarter(client, tmp_path, capsys):
    from tests.integration.test_national import published_csv, run_cli

    assert run_cli(["national", "load", str(published_csv(tmp_path))], capsys)[0] == 0
    client.force_login(f.user("national.a", role="national_analyst", org=f.organisation("X26")))
    html = client.get(reverse("national"), {"quarter": "2025Q3"}).content.decode()
    assert 'href="/integration-model/P01/?quarter=2025Q3" data-testid="model-link-P01L01"' in html
    # P01 published but reported no model yet: its page says so.
    page = client.get("/integration-model/P01/", {"quarter": "2025Q3"})
    assert page.status_code == 200 and 'data-testid="no-model-at"' in page.content.decode()


def test_model_command_records_a_version_with_its_reason_and_sharers(capsys):
    from tests.integration.test_commissioning import run_cli

    parts = two_partnerships()
    a = parts["PA"]["orgs"]
    argv = ["national", "model", "--partnership", "PA", "--from", "2025Q1", "--budget"]
    code, out, err = run_cli(
        [*argv, "aligned", "--sharer", a["GP"].code, "--sharer", a["LA"].code,
         "--lead-commissioner", a["ICB"].name, "--reason", "First record"],
        capsys,
    )  # fmt: skip
    assert code == 0 and "PA from 2025Q1: Aligned budgets" in out, err
    model = IntegrationModel.objects.get()
    assert model.lead_commissioner_organisation == a["ICB"] and model.reason == "First record"
    assert model.shared_records and model.record_sharers.count() == 2
    # A lead commissioner from another partnership is named as the problem.
    code, _, err = run_cli(
        [*argv, "pooled", "--host", a["LA"].code, "--lead-commissioner",
         parts["PB"]["orgs"]["ICB"].code, "--reason", "Pooled"],
        capsys,
    )  # fmt: skip
    assert code == 2 and "lead_commissioner: The lead commissioner must be one of" in err
    assert "Traceback" not in err and IntegrationModel.objects.count() == 1


def test_model_page_queries_stay_flat_as_versions_grow(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    parts = two_partnerships()
    a = parts["PA"]["orgs"]
    client.force_login(parts["PA"]["commissioner"])
    url = reverse("integration-model", args=["PA"])

    def queries_for(n_versions):
        for n in range(IntegrationModel.objects.count(), n_versions):
            actions.record_model(
                partnership="PA",
                by=SYSTEM,
                **first_version(
                    parts,
                    from_quarter=f"{2020 + n}Q1",
                    mdt=("practice", "neighbourhood")[n % 2],
                    record_sharers=[a["GP"].code, a["LA"].code][: 1 + n % 2],
                ),
            )
        with CaptureQueriesContext(connection) as seen:
            assert client.get(url, {"quarter": "2022Q2"}).status_code == 200
        return len(seen)

    assert queries_for(2) == queries_for(6)
