"""The identity pages and commands: a reviewer's link applied at once, merge by person id
or NHS number with a reason, unmerge of chosen records with a reason, and the person's
history of who did what, when and why."""

import getpass
from datetime import date

import pytest
from django.urls import reverse

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.cli import build_parser
from onestory.people.actions import run_linkage
from onestory.people.models import LinkDecision, Person, PersonLink, ReviewPair
from tests import factories as f
from tests.integration.test_identity_review import QueueingLinker

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
SYSTEM_CLI = f"cli:{getpass.getuser()}"  # the actor label `onestory identity` acts as


@pytest.fixture
def officer(client):
    client.force_login(f.user("dq.officer", role="data_quality_officer"))
    return client


@pytest.fixture
def people():
    """Margaret (GP + acute, one NHS number) and a housing record the rule leaves apart,
    queued for review as an uncertain pair."""
    nhs = f.nhs_number()
    gp = f.source_record(f.source_system("gp"), nhs_number=nhs, given_name="Margaret")
    acute = f.source_record(f.source_system("acute"), nhs_number=nhs, given_name="Margaret")
    housing = f.source_record(
        f.source_system("housing"), given_name="Peggy", date_of_birth=date(1950, 3, 13)
    )
    run_linkage(by=SYSTEM, linker=QueueingLinker((gp.pk, housing.pk)))
    return nhs, gp, acute, housing


def holder(record) -> Person:
    return PersonLink.objects.get(run__is_current=True, record=record).person


def page(client, person) -> str:
    return client.get(reverse("identity-person", args=[person.external_id])).content.decode()


def test_review_link_joins_the_two_people_at_once_and_shows_the_person(officer, people):
    _nhs, gp, acute, housing = people
    assert holder(gp) != holder(housing)
    pair = ReviewPair.objects.get()

    response = officer.post(
        reverse("identity-review-pair", args=[pair.pk]),
        {"decision": "link", "reason": "Peggy is her usual name"},
    )

    assert holder(gp) == holder(housing) == holder(acute)
    assert response.url == reverse("identity-person", args=[holder(gp).external_id])
    assert LinkDecision.objects.count() == 1  # the review's own decision, no second one
    shown = officer.get(response.url).content.decode()
    assert shown.count('data-testid="source-record"') == 3
    assert "Linked: both records now belong to this person." in shown
    assert "Reviewed: same person" in shown and "Peggy is her usual name" in shown
    assert AuditEvent.objects.filter(action="people.merge", detail__via="review").count() == 1


def test_review_no_link_leaves_people_apart(officer, people):
    _nhs, gp, _acute, housing = people
    response = officer.post(
        reverse("identity-review-pair", args=[ReviewPair.objects.get().pk]),
        {"decision": "no_link"},
    )
    assert response.url == reverse("identity-review")
    assert holder(gp) != holder(housing)


def test_identity_page_refuses_roles_without_review_permission(client, people):
    _nhs, gp, _acute, _housing = people
    client.force_login(f.user("dr.who", role="gp"))
    assert client.get(reverse("identity-person", args=[holder(gp).external_id])).status_code == 403
    assert client.get(reverse("identity-merge")).status_code == 403


def test_merge_page_finds_by_nhs_number_and_id_and_needs_a_reason(officer, people):
    nhs, gp, _acute, housing = people
    margaret, peggy = holder(gp), holder(housing)
    url = reverse("identity-merge")
    terms = {"first": f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}", "second": str(peggy.external_id)}

    shown = officer.get(url, terms).content.decode()
    assert 'data-testid="merge-first"' in shown and 'data-testid="merge-second"' in shown
    assert shown.count('data-testid="source-record"') == 3
    hidden = {"shown_first": str(margaret.external_id), "shown_second": str(peggy.external_id)}

    refused = officer.post(url, {**terms, **hidden, "reason": " "})
    assert refused.status_code == 400 and "Say why these are the same person." in (
        refused.content.decode()
    )
    assert holder(gp) != holder(housing)

    done = officer.post(url, {**terms, **hidden, "reason": "Same NHS number on a letter"})
    assert done.url == reverse("identity-person", args=[margaret.external_id])
    assert holder(housing) == margaret
    entry = LinkDecision.objects.get(via="merge")
    assert entry.reason == "Same NHS number on a letter" and entry.decided_by == "dq.officer"
    assert "Merged" in page(officer, margaret)


def test_merge_page_does_not_merge_people_other_than_those_shown(officer, people):
    nhs, gp, _acute, housing = people
    other = f.linked_person(f.source_record(given_name="Other", nhs_number=f.nhs_number()))
    response = officer.post(
        reverse("identity-merge"),
        {
            "first": nhs,
            "second": str(other.external_id),
            "shown_first": str(holder(gp).external_id),
            "shown_second": str(holder(housing).external_id),
            "reason": "same",
        },
    )
    assert response.status_code == 400
    assert not LinkDecision.objects.exists()


def test_merge_page_explains_unknown_people(officer, people):
    response = officer.get(reverse("identity-merge"), {"first": "1234", "second": "x"})
    text = response.content.decode()
    assert response.status_code == 400
    assert "passes its check" in text


def test_unmerge_on_identity_page_needs_records_and_a_reason(officer, people):
    _nhs, gp, acute, housing = people
    officer.post(
        reverse("identity-review-pair", args=[ReviewPair.objects.get().pk]), {"decision": "link"}
    )
    margaret = holder(gp)
    url = reverse("identity-person", args=[margaret.external_id])

    assert officer.post(url, {"record": [housing.pk]}).status_code == 400
    assert officer.post(url, {"reason": "wrong"}).status_code == 400
    everything = {"record": [gp.pk, acute.pk, housing.pk], "reason": "wrong"}
    assert officer.post(url, everything).status_code == 400
    assert holder(housing) == margaret

    response = officer.post(url, {"record": [housing.pk], "reason": "Born on another day"})

    assert response.url == url
    assert holder(gp) == holder(acute) == margaret
    assert holder(housing) != margaret
    shown = officer.get(url).content.decode()
    assert shown.count('data-testid="source-record"') == 2
    assert 'data-testid="split-person"' in shown
    history = shown.split('data-testid="history"')[1]
    # newest first: the unmerge (its three decisions are one entry), then the review
    assert history.index("Unmerged") < history.index("Reviewed: same person")
    assert history.count('data-testid="history-entry"') == 2
    assert "Born on another day" in history and "dq.officer" in history
    # the split-off person sees the same history
    assert "Born on another day" in page(officer, holder(housing))


def run_cli(*argv) -> int:
    args = build_parser().parse_args(list(argv))
    return args.handler(args)


def test_cli_merge_then_unmerge_round_trip(people, capsys):
    nhs, gp, acute, housing = people
    margaret, peggy = holder(gp), holder(housing)

    assert run_cli("identity", "merge", nhs, str(peggy.external_id), "--reason", "same") == 0
    assert holder(housing) == margaret
    assert f"Merged into person {margaret.external_id}" in capsys.readouterr().out

    key = f"{housing.system.code}:{housing.local_id}"
    code = run_cli(
        "identity", "unmerge", str(margaret.external_id), "--record", key, "--reason", "no"
    )
    assert code == 0
    assert holder(housing) == peggy  # the merged-away person comes back
    assert holder(gp) == holder(acute) == margaret
    vias = set(LinkDecision.objects.values_list("via", "decided_by"))
    assert vias == {("merge", SYSTEM_CLI), ("unmerge", SYSTEM_CLI)}


def test_cli_refuses_unknown_records_and_people(people, capsys):
    _nhs, gp, _acute, _housing = people
    person = str(holder(gp).external_id)
    assert run_cli("identity", "unmerge", person, "--record", "gp:NOPE:1", "--reason", "x") == 2
    assert "No source record 'gp:NOPE:1'" in capsys.readouterr().out
    assert run_cli("identity", "merge", person, "1234", "--reason", "x") == 2
    assert not LinkDecision.objects.exists()
