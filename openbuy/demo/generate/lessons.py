"""Generated lessons: the ones captured where a process failed (each failure the processes step
recorded gets its :class:`~openbuy.lessons.models.Capture`, with a lesson or the public reason
there is none), then lessons written by buyers and imported from other councils' registers, up to
the scale's count.

Fitting the similarity index over 20,000 lessons takes a while, so the generating process fits
it (:func:`fit`) while the rest is still being written, and it is stored afterwards as
:func:`openbuy.lessons.index.build` would store it (:func:`store_index`).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from multiprocessing.connection import Connection

from django.db import transaction
from django.db.models import F

from openbuy import clock
from openbuy.demo.generate import words
from openbuy.demo.generate.context import DAY, Context, between
from openbuy.lessons import index, similarity
from openbuy.lessons.models import Capture, Lesson, SimilarityIndex

S = Lesson.Status


def run(ctx: Context) -> None:
    rng = ctx.rng("lessons")
    lessons = ctx.writer.table(
        Lesson,
        "id",
        "organisation",
        "attributed_to",
        "author",
        "source",
        "status",
        "title",
        "tried",
        "happened",
        "why",
        "do_differently",
        "cost_amount",
        "cost_currency",
        "area",
        "stage",
        "tags",
        "content_type",
        "object_id",
        "about_label",
        "about_url",
        "import_key",
        "created_at",
        "updated_at",
        "published_at",
    )
    captures = ctx.writer.table(
        Capture,
        "id",
        "kind",
        "organisation",
        "content_type",
        "object_id",
        "label",
        "url",
        "lesson",
        "no_lesson_reason",
        "recorded_by",
        "recorded_at",
    )
    left = ctx.scale.lessons
    for failure in sorted(ctx.failures, key=lambda f: f.at):
        lesson = None
        if left > 0 and rng.random() < 0.7:
            left -= 1
            lesson = lessons.new_id()
            text = words.lesson(rng, words.THEMES[failure.theme], ctx.streets)
            published = rng.random() >= 0.05
            cost = failure.cost
            lessons.add(
                lesson,
                failure.organisation,
                "",
                failure.recorded_by,
                Lesson.Source.CAPTURED,
                S.PUBLISHED if published else S.DRAFT,
                text["title"],
                text["tried"],
                text["happened"],
                text["why"],
                text["do_differently"],
                cost,
                "GBP" if cost is not None else "",
                failure.area,
                failure.stage,
                "",
                failure.content_type,
                failure.object_id,
                failure.label,
                failure.url,
                "",
                failure.at,
                failure.at,
                failure.at if published else None,
            )
            if published:
                ctx.lessons.append(
                    Lesson(
                        pk=lesson,
                        organisation_id=failure.organisation,
                        area=ctx.area_objects[failure.area] if failure.area else None,
                        stage=failure.stage,
                        **{k: v for k, v in text.items() if k not in ("tags", "stage")},
                    )
                )
            ctx.advance(1)
        captures.add(
            captures.new_id(),
            failure.kind,
            failure.organisation,
            failure.content_type,
            failure.object_id,
            failure.label,
            failure.url,
            lesson,
            "" if lesson else rng.choice(words.NO_LESSON_REASONS),
            failure.recorded_by,
            failure.at,
        )
    for _ in range(left):
        theme_index = rng.randrange(len(words.THEMES))
        theme = words.THEMES[theme_index]
        text = words.lesson(rng, theme, ctx.streets)
        at = between(rng, ctx.start, ctx.anchor - DAY)
        imported = rng.random() < 0.2
        buyer = ctx.buyer(rng)
        organisation: int | None = buyer.id
        author: int | None = rng.choice(buyer.officers)
        attributed, key = "", ""
        source = Lesson.Source.WRITTEN
        if imported:
            source, author = Lesson.Source.IMPORTED, None
            if rng.random() < 0.6:
                organisation = None
                attributed = f"{rng.choice(words.TOWNS)} District Council"
            key = hashlib.sha256(f"{ctx.seed}:{lessons.next_id}".encode()).hexdigest()
        published = imported or rng.random() >= 0.05
        amount = rng.choice([None, None, 5_000, 20_000, 75_000, 250_000])
        cost = Decimal(amount) if amount is not None else None
        pk = lessons.new_id()
        lessons.add(
            pk,
            organisation,
            attributed,
            author,
            source,
            S.PUBLISHED if published else S.DRAFT,
            text["title"],
            text["tried"],
            text["happened"],
            text["why"],
            text["do_differently"],
            cost,
            "GBP" if cost is not None else "",
            ctx.areas[theme.division],
            text["stage"],
            text["tags"],
            None,
            None,
            "",
            "",
            key,
            at,
            at,
            at if published else None,
        )
        if published:
            ctx.lessons.append(
                Lesson(
                    pk=pk,
                    organisation_id=organisation,
                    attributed_to=attributed,
                    area=ctx.area_objects[ctx.areas[theme.division]],
                    **text,
                )
            )
        ctx.advance(1)
    ctx.writer.flush()


def fit(lessons: list[Lesson], sender: Connection) -> None:
    """Fit the similarity index over the published ``lessons`` and send what
    :func:`store_index` stores (in a generating process: never the database)."""
    engine = similarity.engine_from_name(index.engine_name())
    fitted = engine.fit(index.as_doc(lesson) for lesson in lessons)
    sender.send((fitted.dumps(), index.root_cause_phrases(lessons), len(lessons)))
    sender.close()


def store_index(fitted: tuple[bytes, list, int] | None) -> None:
    """Store an index fitted by :func:`fit_in_background` as :func:`openbuy.lessons.index.build`
    stores one, or build it the usual way if there is none."""
    if fitted is None:
        index.build()
        return
    data, phrases, count = fitted
    name = index.engine_name()
    with transaction.atomic():
        SimilarityIndex.objects.get_or_create(
            engine=name, defaults={"data": b"", "lessons": 0, "version": 0}
        )
        SimilarityIndex.objects.filter(engine=name).update(
            data=data,
            lessons=count,
            phrases=phrases,
            built_at=clock.now(),
            version=F("version") + 1,
        )
    index.forget()
