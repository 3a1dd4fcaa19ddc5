"""Households and relationships resolved over the current person index."""

from datetime import date

import pytest

from onestory.audit.domain.actor import Actor
from onestory.people.actions import run_linkage
from onestory.people.domain.linkage import DeterministicLinker
from onestory.people.households import household_of, relationships_of
from onestory.people.models import PersonLink
from onestory.sources.models import SourceRelationship
from tests import factories as f

pytestmark = pytest.mark.django_db
BY = Actor.system("test")


def person(record, run):
    return PersonLink.objects.get(run=run, record=record).person_id


def test_household_and_relationships_resolve_to_people():
    housing = f.source_system("housing", "L4721")
    gp = f.source_system("gp")
    ann = f.source_record(gp, nhs_number=f.nhs_number(), address="Flat 2, 9 Mill Lane, Leeds")
    bob = f.source_record(
        housing,
        local_id="T2",
        given_name="Bob",
        date_of_birth=date(1948, 7, 1),
        address="Flat 2, 9 Mill Lane",
        sex="male",
    )
    ann_housing = f.source_record(housing, local_id="T1", address="Flat 2, 9 Mill Lane")
    f.source_record(gp, given_name="Cy", family_name="Next", address="Flat 3, 9 Mill Lane")
    SourceRelationship.objects.create(
        system=housing, record=ann_housing, relationship="household_member", related_local_id="T2"
    )
    SourceRelationship.objects.create(
        system=gp,
        record=ann,
        relationship="next_of_kin",
        related_name="Mr Bob Example",
        details={"relationship": "Partner"},
    )
    run = run_linkage(by=BY, linker=DeterministicLinker())
    a, b = person(ann, run), person(bob, run)
    assert person(ann_housing, run) == a

    assert household_of(a) == [b]  # not the neighbour in flat 3
    rels = {(r.kind, r.detail, r.person_id) for r in relationships_of(a)}
    assert rels == {("household_member", "", b), ("next_of_kin", "Partner", b)}


def test_record_page_household_is_the_person_index_household():
    """The record page's household card lists the people `household_of` finds (an address
    written another way still counts), not someone who has since moved away, and records
    at the address that nobody holds yet by name."""
    from onestory.record import queries as record_queries

    gp = f.source_system("gp")
    housing = f.source_system("housing")
    ann = f.source_record(gp, nhs_number=f.nhs_number(), address="Flat 2, 9 Mill Lane, Leeds")
    bob = f.source_record(
        housing,
        given_name="Bob",
        family_name="Mill",
        date_of_birth=date(1948, 7, 1),
        address="Flat 2 9 Mill Ln",
    )
    # Cy's old address is Ann's; two of Cy's three records say Cy lives elsewhere now.
    cy_records = [
        f.source_record(
            gp,
            given_name="Cy",
            family_name="Moved",
            nhs_number=nhs,
            address=address,
            postcode=postcode,
        )
        for nhs in [f.nhs_number()]
        for address, postcode in (
            ("Flat 2, 9 Mill Lane", "LS2 5ZN"),
            ("4 New Road", "LS6 1AA"),
            ("4 New Road, Leeds", "LS6 1AA"),
        )
    ]
    run = run_linkage(by=BY, linker=DeterministicLinker())
    assert household_of(person(ann, run)) == [person(bob, run)]
    assert person(cy_records[0], run) == person(cy_records[1], run)
    lodger = f.source_record(
        f.source_system("voluntary"),
        given_name="Lodger",
        family_name="Jones",
        address="flat 2, 9 mill lane",
        date_of_birth=date(1990, 1, 1),
    )

    record = record_queries.get_person_record(
        PersonLink.objects.get(run=run, record=ann).person.external_id, by=BY
    )

    names = {(h.name, h.person_id is not None) for h in record.household}
    assert names == {("Bob Mill", True), ("Lodger Jones", False)}
    assert lodger.pk not in PersonLink.objects.filter(run=run).values_list("record", flat=True)
