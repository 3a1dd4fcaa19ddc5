"""Merges that cannot join two different people silently: conflicting identities (different
valid NHS numbers, dates of birth more than a transposition apart, different sex) are shown
side by side and wait for a second officer's confirmation; every merge keeps the evidence it
rests on, and the person page says who merged a record, when and why."""

from datetime import date

import pytest
from django.urls import reverse

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.people.actions import ConflictingIdentities, merge_people, run_linkage
from onestory.people.domain.linkage import DeterministicLinker
from onestory.people.merge_actions import (
    confirm_merge,
    decline_merge,
    link_on_review,
    request_merge,
)
from onestory.people.models import LinkDecision, MergeRequest, PersonLink
from tests import factories as f
from tests.integration.test_identity_pages import run_cli

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
FIRST = Actor(id="user:7", label="dq.one", role="data_quality_officer")
SECOND = Actor(id="user:8", label="dq.two", role="data_quality_officer")


@pytest.fixture
def conflicting():
    """Two people whose records disagree on NHS number, date of birth and sex."""
    nhs_a = f.nhs_number()
    nhs_b = f.nhs_number(int(nhs_a[3:9]) + 1)  # the next valid number, never the same
    a = f.source_record(
        f.source_system("gp"), nhs_number=nhs_a, given_name="Jo", date_of_birth=date(1950, 3, 31)
    )
    b = f.source_record(
        f.source_system("housing"),
        nhs_number=nhs_b,
        given_name="Jo",
        sex="male",
        date_of_birth=date(1962, 7, 2),
    )
    run_linkage(by=SYSTEM, linker=DeterministicLinker())
    return a, b, nhs_a, nhs_b


def holder(record) -> int:
    return PersonLink.objects.get(run__is_current=True, record=record).person_id


def actions_logged() -> list[str]:
    return list(
        AuditEvent.objects.filter(action__startswith="people.merge")
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_conflicting_merge_is_refused_without_the_second_confirmation(conflicting):
    a, b, *_ = conflicting
    people = (holder(a), holder(b))
    with pytest.raises(ConflictingIdentities, match="second officer"):
        merge_people(by=FIRST, people=people, reason="same person")
    assert not MergeRequest.objects.exists()

    asked = request_merge(by=FIRST, people=people, reason="same person")
    assert asked.pending and asked.conflicts == ["nhs_number", "date_of_birth", "sex"]
    assert holder(a) != holder(b)  # nothing merged yet
    assert not LinkDecision.objects.exists()
    with pytest.raises(ValueError, match="different officer"):
        confirm_merge(by=FIRST, request_id=asked.pk)
    assert holder(a) != holder(b)

    done = confirm_merge(by=SECOND, request_id=asked.pk)
    assert done.status == MergeRequest.MERGED and done.decided_by == "dq.two"
    assert holder(a) == holder(b)
    assert actions_logged() == ["people.merge_requested", "people.merge"]
    merged = AuditEvent.objects.get(action="people.merge")
    assert merged.detail["merge_request"] == asked.pk and merged.detail["confirmed"] is True
    requested = AuditEvent.objects.get(action="people.merge_requested")
    assert requested.detail["conflicts"] == ["nhs_number", "date_of_birth", "sex"]
    assert a.nhs_number not in str(requested.detail) + str(merged.detail)
    with pytest.raises(ValueError, match="already been decided"):
        confirm_merge(by=SECOND, request_id=asked.pk)


def test_conflicting_merge_refused_or_withdrawn_merges_nothing(conflicting):
    a, b, *_ = conflicting
    people = (holder(a), holder(b))
    refused = request_merge(by=FIRST, people=people, reason="same person")
    with pytest.raises(ValueError, match="Say why"):
        decline_merge(by=SECOND, request_id=refused.pk)
    decline_merge(by=SECOND, request_id=refused.pk, note="different people")
    withdrawn = request_merge(by=FIRST, people=people, reason="same person")
    decline_merge(by=FIRST, request_id=withdrawn.pk)
    statuses = dict(MergeRequest.objects.values_list("pk", "status"))
    assert statuses == {refused.pk: "refused", withdrawn.pk: "withdrawn"}
    assert holder(a) != holder(b)
    assert actions_logged() == [
        "people.merge_requested",
        "people.merge_refused",
        "people.merge_requested",
        "people.merge_withdrawn",
    ]


def test_merge_without_conflicts_is_made_at_once_and_keeps_its_evidence():
    nhs = f.nhs_number()
    a = f.source_record(f.source_system("gp"), nhs_number=nhs)
    b = f.source_record(f.source_system("housing"), date_of_birth=date(1950, 3, 13))
    run_linkage(by=SYSTEM, linker=DeterministicLinker())
    made = request_merge(by=FIRST, people=(holder(a), holder(b)), reason="same person")
    assert made.status == MergeRequest.MERGED and holder(a) == holder(b)
    evidence = {e["field"]: e["outcome"] for e in made.evidence}
    assert evidence["Given name"] == "agree" and evidence["Sex"] == "agree"
    assert evidence["Date of birth"] == "disagree"  # 31 and 13: a swap, not a conflict
    assert evidence["NHS number"] == "missing"
    assert "1950" not in str(made.evidence)


def test_cli_refuses_a_conflicting_merge(conflicting, capsys):
    a, b, nhs_a, nhs_b = conflicting
    assert run_cli("identity", "merge", nhs_a, nhs_b, "--reason", "same") == 2
    assert "second officer" in capsys.readouterr().out
    assert holder(a) != holder(b) and not LinkDecision.objects.exists()


# ---------------------------------------------------------------------------- pages


@pytest.fixture
def officers(client):
    from django.test import Client

    one = f.user("dq.one", role="data_quality_officer", first_name="Dana", last_name="Smith")
    two = f.user("dq.two", role="data_quality_officer", first_name="Sam", last_name="Patel")
    client.force_login(one)
    other = Client()
    other.force_login(two)
    return client, other


def test_merge_request_form_needs_a_second_officer_then_merges(officers, conflicting):
    first, second = officers
    a, b, nhs_a, nhs_b = conflicting
    url = reverse("identity-merge")
    terms = {"first": nhs_a, "second": nhs_b}
    shown = first.get(url, terms).content.decode()
    assert 'data-testid="conflicts"' in shown
    assert nhs_a in shown and nhs_b in shown and "31 March 1950" in shown and "2 July 1962" in shown
    assert "Ask a second officer to confirm" in shown

    hidden = {
        "shown_first": str(
            PersonLink.objects.get(run__is_current=True, record=a).person.external_id
        ),
        "shown_second": str(
            PersonLink.objects.get(run__is_current=True, record=b).person.external_id
        ),
    }
    asked = first.post(url, {**terms, **hidden, "reason": "Same person: a mistyped number"})
    request = MergeRequest.objects.get()
    assert asked.url == reverse("identity-merge-request", args=[request.pk])
    assert holder(a) != holder(b)

    mine = first.get(asked.url).content.decode()
    assert 'data-testid="own-request"' in mine and 'value="confirm"' not in mine
    refused = first.post(asked.url, {"action": "confirm"})
    assert refused.status_code == 400 and holder(a) != holder(b)

    queue = second.get(reverse("identity-review")).content.decode()
    assert 'data-testid="pending-merges"' in queue and asked.url in queue
    theirs = second.get(asked.url).content.decode()
    assert 'value="confirm"' in theirs and 'data-testid="conflict"' in theirs
    done = second.post(asked.url, {"action": "confirm"})
    assert done.status_code == 302 and holder(a) == holder(b)
    person = second.get(done.url).content.decode()
    assert "identities conflicted" in person and 'data-testid="merge-evidence"' in person
    assert "Linked by" in person and ">unlinked<" not in person
    assert "Merged by Sam Patel on" in person and "Same person: a mistyped number" in person


def test_merge_request_form_refuse_with_a_reason(officers, conflicting):
    first, second = officers
    a, b, *_ = conflicting
    request = request_merge(
        by=Actor(
            id=f"user:{first.session['_auth_user_id']}", label="dq.one", role="data_quality_officer"
        ),
        people=(holder(a), holder(b)),
        reason="same",
    )
    url = reverse("identity-merge-request", args=[request.pk])
    bad = second.post(url, {"action": "refuse", "note": "born 02/07/1962, not her"})
    assert bad.status_code == 400 and "Remove the date" in bad.content.decode()
    ok = second.post(url, {"action": "refuse", "note": "Two different people"})
    assert ok.url == reverse("identity-review")
    request.refresh_from_db()
    assert request.status == MergeRequest.REFUSED and holder(a) != holder(b)


def test_merge_page_refuses_a_reason_holding_an_nhs_number(officers, conflicting):
    first, _ = officers
    a, b, nhs_a, nhs_b = conflicting
    hidden = {
        "shown_first": str(
            PersonLink.objects.get(run__is_current=True, record=a).person.external_id
        ),
        "shown_second": str(
            PersonLink.objects.get(run__is_current=True, record=b).person.external_id
        ),
    }
    response = first.post(
        reverse("identity-merge"),
        {"first": nhs_a, "second": nhs_b, **hidden, "reason": f"NHS {nhs_a} is right"},
    )
    assert response.status_code == 400 and "Remove the NHS number" in response.content.decode()
    assert not MergeRequest.objects.exists()


def test_person_page_says_who_merged_a_record_not_unlinked(officers):
    first, _ = officers
    nhs = f.nhs_number()
    a = f.source_record(f.source_system("gp"), nhs_number=nhs)
    b = f.source_record(f.source_system("housing"), date_of_birth=date(1950, 3, 13))
    run_linkage(by=SYSTEM, linker=DeterministicLinker())
    user_id = first.session["_auth_user_id"]
    by = Actor(id=f"user:{user_id}", label="dq.one", role="data_quality_officer")
    merge_people(by=by, people=(holder(a), holder(b)), reason="Same GP letter")
    person = PersonLink.objects.get(run__is_current=True, record=a).person
    text = first.get(reverse("identity-person", args=[person.external_id])).content.decode()
    assert "Merged by Dana Smith on" in text and "Same GP letter" in text
    assert ">unlinked<" not in text


def test_review_queue_shows_its_size_against_the_models_estimated_errors(officers):
    from onestory.people.models import LinkageRun
    from tests.integration.test_identity_review import QueueingLinker

    first, _ = officers
    a = f.source_record(f.source_system("gp"), given_name="Margaret", family_name="Hall")
    b = f.source_record(
        f.source_system("housing"), given_name="Peggy", family_name="Hall-Gill", sex=""
    )
    run = run_linkage(by=SYSTEM, linker=QueueingLinker((a.pk, b.pk)))
    extras = {"link_threshold": 0.93, "expected_false_links": 2.4, "expected_missed_links": 11.6}
    LinkageRun.objects.filter(pk=run.pk).update(model={"onestory": extras})
    text = first.get(reverse("identity-review")).content.decode()
    assert 'data-testid="queue-against-errors"' in text
    assert "0.930 or more" in text and "about 2 of its joins" in text
    assert "about 12 true matches" in text and "1 pair is waiting here" in text


def test_review_same_person_on_conflicting_identities_waits_for_a_second_officer(conflicting):
    """A reviewer's "same person" on a queued pair is a merge too: when the two people's
    identities conflict it waits for a second officer, and nothing is joined or decided."""
    a, b, _nhs_a, _nhs_b = conflicting
    people_before = (holder(a), holder(b))
    request = link_on_review(by=FIRST, record_a=a.pk, record_b=b.pk, reason="Looks like her")
    assert request is not None and request.status == MergeRequest.PENDING
    assert set(request.conflicts) >= {"nhs_number", "date_of_birth", "sex"}
    assert (holder(a), holder(b)) == people_before and holder(a) != holder(b)
    assert not LinkDecision.objects.exists()
    confirm_merge(by=SECOND, request_id=request.pk)
    assert holder(a) == holder(b)


def test_review_same_person_without_conflicts_joins_at_once():
    nhs = f.nhs_number()
    a = f.source_record(f.source_system("gp"), nhs_number=nhs, given_name="Jo")
    b = f.source_record(
        f.source_system("housing"),
        nhs_number="",
        given_name="Joanne",
        family_name="Smithers",
        postcode="LS9 9ZZ",
    )
    run_linkage(by=SYSTEM, linker=DeterministicLinker())
    assert holder(a) != holder(b)
    assert link_on_review(by=FIRST, record_a=a.pk, record_b=b.pk) is None
    assert holder(a) == holder(b)
    assert LinkDecision.objects.get().decision == LinkDecision.LINK
