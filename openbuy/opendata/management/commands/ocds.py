"""``openbuy ocds publish|check|export|flags``: publish every process's releases, validate what
this instance publishes against the OCDS 1.1 schema, write the CSV and Excel downloads, and
recompute the red flags."""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from openbuy.opendata import export, flags, packages, publish, schema


class Command(BaseCommand):
    help = "Open data: publish, check (validate against OCDS 1.1), export (CSV/Excel), flags."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["publish", "check", "export", "flags"])
        parser.add_argument("--limit", type=int, default=20, help="check: problems to print")

    def handle(self, *args, action: str, limit: int, **options) -> None:
        getattr(self, f"_{action}")(limit)

    def _publish(self, limit: int) -> None:
        made = publish.everything()
        raised = flags.refresh()
        self.stdout.write(f"published {made} new release(s); {raised} red flag(s)")

    def _flags(self, limit: int) -> None:
        self.stdout.write(f"{flags.refresh()} red flag(s)")

    def _export(self, limit: int) -> None:
        for made in export.write():
            self.stdout.write(f"{made.path} ({made.size:,} bytes)")

    def _check(self, limit: int) -> None:
        try:
            schema.validator("release-package")
        except schema.SchemaUnavailable as error:
            raise CommandError(str(error)) from error
        counts: Counter[str] = Counter()
        shown = 0
        for kind, rows, wrap in (
            ("release", packages.releases(), lambda r: {"releases": [r.data]}),
            ("record", packages.records(), lambda r: {"records": [packages.record(r)]}),
        ):
            for row in rows.iterator(chunk_size=200):
                package = {**packages.metadata("https://example.org/check"), **wrap(row)}
                found = list(schema.problems(package, f"{kind}-package"))
                counts[f"{kind}s"] += 1
                if found:
                    counts[f"invalid {kind}s"] += 1
                    counts["errors"] += len(found)
                for problem in found:
                    if shown < limit:
                        self.stdout.write(f"{row.ocid}: {problem}")
                        shown += 1
        self.stdout.write(
            f"checked {counts['releases']} release(s) and {counts['records']} record(s) against "
            f"OCDS 1.1: {counts['errors']} error(s) in {counts['invalid releases']} release(s) "
            f"and {counts['invalid records']} record(s)"
        )
        if counts["errors"]:
            raise CommandError("the published data is not valid OCDS 1.1")
