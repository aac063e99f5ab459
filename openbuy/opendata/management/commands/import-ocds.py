"""``openbuy import-ocds FILE [FILE ...]``: import other publishers' OCDS data (``-`` is stdin).

Problems go to stderr, one line each with the entry's JSON pointer; the counts go to stdout.
The exit status is 1 only when a file cannot be opened or holds no JSON at all: entries that
are rejected are reported, and the rest of the file is imported.
"""

from __future__ import annotations

import os
import stat
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from openbuy.opendata import flags
from openbuy.opendata.importing import Counts, import_file
from openbuy.opendata.schema import SchemaUnavailable


class Command(BaseCommand):
    help = (
        "Import OCDS release packages, record packages, releases or records (one or many JSON "
        "values per file, line-delimited included) as other publishers' read-only data. "
        "OCDS 1.0 is upgraded to 1.1; each invalid entry is reported with its JSON pointer."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="a JSON file, or - for stdin")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="reject entries with schema problems instead of storing them",
        )
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="do not list each schema problem (rejections are still listed)",
        )
        parser.add_argument("--no-progress", action="store_true", help="show no progress bar")

    def handle(self, *args, files, strict, quiet, no_progress, **options):
        total, failed = Counts(), []
        for name in files:
            counts = self.import_one(name, strict=strict, quiet=quiet, bar=not no_progress)
            if counts is None or counts.not_json:
                failed.append(name)
            if counts is not None:
                total += counts
                if len(files) > 1 and options["verbosity"] > 1:
                    self.stdout.write(f"{name}: {counts.summary()}")
        self.stdout.write(total.summary())
        if total.stored or total.updated:
            # Several red flags compare a process with the others: recompute them all.
            self.stdout.write(f"red flags: {flags.refresh()} raised over everything held")
        if failed:
            raise CommandError(
                f"could not import {', '.join(failed)}: cannot be opened, or not JSON",
                returncode=1,
            )

    def import_one(self, name: str, *, strict: bool, quiet: bool, bar: bool) -> Counts | None:
        try:
            if name == "-":
                stream = getattr(sys.stdin, "buffer", sys.stdin)
                size = None
            else:
                stream = open(name, "rb")  # noqa: SIM115 - closed below
                status = os.fstat(stream.fileno())
                size = status.st_size if stat.S_ISREG(status.st_mode) else None
        except OSError as error:
            self.stderr.write(f"{name}: cannot be opened: {error.strerror or error}")
            return None
        progress_bar = tqdm(
            total=size,
            unit="B" if size is not None else " entries",
            unit_scale=size is not None,
            desc=name if len(name) <= 40 else "…" + name[-39:],
            file=sys.stderr,
            disable=not bar or not self.stderr.isatty(),
            leave=False,
        )

        def progress(position: int) -> None:
            if size is None:
                progress_bar.update(1)
            else:
                progress_bar.update(position - progress_bar.n)

        def report(line: str) -> None:
            with progress_bar.external_write_mode(file=sys.stderr):
                self.stderr.write(line)

        try:
            return import_file(
                stream,
                name=name,
                strict=strict,
                progress=progress,
                report=report,
                problems=not quiet,
            )
        except SchemaUnavailable as error:
            raise CommandError(str(error)) from error
        finally:
            progress_bar.close()
            if name != "-":
                stream.close()
