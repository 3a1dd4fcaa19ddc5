"""The linkage review queue: uncertain pairs stored per run, the data-quality officer's page,
audited decisions that every later run applies as fixed constraints."""

import pytest
from django.urls import reverse

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.people.actions import current_constraints, decide_pair, run_linkage
from onestory.people.domain.clustering import Edge
from onestory.people.domain.linkage import DeterministicLinker
from onestory.people.models import LinkDecision, PersonLink, ReviewPair
from tests import factories as f

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")


class QueueingLinker(DeterministicLinker):
    """The deterministic rule, plus one pair it is unsure of (as Splink would report)."""

    def __init__(self, pair):
        super().__init__()
        self.pair = pair

    def cluster(self, records, constraints=None):
        out = super().cluster(records, constraints)
        cluster = {a.record_id: a.cluster for a in out}
        a, b = self.pair
        self.uncertain_pairs = [Edge(a, b, 0.8, "splink")] if cluster[a] != cluster[b] else []
        return out


@pytest.fixture
def pair():
    gp = f.source_record(f.source_system("gp"), given_name="Margaret", family_name="Hall")
    housing = f.source_record(
        f.source_system("housing"), given_name="Peggy", family_name="Hall-Gill", sex=""
    )
    return gp, housing


@pytest.fixture
def officer(client):
    user = f.user("dq.officer", role="data_quality_officer")
    client.force_login(user)
    return client


def person_of(record, run):
    return PersonLink.objects.get(run=run, record=record).person_id


def test_run_stores_uncertain_pairs_for_review(pair):
    gp, housing = pair
    run = run_linkage(by=SYSTEM, linker=QueueingLinker((gp.pk, housing.pk)))
    queued = ReviewPair.objects.get(run=run)
    assert (queued.record_a_id, queued.record_b_id) == (gp.pk, housing.pk)
    assert run.stats["review_pairs"] == 1


def test_review_page_shows_both_records_and_field_agreement(officer, pair):
    gp, housing = pair
    run_linkage(by=SYSTEM, linker=QueueingLinker((gp.pk, housing.pk)))
    queued = ReviewPair.objects.get()

    listing = officer.get(reverse("identity-review")).content.decode()
    assert listing.count('data-testid="review-pair"') == 1
    page = officer.get(reverse("identity-review-pair", args=[queued.pk])).content.decode()

    assert "Margaret" in page and "Peggy" in page
    assert "Listed as variants of one name." in page
    assert "Shares part of a double-barrelled name." in page
    assert 'data-outcome="agree"' in page  # date of birth and postcode agree
    viewed = AuditEvent.objects.get(action="people.view_review_pair")
    assert viewed.detail["records"] == [gp.pk, housing.pk]
    assert "Margaret" not in str(viewed.detail)


def test_link_decision_is_audited_and_applied_by_every_later_run(officer, pair):
    gp, housing = pair
    first = run_linkage(by=SYSTEM, linker=QueueingLinker((gp.pk, housing.pk)))
    assert person_of(gp, first) != person_of(housing, first)
    queued = ReviewPair.objects.get()

    response = officer.post(
        reverse("identity-review-pair", args=[queued.pk]),
        {"decision": "link", "reason": "Same person: housing uses her nickname"},
    )

    assert response.status_code == 302
    decision = LinkDecision.objects.get()
    assert decision.decided_by == "dq.officer" and decision.decision == "link"
    assert AuditEvent.objects.filter(action="people.decide_pair").count() == 1
    # decided pairs leave the queue
    assert (
        'data-testid="review-pair"' not in officer.get(reverse("identity-review")).content.decode()
    )
    for linker in (QueueingLinker((gp.pk, housing.pk)), DeterministicLinker()):
        run = run_linkage(by=SYSTEM, linker=linker)
        assert person_of(gp, run) == person_of(housing, run)
        assert PersonLink.objects.get(run=run, record=housing).rule == "review:link"
        assert not ReviewPair.objects.filter(run=run).exists()


def test_no_link_decision_keeps_records_apart_even_when_the_rule_joins_them():
    a = f.source_record(f.source_system("gp"), nhs_number="")
    b = f.source_record(f.source_system("acute"), nhs_number="")  # same demographics
    officer = Actor(id="user:1", label="dq", role="data_quality_officer")
    assert person_of(a, run_linkage(by=SYSTEM, linker=DeterministicLinker())) == person_of(
        b, run_linkage(by=SYSTEM, linker=DeterministicLinker())
    )

    decide_pair(by=officer, record_a=b.pk, record_b=a.pk, decision="no_link")
    run = run_linkage(by=SYSTEM, linker=DeterministicLinker())

    assert person_of(a, run) != person_of(b, run)
    assert current_constraints().cannot_link == {(a.pk, b.pk)}


def test_latest_decision_on_a_pair_wins(pair):
    gp, housing = pair
    officer = Actor(id="user:1", label="dq", role="data_quality_officer")
    decide_pair(by=officer, record_a=gp.pk, record_b=housing.pk, decision="no_link")
    decide_pair(by=officer, record_a=gp.pk, record_b=housing.pk, decision="link")
    c = current_constraints()
    assert c.must_link == {(gp.pk, housing.pk)} and not c.cannot_link


def test_review_pages_refuse_roles_without_review_permission(client, pair):
    client.force_login(f.user("dr.who", role="gp"))
    assert client.get(reverse("identity-review")).status_code == 403
    with pytest.raises(Exception, match="review linkage"):
        decide_pair(
            by=Actor(id="user:9", label="gp", role="gp"),
            record_a=pair[0].pk,
            record_b=pair[1].pk,
            decision="link",
        )


class TwoPairLinker(DeterministicLinker):
    """The deterministic rule, plus the given uncertain pairs (id, id, probability)."""

    def __init__(self, pairs):
        super().__init__()
        self.pairs = pairs

    def cluster(self, records, constraints=None):
        out = super().cluster(records, constraints)
        self.uncertain_pairs = [Edge(a, b, p, "splink") for a, b, p in self.pairs]
        return out


def test_review_queue_ordered_by_expected_harm_with_reason(officer):
    quiet_a = f.source_record(f.source_system("gp"), given_name="John", family_name="Quiet")
    quiet_b = f.source_record(f.source_system("housing"), given_name="Jon", family_name="Quiet")
    flagged_a = f.source_record(
        f.source_system("childrens"), given_name="Rosa", family_name="Flag", postcode="LS6 1AA"
    )
    flagged_b = f.source_record(
        f.source_system("community"), given_name="Rose", family_name="Flagg", postcode="LS6 1AB"
    )
    f.source_event(flagged_a, category="safeguarding", title="Child protection plan")
    # The quiet pair is the more likely and the more uncertain (0.5); the flagged one (0.3)
    # costs more if decided wrongly, so it comes first.
    run_linkage(
        by=SYSTEM,
        linker=TwoPairLinker([(quiet_a.pk, quiet_b.pk, 0.5), (flagged_a.pk, flagged_b.pk, 0.3)]),
    )

    page = officer.get(reverse("identity-review")).content.decode()

    first = page.index('data-testid="harm-reason"')
    assert page[first : first + 60].count("safeguarding") == 1
    assert "no activity recorded" in page[first + 60 :]
    assert 'data-testid="queue-estimate">2 pairs are waiting' in page
    assert "about 1 of them are the same person and about 1 are not" in page
    viewed = AuditEvent.objects.filter(action="people.view_review_queue").last()
    assert viewed.detail["open"] == 2


def test_review_batch_form_decides_each_pair_and_keeps_four_eyes(officer):
    from onestory.people.models import MergeRequest

    apart_a = f.source_record(f.source_system("gp"), given_name="Amy", family_name="Apart")
    apart_b = f.source_record(f.source_system("housing"), given_name="Ami", family_name="Apart")
    plain_a = f.source_record(
        f.source_system("community"), given_name="Bea", family_name="Plain", postcode="LS7 1AA"
    )
    plain_b = f.source_record(
        f.source_system("hospital"), given_name="Bee", family_name="Plain", postcode="LS7 1AA"
    )
    odd_a = f.source_record(
        f.source_system("social"), given_name="Cy", family_name="Odd", nhs_number=f.nhs_number(11)
    )
    odd_b = f.source_record(
        f.source_system("mental"), given_name="Si", family_name="Odd", nhs_number=f.nhs_number(12)
    )
    run_linkage(
        by=SYSTEM,
        linker=TwoPairLinker(
            [
                (apart_a.pk, apart_b.pk, 0.6),
                (plain_a.pk, plain_b.pk, 0.7),
                (odd_a.pk, odd_b.pk, 0.7),
            ]
        ),
    )
    ids = {
        (p.record_a_id, p.record_b_id): p.pk
        for p in ReviewPair.objects.filter(run__is_current=True)
    }
    url = reverse("identity-review-batch")

    refused = officer.post(url, {"decision": "no_link", "reason": "checked"})  # nothing chosen
    assert refused.status_code == 302 and not LinkDecision.objects.exists()

    officer.post(url, {"pair": [ids[(apart_a.pk, apart_b.pk)]], "decision": "no_link"})
    page = officer.post(
        url,
        {"pair": [ids[(plain_a.pk, plain_b.pk)], ids[(odd_a.pk, odd_b.pk)]], "decision": "link"},
        follow=True,
    ).content.decode()

    assert "1 pair decided. 1 merge of conflicting identities waits" in page
    decisions = {(d.record_a_id, d.record_b_id): d.decision for d in LinkDecision.objects.all()}
    assert decisions == {
        (apart_a.pk, apart_b.pk): LinkDecision.NO_LINK,
        (plain_a.pk, plain_b.pk): LinkDecision.LINK,
    }  # the conflicting pair is not decided: it waits for a second officer
    assert MergeRequest.objects.filter(status="pending").count() == 1
    assert AuditEvent.objects.filter(action="people.decide_pair").count() == 2
    assert page.count('data-testid="review-pair"') == 1  # only the waiting pair is left


def test_link_command_reports_queue_against_model_error_estimate(pair, capsys):
    import json

    from onestory.cli import main
    from onestory.people.commands import _error_estimate
    from onestory.people.models import LinkageRun

    gp, housing = pair
    run = run_linkage(by=SYSTEM, linker=QueueingLinker((gp.pk, housing.pk)))  # one pair at 0.8
    run.model = {"onestory": {"link_threshold": 0.95, "expected_false_links": 12.4}}
    run.save()
    estimate = _error_estimate(LinkageRun.objects.get(pk=run.pk))
    assert estimate["review_pairs"] == 1
    assert estimate["review_expected_matches"] == pytest.approx(0.8)
    assert estimate["review_expected_non_matches"] == pytest.approx(0.2)
    assert estimate["expected_false_links"] == 12.4

    with pytest.raises(SystemExit) as done:
        main(["link", "--json", "--method", "deterministic"])
    assert done.value.code == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["error_estimate"]["review_pairs"] == 0  # the rule queues nothing
    assert printed["error_estimate"]["link_threshold"] is None
