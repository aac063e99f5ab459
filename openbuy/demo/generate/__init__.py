"""``openbuy generate``: a large, realistic and repeatable dataset, for benchmarks and load tests.

At the large scale: 100,000 needs with 1,000,000 supports, 200,000 comments, 20,000 ideas,
2,000 specifications being written (plus the one each process publishes), 10,000 processes of
every kind in every state with their submissions, evaluations, awards and contracts, and 20,000
lessons; medium is a tenth of that, small a thousandth, for tests.

The demo (``openbuy demo``) goes through the services, one write at a time; that would take
hours at this size. So this writes rows in bulk (:mod:`.writer`), generated on two cores while
the database writes them (:mod:`.pipeline`), in one transaction, and keeps by hand what the
services would have kept: every denormalised counter equals the rows written, each status
agrees with its dates, sealed submissions stay sealed until their phase is opened, the needs'
full-text index covers every new need and idea (:mod:`.fulltext`) and the lessons' similarity
index is rebuilt. The generated rows have no audit events of their own (the services would have
written one per change); one ``demo.generated`` event records the run, so ``openbuy audit
verify`` still passes.

Submissions are sealed with the process keys derived from ``OPENBUY_SEAL_KEY`` (or the secret
key): generate with the same keys the server will run with, or sealed content will not open.

The same seed and anchor day give the same content (ids too, in an empty database). Every date
is set against the anchor, the start of today in UTC unless given.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from tqdm import tqdm

from openbuy import pagecache
from openbuy.accounts.models import Organisation
from openbuy.audit import services as audit
from openbuy.contracts.models import Contract
from openbuy.demo.generate import fulltext, indexes, lessons, pipeline
from openbuy.demo.generate.context import SCALES, Context, Scale
from openbuy.demo.generate.writer import Writer, first_ids, insert, reset_sequences
from openbuy.lessons import index
from openbuy.lessons.models import Lesson
from openbuy.needs.areas import load_cpv_divisions
from openbuy.needs.models import Area, Idea, Need
from openbuy.processes.models import Process
from openbuy.specifications.models import Specification

__all__ = ["DEFAULT_SEED", "SCALES", "AlreadyGeneratedError", "Report", "Scale", "generate"]

DEFAULT_SEED = 2026


class AlreadyGeneratedError(Exception):
    """The database already holds needs: generating more would mix with them."""


@dataclass
class Report:
    scale: str
    seed: int
    anchor: datetime
    rows: dict[str, int] = field(default_factory=dict)
    insert_seconds: float = 0.0  # generating and writing the rows, up to the commit
    index_seconds: float = 0.0  # rebuilding the lessons' similarity index
    ocds_seconds: float | None = None  # publishing the processes as OCDS, when asked
    ocds_releases: int = 0

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    @property
    def seconds(self) -> float:
        return self.insert_seconds + self.index_seconds

    @property
    def rate(self) -> float:
        """Rows per second, over generating, writing and indexing: the whole run."""
        return self.total / self.seconds if self.seconds else 0.0

    @property
    def write_rate(self) -> float:
        """Rows per second up to the commit (the similarity index aside)."""
        return self.total / self.insert_seconds if self.insert_seconds else 0.0


def anchor_of(day: date | None = None) -> datetime:
    """The moment the data is set against: the start of ``day`` (today by default), in UTC."""
    day = day or datetime.now(UTC).date()
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def generate(
    *,
    scale: str = "small",
    seed: int = DEFAULT_SEED,
    anchor: datetime | None = None,
    force: bool = False,
    progress: bool = False,
    ocds: bool = False,
) -> Report:
    """Write a dataset of ``scale`` (a key of :data:`SCALES`). Refuses a database that already
    holds needs unless ``force``. With ``ocds``, also publishes every published process as OCDS
    releases afterwards (through :mod:`openbuy.opendata.publish`, one process at a time)."""
    if Need.objects.exists() and not force:
        raise AlreadyGeneratedError(
            f"The database already holds {Need.objects.count():,} needs. Generated data is meant "
            "for an empty database (run `openbuy flush` first), or pass --force to add it anyway."
        )
    size = SCALES[scale]
    report = Report(scale, seed, anchor or anchor_of())
    # The index is fitted alongside from the generated lessons alone: with lessons already in
    # the database (--force), or another engine, it is built the usual way afterwards.
    fit_index = index.engine_name() == "tfidf" and not Lesson.objects.exists()
    written: Counter[str] = Counter()
    started = time.perf_counter()
    with tqdm(
        total=size.objects,
        unit=" objects",
        desc=f"Generating ({scale})",
        disable=not progress,
        dynamic_ncols=True,
    ) as bar:

        def write(label: str, columns: list[str], rows: list[tuple]) -> None:
            insert(label, columns, rows)
            written[label] += len(rows)
            bar.set_postfix(rows=f"{written.total():,}", refresh=False)

        children = pipeline.Children([], None)
        try:
            with (
                transaction.atomic(),
                _bulk_settings(),
                fulltext.indexed_afterwards(),
                indexes.built_afterwards(),
            ):
                ctx = _prepare(size, seed, report.anchor)
                children = pipeline.run(
                    ctx,
                    write=write,
                    advance=bar.update,
                    describe=bar.set_description,
                    fit_index=fit_index,
                )
                reset_sequences(written)
                report.rows = dict(sorted(written.items()))
                audit.record(
                    actor=None,
                    action="demo.generated",
                    summary=f"Generated {report.total:,} rows of {scale} demo data (seed {seed})",
                    after={
                        "scale": scale,
                        "seed": seed,
                        "anchor": report.anchor,
                        "rows": report.rows,
                    },
                    public=False,
                )
                bar.set_description("Building indexes")
            _analyze()
            pagecache.invalidate()  # PostgreSQL's COPY is not seen by the connection's watch
            report.insert_seconds = time.perf_counter() - started
            bar.set_description("Rebuilding the lessons' similarity index")
            started = time.perf_counter()
            lessons.store_index(children.index())
        finally:
            children.stop()
        report.index_seconds = time.perf_counter() - started
    if ocds:
        report.ocds_seconds, report.ocds_releases = publish_ocds(progress=progress)
    return report


def _analyze() -> None:
    """Fresh planner statistics: right after a bulk load the database has none, and guesses
    (PostgreSQL planned the needs list as a nested loop over every area, 1.7 s instead of
    0.3 s). Autovacuum would get there, later; the first benchmark would pay for it."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # A sample per index: seconds, not minutes, for the whole database.
            cursor.execute("PRAGMA analysis_limit = 1000")
        cursor.execute("ANALYZE")


@contextmanager
def _bulk_settings() -> Iterator[None]:
    """SQLite: a page cache as large as the generated database (1 GB instead of 2 MB, taken
    only as it fills), so that its indexes are filled in memory; for this connection and this
    run only."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute("PRAGMA cache_size = -1048576")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _prepare(size: Scale, seed: int, anchor: datetime) -> Context:
    """The run's context, with all it needs from the database read now (the generating process
    does not use the database)."""
    writer = Writer(first_ids(), send=insert)
    ctx = Context(size, seed, anchor, writer, lambda count: None)
    load_cpv_divisions(Area)
    for area in Area.objects.all():
        ctx.areas[area.code.split()[1][:2]] = area.pk
        ctx.area_objects[area.pk] = area
    for model in (Need, Idea, Specification, Process, Contract):
        kind = ContentType.objects.get_for_model(model)
        ctx.content_types[f"{kind.app_label}.{kind.model}"] = kind.pk
    ctx.taken_slugs = set(Organisation.objects.values_list("slug", flat=True))
    return ctx


def publish_ocds(
    *, progress: bool = False, share: tuple[int, int] = (0, 1), refresh_flags: bool = True
) -> tuple[float, int]:
    """Publish every published process as OCDS (its releases and record), then the red flags
    once: the seconds it took and the releases made.

    Processes that already have a record are skipped, so an interrupted run carries on where it
    stopped. ``share=(part, parts)`` publishes only the processes whose id is ``part`` modulo
    ``parts``, so that several processes can share the work (the bench runs two, one per core),
    each with ``refresh_flags=False`` and the flags refreshed once after all of them.
    """
    from openbuy.opendata import flags, publish
    from openbuy.opendata.models import Record

    part, parts = share
    started = time.perf_counter()
    done = set(Record.objects.exclude(process_id=None).values_list("process_id", flat=True))
    ids = [
        pk
        for pk in Process.objects.filter(published_at__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
        if pk % parts == part and pk not in done
    ]
    released = 0
    for pk in tqdm(ids, unit=" processes", desc="Publishing OCDS", disable=not progress):
        released += len(publish.process(pk))
    if refresh_flags:
        flags.refresh()
    return time.perf_counter() - started, released
