"""``openbuy lessons``: the lessons register for operators.

- ``import FILE.csv`` (or ``-`` for standard input): add lessons from a spreadsheet.
- ``reindex``: rebuild the similarity index now.
- ``similar "TEXT"``: the published lessons most like a text, as the lessons gate finds them.
- ``evaluate``: how well each similarity engine ranks the labelled set shipped with openbuy.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from openbuy.lessons import evaluation, index, selectors, services, similarity

IMPORT_HELP = (
    "Import lessons from a CSV file (UTF-8, comma-separated), or '-' to read standard input. "
    "The first row names the columns: title, tried, happened, why, do_differently, tags, "
    "organisation (in any order; other columns are ignored). tags is a comma-separated list "
    "inside one cell; organisation is the slug or name of an organisation here, or else the "
    "name of the organisation to attribute the lesson to. Every other column must be filled "
    "in. Good rows are stored and published; a row imported before is left unchanged; each bad "
    "row is reported as 'line N: message' and the command exits with status 1, keeping the "
    "good rows."
)
MIN_PRECISION = 0.7


class Command(BaseCommand):
    help = (
        "The lessons register: `import FILE.csv`, `reindex`, `similar TEXT`, `evaluate`. "
        "See `openbuy lessons <subcommand> --help`."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        importing = sub.add_parser("import", help=IMPORT_HELP, description=IMPORT_HELP)
        importing.add_argument("file", help="The CSV file, or - for standard input")
        sub.add_parser(
            "reindex",
            help="Rebuild the similarity index over every published lesson now (it is rebuilt "
            "by itself whenever a lesson is published, changed or redacted).",
        )
        finding = sub.add_parser(
            "similar", help="The published lessons most like a text, best first."
        )
        finding.add_argument("text", help="The text to match, in quotes")
        finding.add_argument("--limit", type=int, default=10, help="At most this many (10)")
        finding.add_argument(
            "--threshold",
            type=float,
            default=None,
            help="The lowest score shown (default: the engine's own, as at the lessons gate)",
        )
        finding.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help='Print [{"id": …, "score": …, "title": …}] instead of a table',
        )
        evaluating = sub.add_parser(
            "evaluate",
            help="Rank the labelled set (openbuy/lessons/data/labelled.json, in memory: the "
            "database is not touched) with each engine and print precision@3 (relevant lessons "
            "in the top 3 / 3) and recall@5. "
            f"Exits with status 1 when the configured engine's precision@3 is below "
            f"{MIN_PRECISION}.",
        )
        evaluating.add_argument("--file", help="Another labelled set in the same format")
        evaluating.add_argument(
            "--min-precision",
            type=float,
            default=MIN_PRECISION,
            help=f"The precision@3 the configured engine must reach ({MIN_PRECISION})",
        )
        evaluating.add_argument(
            "--details", action="store_true", help="Also print each draft's ranking"
        )

    def handle(self, *args, subcommand: str, **options):
        getattr(self, f"_{subcommand}")(**options)

    # --- import ---------------------------------------------------------------------------------

    def _import(self, *, file: str, **options):
        if file == "-":
            stream = sys.stdin
            data = getattr(stream, "buffer", stream).read()
        else:
            try:
                data = Path(file).read_bytes()
            except OSError as error:
                raise CommandError(f"Cannot read {file}: {error.strerror or error}") from None
        report = services.import_csv(data)
        rejected = len(report.errors)
        for line, message in report.errors:
            self.stderr.write(f"line {line}: {message}")
        self.stdout.write(
            f"read {report.read}, stored {report.stored}, unchanged {report.unchanged}, "
            f"rejected {rejected}"
        )
        if rejected:
            raise CommandError(
                f"{rejected} row{'s' if rejected != 1 else ''} rejected (the good rows are kept)",
                returncode=1,
            )

    # --- reindex ------------------------------------------------------------------------------

    def _reindex(self, **options):
        started = time.perf_counter()
        try:
            row = index.build()
        except similarity.SemanticUnavailableError as error:
            raise CommandError(str(error)) from None
        took = time.perf_counter() - started
        self.stdout.write(
            f"{row.lessons} lesson{'s' if row.lessons != 1 else ''} indexed with the "
            f"{row.engine} engine in {took:.2f} s"
        )

    # --- similar ------------------------------------------------------------------------------

    def _similar(self, *, text: str, limit: int, threshold: float | None, as_json: bool, **options):
        if limit < 1:
            raise CommandError("--limit must be 1 or more")
        if not text.strip():
            raise CommandError("Give the text to match")
        matches = selectors.similar(text, limit=limit, threshold=threshold)
        if as_json:
            rows = [{"id": m.lesson.pk, "score": m.score, "title": m.lesson.title} for m in matches]
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        if not matches:
            self.stdout.write("No similar lessons.")
            return
        for m in matches:
            self.stdout.write(f"{m.score:.4f}  #{m.lesson.pk}  {m.lesson.title} ({m.lesson.by})")

    # --- evaluate -----------------------------------------------------------------------------

    def _evaluate(self, *, file: str | None, min_precision: float, details: bool, **options):
        try:
            labelled = evaluation.load_labelled(file)
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"Cannot read the labelled set: {error}") from None
        self.stdout.write(
            f"{len(labelled.lessons)} lessons, {len(labelled.drafts)} drafts, "
            f"{len(labelled.judgements)} judged pairs"
        )
        default = index.engine_name()
        results: dict[str, float] = {}
        for name in similarity.ENGINE_NAMES:
            try:
                report = evaluation.evaluate(similarity.engine_from_name(name), labelled)
            except similarity.SemanticUnavailableError as error:
                self.stdout.write(f"{name}: unavailable — {error}")
                continue
            results[name] = report.precision_at_3
            self.stdout.write(
                f"{name}: precision@3 {report.precision_at_3:.3f}  "
                f"recall@5 {report.recall_at_5:.3f}  "
                f"(best attainable precision@3 {report.attainable_precision_at_3:.3f}; "
                f"at its threshold {report.threshold:g}: recall@5 "
                f"{report.shown_recall_at_5:.3f}, false positives "
                f"{report.false_positive_rate:.3f})"
            )
            if details:
                self.stdout.write(report.summary())
        if default not in results:
            raise CommandError(f"The configured engine, {default}, could not be evaluated")
        if results[default] < min_precision:
            raise CommandError(
                f"The configured engine, {default}, ranks below precision@3 {min_precision:g} "
                f"({results[default]:.3f})"
            )
