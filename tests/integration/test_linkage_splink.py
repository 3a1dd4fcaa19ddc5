"""The Splink engine end to end on a small generated borough: synth → import → link, scored
against the generator's truth."""

import csv

import pytest

from onestory.audit.domain.actor import Actor
from onestory.people.actions import run_linkage
from onestory.people.domain.comparisons import pairwise_score
from onestory.people.engines.splink_linker import SplinkLinker
from onestory.people.models import PersonLink
from onestory.sources.actions import import_path
from onestory.sources.models import SourceRecord
from onestory.synthetic import REFERENCE_DATE, generate

pytestmark = pytest.mark.django_db
BY = Actor.system("test")
PEOPLE = 400


@pytest.fixture(scope="module")
def borough(tmp_path_factory):
    out = tmp_path_factory.mktemp("borough")
    generate(PEOPLE, 5, out)
    return out


def truth_of(out):
    with (out / "truth.csv").open(newline="", encoding="utf-8") as f:
        by_key = {(r["system"], r["local_id"]): r["person_id"] for r in csv.DictReader(f)}
    return {
        pk: by_key[(code, local)]
        for pk, code, local in SourceRecord.objects.values_list("id", "system__code", "local_id")
        if (code, local) in by_key
    }


def test_splink_run_links_borough_with_high_precision_and_recall(borough):
    import_path(borough, by=BY, today=REFERENCE_DATE)
    run = run_linkage(by=BY, linker=SplinkLinker())

    assert run.method == "splink-v1"
    links = PersonLink.objects.filter(run=run).values_list("record_id", "person_id")
    score = pairwise_score(links, truth_of(borough))
    assert score.precision >= 0.995
    assert score.f1 >= 0.98
    assert run.stats["by_rule"].get("splink", 0) > 0  # records no NHS number could link
