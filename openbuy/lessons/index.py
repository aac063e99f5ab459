"""The similarity index over published lessons, as the rest of openbuy uses it.

The index is built off the request path (the ``reindex`` task, queued whenever a lesson is
published, changed or redacted, and ``openbuy lessons reindex``) and stored in the database
(:class:`~openbuy.lessons.models.SimilarityIndex`), so every app process and worker shares it.
Each process keeps the index it last loaded and reloads it when a newer version is stored: a
query costs one small database read plus the engine's matrix product.

The engine is chosen by ``OPENBUY_LESSONS_ENGINE``: ``tfidf`` (the default, no model download)
or ``semantic`` (TF-IDF combined with sentence embeddings; needs ``openbuy[semantic]``).
"""

from __future__ import annotations

import threading
from collections import Counter

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from openbuy import clock
from openbuy.lessons import similarity
from openbuy.lessons.models import Lesson, SimilarityIndex

_loaded: dict[str, tuple[int, similarity.Index]] = {}
_lock = threading.Lock()


def engine_name() -> str:
    return settings.LESSONS_ENGINE


def as_doc(lesson: Lesson) -> similarity.Doc:
    extra = [lesson.tags, lesson.get_stage_display() if lesson.stage else ""]
    if lesson.area is not None:
        extra.append(lesson.area.name)
    return similarity.Doc(
        id=lesson.pk,
        title=lesson.title,
        tried=lesson.tried,
        happened=lesson.happened,
        why=lesson.why,
        do_differently=lesson.do_differently,
        tags=", ".join(e for e in extra if e),
    )


def _published():
    return Lesson.objects.filter(status=Lesson.Status.PUBLISHED).select_related("area")


def build(name: str | None = None) -> SimilarityIndex:
    """Fit the engine on every published lesson and store it, with the most repeated root-cause
    phrases. Safe to run while pages query the old index. Builds take turns (a row lock held
    from reading the lessons to storing the result), so an older snapshot never overwrites a
    newer one."""
    name = name or engine_name()
    try:
        with transaction.atomic():
            SimilarityIndex.objects.get_or_create(
                engine=name, defaults={"data": b"", "lessons": 0, "version": 0}
            )
    except IntegrityError:  # created by a build running at the same moment
        pass
    with transaction.atomic():
        row = SimilarityIndex.objects.select_for_update().get(engine=name)
        lessons = list(_published().order_by("pk"))
        index = similarity.engine_from_name(name).fit(as_doc(lesson) for lesson in lessons)
        SimilarityIndex.objects.filter(pk=row.pk).update(
            data=index.dumps(),
            lessons=len(lessons),
            phrases=root_cause_phrases(lessons),
            built_at=clock.now(),
            version=F("version") + 1,
        )
        row.refresh_from_db()
    with _lock:
        _loaded[name] = (row.version, index)
    return row


def current(name: str | None = None) -> similarity.Index | None:
    """The latest stored index (built at once the first time, if there are lessons)."""
    name = name or engine_name()
    version = SimilarityIndex.objects.filter(engine=name).values_list("version", flat=True).first()
    if not version:  # never built (or the first build is still running)
        if not _published().exists():
            return None
        build(name)
        return _loaded[name][1]
    with _lock:
        cached = _loaded.get(name)
    if cached is not None and cached[0] == version:
        return cached[1]
    row = SimilarityIndex.objects.filter(engine=name).first()
    if row is None:  # rebuilt and replaced between the two reads
        return current(name)
    try:
        index = similarity.Index.loads(bytes(row.data))
    except similarity.StaleIndexError:
        build(name)
        return _loaded[name][1]
    with _lock:
        _loaded[name] = (row.version, index)
    return index


def similar(
    text: str, *, limit: int = 10, threshold: float | None = None
) -> list[tuple[int, float]]:
    """``(lesson id, score)`` for the published lessons most like ``text``, best first."""
    index = current()
    if index is None:
        return []
    return index.query(text, limit=limit, threshold=threshold)


def forget() -> None:
    """Drop what this process has loaded (tests, and after a restore)."""
    with _lock:
        _loaded.clear()


# --- the most repeated root causes ---------------------------------------------------------------

PHRASES = 12


def root_cause_phrases(lessons: list[Lesson]) -> list[list]:
    """The phrases (two or three content words) that recur most across lessons' root causes:
    ``[[phrase, lessons, organisations]]``, at least two lessons each, most lessons first. A
    phrase inside a longer one found in as many lessons is left out."""
    seen: Counter[str] = Counter()
    by_org: dict[str, set] = {}
    for lesson in lessons:
        words = similarity.content_words(lesson.why)
        grams = {" ".join(words[i : i + n]) for n in (2, 3) for i in range(len(words) - n + 1)}
        for gram in grams:
            seen[gram] += 1
            by_org.setdefault(gram, set()).add(lesson.organisation_id or lesson.attributed_to)
    ranked = [(g, c) for g, c in seen.items() if c >= 2]
    ranked.sort(key=lambda item: (-item[1], -len(item[0].split()), item[0]))
    kept: list[tuple[str, int]] = []
    for gram, count in ranked:
        if any(gram in longer and count == n for longer, n in kept):
            continue
        kept.append((gram, count))
        if len(kept) == PHRASES:
            break
    return [[gram, count, len(by_org[gram])] for gram, count in kept]
