"""How well an engine finds the lessons a buyer should see: precision, recall and false positives
on a labelled set (data/labelled.json, whose "_about" key describes the format).

Definitions:

- precision@k = relevant lessons in the top k / k (the standard definition). A draft with fewer
  than k relevant lessons cannot score 1.0 (with one relevant lesson the best is 1/k), so the
  report also gives the best precision@3 any ranking could reach on the same drafts
  ("attainable"), to show how much of a shortfall is the set's and how much the engine's.
- recall@k = relevant lessons in the top k / number of relevant lessons.
- Both are means over the drafts that have at least one relevant lesson, and measure the ranking
  itself (every lesson that shares a term with the draft, whatever its score). Lessons that share
  nothing are never ranked, so they count as misses.
- The threshold is judged separately: recall@5 counting only lessons at or above it; the
  false-positive rate, the share of drafts with no relevant lesson for which anything at all
  passes it; and the share of judged-irrelevant pairs that pass into the top 3.

Run ``python -m openbuy.lessons.evaluation`` to print the report for the default engine.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from openbuy.lessons.similarity import TEXT_FIELDS, Doc, Engine, TfidfEngine

PRECISION_DEPTH = 3
RECALL_DEPTH = 5


def precision_at(k: int, ranked_ids: Sequence[int], relevant_ids: Iterable[int]) -> float:
    """Relevant ids among the first k ranked / k: standard precision@k."""
    relevant = set(relevant_ids)
    if k <= 0 or not relevant:
        raise ValueError("precision@k needs k > 0 and at least one relevant id")
    return len(relevant.intersection(ranked_ids[:k])) / k


def recall_at(k: int, ranked_ids: Sequence[int], relevant_ids: Iterable[int]) -> float:
    """Relevant ids among the first k ranked / number of relevant ids."""
    relevant = set(relevant_ids)
    if k <= 0 or not relevant:
        raise ValueError("recall@k needs k > 0 and at least one relevant id")
    return len(relevant.intersection(ranked_ids[:k])) / len(relevant)


@dataclass(frozen=True)
class Labelled:
    lessons: tuple[Doc, ...]
    drafts: Mapping[str, str]  # draft id -> text
    judgements: Mapping[tuple[str, int], bool]  # (draft id, lesson id) -> relevant
    held_out: frozenset[str] = frozenset()  # drafts written after tuning (see "_about")

    def relevant(self, draft_id: str) -> frozenset[int]:
        return frozenset(
            lesson for (draft, lesson), yes in self.judgements.items() if yes and draft == draft_id
        )


def labelled_from_dict(data: Mapping[str, Any]) -> Labelled:
    """Check and convert the JSON structure; raises ValueError on anything malformed."""
    lessons = []
    for item in data["lessons"]:
        missing = {"id", *TEXT_FIELDS} - set(item)
        if missing or not isinstance(item["id"], int):
            raise ValueError(f"Lesson {item.get('id')!r} is malformed (missing {missing})")
        lessons.append(Doc(id=item["id"], **{f: str(item[f]) for f in TEXT_FIELDS}))
    drafts = {str(d["id"]): str(d["text"]) for d in data["drafts"]}
    if len(drafts) != len(data["drafts"]) or len({d.id for d in lessons}) != len(lessons):
        raise ValueError("Duplicate draft or lesson ids")
    lesson_ids = {d.id for d in lessons}
    judgements: dict[tuple[str, int], bool] = {}
    for pair in data["pairs"]:
        key = (str(pair["draft"]), pair["lesson"])
        if key[0] not in drafts or key[1] not in lesson_ids:
            raise ValueError(f"Pair {pair} names an unknown draft or lesson")
        if key in judgements or not isinstance(pair["relevant"], bool):
            raise ValueError(f"Pair {pair} is repeated or has no true/false judgement")
        judgements[key] = pair["relevant"]
    held_out = frozenset(str(d["id"]) for d in data["drafts"] if d.get("held_out", False))
    return Labelled(lessons=tuple(lessons), drafts=drafts, judgements=judgements, held_out=held_out)


def load_labelled(path: str | Path | None = None) -> Labelled:
    """The labelled set shipped with the package, or the JSON file at ``path``."""
    if path is None:
        text = resources.files("openbuy.lessons").joinpath("data/labelled.json").read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    return labelled_from_dict(json.loads(text))


@dataclass(frozen=True)
class QueryResult:
    draft: str
    ranked: tuple[tuple[int, float], ...]  # (lesson id, score), best first, whatever the score
    relevant: frozenset[int]
    threshold: float
    precision: float | None  # standard precision@3; None for drafts without relevant lessons
    recall: float | None

    @property
    def shown(self) -> tuple[tuple[int, float], ...]:
        """What the buyer would see: the ranked lessons at or above the threshold."""
        return tuple((i, s) for i, s in self.ranked if s >= self.threshold)


@dataclass(frozen=True)
class Report:
    threshold: float
    # Ranking quality, over drafts with at least one relevant lesson, ignoring the threshold.
    precision_at_3: float  # standard: hits in the top 3 / 3
    recall_at_5: float
    # The best precision@3 any ranking could reach on these drafts: mean of min(3, relevant) / 3.
    attainable_precision_at_3: float
    # What the threshold does to it: relevant lessons in the top 5 that pass the threshold...
    shown_recall_at_5: float
    # ...drafts without relevant lessons for which anything passes (want low)...
    false_positive_rate: float
    # ...and judged-irrelevant pairs (mostly hard negatives) that pass into the top 3 (want low).
    judged_negative_rate: float
    queries: tuple[QueryResult, ...]

    def summary(self) -> str:
        lines = [
            f"precision@3 {self.precision_at_3:.3f}  recall@5 {self.recall_at_5:.3f}  "
            f"(attainable precision@3 {self.attainable_precision_at_3:.3f})  |  "
            f"at threshold {self.threshold:g}: recall@5 {self.shown_recall_at_5:.3f}  "
            f"false positives {self.false_positive_rate:.3f}  "
            f"judged negatives in top 3 {self.judged_negative_rate:.3f}",
            "draft [relevant] p@3 r@5  ranked (* relevant, | threshold)",
        ]
        for q in self.queries:
            cells = [f"{i}{'*' if i in q.relevant else ''}:{s:.3f}" for i, s in q.ranked]
            cells.insert(len(q.shown), "|")
            scores = "-" if q.precision is None else f"{q.precision:.2f} {q.recall:.2f}"
            relevant = ",".join(map(str, sorted(q.relevant)))
            lines.append(f"{q.draft} [{relevant}] {scores}  {' '.join(cells)}")
        return "\n".join(lines)


def evaluate(
    engine: Engine,
    labelled: Labelled,
    *,
    threshold: float | None = None,
    drafts: Iterable[str] | None = None,
) -> Report:
    """Fit ``engine`` on the labelled lessons, query each draft (or only ``drafts``), and score the
    results. ``threshold`` defaults to the engine's own."""
    index = engine.fit(labelled.lessons)
    floor = index.threshold if threshold is None else threshold
    depth = max(PRECISION_DEPTH, RECALL_DEPTH)
    chosen = set(labelled.drafts if drafts is None else drafts)
    results = []
    for draft_id, text in labelled.drafts.items():
        if draft_id not in chosen:
            continue
        ranked = tuple(index.query(text, limit=depth, threshold=0.0))
        ids = [lesson for lesson, _ in ranked]
        relevant = labelled.relevant(draft_id)
        results.append(
            QueryResult(
                draft=draft_id,
                ranked=ranked,
                relevant=relevant,
                threshold=floor,
                precision=precision_at(PRECISION_DEPTH, ids, relevant) if relevant else None,
                recall=recall_at(RECALL_DEPTH, ids, relevant) if relevant else None,
            )
        )
    with_relevant = [r for r in results if r.relevant]
    shown = {r.draft: [i for i, _ in r.shown] for r in results}
    negatives = [
        (d, lesson) for (d, lesson), yes in labelled.judgements.items() if not yes and d in chosen
    ]
    return Report(
        threshold=floor,
        precision_at_3=_mean(r.precision for r in with_relevant),
        recall_at_5=_mean(r.recall for r in with_relevant),
        attainable_precision_at_3=_mean(
            min(PRECISION_DEPTH, len(r.relevant)) / PRECISION_DEPTH for r in with_relevant
        ),
        shown_recall_at_5=_mean(
            recall_at(RECALL_DEPTH, shown[r.draft], r.relevant) for r in with_relevant
        ),
        false_positive_rate=_mean(float(bool(r.shown)) for r in results if not r.relevant),
        judged_negative_rate=_mean(
            float(lesson in shown[d][:PRECISION_DEPTH]) for d, lesson in negatives
        ),
        queries=tuple(results),
    )


def _mean(values: Iterable[float | None]) -> float:
    items = [v for v in values if v is not None]
    return sum(items) / len(items) if items else 0.0


if __name__ == "__main__":
    labelled = load_labelled()
    tuning = [d for d in labelled.drafts if d not in labelled.held_out]
    for title, subset in (
        ("All drafts", None),
        ("Tuning drafts", tuning),
        ("Held out", labelled.held_out),
    ):
        print(f"{title}\n{evaluate(TfidfEngine(), labelled, drafts=subset).summary()}\n")
