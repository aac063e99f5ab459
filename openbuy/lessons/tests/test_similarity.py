"""The lesson-similarity engine and its labelled evaluation set. Pure Python: no database."""

from __future__ import annotations

import importlib.util
import json
import pickle
from importlib import resources

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openbuy.lessons.evaluation import (
    evaluate,
    labelled_from_dict,
    load_labelled,
    precision_at,
    recall_at,
)
from openbuy.lessons.similarity import (
    STOP_WORDS,
    THRESHOLD,
    CombinedEngine,
    Doc,
    Engine,
    Index,
    SemanticEngine,
    SemanticUnavailableError,
    StaleIndexError,
    TfidfEngine,
    engine_from_name,
    load_sentence_model,
    word_terms,
)

LATE_LORRIES = Doc(
    id=1,
    title="Bin lorries delivered months late",
    tried="Ordered new refuse collection vehicles from a single manufacturer.",
    happened="The vehicles arrived after the new rounds had started, so we hired at short notice.",
    why="Delivery dates were not binding and nobody tracked the build.",
    do_differently="Put firm delivery dates and damages for delay in the contract.",
    tags="late delivery, fleet",
)
INSURANCE = Doc(
    id=2,
    title="Insurance levels shut out small firms",
    tried="Used the corporate questionnaire for a small consultancy job.",
    happened="Local practices could not bid because of the professional indemnity level.",
    why="Cover was copied from a template written for big building projects.",
    do_differently="Set insurance in proportion to the risk of the contract.",
    tags="SME, insurance",
)
ACCESSIBILITY = Doc(
    id=3,
    title="Booking website failed accessibility checks",
    tried="Bought an off-the-shelf booking product for leisure centres.",
    happened="Screen reader users could not book classes.",
    why="Accessibility was not part of acceptance testing.",
    do_differently="Test with assistive technology before go-live.",
    tags="accessibility, WCAG",
)
CORPUS = (LATE_LORRIES, INSURANCE, ACCESSIBILITY)


@pytest.fixture(scope="module")
def labelled():
    return load_labelled()


@pytest.fixture(scope="module")
def labelled_index(labelled):
    return TfidfEngine().fit(labelled.lessons)


# -- examples -------------------------------------------------------------------------------------


def test_a_clearly_related_lesson_ranks_first():
    index = TfidfEngine().fit(CORPUS)
    draft = (
        "The council needs six electric waste trucks in service before the April round change; "
        "bidders must confirm when each truck will be handed over."
    )
    results = index.query(draft)
    assert results[0][0] == LATE_LORRIES.id
    assert results[0][1] >= THRESHOLD


def test_stemming_makes_delays_and_delayed_one_term():
    assert word_terms("delays") == word_terms("delayed") == word_terms("delay")
    words_only = TfidfEngine(word_weight=1.0)
    index = words_only.fit([Doc(id=1, title="Repeated delays"), Doc(id=2, title="Insurance")])
    assert [i for i, _ in index.query("delayed", threshold=0)] == [1]


def test_a_misspelling_is_matched_by_character_ngrams():
    index = TfidfEngine().fit(CORPUS)
    assert [i for i, _ in index.query("accesibility", threshold=0)][:1] == [ACCESSIBILITY.id]
    # The words alone do not match: it is the character n-grams that find it.
    assert TfidfEngine(word_weight=1.0).fit(CORPUS).query("accesibility", threshold=0) == []


def test_an_empty_corpus_or_query_returns_nothing():
    assert TfidfEngine().fit([]).query("late delivery") == []
    index = TfidfEngine().fit(CORPUS)
    assert index.query("") == []
    assert index.query("   \n\t") == []
    assert index.query("late delivery", limit=0) == []


def test_lessons_with_no_usable_words_do_not_break_fitting():
    index = TfidfEngine().fit([Doc(id=1, title="the and of"), Doc(id=2, title="1234 !!")])
    assert index.query("late delivery", threshold=0) == []


def test_threshold_excludes_unrelated_lessons(labelled, labelled_index):
    marquee = labelled.drafts["D24"]  # hiring a marquee: no lesson applies
    assert labelled_index.query(marquee) == []
    assert labelled_index.query(marquee, threshold=0)  # words are shared, just not enough
    assert labelled_index.query("Hire of a bouncy castle for the summer fete") == []


def test_limit_and_ties_by_id():
    same = dict(title="Late delivery of vehicles", why="No delivery dates in the contract")
    index = TfidfEngine().fit([Doc(id=7, **same), Doc(id=3, **same), Doc(id=5, **same)])
    results = index.query("late vehicles", threshold=0)
    assert [i for i, _ in results] == [3, 5, 7]
    assert len({score for _, score in results}) == 1
    assert [i for i, _ in index.query("late vehicles", limit=2, threshold=0)] == [3, 5]


def test_dumps_and_loads_give_the_same_results(labelled, labelled_index):
    loaded = Index.loads(labelled_index.dumps())
    assert len(loaded) == len(labelled_index)
    for text in labelled.drafts.values():
        assert loaded.query(text, threshold=0) == labelled_index.query(text, threshold=0)


def test_loads_rejects_foreign_or_stale_bytes():
    with pytest.raises(StaleIndexError):
        Index.loads(b"not an index")
    stale = pickle.dumps(({"format": 0, "sklearn": "0.1"}, b""))
    with pytest.raises(StaleIndexError):
        Index.loads(stale)


def test_add_and_remove_refit():
    index = TfidfEngine().fit(CORPUS[:2])
    assert ACCESSIBILITY.id not in index
    index.add(ACCESSIBILITY)
    assert index.query("screen reader accessibility")[0][0] == ACCESSIBILITY.id
    index.add(Doc(id=ACCESSIBILITY.id, title="Something else entirely"))  # replaces, same id
    assert len(index) == 3
    index.remove(ACCESSIBILITY.id)
    index.remove(999)  # not there: nothing happens
    assert [d.id for d in index.docs] == [1, 2]
    assert all(i != ACCESSIBILITY.id for i, _ in index.query("accessibility", threshold=0))


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="unique"):
        TfidfEngine().fit([Doc(id=1, title="a lesson"), Doc(id=1, title="another")])


# -- properties -----------------------------------------------------------------------------------

_word = st.from_regex(r"[a-z]{3,9}", fullmatch=True).filter(lambda w: w not in STOP_WORDS)
_text = st.lists(_word, max_size=12).map(" ".join)
_docs = st.lists(
    st.builds(Doc, id=st.integers(1, 10_000), title=_text, why=_text, happened=_text, tags=_text),
    max_size=8,
    unique_by=lambda d: d.id,
)
_settings = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_settings
@given(docs=_docs, text=_text, limit=st.integers(1, 10))
def test_results_are_bounded_sorted_limited_and_deterministic(docs, text, limit):
    index = TfidfEngine().fit(docs)
    results = index.query(text, limit=limit, threshold=0)
    assert len(results) <= limit
    assert all(0 < score <= 1 and round(score, 4) == score for _, score in results)
    assert results == sorted(results, key=lambda r: (-r[1], r[0]))
    assert index.query(text, limit=limit, threshold=0) == results
    assert TfidfEngine().fit(docs).query(text, limit=limit, threshold=0) == results


@st.composite
def _distinct_docs(draw):
    """Docs that share no word (after stemming) with each other."""
    count = draw(st.integers(2, 6))
    words = draw(
        st.lists(
            _word, min_size=count * 3, max_size=count * 6, unique_by=lambda w: tuple(word_terms(w))
        )
    )
    words = [w for w in words if word_terms(w)]
    per_doc = len(words) // count
    docs = []
    for n in range(count):
        own = words[n * per_doc : (n + 1) * per_doc]
        cut = draw(st.integers(0, len(own)))
        docs.append(Doc(id=n + 1, title=" ".join(own[:cut]), why=" ".join(own[cut:])))
    return docs


@_settings
@given(docs=_distinct_docs(), pick=st.integers(0, 5))
def test_a_lesson_queried_with_its_own_text_ranks_itself_first(docs, pick):
    doc = docs[pick % len(docs)]
    results = TfidfEngine().fit(docs).query(doc.text, threshold=0)
    assert results[0][0] == doc.id


@_settings
@given(docs=_docs.filter(lambda docs: len(docs) >= 2))
def test_feedback_in_one_product_equals_adding_each_lessons_likeness(docs):
    """Feedback sums the best lessons' likeness to every lesson in one sparse product; that must
    equal adding each one's likeness in turn, each lesson's likeness to itself left out."""
    engine = TfidfEngine()
    index = engine.fit(docs)
    positions, weights = [0, len(docs) - 1], [0.6, 0.3]
    one_product = engine.feedback_scores(index._state, positions, weights, index.docs)
    one_by_one = Engine.feedback_scores(engine, index._state, positions, weights, index.docs)
    assert one_product == pytest.approx(one_by_one, abs=1e-5)


# -- the labelled set and the evaluation ---------------------------------------------------------


def test_the_labelled_set_is_well_formed(labelled):
    raw = json.loads(
        resources.files("openbuy.lessons").joinpath("data/labelled.json").read_text("utf-8")
    )
    assert "_about" in raw
    assert len(labelled.lessons) >= 25
    assert len(labelled.drafts) >= 20
    assert len(labelled.judgements) >= 60
    lesson_ids = {d.id for d in labelled.lessons}
    assert {lesson for _, lesson in labelled.judgements} <= lesson_ids
    assert {draft for draft, _ in labelled.judgements} == set(labelled.drafts)
    for doc in labelled.lessons:
        assert all([doc.title, doc.tried, doc.happened, doc.why, doc.do_differently, doc.tags])
    without_relevant = [d for d in labelled.drafts if not labelled.relevant(d)]
    assert len(without_relevant) >= 3
    # Like a register shared by many councils, the same failure recurs: most drafts with relevant
    # lessons have at least three, so standard precision@3 can reach 1 on them.
    with_relevant = [d for d in labelled.drafts if labelled.relevant(d)]
    assert sum(len(labelled.relevant(d)) >= 3 for d in with_relevant) >= 0.9 * len(with_relevant)
    assert sum(not yes for yes in labelled.judgements.values()) >= 30


def test_labelled_from_dict_refuses_unknown_ids():
    data = {
        "lessons": [{**dict.fromkeys(Doc.__dataclass_fields__, "x"), "id": 1}],
        "drafts": [{"id": "D1", "text": "a draft"}],
        "pairs": [{"draft": "D1", "lesson": 2, "relevant": True}],
    }
    with pytest.raises(ValueError, match="unknown"):
        labelled_from_dict(data)


def test_precision_and_recall_definitions():
    # Standard precision@3: hits in the top 3 / 3, however few lessons are relevant.
    assert precision_at(3, [4, 5, 6], {4}) == pytest.approx(1 / 3)
    assert precision_at(3, [5, 4, 6], {4, 9}) == pytest.approx(1 / 3)
    assert precision_at(3, [1, 2], {1, 2, 3, 8}) == pytest.approx(2 / 3)
    assert precision_at(3, [3, 8, 1, 2], {1, 2, 3, 8}) == 1.0
    assert precision_at(3, [7, 5, 6, 4], {4}) == 0.0
    assert recall_at(5, [1, 2, 3, 4, 5, 6], {6, 1}) == 0.5
    assert recall_at(5, [], {1}) == 0.0
    with pytest.raises(ValueError):
        precision_at(3, [1], set())


def test_the_report_gives_the_best_attainable_precision():
    data = {
        "lessons": [
            {**dict.fromkeys(Doc.__dataclass_fields__, "bridge repairs"), "id": i}
            for i in (1, 2, 3)
        ],
        "drafts": [{"id": "A", "text": "bridge repairs"}, {"id": "B", "text": "bridge repairs"}],
        "pairs": [
            {"draft": "A", "lesson": 1, "relevant": True},
            *({"draft": "B", "lesson": i, "relevant": True} for i in (1, 2, 3)),
        ],
    }
    report = evaluate(TfidfEngine(), labelled_from_dict(data))
    assert report.attainable_precision_at_3 == pytest.approx((1 / 3 + 1) / 2)
    assert report.precision_at_3 == pytest.approx((1 / 3 + 1) / 2)  # all three tie: all found


def test_the_default_engine_reaches_the_issue_target(labelled):
    """Issue #8: precision@3 (hits in the top 3 / 3) of at least 0.7 over the labelled set."""
    report = evaluate(TfidfEngine(), labelled)
    assert report.precision_at_3 >= 0.7, report.summary()
    assert report.false_positive_rate == 0, report.summary()


def test_feedback_is_what_lifts_it(labelled):
    """Pseudo-relevance feedback is the difference: without it the engine ranks worse."""
    plain = evaluate(TfidfEngine(feedback_docs=0), labelled)
    assert plain.precision_at_3 < evaluate(TfidfEngine(), labelled).precision_at_3


def test_the_default_engine_does_not_get_worse_on_the_labelled_set(labelled):
    """Floors just under today's figures (all drafts: precision@3 0.716, recall@5 0.713; held
    out, never used for tuning: 0.556 and 0.730), so a change that ranks worse fails here."""
    report = evaluate(TfidfEngine(), labelled)
    assert report.attainable_precision_at_3 >= 0.95, report.summary()
    assert report.precision_at_3 >= 0.70, report.summary()
    assert report.recall_at_5 >= 0.69, report.summary()
    held_out = evaluate(TfidfEngine(), labelled, drafts=labelled.held_out)
    assert held_out.precision_at_3 >= 0.54, held_out.summary()
    assert held_out.recall_at_5 >= 0.7, held_out.summary()


# -- semantic and combined engines, with a fake encoder ------------------------------------------

_CONCEPTS = {
    "late": ("late", "delay", "slow", "overdue", "arriv"),
    "vehicle": ("lorr", "truck", "vehicle", "fleet"),
    "insurance": ("insur", "indemnit", "cover"),
    "small": ("small", "local", "sme"),
    "access": ("access", "screen", "assistive", "wcag", "blind"),
}


def fake_encode(texts: list[str]) -> np.ndarray:
    """Counts of a few concepts, found by word prefix: enough to behave like an embedding."""
    rows = []
    for text in texts:
        words = text.lower().split()
        rows.append(
            [sum(w.startswith(stems) for w in words) for stems in _CONCEPTS.values()] + [0.1]
        )
    return np.asarray(rows, dtype=float)


def test_semantic_engine_ranks_by_meaning():
    index = SemanticEngine(fake_encode).fit(CORPUS)
    results = index.query("trucks turning up overdue", threshold=0)
    assert results[0][0] == LATE_LORRIES.id
    assert all(0 <= score <= 1 for _, score in results)
    assert SemanticEngine(fake_encode).fit([]).query("anything") == []


def test_semantic_index_round_trip_needs_the_encoder_back():
    index = SemanticEngine(fake_encode).fit(CORPUS)
    data = index.dumps()
    loaded = Index.loads(data, encode=fake_encode)
    assert loaded.query("small firms and insurance") == index.query("small firms and insurance")


def test_semantic_engine_checks_what_the_encoder_returns():
    with pytest.raises(ValueError, match="shape"):
        SemanticEngine(lambda texts: np.zeros(3)).fit(CORPUS)


def test_combined_engine_mixes_scores_and_thresholds():
    tfidf, semantic = TfidfEngine(), SemanticEngine(fake_encode, threshold=0.4)
    combined = CombinedEngine(tfidf, semantic, weight=0.25)
    assert combined.threshold == pytest.approx(0.75 * THRESHOLD + 0.25 * 0.4)
    text = "lorries arrived late"
    a = tfidf.fit(CORPUS).scores(text)
    b = semantic.fit(CORPUS).scores(text)
    mixed = combined.fit(CORPUS).scores(text)
    for doc_id, score in mixed.items():
        assert score == pytest.approx(0.75 * a[doc_id] + 0.25 * b[doc_id], abs=1e-6)
    assert combined.fit(CORPUS).query(text)[0][0] == LATE_LORRIES.id


def test_engine_from_name():
    assert isinstance(engine_from_name("tfidf"), TfidfEngine)
    assert isinstance(engine_from_name(""), TfidfEngine)
    engine = engine_from_name("Semantic", encode=fake_encode)
    assert isinstance(engine, CombinedEngine)
    assert engine.fit(CORPUS).query("late lorries")[0][0] == LATE_LORRIES.id
    with pytest.raises(ValueError, match="Unknown"):
        engine_from_name("bm25")


@pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is not None,
    reason="openbuy[semantic] is installed here",
)
def test_without_the_semantic_extra_the_error_says_what_to_install():
    with pytest.raises(SemanticUnavailableError, match=r"openbuy\[semantic\]"):
        engine_from_name("semantic")
    with pytest.raises(SemanticUnavailableError, match=r"openbuy\[semantic\]"):
        load_sentence_model()
