"""The authorisation matrix for the identity pages: every staff role × every identity page
(review queue, a queued pair, a person's identity, the merge page, a merge request) × with
or without a relationship to the person × with or without the person's refusal of the
caller's organisation.

Identity work is by permission, not by relationship: only a role with REVIEW_LINKAGE (the
data-quality officer) opens these pages, and it needs no relationship (it must see both
records of a pair to decide it; every read is audited). Everyone else is refused, and the
refusal shows nothing about the person. The expected outcome is written here from that
rule, not read from the code."""

from datetime import date

import pytest

from onestory.access.domain.roles import ROLES
from onestory.access.models import OrganisationKind
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.people.actions import run_linkage
from onestory.people.merge_actions import request_merge
from onestory.people.models import PersonLink, ReviewPair
from tests import factories as f
from tests.integration.test_identity_review import QueueingLinker

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
REVIEWERS = {"data_quality_officer"}
PAGES = ("review_queue", "review_pair", "identity", "merge", "merge_request")
DOB = date(1947, 7, 14)


def _setup():
    nhs_a = f.nhs_number()
    nhs_b = f.nhs_number(int(nhs_a[3:9]) + 1)  # the next valid number, never the same
    gp = f.source_record(
        f.source_system("gp"),
        nhs_number=nhs_a,
        given_name="Margaret",
        family_name="Oldroyd",
        date_of_birth=DOB,
    )
    housing = f.source_record(
        f.source_system("housing"),
        nhs_number=nhs_b,
        given_name="Margaret",
        family_name="Oldroyd",
        sex="male",
        date_of_birth=date(1960, 1, 2),
    )
    run_linkage(by=SYSTEM, linker=QueueingLinker((gp.pk, housing.pk)))
    a = PersonLink.objects.get(run__is_current=True, record=gp).person
    b = PersonLink.objects.get(run__is_current=True, record=housing).person
    asked = request_merge(
        by=Actor(id="user:0", label="someone", role="data_quality_officer"),
        people=(a.pk, b.pk),
        reason="same",
    )
    return a, nhs_a, nhs_b, ReviewPair.objects.get(), asked


def _url(page, person, nhs_a, nhs_b, pair, asked):
    return {
        "review_queue": "/identity/review/",
        "review_pair": f"/identity/review/{pair.pk}/",
        "identity": f"/identity/people/{person.external_id}/",
        "merge": f"/identity/merge/?first={nhs_a}&second={nhs_b}",
        "merge_request": f"/identity/merge/{asked.pk}/",
    }[page]


@pytest.mark.parametrize("refused", [False, True], ids=["not_refused", "refused"])
@pytest.mark.parametrize("related", [True, False], ids=["related", "unrelated"])
@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", sorted(ROLES))
def test_identity_authorisation_matrix(client, role, page, related, refused):
    person, nhs_a, nhs_b, pair, asked = _setup()
    org = f.organisation(f"I-{role}"[:20], f"Identity {role}", OrganisationKind.COMMISSIONER)
    user = f.user(f"identity.{role}", role=role, org=org)
    if related:
        f.care_team(person, user, reason="Matrix: in the care team")
    if refused:
        f.sharing_choice(person, org, decision="refuse")
    client.force_login(user)

    response = client.get(_url(page, person, nhs_a, nhs_b, pair, asked))
    body = response.content.decode()
    events = AuditEvent.objects.filter(actor_id=f"user:{user.pk}")
    if role in REVIEWERS:
        assert response.status_code == 200, body[:300]
        assert "Oldroyd" in body  # the queue too: names side by side, for this role only
        if page == "review_queue":
            assert nhs_a in body and nhs_b in body and "14 July 1947" in body
        assert events.filter(action__startswith="people.view").exists()
        return
    assert response.status_code == 403, body[:300]
    assert "oldroyd" not in body.lower()
    assert nhs_a not in body and nhs_b not in body and "14 July 1947" not in body
    assert not events.filter(action__startswith="people.view").exists()


def test_identity_merge_request_forms_refuse_roles_without_review_permission(client):
    person, _nhs_a, _nhs_b, _pair, asked = _setup()
    for role in sorted(set(ROLES) - REVIEWERS):
        client.force_login(f.user(f"post.{role}", role=role))
        for action in ("confirm", "refuse", "withdraw"):
            response = client.post(f"/identity/merge/{asked.pk}/", {"action": action, "note": "no"})
            assert response.status_code == 403, (role, action)
    asked.refresh_from_db()
    assert asked.pending


def test_identity_review_batch_refuses_roles_without_review_permission(client):
    from onestory.people.models import LinkDecision

    _person, _nhs_a, _nhs_b, pair, _asked = _setup()
    for role in sorted(set(ROLES) - REVIEWERS):
        client.force_login(f.user(f"batch.{role}", role=role))
        for decision in ("link", "no_link"):
            response = client.post(
                "/identity/review/batch/", {"pair": [pair.pk], "decision": decision}
            )
            assert response.status_code == 403, (role, decision)
            assert "oldroyd" not in response.content.decode().lower()
    assert not LinkDecision.objects.exists()
