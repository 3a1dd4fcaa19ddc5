"""The provenance rules of care-plan statements, and the property that matters most: no
sequence of proposals, edits, confirmations and restores ever shows a statement as the
person's words unless the person (or their representative) wrote or confirmed exactly its
current words, with no professional change since."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onestory.planning.domain import provenance as p
from onestory.planning.domain.diff import compare
from onestory.planning.domain.sections import SECTIONS, section, sections_for

PERSON = p.Author(p.PERSON, "The person")
REP = p.Author(p.REPRESENTATIVE, "Jean Oldroyd")
SW = p.Author(p.PROFESSIONAL, "Sam Social Worker")
GP = p.Author(p.PROFESSIONAL, "Dr Jones")
IMPORT = p.Author(p.IMPORTED, "Leeds Community Health")


def test_write_by_professional_is_a_draft():
    s = p.write("I like to get up late.", by=SW)
    assert s.status == p.DRAFT
    assert p.voice(s) == p.NOT_CONFIRMED
    assert p.mark(s, person_name="Margaret").label == (
        "Draft by Sam Social Worker — not yet confirmed"
    )


def test_write_by_person_is_their_own_words():
    s = p.write("I like to get up late.", by=PERSON)
    assert p.voice(s) == p.OWN_WORDS
    assert p.mark(s, person_name="Margaret").label == "In Margaret's own words"
    assert p.mark(s, person_name="Margaret", you=True).label == "In your own words"


def test_write_by_representative_is_on_their_behalf():
    s = p.write("Mum likes her tea strong.", by=REP)
    assert p.voice(s) == p.ON_BEHALF
    assert p.mark(s, person_name="Margaret").label == "Written by Jean Oldroyd on their behalf"


def test_confirm_by_person_makes_a_draft_their_words():
    s = p.confirm(p.write("I like to get up late.", by=SW), by=PERSON)
    assert p.voice(s) == p.OWN_WORDS
    assert "drafted by Sam Social Worker, confirmed" in p.mark(s, person_name="M").label


def test_confirm_by_professional_is_refused():
    with pytest.raises(p.ProvenanceError, match="Only the person"):
        p.confirm(p.write("I like to get up late.", by=SW), by=GP)


def test_edit_of_confirmed_statement_by_professional_returns_it_to_draft():
    s = p.write("I like to get up late.", by=PERSON)
    s = p.edit(s, "I like to get up at 9.", by=SW)
    assert s.status == p.DRAFT and p.voice(s) == p.NOT_CONFIRMED


def test_edit_with_unchanged_words_changes_nothing():
    s = p.write("I like to get up late.", by=PERSON)
    assert p.edit(s, "  I like to get up   late. ", by=SW) is s


def test_restore_by_professional_of_confirmed_words_is_a_draft():
    old = p.write("I like to get up late.", by=PERSON)
    now = p.edit(old, "I get up early now.", by=PERSON)
    back = p.restore(now, old, by=SW)
    assert back.text == old.text and p.voice(back) == p.NOT_CONFIRMED


def test_imported_statement_is_a_draft_marked_with_its_source():
    s = p.write("Needs help with medication.", by=IMPORT)
    assert p.voice(s) == p.NOT_CONFIRMED
    assert p.mark(s, person_name="M").label.startswith("Draft imported from Leeds Community")


def test_empty_statement_is_refused():
    with pytest.raises(p.ProvenanceError):
        p.write("   ", by=PERSON)


def test_share_counts_statements_by_voice():
    statements = [
        p.write("a", by=PERSON),
        p.write("b", by=REP),
        p.write("c", by=SW),
        p.write("d", by=SW),
    ]
    share = p.share(statements)
    assert (share.own_words, share.on_behalf, share.drafts) == (1, 1, 2)
    assert share.percent_own_words == 25.0 and share.percent_persons == 50.0
    assert p.share([]).percent_own_words == 0.0


def test_author_kind_for_role_maps_staff_to_professional():
    assert p.author_kind_for_role("person") == p.PERSON
    assert p.author_kind_for_role("representative") == p.REPRESENTATIVE
    assert p.author_kind_for_role("system") == p.IMPORTED
    assert p.author_kind_for_role("gp") == p.PROFESSIONAL


def test_sections_follow_prsb_headings():
    titles = [s.title for s in SECTIONS]
    assert "How I communicate and how to communicate with me" in titles
    assert "How and when to support me" in titles
    assert "My contingency and crisis plan" in titles
    assert "carer_needs" not in {s.code for s in sections_for("person")}
    assert "carer_needs" in {s.code for s in sections_for("carer")}
    with pytest.raises(ValueError, match="unknown section"):
        section("nope")


def test_compare_marks_added_and_removed_lines():
    diff = compare(["a", "b", "c"], ["a", "B", "c", "d"])
    assert [(d.change, d.text) for d in diff] == [
        ("same", "a"),
        ("removed", "b"),
        ("added", "B"),
        ("same", "c"),
        ("added", "d"),
    ]


# ------------------------------------------------------------------ the property

AUTHORS = st.sampled_from([PERSON, REP, SW, GP, IMPORT])
TEXTS = st.sampled_from(["I like tea.", "I like coffee.", "I walk daily.", "I  like tea. "])
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("propose"), AUTHORS, TEXTS),
        st.tuples(st.just("edit"), AUTHORS, TEXTS),
        st.tuples(st.just("confirm"), AUTHORS, st.just("")),
        st.tuples(st.just("restore"), AUTHORS, st.integers(min_value=0, max_value=30)),
    ),
    max_size=25,
)


@settings(max_examples=400, deadline=None)
@given(first=st.tuples(AUTHORS, TEXTS), ops=OPS)
def test_no_sequence_shows_professional_words_as_the_persons(first, ops):
    """An independent oracle tracks the words the person last approved (wrote, edited,
    confirmed or restored themselves); any professional change clears it. Whatever
    happens, a statement shown as the person's must carry exactly those words."""
    author, text = first
    state = p.write(text, by=author)
    history = [state]
    approved = state.text if author.is_voice else None
    for op, by, arg in ops:
        before = state
        if op == "propose" or op == "edit":
            state = p.edit(state, arg, by=by)
        elif op == "confirm":
            if not by.is_voice:
                with pytest.raises(p.ProvenanceError):
                    p.confirm(state, by=by)
                continue
            state = p.confirm(state, by=by)
        else:
            state = p.restore(state, history[arg % len(history)], by=by)
        if by.is_voice:
            approved = state.text
        elif state != before:
            approved = None
        history.append(state)
        if p.is_persons_words(state):
            assert approved == state.text
            assert state.confirmed_by is not None and state.confirmed_by.is_voice
        if op == "confirm":
            # Liveness: the person's confirmation always shows.
            assert p.is_persons_words(state)
        if not by.is_voice and state != before:
            assert p.voice(state) == p.NOT_CONFIRMED
