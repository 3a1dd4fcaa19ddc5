"""Real-time linkage: one new source record linked against the current index at once."""

import time
from datetime import date

import pytest

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.people.actions import run_linkage
from onestory.people.domain.linkage import DeterministicLinker
from onestory.people.engines.splink_linker import SplinkLinker
from onestory.people.models import LinkageRun, Person, PersonLink
from onestory.people.realtime_actions import link_new_record, link_new_records
from onestory.sources.actions import import_path
from onestory.sources.models import SourceRecord
from onestory.synthetic import REFERENCE_DATE, generate
from tests import factories as f

pytestmark = pytest.mark.django_db
BY = Actor.system("test")


@pytest.fixture(scope="module")
def borough(tmp_path_factory):
    out = tmp_path_factory.mktemp("borough")
    generate(300, 9, out)
    return out


def copy_without_nhs_number(source: SourceRecord, **changes) -> SourceRecord:
    fields = {
        "given_name": source.given_name,
        "family_name": source.family_name,
        "date_of_birth": source.date_of_birth,
        "sex": "",
        "postcode": source.postcode,
        "address": source.address,
        "nhs_number": "",
    }
    fields.update(changes)
    return f.source_record(f.source_system("voluntary", "VS0999"), **fields)


def test_new_record_links_to_the_right_person_with_the_trained_model(borough):
    import_path(borough, by=BY, today=REFERENCE_DATE)
    run = run_linkage(by=BY, linker=SplinkLinker())
    assert run.model["comparisons"]  # the trained model is kept on the run
    gp = SourceRecord.objects.filter(system__kind="gp").exclude(date_of_birth=None).first()
    person = PersonLink.objects.get(run=run, record=gp).person_id
    family = gp.family_name[:-1] + ("a" if gp.family_name[-1] != "a" else "e")  # a typo
    newcomer = copy_without_nhs_number(gp, family_name=family)

    started = time.perf_counter()
    link = link_new_record(by=BY, record=newcomer)
    seconds = time.perf_counter() - started

    assert link.person_id == person and link.rule == "realtime:splink"
    assert link.match_probability >= 0.99
    assert link.run.is_current and LinkageRun.objects.count() == 1  # no batch re-run
    assert seconds < 5
    assert link_new_record(by=BY, record=newcomer) == link  # idempotent
    event = AuditEvent.objects.get(action="people.link_record")
    assert event.detail["person"] == person
    assert gp.family_name not in str(event.detail)


def test_new_record_of_a_stranger_becomes_a_new_person(borough):
    import_path(borough, by=BY, today=REFERENCE_DATE)
    run_linkage(by=BY, linker=SplinkLinker())
    people = Person.objects.count()
    stranger = f.source_record(
        given_name="Zebedee", family_name="Quartermaine", date_of_birth=date(1931, 1, 2)
    )
    link = link_new_record(by=BY, record=stranger)
    assert Person.objects.count() == people + 1 and link.rule == "realtime:unlinked"


def test_new_record_on_a_rule_based_run_uses_the_deterministic_rule():
    nhs = f.nhs_number()
    a = f.source_record(f.source_system("gp"), nhs_number=nhs)
    run = run_linkage(by=BY, linker=DeterministicLinker())
    by_number = link_new_record(
        by=BY, record=f.source_record(f.source_system("acute"), nhs_number=nhs)
    )
    by_demographics = link_new_record(by=BY, record=f.source_record(f.source_system("housing")))
    person = PersonLink.objects.get(run=run, record=a).person_id
    assert by_number.person_id == by_demographics.person_id == person
    assert by_number.rule == "realtime:nhs_number"


def test_link_new_records_links_a_trickle_and_leaves_a_batch():
    nhs = f.nhs_number()
    f.source_record(f.source_system("gp"), nhs_number=nhs)
    run_linkage(by=BY, linker=DeterministicLinker())
    f.source_record(f.source_system("acute"), nhs_number=nhs)
    f.source_record(f.source_system("housing"))

    assert link_new_records(by=BY, max_records=1) == 0  # two waiting: too many for a trickle
    assert link_new_records(by=BY) == 2
    assert PersonLink.objects.filter(run__is_current=True).values("person").distinct().count() == 1
    assert link_new_records(by=BY) == 0


def test_realtime_actions_old_import_path_still_resolves():
    from onestory.people import actions, realtime_actions

    assert actions.link_new_record is realtime_actions.link_new_record
    assert actions.link_new_records is realtime_actions.link_new_records
