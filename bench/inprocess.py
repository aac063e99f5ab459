"""The bench's work inside Django: choosing the pages to load, preparing signed-in supporters,
checking the counts afterwards, and the figures measured in process (search, lesson
similarity, the OCDS record package). Run by ``bench/run.py`` with the bench's environment:

    python bench/inprocess.py <task> [arguments]

Each task prints one line ``BENCH <json>`` for run.py to read.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

QUERIES = 200  # timed calls per in-process figure, after WARM_UP untimed ones
WARM_UP = 20
SUPPORTERS = 64


def _setup() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


def _emit(**figures) -> None:
    print("BENCH " + json.dumps(figures, default=str), flush=True)


def _percentiles(seconds: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {
        "p50_ms": cuts[49] * 1000,
        "p95_ms": cuts[94] * 1000,
        "p99_ms": cuts[98] * 1000,
        "max_ms": max(seconds) * 1000,
        "calls": len(seconds),
    }


def _timed(call, inputs: list) -> dict[str, float]:
    for item in inputs[:WARM_UP]:
        call(item)
    seconds = []
    for item in inputs[WARM_UP:]:
        started = time.perf_counter()
        call(item)
        seconds.append(time.perf_counter() - started)
    return _percentiles(seconds)


def dataset() -> None:
    """What the database holds: the generation it came from, and its sizes."""
    from openbuy.audit.models import AuditEvent
    from openbuy.lessons.models import Lesson
    from openbuy.needs.models import Need, Support
    from openbuy.opendata.models import Record, Release
    from openbuy.processes.models import Process

    run = AuditEvent.objects.filter(action="demo.generated").order_by("-pk").first()
    _emit(
        generated=run.changes.get("after") if run else None,
        needs=Need.objects.count(),
        supports=Support.objects.count(),
        processes=Process.objects.count(),
        lessons=Lesson.objects.filter(status=Lesson.Status.PUBLISHED).count(),
        releases=Release.objects.count(),
        records=Record.objects.count(),
    )


def pages() -> None:
    """The addresses the HTTP figures load: a busy need and a finished tender, the heaviest
    pages of their kind, rather than whichever comes first."""
    from django.db.models import Count

    from openbuy.needs.models import Need
    from openbuy.processes.models import Process

    need = Need.objects.filter(visibility="visible").order_by("-support_count", "pk").first()
    process = (
        Process.objects.filter(state=Process.State.AWARDED)
        .annotate(lot_count=Count("lots"))
        .order_by("-lot_count", "pk")
        .first()
    )
    if need is None or process is None:
        raise SystemExit("The bench database holds no needs or no awarded processes.")
    _emit(need=f"/needs/{need.pk}/", process=f"/processes/{process.pk}/")


def supporters(path: str) -> None:
    """Signed-in residents, one open need each, written as ``session csrf need`` lines for
    bench/wrk/support.lua. Their sessions are made as signing in makes them."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.middleware.csrf import CSRF_ALLOWED_CHARS
    from django.utils.crypto import get_random_string

    from openbuy.accounts.models import User
    from openbuy.needs.models import Need, Support

    store = import_module(settings.SESSION_ENGINE).SessionStore
    needs = list(
        Need.objects.filter(
            visibility="visible", status__in=Need.OPEN_STATUSES, author__blocked_at=None
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:SUPPORTERS]
    )
    lines = []
    for number, need in enumerate(needs):
        user, _ = User.objects.get_or_create(
            email=f"bench-supporter-{number}@example.invalid",
            defaults={"name": f"Bench supporter {number}"},
        )
        # Each starts from not supporting, as the script's first request supports.
        if Support.objects.filter(user=user, need_id=need).exists():
            _withdraw(user, need)
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        lines.append(f"{session.session_key} {get_random_string(32, CSRF_ALLOWED_CHARS)} {need}")
    Path(path).write_text("\n".join(lines) + "\n")
    _emit(supporters=len(lines), needs=needs)


def _withdraw(user, need_id: int) -> None:
    from openbuy.needs import services
    from openbuy.needs.models import Need

    services.need_unsupport(actor=user, need=Need.objects.get(pk=need_id))


def toggles_since(mark: str) -> None:
    """How many supports were given or withdrawn after audit event ``mark``, and whether every
    need's stored counts equal its supports."""
    from django.db.models import Count, F, Q

    from openbuy.audit.models import AuditEvent
    from openbuy.needs.models import Need

    done = AuditEvent.objects.filter(
        pk__gt=int(mark), action__in=["need.supported", "need.unsupported"]
    ).count()
    wrong = (
        Need.objects.annotate(
            rows=Count("supports"),
            frontline_rows=Count("supports", filter=Q(supports__is_frontline=True)),
        )
        .exclude(support_count=F("rows"), frontline_support_count=F("frontline_rows"))
        .values_list("pk", flat=True)
    )
    wrong = list(wrong[:20])
    _emit(toggles=done, wrong_counts=wrong)


def chain(start: str, seconds: str) -> None:
    """Append audit events and nothing else, from ``start`` (a wall-clock time, shared with the
    other processes run.py starts) for ``seconds``: how many audited transactions the one chain
    takes (ADR 008). Every audited write, from any app server, passes through it. The events
    are private, so the bench database's public activity log does not fill with them."""
    from django.db import transaction

    from openbuy.audit import services as audit

    begin, end = float(start), float(start) + float(seconds)
    while time.time() < begin:
        time.sleep(0.001)
    appended = 0
    while time.time() < end:
        with transaction.atomic():
            audit.record(
                actor=None, action="bench.chain", summary="bench: chain capacity", public=False
            )
        appended += 1
    _emit(appended=appended)


def audit_mark() -> None:
    from django.db.models import Max

    from openbuy.audit.models import AuditEvent

    _emit(mark=AuditEvent.objects.aggregate(top=Max("pk"))["top"] or 0)


def search() -> None:
    """Full-text search over every need and idea: two- and three-word queries a resident
    might type, made of words from the needs' own titles (seeded)."""
    from openbuy.needs import search as needs_search
    from openbuy.needs.models import Need

    rng = random.Random(9)
    pks = sorted(Need.objects.values_list("pk", flat=True))
    chosen = rng.sample(pks, min(2000, len(pks)))  # the same titles every run
    titles = list(Need.objects.filter(pk__in=chosen).values_list("title", flat=True))
    words = sorted({w.lower() for t in titles for w in t.split() if len(w) > 3 and w.isalpha()})
    queries = [" ".join(rng.sample(words, rng.choice([1, 2, 2, 3]))) for _ in range(QUERIES)]
    found = []

    def run(query: str) -> None:
        found.append(len(needs_search.search(query)))

    figures = _timed(run, queries)
    _emit(**figures, needs=Need.objects.count(), mean_hits=statistics.mean(found))


def similar() -> None:
    """The ten most similar published lessons for a specification's text, as the lessons gate
    asks before a specification is frozen."""
    from openbuy.lessons import index
    from openbuy.lessons.models import Lesson
    from openbuy.specifications.models import Specification
    from openbuy.specifications.services import gate_text

    rng = random.Random(11)
    specs = Specification.objects.order_by("pk")[:QUERIES]
    texts = [gate_text(spec) for spec in specs]  # what freezing a specification asks with
    queries = [rng.choice(texts) for _ in range(QUERIES)]
    figures = _timed(lambda text: index.similar(text, limit=10), queries)
    _emit(**figures, lessons=Lesson.objects.filter(status=Lesson.Status.PUBLISHED).count())


def records(path: str) -> None:
    """The whole record package, streamed to ``path`` as /open-data/records.json serves it:
    its seconds and this process's peak memory."""
    from openbuy.opendata import packages

    started = time.perf_counter()
    with Path(path).open("wb") as out:
        for chunk in packages.stream_records("https://example.org/open-data/records.json"):
            out.write(chunk)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    _emit(seconds=seconds, peak_mb=peak, bytes=Path(path).stat().st_size)


def releases(path: str) -> None:
    """Every release in one package, the input ``ocdskit compile`` is timed on."""
    from openbuy.opendata import packages

    with Path(path).open("wb") as out:
        for chunk in packages.stream_releases("https://example.org/open-data/releases.json"):
            out.write(chunk)
    _emit(bytes=Path(path).stat().st_size)


def publish(part: str, parts: str) -> None:
    """Publish one share of the published processes as OCDS, as ``openbuy generate --ocds``
    does (resuming where an interrupted run stopped); run.py refreshes the red flags after."""
    from openbuy.demo.generate import publish_ocds

    seconds, made = publish_ocds(share=(int(part), int(parts)), refresh_flags=False)
    _emit(releases=made, seconds=seconds)


TASKS = {
    "publish": publish,
    "dataset": dataset,
    "pages": pages,
    "supporters": supporters,
    "audit-mark": audit_mark,
    "chain": chain,
    "toggles-since": toggles_since,
    "search": search,
    "similar": similar,
    "records": records,
    "releases": releases,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("task", choices=TASKS)
    parser.add_argument("args", nargs="*")
    options = parser.parse_args()
    _setup()
    TASKS[options.task](*options.args)


if __name__ == "__main__":
    main()
